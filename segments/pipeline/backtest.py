"""`segments backtest`: the RFM, the segments and the value models computed on the purchases up to a
calibration end only, then compared with what each customer did in the holdout after it.

It reads the cleaned purchases of the last `segments run` (analytics.fct_purchases): dbt builds the
calibration tables (models/backtest/calibration), the ml step fits K-Means and the value models on
them (ml/backtest.py), dbt builds the comparisons (models/backtest/comparison), Great Expectations
checks the metrics against their floors, and the backtest page of the dashboard is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml.backtest import BacktestModels, fit_backtest_models
from ml.customer_value import ValueOptions
from ml.segmentation import SegmentationOptions
from segments.errors import UserError
from segments.pipeline.run import WITHOUT_UNIT_TESTS, open_spark, spark_step_title
from segments.progress import Progress
from segments.quality import LayerReport, QualityChecker, load_quality_config
from segments.report.backtest_page import write_backtest_page
from segments.settings import Settings
from segments.sources import loaded_source
from segments.warehouse.dbt_runner import BuildReport, project_vars, run_dbt

CALIBRATION_BUILD = ["build", "--select", "path:models/backtest", "--exclude", "source:backtest_ml+"]
COMPARISON_BUILD = ["build", "--select", "source:backtest_ml+"]
PURCHASES = "analytics.fct_purchases"
STEPS = 6


@dataclass
class BacktestResult:
    models: BacktestModels
    metrics: dict[str, Any]
    builds: list[BuildReport]
    checks: list[LayerReport]
    page: Path
    seconds: dict[str, float]


def _purchase_days(spark) -> tuple[dt.date, dt.date]:
    if not spark.catalog.tableExists(PURCHASES):
        raise UserError(f"there are no cleaned purchases ({PURCHASES}) to backtest on", "Run `segments run` first")
    row = spark.sql(
        f"select min(to_date(event_at)) as first, max(to_date(event_at)) as last from {PURCHASES} "
        "where is_merchandise and quantity > 0"
    ).first()
    if row["first"] is None:
        raise UserError(f"{PURCHASES} holds no purchase", "Run `segments run` on data with purchases")
    return row["first"], row["last"]


def check_periods(first: dt.date, last: dt.date, calibration_end: dt.date, holdout_end: dt.date | None) -> dt.date:
    """The holdout end (default: the last purchase day), once both dates fit the data."""
    if not first <= calibration_end < last:
        raise UserError(
            f"the calibration end {calibration_end} is not within the purchases ({first} to {last})",
            f"Give a --calibration-end on or after {first} and before {last}",
        )
    holdout_end = holdout_end or last
    if holdout_end <= calibration_end:
        raise UserError(
            f"the holdout end {holdout_end} is not after the calibration end {calibration_end}",
            "Give a --holdout-end after --calibration-end",
        )
    if holdout_end > last:
        raise UserError(
            f"the holdout end {holdout_end} is after the last purchase ({last}): the holdout would count "
            "days without data as days without purchases",
            f"Give a --holdout-end on or before {last}, or leave it out",
        )
    return holdout_end


def run_backtest(
    settings: Settings,
    calibration_end: dt.date,
    holdout_end: dt.date | None = None,
    variables: dict[str, Any] | None = None,
    segmentation: SegmentationOptions | None = None,
    progress: Progress | None = None,
    quality_config: Path | None = None,
    target: str = "local",
) -> BacktestResult:
    progress = progress or Progress(steps=STEPS)
    segmentation = segmentation or SegmentationOptions()
    segmentation.check()
    quality = load_quality_config(quality_config or settings.quality_config)
    if quality.backtest is None:
        raise UserError(f"{quality.path}: section 'backtest' is missing", "Copy it from the project's quality.yml")
    for reserved in ("data_source", "backtest_calibration_end", "backtest_holdout_end"):
        if reserved in (variables or {}):
            raise UserError(f"--var {reserved} is set by `segments backtest` itself")
    value_options = ValueOptions.from_vars(project_vars(settings, variables or {}))

    with progress.step("spark", spark_step_title(settings, target)):
        spark = open_spark(settings, target)
        first, last = _purchase_days(spark)
        holdout_end = check_periods(first, last, calibration_end, holdout_end)
        source = loaded_source(spark)
        progress.say(
            f"      {source.name}: purchases {first} to {last}; calibration to {calibration_end}, "
            f"holdout to {holdout_end}"
        )
    variables = {
        **(variables or {}),
        "data_source": source.name,
        "backtest_calibration_end": calibration_end.isoformat(),
        "backtest_holdout_end": holdout_end.isoformat(),
    }

    def build(command: list[str]) -> BuildReport:
        report = run_dbt(settings, command + WITHOUT_UNIT_TESTS, progress.say, target=target, variables=variables)
        progress.say(f"      {report.describe()}")
        return report

    with progress.step("calibration", "dbt build: RFM, RFM segments and BTYD summary of the calibration period"):
        calibration = build(CALIBRATION_BUILD)
    with progress.step("ml", "K-Means and the value models on the calibration period"):
        models = fit_backtest_models(
            spark, settings.models_dir / "backtest", segmentation, value_options.annual_discount_rate, progress.say
        )
    with progress.step("comparison", "dbt build: predictions against the holdout, per customer, frequency, segment"):
        comparison = build(COMPARISON_BUILD)
    # the page first: a backtest that misses its floors is worth looking at
    with progress.step("report", "Backtest page of the dashboard (offline HTML)"):
        page = write_backtest_page(spark, settings.backtest_page_file)
        progress.say(f"      {page}")
    with progress.step("check", f"Check the backtest (Great Expectations, {quality.path.name})"):
        checker = QualityChecker(spark, quality, settings.quality_docs_dir)
        checks = checker.check(["backtest"], say=progress.say, source=source)
    metrics = spark.table("backtest.backtest_metrics").first().asDict()
    return BacktestResult(models, metrics, [calibration, comparison], checks, page, dict(progress.seconds))


def describe_metrics(metrics: dict[str, Any]) -> list[str]:
    """The metrics row in words, for the command line."""

    def number(name: str, spec: str) -> str:
        value = metrics.get(name)
        return "not computed" if value is None else format(value, spec)

    return [
        f"{metrics['customers']:,} calibration customers; {number('bought_again_share', '.1%')} bought again",
        f"purchases per customer: correlation {number('purchases_correlation', '.3f')}, "
        f"MAE {number('purchases_mae', '.3f')}, RMSE {number('purchases_rmse', '.3f')}, "
        f"total error {number('purchases_total_error_pct', '+.1f')} %",
        f"probability of buying again: Brier {number('purchase_probability_brier', '.3f')}, "
        f"ROC AUC {number('purchase_probability_auc', '.3f')}; P(alive) of the repeat customers: "
        f"Brier {number('p_alive_brier', '.3f')}, ROC AUC {number('p_alive_auc', '.3f')}",
        f"top CLV decile: {number('top_decile_lift', '.2f')} x the holdout revenue per customer",
    ]
