"""The raw and clean layers' contracts for the Amazon Reviews source (rfm and segments are shared)."""

from __future__ import annotations

import datetime as dt

import great_expectations.expectations as gxe
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from segments.errors import UserError
from segments.quality.config import QualityConfig
from segments.quality.suites import Batch, Layer, Tables

TABLES = {"reviews": "raw.amazon_reviews", "items": "raw.amazon_items"}


def _raw(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    limits = config.amazon_raw
    if limits is None:
        raise UserError(
            f"{config.path} has no section 'amazon_raw', which an Amazon Reviews run checks",
            "Copy it from the project's quality.yml",
        )
    loaded = F.col("reject_reason").isNull()
    reviews = spark.table(tables["reviews"]).select(
        "reject_reason",
        "verified_purchase",
        F.when(loaded, F.col("rating")).alias("rating"),
        F.when(loaded, F.timestamp_millis("timestamp")).alias("reviewed_at"),
    )
    items = spark.table(tables["items"]).select(
        "reject_reason", F.when(loaded, F.col("parent_asin")).alias("parent_asin")
    )
    latest = dt.date.today() + dt.timedelta(days=limits.latest_days_ahead)
    earliest = limits.earliest_review_date
    return [
        Batch(
            "raw_amazon_reviews",
            tables["reviews"],
            reviews,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one review line"),
                gxe.ExpectColumnValuesToBeNull(
                    column="reject_reason",
                    mostly=1 - limits.max_rejected_share,
                    description=f"at most {limits.max_rejected_share:.0%} of review lines "
                    f"rejected by the parser (amazon_raw.max_rejected_share)",
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="rating", min_value=1, max_value=5, description="rating between 1 and 5"
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="reviewed_at",
                    min_value=dt.datetime.combine(earliest, dt.time()),
                    max_value=dt.datetime.combine(latest, dt.time()),
                    description=f"timestamp between {earliest} and {latest} (amazon_raw.earliest_review_date, "
                    f"amazon_raw.latest_days_ahead)",
                ),
            ],
        ),
        Batch(
            "raw_amazon_items",
            tables["items"],
            items,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one item metadata line"),
                gxe.ExpectColumnValuesToBeNull(
                    column="reject_reason",
                    mostly=1 - limits.max_rejected_items_share,
                    description=f"at most {limits.max_rejected_items_share:.0%} of metadata "
                    f"lines rejected (amazon_raw.max_rejected_items_share)",
                ),
            ],
        ),
    ]


def _clean(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    purchases = spark.table(tables["purchases"]).select("customer_id", "order_id", "quantity", "unit_price")
    return [
        Batch(
            "clean_purchases",
            tables["purchases"],
            purchases,
            [
                gxe.ExpectTableRowCountToBeBetween(
                    min_value=1, description="at least one purchase (a kept verified review)"
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="customer_id", description="every purchase has a customer"),
                gxe.ExpectColumnValuesToBeUnique(column="order_id", description="one purchase per review"),
                gxe.ExpectColumnValuesToBeInSet(column="quantity", value_set=[1], description="a review is one unit"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="unit_price", min_value=0, strict_min=True, description="every purchase has a price above 0"
                ),
            ],
        )
    ]


LAYERS: dict[str, Layer] = {
    "raw": ("after ingest", ("reviews", "items"), _raw),
    "clean": ("after the cleaning build", ("purchases",), _clean),
}
