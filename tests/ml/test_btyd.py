"""The buy-till-you-die models (ml/btyd.py) against the published figures, on the CDNOW summary that
the lifetimes wheel ships (2,357 customers of the CDNOW sample, calibration to 1997-09-30, weeks).

BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2).
Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma model of monetary value".
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from ml import btyd
from ml.customer_value import MIN_REPEAT_CUSTOMERS, ValueOptions, _fit_bgnbd
from segments.errors import UserError
from tests.helpers import lifetimes_dataset

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LOG_LIKELIHOOD = -9582.43
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _summary() -> dict[str, np.ndarray]:
    with open(lifetimes_dataset("cdnow_customers_summary_with_transactions.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: np.array([float(row[key]) for row in rows]) for key in ("x", "t_x", "T", "zbar")}


def _grouped(summary):
    keys, counts = np.unique(np.stack([summary["x"], summary["t_x"], summary["T"]], axis=1), axis=0, return_counts=True)
    return keys[:, 0], keys[:, 1], keys[:, 2], counts


def test_bgnbd_on_grouped_customers_gives_the_published_parameters_and_likelihood():
    x, t_x, T, customers = _grouped(_summary())
    assert customers.sum() == 2357 and len(customers) < 2357  # the fit sees groups, not customers
    fit = btyd.fit_bgnbd(x, t_x, T, customers)
    assert fit.converged
    for name, value in PUBLISHED_BGNBD.items():
        assert fit.parameters[name] == pytest.approx(value, abs=0.001), name
    assert fit.log_likelihood == pytest.approx(PUBLISHED_BGNBD_LOG_LIKELIHOOD, abs=0.01)


def test_the_weighted_likelihood_equals_the_sum_over_customers():
    summary = _summary()
    params = np.array([0.3, 5.0, 0.8, 2.5])
    grouped, _ = btyd.bgnbd_log_likelihood(params, *_grouped(summary))
    ones = np.ones_like(summary["x"])
    each, _ = btyd.bgnbd_log_likelihood(params, summary["x"], summary["t_x"], summary["T"], ones)
    assert grouped == pytest.approx(each, rel=1e-12)


def test_the_likelihood_gradient_matches_finite_differences():
    x, t_x, T, customers = _grouped(_summary())
    params = np.array([0.3, 5.0, 0.8, 2.5])
    _, gradient = btyd.bgnbd_log_likelihood(params, x, t_x, T, customers)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6 * params[i]
        up, _ = btyd.bgnbd_log_likelihood(params + step, x, t_x, T, customers)
        down, _ = btyd.bgnbd_log_likelihood(params - step, x, t_x, T, customers)
        assert gradient[i] == pytest.approx((up - down) / (2 * step[i]), rel=1e-5)


def test_expected_purchases_of_hardies_example_customer():
    # x = 2, t_x = 30.43, T = 38.86: 1.226 purchases in the next 39 weeks (Hardie's spreadsheet)
    expected = btyd.expected_purchases(PUBLISHED_BGNBD, 39, 2, 30.43, 38.86)
    assert expected == pytest.approx(1.226, abs=0.001)


def test_p_alive_is_one_without_a_repeat_purchase_and_falls_with_the_silence_after_the_last():
    assert btyd.p_alive(PUBLISHED_BGNBD, 0, 0, 38.86) == 1.0
    recent, silent = btyd.p_alive(PUBLISHED_BGNBD, [3, 3], [38, 5], [38.86, 38.86])
    assert 0 < silent < recent < 1


def test_discounted_purchases_are_the_expected_ones_without_discount_and_fewer_with_it():
    args = (PUBLISHED_BGNBD, 52, 12)
    history = ([2, 0], [30.43, 0], [38.86, 38.86])
    undiscounted = btyd.discounted_purchases(*args, 0.0, *history)
    assert undiscounted == pytest.approx(btyd.expected_purchases(PUBLISHED_BGNBD, 52, *history), rel=1e-12)
    assert np.all(btyd.discounted_purchases(*args, 0.002, *history) < undiscounted)


def _spend_sums(summary):
    repeat = (summary["x"] > 0) & (summary["zbar"] > 0)
    x, m = summary["x"][repeat], summary["zbar"][repeat]
    frequencies, customers = np.unique(x, return_counts=True)
    sums = btyd.SpendSums(frequencies, customers, np.sum(x * np.log(m)), np.sum(np.log(m)), np.sum(x * np.log(x)))

    def gamma_sums(gammas):
        logs = np.log(x * m + np.asarray(gammas)[:, None])
        return logs.sum(axis=1), (x * logs).sum(axis=1)

    return sums, gamma_sums


def test_gamma_gamma_on_its_profile_likelihood_gives_the_published_parameters():
    sums, gamma_sums = _spend_sums(_summary())
    assert sums.total == 946
    fit = btyd.fit_gamma_gamma(sums, gamma_sums)
    assert fit.converged
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        assert fit.parameters[name] == pytest.approx(value, abs=0.01), name
    assert btyd.population_mean_spend(fit.parameters) == pytest.approx(
        fit.parameters["p"] * fit.parameters["gamma"] / (fit.parameters["q"] - 1)
    )


def test_the_profile_likelihood_equals_the_per_customer_gamma_gamma_likelihood():
    summary = _summary()
    sums, gamma_sums = _spend_sums(summary)
    p, q, gamma = 6.0, 3.5, 15.0
    (s0,), (s1,) = gamma_sums([gamma])
    value, _ = btyd.gamma_gamma_log_likelihood(p, q, gamma, sums, s0, s1)
    repeat = (summary["x"] > 0) & (summary["zbar"] > 0)
    x, m = summary["x"][repeat], summary["zbar"][repeat]
    from scipy.special import gammaln

    each = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + gamma)
    )
    assert value == pytest.approx(each.sum(), rel=1e-12)


def test_too_few_repeat_customers_is_recorded_not_fitted():
    groups = {
        "frequency": np.array([0.0, 1.0]),
        "recency": np.array([0.0, 2.0]),
        "t": np.array([10.0, 10.0]),
        "customers": np.array([500, MIN_REPEAT_CUSTOMERS - 1]),
    }
    fit = _fit_bgnbd(groups)
    assert (fit.status, fit.usable, fit.fit) == ("too_few_customers", False, None)
    assert f"{MIN_REPEAT_CUSTOMERS - 1} customers bought twice" in fit.detail


def test_a_likelihood_without_a_finite_maximum_is_recorded_as_not_converged():
    # everyone buys steadily to the end: no one ever drops out, so a and b run off to infinity
    x = np.arange(1, 40, dtype=float)
    groups = {"frequency": x, "recency": x, "t": x + 0.5, "customers": np.full(x.shape, 20)}
    fit = _fit_bgnbd(groups)
    assert fit.status == "not_converged" and not fit.usable


def test_customers_who_never_leave_give_the_no_dropout_limit_with_nbd_predictions():
    # NBD data: gamma-distributed Poisson rates, nobody drops out; BG/NBD's a runs off to 0
    generator = np.random.default_rng(7)
    T = generator.uniform(10, 52, 3000).round()
    rates = generator.gamma(0.8, 1 / 8.0, T.shape)
    x = generator.poisson(rates * T).astype(float)
    t_x = np.where(x > 0, np.minimum(T, (T * generator.beta(np.maximum(x, 1), 1)).round()), 0.0)
    fit = _fit_bgnbd({"frequency": x, "recency": t_x, "t": T, "customers": np.ones_like(x)})
    assert (fit.status, fit.usable) == ("no_dropout", True) and "no customer is seen to leave" in fit.detail
    params = fit.fit.parameters
    assert params["r"] == pytest.approx(0.8, rel=0.15) and params["alpha"] == pytest.approx(8.0, rel=0.15)
    # the formulas at the limit are the NBD's: everyone alive, (r + x) / (alpha + T) purchases per unit
    assert np.all(btyd.p_alive(params, x, t_x, T) > 1 - 1e-6)
    nbd = (params["r"] + x) / (params["alpha"] + T) * 13
    assert btyd.expected_purchases(params, 13, x, t_x, T) == pytest.approx(nbd, rel=1e-6)


def test_purchase_probability_and_tracking_equal_lifetimes_with_the_published_parameters():
    from lifetimes import BetaGeoFitter
    from pandas import Series

    model = BetaGeoFitter()
    model.params_ = Series(PUBLISHED_BGNBD)
    weeks = np.array([0.5, 1, 13, 39, 78])
    # a customer at their first purchase: lifetimes' P(no purchase in t) of a new customer
    new = btyd.purchase_probability(PUBLISHED_BGNBD, weeks, np.zeros(5), np.zeros(5), np.zeros(5))
    assert new == pytest.approx(1 - np.asarray(model.probability_of_n_purchases_up_to_time(weeks, 0)), rel=1e-9)
    expected = model.expected_number_of_purchases_up_to_time(weeks)
    assert btyd.expected_purchases_since_first(PUBLISHED_BGNBD, weeks) == pytest.approx(np.asarray(expected), rel=1e-9)
    # later in life: below P(alive), and nearing it as the window grows
    summary = _summary()
    history = (summary["x"], summary["t_x"], summary["T"])
    alive = btyd.p_alive(PUBLISHED_BGNBD, *history)
    assert np.all(btyd.purchase_probability(PUBLISHED_BGNBD, 39, *history) < alive)
    assert btyd.purchase_probability(PUBLISHED_BGNBD, 1e30, *history) == pytest.approx(alive, rel=1e-3)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"value_time_unit": "fortnights"}, "value_time_unit is 'fortnights'"),
        ({"value_horizon": 0}, "value_horizon = 0.0 is not a positive number"),
        ({"value_horizon": "a year"}, "must be numbers"),
        ({"value_annual_discount_rate": 10}, "is not a rate per year"),
        ({"churn_risk_high_below": "low"}, "are not two P\\(alive\\) thresholds"),
        ({"churn_risk_high_below": 0.7}, "0 <= churn_risk_high_below <= churn_risk_low_above <= 1"),
    ],
)
def test_value_vars_are_checked_before_spark_starts(variables, message):
    defaults = {
        "value_time_unit": "weeks",
        "value_horizon": 52,
        "value_annual_discount_rate": 0.1,
        "churn_risk_high_below": 0.33,
        "churn_risk_low_above": 0.66,
    }
    with pytest.raises(UserError, match=message):
        ValueOptions.from_vars({**defaults, **variables})


def test_clv_discounts_month_by_month_whatever_the_time_unit():
    assert ValueOptions(52, 0.1).steps(365.25 / 7) == 12
    assert ValueOptions(365, 0.1).steps(365.25) == 12
    assert ValueOptions(6, 0.1).steps(12) == 6
    assert ValueOptions(1, 0.1).steps(365.25) == 1
