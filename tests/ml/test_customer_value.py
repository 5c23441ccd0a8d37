"""The CDNOW sample log (Fader & Hardie's CD retailer, shipped in the lifetimes wheel) through
`segments run --source transactions`, calibration to 1997-09-30 in weeks, once for the module: its RFM
against a plain-Python computation, its buy-till-you-die summary against the one lifetimes ships,
and the value models against the published figures; then the backtest of the value models
against the published correlation and lifetimes' own calibration-and-holdout summary.

BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2).
Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma model of monetary value".
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from segments.pipeline import run_pipeline
from segments.pipeline.backtest import run_backtest
from segments.pipeline.export import ExportFilter, export_customers
from segments.sources.base import Inputs
from tests.helpers import lifetimes_dataset
from tests.ml.test_btyd import PUBLISHED_BGNBD, PUBLISHED_BGNBD_LOG_LIKELIHOOD, PUBLISHED_GAMMA_GAMMA

pytestmark = pytest.mark.integration

SAMPLE_MAPPING = (
    "csv: {delimiter: whitespace, header: false}\n"
    "columns: {customer_id: 2, ordered_at: '3:yyyyMMdd', quantity: 4, amount: 5}\n"
    "rules: {remove_duplicates: false}\n"
)
# Hardie's example customer (x = 2, t_x = 30.43, T = 38.86) is the sample's first, 0001; the
# published 1.226 purchases are for the next 39 weeks.
VARIABLES = {"value_calibration_end": "1997-09-30", "value_horizon": 39}


@pytest.fixture(scope="module")
def cdnow(settings, tmp_path_factory):
    mapping = tmp_path_factory.mktemp("cdnow") / "cdnow_sample.yml"
    mapping.write_text(SAMPLE_MAPPING)
    sample = lifetimes_dataset("CDNOW_sample.txt")
    return run_pipeline(settings, Inputs([sample], source="transactions", mapping=mapping), VARIABLES)


def _cents(value: float | Decimal, places: str = "0.0001") -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), ROUND_HALF_UP)


def _sample_rfm() -> tuple[int, dict[str, tuple[int, int, Decimal]]]:
    """CDNOW_sample.txt's RFM computed here: the amounts IQR-capped (linear quartiles), one order per
    customer and day, recency from the day after the last purchase."""
    lines = [line.split() for line in lifetimes_dataset("CDNOW_sample.txt").read_text().splitlines() if line.strip()]
    amounts = [float(line[4]) for line in lines]
    q1, q3 = np.percentile(amounts, [25, 75])
    low, high = _cents(q1 - 1.5 * (q3 - q1)), _cents(q3 + 1.5 * (q3 - q1))
    days: dict[str, set[date]] = {}
    spend: Counter = Counter()
    for _, customer, day, _, amount in lines:
        days.setdefault(customer, set()).add(datetime.strptime(day, "%Y%m%d").date())
        spend[customer] += min(max(_cents(amount), low), high)
    as_of = max(max(d) for d in days.values()).toordinal() + 1
    return len(lines), {
        c: (len(d), as_of - max(d).toordinal(), _cents(max(spend[c], Decimal(0)), "0.01")) for c, d in days.items()
    }


def test_the_cdnow_sample_log_runs_end_to_end_to_the_rfm_computed_here(cdnow, rows):
    result = cdnow
    assert all(check.passed for check in result.checks) and result.dashboard.is_file()
    line_count, expected = _sample_rfm()
    # every line kept: identical lines of one day and $0 lines are purchases in a transaction log
    assert result.ingest.data_lines == line_count == 6919
    outcomes = {r["reason"]: r["row_count"] for r in rows("analytics.audit_row_reconciliation", "reason")}
    assert {reason: n for reason, n in outcomes.items() if n} == {"kept": line_count}
    assert result.summary.skipped_rules == {
        "fill_customer_from_order": "order_id not mapped",
        "flag_non_merchandise": "product_id not mapped",
        "impute_zero_prices": "product_id and unit_price not mapped",
        "remove_duplicates": "switched off in the mapping",
    }
    assert "    rule not run: remove_duplicates (switched off in the mapping)" in result.summary.lines()
    assert len(expected) == 2357
    rfm = {
        r["customer_id"]: (r["frequency"], r["recency_days"], r["monetary"])
        for r in rows("analytics.fct_customer_rfm", "customer_id")
    }
    assert rfm == expected


def _two_decimals(value: float | Decimal) -> Decimal:
    """As the lifetimes file rounds: half up (a double from its shortest text)."""
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_the_btyd_summary_equals_the_one_lifetimes_ships(cdnow, rows):
    with open(lifetimes_dataset("cdnow_customers_summary_with_transactions.csv"), newline="") as handle:
        expected = {
            int(r["ID"]): tuple(Decimal(r[k]) for k in ("x", "t_x", "T", "zbar")) for r in csv.DictReader(handle)
        }
    summary = rows("analytics.customer_btyd_summary", "customer_id")
    got = {
        int(r["customer_id"]): (
            Decimal(r["frequency"]),
            *(_two_decimals(r[k]) for k in ("recency", "t", "monetary_value")),
        )
        for r in summary
    }
    assert len(expected) == 2357
    assert got == expected
    assert {(r["time_unit"], str(r["calibration_end"])) for r in summary} == {("weeks", "1997-09-30")}


def test_the_fits_reproduce_the_published_figures(cdnow, rows):
    run_id = cdnow.segmentation.run_id
    fits = {r["model"]: r for r in rows("ml.ml_value_fits", "model", f"run_id = '{run_id}'")}
    bgnbd, gamma_gamma = fits["bg_nbd"], fits["gamma_gamma"]
    assert (bgnbd["status"], bgnbd["converged"], bgnbd["customers"]) == ("fitted", True, 2357)
    for name, value in PUBLISHED_BGNBD.items():
        assert bgnbd["parameters"][name] == pytest.approx(value, abs=0.001), name
    assert bgnbd["log_likelihood"] == pytest.approx(PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.01)
    # the repeat customers, none of them with a spend netted to zero by returns
    assert (gamma_gamma["status"], gamma_gamma["customers"], gamma_gamma["customers_left_out"]) == ("fitted", 946, 0)
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        assert gamma_gamma["parameters"][name] == pytest.approx(value, abs=0.01), name
    assert -0.2 < gamma_gamma["frequency_spend_correlation"] < 0.2  # the model's independence holds here


def test_every_customer_is_valued_and_hardies_customer_expects_1_226_purchases(cdnow, rows):
    customers = {r["customer_id"]: r for r in rows("analytics.customer_segments", "customer_id")}
    values = {r["customer_id"]: r for r in rows("ml.ml_customer_value", "customer_id")}
    assert values.keys() == customers.keys() and len(values) == 2357
    assert values["0001"]["expected_purchases"] == pytest.approx(1.226, abs=0.001)
    assert all(r["p_alive"] is not None and r["clv"] is not None for r in customers.values())
    bands = Counter(r["churn_risk"] for r in customers.values())
    assert set(bands) == {"high", "medium", "low", None}
    for r in customers.values():
        if values[r["customer_id"]]["frequency"] == 0:  # one purchase: P(alive) is 1, no risk told
            assert (r["p_alive"], r["churn_risk"]) == (1.0, None)
        else:
            band = "high" if r["p_alive"] < 0.33 else "medium" if r["p_alive"] <= 0.66 else "low"
            assert r["churn_risk"] == band
    # the top CLV decile holds the highest values, about a tenth of the customers
    top = [r["clv"] for r in customers.values() if r["clv_decile"] == 1]
    rest = [r["clv"] for r in customers.values() if r["clv_decile"] > 1]
    assert min(top) >= max(rest) and 0.09 < len(top) / len(customers) < 0.11


def test_export_picks_a_churn_risk_band_and_clv_deciles(cdnow, spark, rows, tmp_path):
    customers = rows("analytics.customer_segments", "customer_id")
    out = tmp_path / "vip_high.csv"
    count = export_customers(spark, ExportFilter("VIP", churn_risk="high", clv_deciles=(1, 3)), out)
    with open(out, newline="") as handle:
        exported = list(csv.DictReader(handle))
    expected = {
        r["customer_id"]
        for r in customers
        if r["kmeans_segment"] == "VIP" and r["churn_risk"] == "high" and r["clv_decile"] <= 3
    }
    assert count == len(exported) == len(expected) >= 1
    assert {r["customer_id"] for r in exported} == expected
    # a VIP likely to have left gets a personal win-back, not loyalty perks
    assert all(r["recommended_action"].startswith("Personal win-back") for r in exported)
    top = export_customers(spark, ExportFilter(clv_deciles=(1, 1)), tmp_path / "top.csv")
    assert top == sum(r["clv_decile"] == 1 for r in customers)


# The backtest of Fader, Hardie & Lee (2005): calibration to 1997-09-30, 39 weeks of holdout.
CALIBRATION_END, HOLDOUT_END = date(1997, 9, 30), date(1998, 6, 30)


@pytest.fixture(scope="module")
def cdnow_backtest(cdnow, settings):
    return run_backtest(settings, CALIBRATION_END, HOLDOUT_END, {"value_time_unit": "weeks"})


@pytest.fixture(scope="module")
def lifetimes_holdout():
    """The calibration and holdout summary by lifetimes' own code, with the published BG/NBD
    parameters' predictions: a computation independent of ours."""
    import pandas as pd
    from lifetimes import BetaGeoFitter
    from lifetimes.utils import calibration_and_holdout_data

    log = pd.read_csv(
        lifetimes_dataset("CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["id", "customer_id", "date", "quantity", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    summary = calibration_and_holdout_data(
        log,
        "customer_id",
        "date",
        str(CALIBRATION_END),
        observation_period_end=str(HOLDOUT_END),
        freq="D",
        freq_multiplier=7,
    )
    model = BetaGeoFitter()
    model.params_ = pd.Series(PUBLISHED_BGNBD)
    summary["predicted"] = model.conditional_expected_number_of_purchases_up_to_time(
        39, summary["frequency_cal"], summary["recency_cal"], summary["T_cal"]
    )
    first_weeks = (pd.Timestamp(HOLDOUT_END) - log.groupby("customer_id")["date"].min()).dt.days / 7
    repeat_days = log.groupby("customer_id")["date"].nunique().sum() - len(first_weeks)
    tracking_end = float(model.expected_number_of_purchases_up_to_time(first_weeks).sum())
    return summary, repeat_days, tracking_end


def test_the_backtest_correlates_predicted_and_actual_purchases_as_published(cdnow_backtest, rows):
    metrics = cdnow_backtest.metrics
    assert metrics["customers"] == 2357 and metrics["holdout_length"] == 39.0
    # Fader, Hardie & Lee (2005) report 0.626 for BG/NBD on this calibration and holdout
    assert metrics["purchases_correlation"] == pytest.approx(0.626, abs=0.005)
    assert all(check.passed for check in cdnow_backtest.checks) and cdnow_backtest.page.is_file()


def test_the_frequency_table_matches_lifetimes_for_frequency_0_and_1(cdnow_backtest, rows, lifetimes_holdout):
    summary, _, _ = lifetimes_holdout
    table = {r["calibration_frequency"]: r for r in rows("backtest.backtest_frequency", "calibration_frequency")}
    assert [r["label"] for r in table.values()] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    for frequency in (0, 1):
        theirs = summary[summary["frequency_cal"] == frequency]
        assert table[frequency]["customers"] == len(theirs)
        assert table[frequency]["mean_actual_purchases"] == pytest.approx(theirs["frequency_holdout"].mean(), rel=1e-12)
        # lifetimes with the published (rounded) parameters, ours with the fitted ones
        assert table[frequency]["mean_predicted_purchases"] == pytest.approx(theirs["predicted"].mean(), rel=3e-3)


def _roc_auc(score: np.ndarray, label: np.ndarray) -> float:
    """By its definition: the share of (positive, negative) pairs ranked right, ties counting half."""
    positives, negatives = score[label], score[~label]
    pairs = (positives[:, None] > negatives[None, :]) + 0.5 * (positives[:, None] == negatives[None, :])
    return float(pairs.mean())


def test_the_backtest_metrics_equal_a_computation_from_the_customer_rows(cdnow_backtest, rows):
    customers = rows("backtest.backtest_customers", "customer_id")
    predicted = np.array([c["predicted_purchases"] for c in customers])
    actual = np.array([c["actual_purchases"] for c in customers], dtype=float)
    metrics = cdnow_backtest.metrics
    assert metrics["purchases_mae"] == pytest.approx(np.mean(np.abs(predicted - actual)), rel=1e-9)
    assert metrics["purchases_rmse"] == pytest.approx(np.sqrt(np.mean((predicted - actual) ** 2)), rel=1e-9)
    assert metrics["purchases_total_error_pct"] == pytest.approx(100 * (predicted.sum() / actual.sum() - 1), rel=1e-9)
    bought = np.array([c["bought_again"] for c in customers])
    probability = np.array([c["purchase_probability"] for c in customers])
    assert metrics["purchase_probability_brier"] == pytest.approx(np.mean((probability - bought) ** 2), rel=1e-9)
    assert metrics["purchase_probability_auc"] == pytest.approx(_roc_auc(probability, bought), abs=1e-6)
    repeat = np.array([c["calibration_frequency"] > 0 for c in customers])
    p_alive = np.array([c["p_alive"] for c in customers])[repeat]
    assert metrics["p_alive_brier"] == pytest.approx(np.mean((p_alive - bought[repeat]) ** 2), rel=1e-9)
    assert metrics["p_alive_auc"] == pytest.approx(_roc_auc(p_alive, bought[repeat]), abs=1e-6)
    top = [c["actual_spend"] for c in customers if c["clv_decile"] == 1]
    overall = np.mean([float(c["actual_spend"]) for c in customers])
    assert float(metrics["top_decile_lift"]) == pytest.approx(
        float(np.mean([float(s) for s in top])) / overall, rel=1e-9
    )


def test_the_tracking_curve_ends_at_lifetimes_totals(cdnow_backtest, rows, lifetimes_holdout):
    _, repeat_days, tracking_end = lifetimes_holdout
    curve = rows("backtest.backtest_tracking", "period")
    assert len(curve) == 78 and curve[-1]["period_end"] == HOLDOUT_END
    assert sum(not p["in_holdout"] for p in curve) == 39
    actual = [p["actual_repeat_purchases"] for p in curve]
    assert actual == sorted(actual) and actual[-1] == repeat_days
    assert curve[-1]["expected_repeat_purchases"] == pytest.approx(tracking_end, rel=3e-3)


def test_the_segment_lift_adds_up_to_the_customers(cdnow_backtest, rows):
    customers = rows("backtest.backtest_customers", "customer_id")
    lift = rows("backtest.backtest_segment_lift", "segment_type, segment")
    for kind, column in (("kmeans", "segment"), ("rfm", "rfm_segment")):
        mine = [r for r in lift if r["segment_type"] == kind]
        assert sum(r["customers"] for r in mine) == len(customers)
        for r in mine:
            members = [c for c in customers if c[column] == r["segment"]]
            assert r["bought_again_share"] == pytest.approx(np.mean([c["bought_again"] for c in members]))
    vip = next(r for r in lift if r["segment"] == "VIP")
    churned = next(r for r in lift if r["segment"] == "Churned")
    assert vip["revenue_lift"] > 1 > churned["revenue_lift"]  # the VIPs kept buying, the Churned stayed away
