"""What each layer promises, as Great Expectations suites over Spark DataFrames.

Each layer checks one or more tables. A table is narrowed to the columns its expectations read, and
derived columns carry conditions GE cannot express on its own (`merchandise_unit_price` is the price
of merchandise lines only, null otherwise: GE ignores nulls in column-value expectations).
Every expectation has a description: it is what a failure prints and what Data Docs show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import great_expectations.expectations as gxe
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ml.customer_value import FIT_STATUSES
from ml.labels import SEGMENT_NAMES
from segments.errors import UserError
from segments.quality.config import QualityConfig

# Logical name -> table, for the shared layers (a source adds its own). Tests point a name at a copy
# with a planted violation.
TABLES = {
    "purchases": "analytics.fct_purchases",
    "rfm": "analytics.fct_customer_rfm",
    "segments": "analytics.customer_segments",
    "k_selection": "ml.ml_k_selection",
    "clusters": "ml.ml_customer_clusters",
    "value": "ml.ml_customer_value",
    "value_fits": "ml.ml_value_fits",
    "backtest_customers": "backtest.backtest_customers",
    "backtest_metrics": "backtest.backtest_metrics",
}
# The named segments of seeds/rfm_segment_map.csv (its completeness is a dbt test).
RFM_SEGMENTS = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalists",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)


@dataclass(frozen=True)
class Batch:
    """One table (as a narrowed DataFrame) and the expectations it must meet."""

    name: str  # GE asset and suite name
    table: str  # the table a user would query
    frame: DataFrame
    expectations: list


Tables = Mapping[str, str]
# A layer's contract: (when the pipeline runs it, the tables it reads, how to build its batches)
Layer = tuple[str, tuple[str, ...], Callable[[SparkSession, QualityConfig, Tables], list[Batch]]]


def _rfm(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    frame = spark.table(tables["rfm"]).select(
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "as_of_date",
        F.to_date("last_purchase_at").alias("last_purchase_date"),
    )
    return [
        Batch(
            "customer_rfm",
            tables["rfm"],
            frame,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one customer"),
                gxe.ExpectColumnValuesToNotBeNull(column="customer_id", description="customer_id is never null"),
                gxe.ExpectColumnValuesToBeUnique(column="customer_id", description="one row per customer"),
                gxe.ExpectColumnValuesToBeBetween(column="recency_days", min_value=0, description="recency_days >= 0"),
                gxe.ExpectColumnValuesToBeBetween(column="frequency", min_value=1, description="frequency >= 1"),
                gxe.ExpectColumnValuesToBeBetween(column="monetary", min_value=0, description="monetary >= 0"),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="as_of_date",
                    column_B="last_purchase_date",
                    or_equal=False,
                    description="the as-of date is after every customer's last purchase",
                ),
            ],
        )
    ]


def _segments(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    per_customer = (
        spark.table(tables["segments"])
        .groupBy("customer_id")
        .agg(
            F.count(F.lit(1)).alias("segment_rows"),
            F.max("kmeans_segment").alias("kmeans_segment"),
            F.max("rfm_segment").alias("rfm_segment"),
        )
    )
    rfm = spark.table(tables["rfm"]).select("customer_id", F.lit(True).alias("in_rfm"))
    customers = rfm.join(per_customer, "customer_id", "full_outer").select(
        "customer_id",
        F.coalesce("in_rfm", F.lit(False)).alias("in_rfm"),
        F.coalesce("segment_rows", F.lit(0)).alias("segment_rows"),
        "kmeans_segment",
        "rfm_segment",
    )
    floor = config.segments.min_silhouette_of_chosen_k
    # ml_k_selection keeps every run's search: check the run that produced the current clusters
    current_run = spark.table(tables["clusters"]).select("run_id").distinct()
    k_selection = (
        spark.table(tables["k_selection"])
        .join(current_run, "run_id")
        .select(
            "k",
            "silhouette",
            F.col("is_chosen").cast("int").alias("chosen"),
            F.when(F.col("is_chosen"), F.col("silhouette")).alias("chosen_silhouette"),
        )
    )
    return [
        Batch(
            "customer_segments",
            tables["segments"],
            customers,
            [
                gxe.ExpectColumnValuesToBeInSet(
                    column="in_rfm", value_set=[True], description=f"every segmented customer is in {tables['rfm']}"
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="segment_rows", value_set=[1], description="every RFM customer has exactly one segment row"
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="kmeans_segment", description="a k-means segment for everyone"
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="kmeans_segment",
                    value_set=list(SEGMENT_NAMES),
                    description="k-means segment names from ml/labels.py",
                ),
                gxe.ExpectColumnValuesToNotBeNull(column="rfm_segment", description="an RFM segment for everyone"),
                gxe.ExpectColumnValuesToBeInSet(
                    column="rfm_segment",
                    value_set=list(RFM_SEGMENTS),
                    description="RFM segment names from seeds/rfm_segment_map.csv",
                ),
            ],
        ),
        Batch(
            "k_selection",
            tables["k_selection"],
            k_selection,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one k fitted"),
                gxe.ExpectColumnValuesToNotBeNull(column="silhouette", description="a silhouette for every k"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="silhouette", min_value=-1, max_value=1, description="silhouette within -1..1"
                ),
                gxe.ExpectColumnSumToBeBetween(
                    column="chosen", min_value=1, max_value=1, description="exactly one k chosen"
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="chosen_silhouette",
                    min_value=floor,
                    description=f"the chosen k's silhouette >= {floor} (segments.min_silhouette_of_chosen_k)",
                ),
            ],
        ),
    ]


def _value(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    per_customer = spark.table(tables["value"]).groupBy("customer_id").agg(F.count(F.lit(1)).alias("value_rows"))
    rfm = spark.table(tables["rfm"]).select("customer_id", F.lit(True).alias("in_rfm"))
    coverage = rfm.join(per_customer, "customer_id", "full_outer").select(
        F.coalesce("in_rfm", F.lit(False)).alias("in_rfm"), F.coalesce("value_rows", F.lit(0)).alias("value_rows")
    )
    scores = spark.table(tables["value"]).select("p_alive", "expected_purchases", "expected_spend", "clv", "clv_decile")
    # ml_value_fits keeps every run's fits: check those of the run that valued the customers (a
    # `segments score` reassigns clusters in a run of its own, without refitting the value models)
    current_run = spark.table(tables["value"]).select("run_id").distinct()
    fits = (
        spark.table(tables["value_fits"])
        .join(current_run, "run_id")
        .select(
            "status",
            F.when(F.col("status") == "fitted", F.col("converged")).alias("fitted_converged"),
            F.when(F.col("status") == "fitted", F.array_min(F.map_values("parameters"))).alias("smallest_parameter"),
        )
    )

    def at_least_zero(column: str) -> gxe.Expectation:
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, description=f"{column} >= 0")

    return [
        Batch(
            "customer_value_coverage",
            tables["value"],
            coverage,
            [
                gxe.ExpectColumnValuesToBeInSet(
                    column="in_rfm", value_set=[True], description=f"every valued customer is in {tables['rfm']}"
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="value_rows", value_set=[1], description="every RFM customer has exactly one value row"
                ),
            ],
        ),
        Batch(
            "customer_value",
            tables["value"],
            scores,
            [
                gxe.ExpectColumnValuesToBeBetween(
                    column="p_alive", min_value=0, max_value=1, description="P(alive) within 0..1"
                ),
                *(at_least_zero(column) for column in ("expected_purchases", "expected_spend", "clv")),
                gxe.ExpectColumnValuesToBeBetween(
                    column="clv_decile", min_value=1, max_value=10, description="CLV decile within 1..10"
                ),
            ],
        ),
        Batch(
            "value_fits",
            tables["value_fits"],
            fits,
            [
                gxe.ExpectTableRowCountToBeBetween(
                    min_value=2, max_value=2, description="one BG/NBD and one Gamma-Gamma fit in the current run"
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="status",
                    value_set=list(FIT_STATUSES),
                    description="status fitted, or why not (ml/customer_value.py)",
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="fitted_converged", value_set=[True], description="every fitted model converged"
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="smallest_parameter",
                    min_value=0,
                    strict_min=True,
                    description="every parameter of a fitted model is positive",
                ),
            ],
        ),
    ]


def _backtest(spark: SparkSession, config: QualityConfig, tables: Tables) -> list[Batch]:
    """The backtest's floors (quality.yml, section backtest): a scheduled backtest fails when the
    models stop predicting, and a model that could not be fitted leaves its metric null, a failure."""
    floors = config.backtest
    if floors is None:
        raise UserError(f"{config.path}: section 'backtest' is missing", "Copy it from the project's quality.yml")
    metrics = spark.table(tables["backtest_metrics"]).select(
        "purchases_correlation",
        "purchase_probability_brier",
        "purchase_probability_auc",
        "p_alive_auc",
        "top_decile_lift",
    )
    customers = spark.table(tables["backtest_customers"]).select(
        "p_alive", "purchase_probability", "predicted_purchases", "actual_purchases"
    )

    def floor(column: str, low: float | None = None, high: float | None = None) -> list[gxe.Expectation]:
        bound = f">= {low}" if low is not None else f"<= {high}"
        return [
            gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"{column} was computed (the models fitted)"),
            gxe.ExpectColumnValuesToBeBetween(
                column=column, min_value=low, max_value=high, description=f"{column} {bound} (quality.yml)"
            ),
        ]

    return [
        Batch(
            "backtest_metrics",
            tables["backtest_metrics"],
            metrics,
            [
                gxe.ExpectTableRowCountToEqual(value=1, description="one row of metrics"),
                *floor("purchases_correlation", low=floors.min_purchases_correlation),
                *floor("purchase_probability_brier", high=floors.max_purchase_probability_brier),
                *floor("purchase_probability_auc", low=floors.min_purchase_probability_auc),
                *floor("p_alive_auc", low=floors.min_p_alive_auc),
                *floor("top_decile_lift", low=floors.min_top_decile_lift),
            ],
        ),
        Batch(
            "backtest_customers",
            tables["backtest_customers"],
            customers,
            [
                gxe.ExpectTableRowCountToBeBetween(min_value=1, description="at least one calibration customer"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="p_alive", min_value=0, max_value=1, description="0 <= P(alive) <= 1"
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="predicted_purchases", min_value=0, description="predicted purchases >= 0"
                ),
                gxe.ExpectColumnValuesToBeBetween(
                    column="actual_purchases", min_value=0, description="actual purchases >= 0"
                ),
            ],
        ),
    ]


# Every source checks these layers in this order: its own raw and clean contracts (Source.quality),
# then the shared ones below.
LAYERS = ("raw", "clean", "rfm", "segments")
SHARED_LAYERS: dict[str, Layer] = {
    "rfm": ("after the cleaning build", ("rfm",), _rfm),
    "segments": (
        "after the segment build",
        ("segments", "rfm", "k_selection", "clusters", "value", "value_fits"),
        lambda spark, config, tables: [*_segments(spark, config, tables), *_value(spark, config, tables)],
    ),
    # `segments backtest` only (`segments check --layer backtest` on demand)
    "backtest": ("after the backtest", ("backtest_customers", "backtest_metrics"), _backtest),
}
