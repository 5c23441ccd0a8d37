"""The buy-till-you-die models by maximum likelihood, in numpy and scipy on the driver.

BG/NBD (Fader, Hardie & Lee 2005) on customers grouped by (x, t_x, T): each group is one row with
its customer count as weight, so the driver holds the groups, never one row per customer.
Gamma-Gamma (Fader & Hardie 2013) is fitted on its profile likelihood: for a given gamma, p and q are
fitted from sums per frequency, and the only sums over customers that depend on gamma,
S0 = sum log(x m + gamma) and S1 = sum x log(x m + gamma), come from `gamma_sums` (in Spark, for
many gammas in one pass).
Parameters are fitted on their logarithms, so they stay positive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

# Fits start from 1 for every parameter (lifetimes' start); the optimiser's own tolerances decide.
GRADIENT_TOLERANCE = 1e-9
# gamma is searched on its logarithm within these bounds (spend in any currency unit), on a grid of
# GRID_POINTS that narrows until its best point is known to LOG_GAMMA_TOLERANCE (gamma to 0.01 %,
# in 5 rounds).
LOG_GAMMA_BOUNDS = (np.log(1e-6), np.log(1e9))
GRID_POINTS = 32
LOG_GAMMA_TOLERANCE = 1e-4
# A parameter beyond these ran off to 0 or infinity: the likelihood has no maximum at finite values
# (e.g. nobody ever drops out), and the fit is not a model of the data.
PARAMETER_LIMITS = (1e-6, 1e6)


@dataclass(frozen=True)
class Fit:
    """One model's maximum-likelihood fit: parameters by name, log-likelihood, optimiser report."""

    parameters: dict[str, float]
    log_likelihood: float
    iterations: int
    converged: bool


# --- BG/NBD ---------------------------------------------------------------------------------------


def _bgnbd_terms(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    r, alpha, a, b = params
    repeat = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    # only repeat customers have the term "dropped out after the last purchase"; b + x - 1 > 0 there
    a4 = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1, a2, a3, a4, repeat


def bgnbd_log_likelihood(params, x, t_x, T, weight) -> tuple[float, np.ndarray]:
    """The weighted log-likelihood and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = params
    a1, a2, a3, a4, repeat = _bgnbd_terms(np.asarray(params), x, t_x, T)
    total = np.logaddexp(a3, a4)
    w3 = np.exp(a3 - total)  # the share of "still alive at T" in each customer's likelihood
    w4 = 1.0 - w3
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    d_ab = digamma(a + b) - digamma(a + b + x)
    d_a = d_ab + w4 / a
    d_b = d_ab + digamma(b + x) - digamma(b) - w4 / np.where(repeat, b + x - 1, 1.0)
    gradient = np.array([np.dot(weight, d) for d in (d_r, d_alpha, d_a, d_b)])
    return float(np.dot(weight, a1 + a2 + total)), gradient


def fit_bgnbd(x, t_x, T, weight) -> Fit:
    """BG/NBD (r, alpha, a, b) on groups of customers: frequency x, recency t_x, age T, count."""
    x, t_x, T, weight = (np.asarray(v, dtype=float) for v in (x, t_x, T, weight))
    scale = weight.sum()

    def objective(log_params):
        params = np.exp(log_params)
        value, gradient = bgnbd_log_likelihood(params, x, t_x, T, weight)
        return -value / scale, -gradient * params / scale

    result = minimize(objective, np.zeros(4), jac=True, method="BFGS", options={"gtol": GRADIENT_TOLERANCE})
    params = np.exp(result.x)
    value, _ = bgnbd_log_likelihood(params, x, t_x, T, weight)
    converged = bool((result.success or _at_optimum(result)) and np.isfinite(value) and _within_limits(params))
    return Fit(dict(zip(("r", "alpha", "a", "b"), map(float, params))), value, int(result.nit), converged)


def _within_limits(params) -> bool:
    return bool(np.all((np.asarray(params) > PARAMETER_LIMITS[0]) & (np.asarray(params) < PARAMETER_LIMITS[1])))


def _at_optimum(result) -> bool:
    # BFGS may stop on "precision loss" with a gradient already at rounding level: that is a minimum
    return bool(np.all(np.abs(result.jac) < 1e-6))


def p_alive(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """P(still a customer at T | x, t_x, T); 1 for customers who bought once."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    repeat = x > 0
    log_odds = (
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(repeat, 1.0 / (1.0 + np.exp(log_odds)), 1.0)


def expected_purchases(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (Fader, Hardie & Lee 2005, equation 10)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if t == 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyper)
    return first * p_alive(params, x, t_x, T)


def purchase_probability(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """P(at least one purchase in (T, T + t] | x, t_x, T): alive at T, and not every purchase of the
    Poisson rate's posterior Gamma(r + x, alpha + T) missed in t (a customer drops out only just
    after a purchase)."""
    r, alpha = params["r"], params["alpha"]
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    return p_alive(params, x, t_x, T) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))


def expected_purchases_since_first(params: dict[str, float], t) -> np.ndarray:
    """E[repeat purchases in (0, t]] of a customer who made a first purchase at 0 (Fader, Hardie & Lee
    2005, equation 9): the tracking curve of a cohort."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    t = np.asarray(t, dtype=float)
    hyper = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyper)


def discounted_purchases(params: dict[str, float], horizon: float, steps: int, discount_per_unit: float, x, t_x, T):
    """Expected purchases over the horizon, each step's purchases discounted to today at the end of
    the step: sum over k of (E[Y(t_k)] - E[Y(t_(k-1))]) / (1 + d)^t_k, t_k = k * horizon / steps."""
    total = np.zeros(np.shape(x), dtype=float)
    before = np.zeros_like(total)
    for k in range(1, steps + 1):
        t = k * horizon / steps
        now = expected_purchases(params, t, x, t_x, T)
        total += (now - before) / (1 + discount_per_unit) ** t
        before = now
    return total


# --- Gamma-Gamma ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendSums:
    """What the Gamma-Gamma likelihood needs of the repeat customers besides S0 and S1: customers
    per frequency, and sums of x log m, log m and x log x."""

    frequencies: np.ndarray
    customers: np.ndarray
    x_log_m: float
    log_m: float
    x_log_x: float

    @property
    def total(self) -> int:
        return int(self.customers.sum())


def gamma_gamma_log_likelihood(p: float, q: float, gamma: float, sums: SpendSums, s0: float, s1: float):
    """The log-likelihood in (p, q) at a given gamma, and its gradient in (p, q)."""
    x, n = sums.frequencies, sums.customers
    value = (
        np.dot(n, gammaln(p * x + q) - gammaln(p * x) - gammaln(q))
        + sums.total * q * np.log(gamma)
        + p * sums.x_log_m
        - sums.log_m
        + p * sums.x_log_x
        - p * s1
        - q * s0
    )
    d_p = np.dot(n, x * (digamma(p * x + q) - digamma(p * x))) + sums.x_log_m + sums.x_log_x - s1
    d_q = np.dot(n, digamma(p * x + q) - digamma(q)) + sums.total * np.log(gamma) - s0
    return float(value), np.array([d_p, d_q])


def _fit_p_q(sums: SpendSums, gamma: float, s0: float, s1: float) -> tuple[float, np.ndarray, bool]:
    """p and q at a given gamma: (log-likelihood, (p, q), converged)."""

    def objective(log_pq):
        pq = np.exp(log_pq)
        value, gradient = gamma_gamma_log_likelihood(pq[0], pq[1], gamma, sums, s0, s1)
        return -value / sums.total, -gradient * pq / sums.total

    result = minimize(objective, np.zeros(2), jac=True, method="BFGS", options={"gtol": GRADIENT_TOLERANCE})
    return -result.fun * sums.total, np.exp(result.x), bool(result.success or _at_optimum(result))


def fit_gamma_gamma(sums: SpendSums, gamma_sums: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> Fit:
    """Gamma-Gamma (p, q, gamma). log gamma is searched on a grid that narrows around its best
    point, round after round; `gamma_sums` gives S0 and S1 for all the points of a round at once
    (one pass over the customers), and p and q are fitted at each point. `iterations` counts the
    rounds."""
    low, high = LOG_GAMMA_BOUNDS
    rounds = 0
    while True:
        grid = np.linspace(low, high, GRID_POINTS)
        s0, s1 = gamma_sums(np.exp(grid))
        fits = [_fit_p_q(sums, float(np.exp(g)), a, b) for g, a, b in zip(grid, s0, s1)]
        rounds += 1
        values = np.array([value for value, _, _ in fits])
        if not np.any(np.isfinite(values)):
            return Fit({"p": np.nan, "q": np.nan, "gamma": np.nan}, np.nan, rounds, False)
        best = int(np.nanargmax(values))
        low, high = grid[max(best - 1, 0)], grid[min(best + 1, GRID_POINTS - 1)]
        if high - low < LOG_GAMMA_TOLERANCE:
            break
    value, (p, q), inner_converged = fits[best]
    at_bound = min(abs(grid[best] - bound) for bound in LOG_GAMMA_BOUNDS) < 1e-3
    converged = bool(inner_converged and not at_bound and np.isfinite(value) and _within_limits([p, q]))
    return Fit({"p": float(p), "q": float(q), "gamma": float(np.exp(grid[best]))}, value, rounds, converged)


def population_mean_spend(params: dict[str, float]) -> float:
    """The mean spend per purchase of the population, p gamma / (q - 1): finite only when q > 1."""
    return params["p"] * params["gamma"] / (params["q"] - 1)
