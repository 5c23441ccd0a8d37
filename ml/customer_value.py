"""Customer value, the second part of the ml step: BG/NBD and Gamma-Gamma (ml/btyd.py) fitted on
analytics.customer_btyd_summary, then every RFM customer scored in Spark.

Tables (schema `ml`, declared as the dbt source `ml`):
  ml_value_fits(run_id, model, status, detail, parameters, log_likelihood, customers,
                customers_left_out, iterations, converged, frequency_spend_correlation, time_unit,
                horizon, annual_discount_rate, fitted_at)    every run's fits, history kept
  ml_customer_value(run_id, customer_id, frequency, recency, t, monetary_value, p_alive,
                    expected_purchases, purchase_probability, expected_spend, clv, clv_decile)
                    one row per RFM customer; expected purchases and the probability of at least
                    one purchase are over the horizon

The driver holds customers grouped by (frequency, recency, T) and a few sums, never one row per
customer: BG/NBD is fitted and evaluated per group, and the groups' scores are joined back in Spark.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ml import btyd
from segments.errors import UserError
from segments.warehouse.publish import publish

SUMMARY_TABLE = "analytics.customer_btyd_summary"
RFM_TABLE = "analytics.fct_customer_rfm"
ML_SCHEMA = "ml"
UNITS_PER_YEAR = {"days": 365.25, "weeks": 365.25 / 7, "months": 12.0}  # as macros/days_per_time_unit.sql
# Below this many repeat customers a model's parameters are not identified: it is recorded as not fitted.
MIN_REPEAT_CUSTOMERS = 10
GROUP_KEY = ["frequency", "recency_days", "t_days"]
SCORES = ("p_alive", "expected_purchases", "purchase_probability")  # per group, over the horizon
FIT_STATUSES = ("fitted", "no_dropout", "too_few_customers", "not_converged", "infinite_mean_spend")
USABLE_STATUSES = ("fitted", "no_dropout")
# BG/NBD's mean dropout probability a / (a + b) below this: the likelihood rises toward the limit
# where no customer drops out (a -> 0), the NBD model, whose scores BG/NBD's formulas give there.
NO_DROPOUT = 1e-6


@dataclass(frozen=True)
class ValueOptions:
    """The dbt vars value_horizon (in the summary's time unit) and value_annual_discount_rate."""

    horizon: float = 52.0
    annual_discount_rate: float = 0.1

    @classmethod
    def from_vars(cls, variables: dict[str, Any]) -> ValueOptions:
        if variables.get("value_time_unit") not in UNITS_PER_YEAR:
            raise UserError(
                f"value_time_unit is {variables.get('value_time_unit')!r}", f"Use one of {', '.join(UNITS_PER_YEAR)}"
            )
        try:
            options = cls(float(variables["value_horizon"]), float(variables["value_annual_discount_rate"]))
        except (TypeError, ValueError) as error:
            raise UserError(
                f"value_horizon and value_annual_discount_rate must be numbers ({error})",
                "e.g. --var value_horizon=52 --var value_annual_discount_rate=0.1",
            ) from None
        options.check()
        _check_churn_thresholds(variables.get("churn_risk_high_below"), variables.get("churn_risk_low_above"))
        return options

    def check(self) -> None:
        if not (math.isfinite(self.horizon) and self.horizon > 0):
            raise UserError(f"value_horizon = {self.horizon} is not a positive number of time units")
        if not (math.isfinite(self.annual_discount_rate) and 0 <= self.annual_discount_rate < 1):
            raise UserError(
                f"value_annual_discount_rate = {self.annual_discount_rate} is not a rate per year",
                "Give a fraction between 0 and 1, e.g. 0.1 for 10 %",
            )

    def steps(self, units_per_year: float) -> int:
        """CLV discounts month by month: the horizon in whole months, at least one."""
        return max(1, round(self.horizon / units_per_year * 12))


def _check_churn_thresholds(high_below: Any, low_above: Any) -> None:
    """customer_segments pastes them into SQL: two numbers, 0 <= high_below <= low_above <= 1."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (high_below, low_above))
    if not (numbers and 0 <= high_below <= low_above <= 1):
        raise UserError(
            f"churn_risk_high_below = {high_below!r} and churn_risk_low_above = {low_above!r} are not two "
            "P(alive) thresholds",
            "Give numbers with 0 <= churn_risk_high_below <= churn_risk_low_above <= 1",
        )


@dataclass
class ModelFit:
    """One model's outcome: status fitted, no_dropout, too_few_customers, not_converged or infinite_mean_spend."""

    model: str
    status: str
    detail: str
    customers: int
    fit: btyd.Fit | None = None
    customers_left_out: int = 0
    correlation: float | None = None

    @property
    def usable(self) -> bool:
        return self.status in USABLE_STATUSES


@dataclass
class ValueResult:
    fits: list[ModelFit]
    customers: int


@dataclass(frozen=True)
class ValueTables:
    """What the value step reads and where it writes: `segments run`'s, or the backtest's."""

    summary: str = SUMMARY_TABLE
    customers: str = RFM_TABLE  # one value row per customer of this table
    schema: str = ML_SCHEMA


def value_customers(
    spark: SparkSession,
    options: ValueOptions,
    run_id: str,
    say: Callable[[str], None] = lambda _: None,
    tables: ValueTables = ValueTables(),
) -> ValueResult:
    summary = spark.table(tables.summary)
    groups = (
        summary.groupBy(*GROUP_KEY)
        .agg(
            F.count("*").alias("customers"),
            F.first("recency").alias("recency"),
            F.first("t").alias("t"),
            F.first("time_unit").alias("time_unit"),
        )
        .toArrow()
    )
    time_unit = groups.column("time_unit")[0].as_py() if groups.num_rows else "weeks"
    # in a fixed order, so that the fit's sums, hence its last digits, do not follow Spark's partitions
    groups = groups.drop_columns(["time_unit"]).sort_by([(key, "ascending") for key in GROUP_KEY])
    columns = {name: groups.column(name).to_numpy() for name in groups.column_names}
    say(f"      {int(columns['customers'].sum()):,} customers in {groups.num_rows:,} groups of (x, t_x, T)")
    bgnbd = _fit_bgnbd(columns)
    gamma_gamma = _fit_gamma_gamma(summary)
    for fit in (bgnbd, gamma_gamma):
        say("      " + _describe(fit))
    scores = _group_scores(spark, columns, bgnbd, options, UNITS_PER_YEAR[time_unit])
    # cached: the deciles' quantiles and the write read the same joined customers
    customers = _customer_values(spark.table(tables.customers), summary, scores, gamma_gamma, run_id).cache()
    try:
        decile = _decile(customers, "clv")
        publish(spark, customers.withColumn("clv_decile", decile), tables.schema, "ml_customer_value")
    finally:
        customers.unpersist()
    _publish_fits(spark, [bgnbd, gamma_gamma], run_id, time_unit, options, tables.schema)
    return ValueResult([bgnbd, gamma_gamma], int(columns["customers"].sum()))


def _describe(fit: ModelFit) -> str:
    if not fit.usable:
        return f"{fit.model}: not fitted ({fit.status}): {fit.detail}"
    values = ", ".join(f"{name} {value:.4g}" for name, value in fit.fit.parameters.items())
    note = f" ({fit.status}: {fit.detail})" if fit.detail else ""
    return f"{fit.model} on {fit.customers:,} customers: {values}; log-likelihood {fit.fit.log_likelihood:,.2f}{note}"


def _fit_bgnbd(groups: dict[str, np.ndarray]) -> ModelFit:
    customers = int(groups["customers"].sum())
    repeat = int(groups["customers"][groups["frequency"] > 0].sum())
    if repeat < MIN_REPEAT_CUSTOMERS:
        return ModelFit(
            "bg_nbd",
            "too_few_customers",
            f"{repeat} customers bought twice; it needs {MIN_REPEAT_CUSTOMERS}",
            customers,
        )
    fit = btyd.fit_bgnbd(groups["frequency"], groups["recency"], groups["t"], groups["customers"])
    if not fit.converged and _without_dropout(fit):
        dropout = fit.parameters["a"] / (fit.parameters["a"] + fit.parameters["b"])
        detail = f"mean dropout probability {dropout:.1e}: no customer is seen to leave (the NBD limit)"
        return ModelFit("bg_nbd", "no_dropout", detail, customers, fit)
    if not fit.converged:
        return ModelFit("bg_nbd", "not_converged", "the likelihood has no maximum at finite parameters", customers, fit)
    return ModelFit("bg_nbd", "fitted", "", customers, fit)


def _without_dropout(fit: btyd.Fit) -> bool:
    """a ran off to 0 (or b to infinity) while r and alpha settled: the maximum is the limit where
    nobody drops out, and P(alive) is 1 for everyone."""
    r, alpha, a, b = (fit.parameters[k] for k in ("r", "alpha", "a", "b"))
    settled = all(btyd.PARAMETER_LIMITS[0] < v < btyd.PARAMETER_LIMITS[1] for v in (r, alpha))
    return settled and math.isfinite(fit.log_likelihood) and a / (a + b) < NO_DROPOUT


def _fit_gamma_gamma(summary: DataFrame) -> ModelFit:
    """On the repeat customers with a positive mean spend; those whose returns net it to zero or less
    are left out, counted, and get the population's mean spend."""
    repeat = summary.where("frequency > 0").select(
        F.col("frequency").cast("double").alias("x"), F.col("monetary_value").cast("double").alias("m")
    )
    positive = repeat.where("m > 0").select("x", (F.col("x") * F.col("m")).alias("xm")).cache()
    try:
        totals = repeat.agg(
            F.count_if(F.col("m") <= 0).alias("left_out"),
            *(
                F.sum(F.when(F.col("m") > 0, value)).alias(name)
                for name, value in (
                    ("x_log_m", F.col("x") * F.log("m")),
                    ("log_m", F.log("m")),
                    ("x_log_x", F.col("x") * F.log("x")),
                )
            ),
            F.corr(F.when(F.col("m") > 0, F.col("x")), F.when(F.col("m") > 0, F.col("m"))).alias("correlation"),
        ).first()
        left_out = totals["left_out"]
        per_x = sorted((r["x"], r["n"]) for r in positive.groupBy("x").agg(F.count("*").alias("n")).collect())
        customers = sum(n for _, n in per_x)
        if customers < MIN_REPEAT_CUSTOMERS:
            detail = f"{customers} repeat customers with a positive spend; it needs {MIN_REPEAT_CUSTOMERS}"
            return ModelFit("gamma_gamma", "too_few_customers", detail, customers, None, left_out)
        sums = btyd.SpendSums(
            np.array([x for x, _ in per_x]),
            np.array([n for _, n in per_x]),
            totals["x_log_m"],
            totals["log_m"],
            totals["x_log_x"],
        )

        def gamma_sums(gammas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            logs = [F.log(F.col("xm") + F.lit(float(gamma))) for gamma in gammas]
            row = positive.agg(*(F.sum(log) for log in logs), *(F.sum(F.col("x") * log) for log in logs)).first()
            values = np.array(list(row), dtype=float)
            return values[: len(gammas)], values[len(gammas) :]

        fit = btyd.fit_gamma_gamma(sums, gamma_sums)
    finally:
        positive.unpersist()
    result = ModelFit("gamma_gamma", "fitted", "", customers, fit, left_out, totals["correlation"])
    if not fit.converged:
        result.status, result.detail = "not_converged", "the likelihood has no maximum at finite parameters"
    elif fit.parameters["q"] <= 1:
        result.status = "infinite_mean_spend"
        result.detail = f"q = {fit.parameters['q']:.3f} <= 1: the spend distribution has no finite mean"
    return result


def _group_scores(
    spark: SparkSession, groups: dict[str, np.ndarray], bgnbd: ModelFit, options: ValueOptions, units_per_year: float
) -> DataFrame | None:
    """P(alive), expected purchases over the horizon and their discounted sum, per group."""
    if not bgnbd.usable:
        return None
    params = bgnbd.fit.parameters
    history = (groups["frequency"], groups["recency"], groups["t"])
    discount_per_unit = (1 + options.annual_discount_rate) ** (1 / units_per_year) - 1
    table = pa.table(
        {
            **{key: groups[key] for key in GROUP_KEY},
            "p_alive": btyd.p_alive(params, *history),
            "expected_purchases": btyd.expected_purchases(params, options.horizon, *history),
            "purchase_probability": btyd.purchase_probability(params, options.horizon, *history),
            "discounted_purchases": btyd.discounted_purchases(
                params, options.horizon, options.steps(units_per_year), discount_per_unit, *history
            ),
        }
    )
    return spark.createDataFrame(table)


def _customer_values(
    customers: DataFrame,
    summary: DataFrame,
    scores: DataFrame | None,
    gamma_gamma: ModelFit,
    run_id: str,
) -> DataFrame:
    customers = customers.select("customer_id").join(summary, "customer_id", "left")
    if scores is None:
        customers = customers.select(
            "*",
            *(F.lit(None).cast("double").alias(c) for c in (*SCORES, "discounted_purchases")),
        )
    else:
        # one row per group, however many customers: sent to every task rather than shuffled
        customers = customers.join(F.broadcast(scores), GROUP_KEY, "left")
    if gamma_gamma.usable:
        p, q, gamma = (gamma_gamma.fit.parameters[k] for k in ("p", "q", "gamma"))
        x, m = F.col("frequency"), F.col("monetary_value").cast("double")
        # the customer's spend weighs in with their number of repeat purchases (Fader & Hardie 2013)
        expected_spend = (
            F.when(x.isNull(), None)
            .when((x > 0) & (m > 0), F.lit(p) * (F.lit(gamma) + x * m) / (F.lit(p) * x + F.lit(q - 1)))
            .otherwise(F.lit(btyd.population_mean_spend(gamma_gamma.fit.parameters)))
        )
    else:
        expected_spend = F.lit(None).cast("double")
    return customers.select(
        F.lit(run_id).alias("run_id"),
        "customer_id",
        "frequency",
        "recency",
        "t",
        "monetary_value",
        *SCORES,
        expected_spend.alias("expected_spend"),
        (expected_spend * F.col("discounted_purchases")).alias("clv"),
    )


def _decile(frame: DataFrame, column: str):
    """1 for the customers with the tenth highest values, 10 for the lowest, by (approximate)
    quantiles, so no single partition sorts every customer; null where the value is."""
    bounds = frame.approxQuantile(column, [k / 10 for k in range(9, 0, -1)], 1e-4)
    if not bounds:
        return F.lit(None).cast("int")
    below = sum((F.col(column) < F.lit(bound)).cast("int") for bound in bounds)
    return F.when(F.col(column).isNotNull(), F.lit(1) + below).cast("int")


def _publish_fits(
    spark: SparkSession, fits: list[ModelFit], run_id: str, time_unit: str, options: ValueOptions, schema: str
) -> None:
    rows = [
        (
            run_id,
            fit.model,
            fit.status,
            fit.detail,
            fit.fit.parameters if fit.fit else {},
            fit.fit.log_likelihood if fit.fit else None,
            fit.customers,
            fit.customers_left_out,
            fit.fit.iterations if fit.fit else None,
            fit.fit.converged if fit.fit else False,
            fit.correlation,
            time_unit,
            float(options.horizon),
            float(options.annual_discount_rate),
        )
        for fit in fits
    ]
    columns = (
        "run_id string, model string, status string, detail string, parameters map<string, double>, "
        "log_likelihood double, customers bigint, customers_left_out bigint, iterations int, converged boolean, "
        "frequency_spend_correlation double, time_unit string, horizon double, annual_discount_rate double"
    )
    new = spark.createDataFrame(rows, columns).withColumn("fitted_at", F.current_timestamp())
    if spark.catalog.tableExists(f"{schema}.ml_value_fits"):
        # older fits keep their columns; one recorded before a column existed has it null
        new = spark.table(f"{schema}.ml_value_fits").unionByName(new, allowMissingColumns=True)
    publish(spark, new, schema, "ml_value_fits")
