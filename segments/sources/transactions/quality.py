"""The raw layer's contract for the transactions source (clean is the order-line sources', rfm and
segments are shared)."""

from __future__ import annotations

import datetime as dt

import great_expectations.expectations as gxe
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from segments.errors import UserError
from segments.quality.config import QualityConfig
from segments.quality.suites import Batch, Layer, Tables
from segments.sources.order_lines.quality import CLEAN_LAYER, CLEAN_TABLES
from segments.sources.transactions.ingest import LINES_TABLE

TABLES = {"lines": LINES_TABLE, **CLEAN_TABLES}


def _raw(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    limits = config.transactions_raw
    if limits is None:
        raise UserError(
            f"{config.path} has no section 'transactions_raw', which a transactions run checks",
            "Copy it from the project's quality.yml",
        )
    loaded = F.col("reject_reason").isNull()
    frame = spark.table(tables["lines"]).select(
        "reject_reason", "customer_id", F.when(loaded, F.col("ordered_at")).alias("ordered_at")
    )
    latest = dt.date.today() + dt.timedelta(days=limits.latest_days_ahead)
    earliest = limits.earliest_order_date
    return [
        Batch(
            "raw_transactions",
            tables["lines"],
            frame,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one data line"),
                gxe.ExpectColumnValuesToBeNull(
                    column="reject_reason",
                    mostly=1 - limits.max_rejected_share,
                    description=f"at most {limits.max_rejected_share:.0%} of lines rejected by the ingest "
                    f"(transactions_raw.max_rejected_share)",
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="customer_id",
                    mostly=1 - limits.max_missing_customer_id_share,
                    description=f"at most {limits.max_missing_customer_id_share:.0%} of lines without a "
                    f"customer id (transactions_raw.max_missing_customer_id_share)",
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="ordered_at",
                    min_value=dt.datetime.combine(earliest, dt.time()),
                    max_value=dt.datetime.combine(latest, dt.time()),
                    description=f"ordered_at between {earliest} and {latest} (transactions_raw.earliest_order_date, "
                    f"transactions_raw.latest_days_ahead)",
                ),
            ],
        )
    ]


LAYERS: dict[str, Layer] = {"raw": ("after ingest", ("lines",), _raw), "clean": CLEAN_LAYER}
