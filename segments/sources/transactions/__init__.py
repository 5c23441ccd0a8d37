"""A user's own transactions: order lines or whole orders from CSV (any delimiter, or whitespace-
aligned text; with or without a header), Parquet, or a table in the Spark catalog, read through a
column mapping (mapping.py). The Online Retail cleaning rules run where their columns are mapped.
Models: models/sources/transactions/ (staging) and the shared order-line rules (models/order_lines/)."""

from __future__ import annotations

from dataclasses import dataclass

from segments.errors import UserError
from segments.sources.base import Inputs, Source
from segments.sources.files import CheckedInputs, IngestResult
from segments.sources.order_lines import dashboard
from segments.sources.transactions import ingest, quality
from segments.sources.transactions.inputs import DATASET, check_files
from segments.sources.transactions.mapping import Mapping, load_mapping


@dataclass(frozen=True)
class Checked:
    files: CheckedInputs
    mapping: Mapping
    table: str | None


def _check(inputs: Inputs) -> Checked:
    mapping = load_mapping(inputs.mapping, inputs.map_text, inputs.delimiter, inputs.header)
    if inputs.table:
        if inputs.data:
            raise UserError("give either --data or --table, not both")
        if inputs.table.count(".") != 1 or not all(inputs.table.split(".")):
            raise UserError(f"--table {inputs.table!r}: name it as database.table", "e.g. --table analytics.orders")
        return Checked(CheckedInputs([], []), mapping, inputs.table)
    if not inputs.data:
        raise UserError("--source transactions needs --data FILE (or a folder) or --table DATABASE.TABLE")
    return Checked(check_files(inputs.data, mapping), mapping, None)


def _ingest(spark, checked: Checked) -> dict[str, IngestResult]:
    return {DATASET: ingest.ingest(spark, checked.files, checked.mapping, checked.table)}


SOURCE = Source(
    name="transactions",
    help="your own transactions (CSV, Parquet or a catalog table) through a column mapping: "
    "--mapping FILE.yml or --map customer_id=COLUMN,ordered_at=COLUMN,amount=COLUMN",
    datasets=frozenset({DATASET}),
    lines_dataset=DATASET,
    check_inputs=_check,
    ingest=_ingest,
    quality_layers=quality.LAYERS,
    quality_tables=quality.TABLES,
    dashboard=dashboard.SECTIONS,
    result_tables=("analytics.fct_order_lines", "analytics.audit_cleaning_rules"),
    bench_generator="tools.generate.transactions",
    options=frozenset({"mapping", "map_text", "delimiter", "header", "table"}),
)
