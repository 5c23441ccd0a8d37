"""The models of `segments backtest`: K-Means and the value models fitted on the calibration period
(the dbt models of models/backtest/calibration), written to the schema `backtest`, and the expected
tracking curve.

Tables (schema `backtest`, declared as the dbt source `backtest_ml`): ml_customer_clusters,
ml_clusters, ml_k_selection, ml_customer_value, ml_value_fits as in `segments run`, with expected
purchases over the holdout's length, and
  ml_tracking(period, period_end, in_holdout, expected_repeat_purchases)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ml import btyd
from ml.customer_value import UNITS_PER_YEAR, ValueOptions, ValueResult, ValueTables, value_customers
from ml.segmentation import SegmentationOptions, SegmentationResult, segment_customers
from segments.warehouse.publish import publish

SCHEMA = "backtest"
PERIODS_TABLE = f"{SCHEMA}.backtest_periods"
TABLES = ValueTables(
    summary=f"{SCHEMA}.backtest_calibration_btyd_summary",
    customers=f"{SCHEMA}.backtest_calibration_rfm",
    schema=SCHEMA,
)


@dataclass(frozen=True)
class Periods:
    calibration_end: dt.date
    holdout_end: dt.date
    holdout_length: float  # in the time unit
    time_unit: str

    @property
    def days_per_unit(self) -> float:
        return 365.25 / UNITS_PER_YEAR[self.time_unit]


@dataclass
class BacktestModels:
    periods: Periods
    segmentation: SegmentationResult
    value: ValueResult


def read_periods(spark: SparkSession) -> Periods:
    row = spark.table(PERIODS_TABLE).first()
    return Periods(row["calibration_end"], row["holdout_end"], float(row["holdout_length"]), row["time_unit"])


def fit_backtest_models(
    spark: SparkSession,
    models_dir: Path,
    segmentation: SegmentationOptions,
    annual_discount_rate: float,
    say: Callable[[str], None] = lambda _: None,
) -> BacktestModels:
    """Fit on the calibration tables; predict over exactly the holdout's length."""
    periods = read_periods(spark)
    segmented = segment_customers(spark, models_dir, segmentation, say, source=TABLES.customers, schema=SCHEMA)
    say(f"      k = {segmented.k}: " + ", ".join(f"{n} {c:,}" for n, c in sorted(segmented.sizes.items())))
    options = ValueOptions(periods.holdout_length, annual_discount_rate)
    valued = value_customers(spark, options, segmented.run_id, say, TABLES)
    _publish_tracking(spark, periods, valued)
    return BacktestModels(periods, segmented, valued)


def _publish_tracking(spark: SparkSession, periods: Periods, valued: ValueResult) -> None:
    """Expected cumulative repeat purchases at the end of each period since the first purchase day:
    the sum over the days customers first bought of their number times equation 9 of Fader, Hardie &
    Lee (2005) for the time since. The driver holds one row per first purchase day (K-Means has
    already refused a calibration period without customers)."""
    cohorts = (
        spark.table(TABLES.summary)
        .groupBy("first_purchase_date")
        .agg(F.count("*").alias("customers"))
        .orderBy("first_purchase_date")
        .collect()
    )
    first_days = np.array([(r["first_purchase_date"] - cohorts[0][0]).days for r in cohorts], dtype=float)
    counts = np.array([r["customers"] for r in cohorts], dtype=float)
    origin = cohorts[0]["first_purchase_date"]
    last_day = (periods.holdout_end - origin).days
    bgnbd = next(fit for fit in valued.fits if fit.model == "bg_nbd")
    rows = []
    period = 0
    while True:
        period += 1
        end_day = min(last_day, round(period * periods.days_per_unit) - 1)
        expected = None
        if bgnbd.usable:
            since = np.clip(end_day - first_days, 0, None) / periods.days_per_unit
            expected = float(np.sum(counts * btyd.expected_purchases_since_first(bgnbd.fit.parameters, since)))
        period_end = origin + dt.timedelta(days=end_day)
        rows.append((period, period_end, period_end > periods.calibration_end, expected))
        if end_day >= last_day:
            break
    columns = "period int, period_end date, in_holdout boolean, expected_repeat_purchases double"
    publish(spark, spark.createDataFrame(rows, columns), SCHEMA, "ml_tracking")
