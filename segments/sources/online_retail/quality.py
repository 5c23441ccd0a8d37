"""The raw layer's contract for the Online Retail source (clean, rfm and segments are shared)."""

from __future__ import annotations

import datetime as dt

import great_expectations.expectations as gxe
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from segments.quality.config import QualityConfig
from segments.quality.suites import Batch, Layer, Tables
from segments.sources.online_retail.ingest import LINES_TABLE
from segments.sources.online_retail.parse import LINE_COLUMNS
from segments.sources.order_lines.quality import CLEAN_LAYER, CLEAN_TABLES

TABLES = {"lines": LINES_TABLE, **CLEAN_TABLES}


def _raw(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    limits = config.raw
    loaded = F.col("reject_reason").isNull()
    typed = [c for c in LINE_COLUMNS if c != "customer_id"]
    frame = spark.table(tables["lines"]).select(
        # a rejected line's fields are unparsed text: only loaded lines are held to the patterns
        *(F.when(loaded, F.col(c)).alias(c) for c in typed),
        F.nullif(F.trim("customer_id"), F.lit("")).alias("customer_id"),
        "reject_reason",
    )
    latest = dt.date.today() + dt.timedelta(days=limits.latest_days_ahead)
    earliest = limits.earliest_invoice_date
    q = limits.max_abs_quantity
    return [
        Batch(
            "raw_lines",
            tables["lines"],
            frame,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one data line"),
                gxe.ExpectTableColumnsToMatchSet(
                    column_set=[*LINE_COLUMNS, "reject_reason"],
                    exact_match=False,
                    description="every Online Retail column present",
                ),
                gxe.ExpectColumnValuesToBeOfType(
                    column="quantity", type_="IntegerType", description="Quantity parsed as a whole number"
                ),
                gxe.ExpectColumnValuesToBeOfType(
                    column="unit_price", type_="DecimalType", description="UnitPrice parsed as a decimal"
                ),
                gxe.ExpectColumnValuesToBeOfType(
                    column="invoice_date", type_="TimestampType", description="InvoiceDate parsed as a timestamp"
                ),
                gxe.ExpectColumnValuesToBeNull(
                    column="reject_reason",
                    mostly=1 - limits.max_rejected_share,
                    description=f"at most {limits.max_rejected_share:.0%} of lines rejected "
                    f"by the parser (raw.max_rejected_share)",
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="customer_id",
                    mostly=1 - limits.max_missing_customer_id_share,
                    description=f"at most {limits.max_missing_customer_id_share:.0%} of lines without CustomerID "
                    f"(raw.max_missing_customer_id_share)",
                ),
                gxe.ExpectColumnValuesToMatchRegex(
                    column="invoice_no",
                    regex=limits.invoice_no_pattern,
                    description=f"InvoiceNo matches {limits.invoice_no_pattern}",
                ),
                gxe.ExpectColumnValuesToMatchRegex(
                    column="stock_code",
                    regex=limits.stock_code_pattern,
                    description=f"StockCode matches {limits.stock_code_pattern}",
                ),
                gxe.ExpectColumnValuesToNotBeInSet(column="quantity", value_set=[0], description="Quantity is not 0"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="quantity",
                    min_value=-q,
                    max_value=q,
                    description=f"|Quantity| at most {q:,} (raw.max_abs_quantity)",
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="invoice_date",
                    min_value=dt.datetime.combine(earliest, dt.time()),
                    max_value=dt.datetime.combine(latest, dt.time()),
                    description=f"InvoiceDate between {earliest} and {latest} (raw.earliest_invoice_date, "
                    f"raw.latest_days_ahead)",
                ),
            ],
        )
    ]


LAYERS: dict[str, Layer] = {
    "raw": ("after ingest", ("lines",), _raw),
    "clean": CLEAN_LAYER,
}
