"""The clean layer's contract of the sources whose data are order lines (online_retail,
transactions): the fact the shared order-line rules (models/order_lines/) build."""

from __future__ import annotations

import great_expectations.expectations as gxe
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from segments.quality.config import QualityConfig
from segments.quality.suites import Batch, Layer, Tables

CLEAN_TABLES = {
    "order_lines": "analytics.fct_order_lines",
    "iqr_bounds": "analytics.audit_iqr_bounds",
    "cleaning_rules": "analytics.audit_cleaning_rules",
}


def _clean(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    merchandise = F.col("is_merchandise")
    bounds = spark.table(tables["iqr_bounds"]).select("column_name", "lower_bound", "upper_bound").collect()
    frame = spark.table(tables["order_lines"]).select(
        "customer_id",
        F.when(merchandise, F.col("unit_price")).alias("merchandise_unit_price"),
        # capping bounds a cancellation's absolute quantity
        F.when(merchandise, F.abs("quantity")).alias("merchandise_quantity"),
    )
    rules = {row["rule"]: row["is_applied"] for row in spark.table(tables["cleaning_rules"]).collect()}
    # without price imputation a line priced 0 is a purchase (a free item)
    imputed = rules.get("impute_zero_prices", True)
    expectations = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one clean line"),
        gxe.ExpectColumnValuesToNotBeNull(column="customer_id", description="every line has a customer"),
        gxe.ExpectColumnValuesToBeBetween(
            column="merchandise_unit_price",
            min_value=0,
            strict_min=imputed,
            description=f"merchandise lines have a price {'above' if imputed else 'of at least'} 0",
        ),
    ]
    for bound in bounds:
        name, low, high = bound["column_name"], float(bound["lower_bound"]), float(bound["upper_bound"])
        subject = "|quantity|" if name == "quantity" else name
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=f"merchandise_{name}",
                min_value=low,
                max_value=high,
                description=f"merchandise {subject} within this run's IQR bounds [{low:g}, {high:g}] "
                f"(analytics.audit_iqr_bounds)",
            )
        )
    return [Batch("clean_order_lines", tables["order_lines"], frame, expectations)]


CLEAN_LAYER: Layer = ("after the cleaning build", tuple(CLEAN_TABLES), _clean)
