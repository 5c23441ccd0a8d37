"""UCI Online Retail: one line per invoice line (InvoiceNo, StockCode, Description, Quantity,
InvoiceDate, UnitPrice, CustomerID, Country), as CSV (UTF-8 or ISO-8859-1, gzipped or not) or
Parquet with the same columns. Models: models/sources/online_retail/."""

from __future__ import annotations

from segments.sources.base import Inputs, Source
from segments.sources.files import CheckedInputs, IngestResult, check_inputs
from segments.sources.online_retail import ingest, quality
from segments.sources.order_lines import dashboard


def _check(inputs: Inputs) -> CheckedInputs:
    return check_inputs(inputs.data)


def _ingest(spark, checked: CheckedInputs) -> dict[str, IngestResult]:
    return {"order_lines": ingest.ingest(spark, checked)}


SOURCE = Source(
    name="online_retail",
    help="UCI Online Retail transactions (the default): --data names .csv, .csv.gz or .parquet files",
    datasets=frozenset({"order_lines"}),
    lines_dataset="order_lines",
    check_inputs=_check,
    ingest=_ingest,
    quality_layers=quality.LAYERS,
    quality_tables=quality.TABLES,
    dashboard=dashboard.SECTIONS,
    result_tables=("analytics.fct_order_lines",),
    default_data="data/online_retail.csv.gz",
    bench_generator="tools.generate.online_retail",
)
