"""Customer lifetime models for customers who buy without a contract: BG/NBD and Gamma-Gamma.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") describes each customer by how often
they buy while alive (Poisson, rate λ ~ Gamma(r, α)) and the chance that they drop out after each purchase
(p ~ Beta(a, b)). From a customer's repeat purchases x, the time of the last one t_x and the time since the first
purchase T, it gives the probability that the customer is still alive and the purchases to expect in the next t.
Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999) gives the expected value of a
customer's orders from the mean value m_x of their repeat orders.

Both are fitted by maximum likelihood with scipy, on the user's own history: the `lifetimes` package that used to
do this is unmaintained, and the models are a page of formulas. The parameters are optimised on a log scale so
they stay positive. Times are in whatever unit the caller gives (the paper and the tests use weeks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1


@dataclass(frozen=True)
class BgNbdFit:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int


@dataclass(frozen=True)
class GammaGammaFit:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int  # with at least one repeat purchase: the only ones whose spend the model sees


def _arrays(*columns) -> list[np.ndarray]:
    return [np.asarray(column, dtype=float) for column in columns]


def bg_nbd_log_likelihood(r: float, alpha: float, a: float, b: float, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood under BG/NBD (the paper's equation 6, in logs)."""
    x, t_x, T = _arrays(x, t_x, T)
    return _bg_nbd_log_likelihood(r, alpha, a, b, _RepeatPurchases(x), t_x, T)


class _RepeatPurchases:
    """Customers' repeat purchases `x` with their distinct counts (a few dozen) and each customer's index into them:
    the special functions of x are evaluated once per distinct count, not per customer (a fit at a million people
    evaluates the likelihood a thousand times over 200,000 customers)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self.distinct, self.index = np.unique(x, return_inverse=True)
        self.repeat = x > 0


def _bg_nbd_log_likelihood(r: float, alpha: float, a: float, b: float, purchases: _RepeatPurchases,
                           t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    x, distinct, index, repeat = purchases.x, purchases.distinct, purchases.index, purchases.repeat
    common = (gammaln(r + distinct) - gammaln(r))[index] + r * np.log(alpha)
    alive_to_T = (betaln(a, b + distinct) - betaln(a, b))[index] - (r + x) * np.log(alpha + T)
    # Dropped out right after the last purchase (only possible after a repeat purchase).
    dropped_per_count = np.full_like(distinct, -np.inf)
    dropped_per_count[distinct > 0] = betaln(a + 1, b + distinct[distinct > 0] - 1) - betaln(a, b)
    dropped = np.full_like(x, -np.inf)
    dropped[repeat] = dropped_per_count[index[repeat]] - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return common + np.logaddexp(alive_to_T, dropped)


def _fit(negative_log_likelihood, start: list[float]) -> np.ndarray:
    """Minimise `negative_log_likelihood` (of the log parameters) from `start`; the parameters found.

    It must be the mean over customers, not the sum: the tolerances are absolute, and on a sum over 140,000
    customers (about 1e6) a change of 1e-8 is beyond double precision, so Nelder-Mead never met them and ran to its
    40,000-evaluation limit."""
    result = minimize(negative_log_likelihood, np.log(start), method="Nelder-Mead",
                      options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 20_000, "maxfev": 40_000})
    # A second pass from the first one's optimum: Nelder-Mead's simplex can stall on a flat ridge.
    result = minimize(negative_log_likelihood, result.x, method="BFGS")
    return np.exp(result.x)


def fit_bg_nbd(x, t_x, T) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters for customers with `x` repeat purchases, the last at `t_x`, observed
    for `T` since their first purchase (all in one time unit)."""
    x, t_x, T = _arrays(x, t_x, T)
    if len(x) == 0:
        raise ValueError("no customers to fit BG/NBD on")

    purchases = _RepeatPurchases(x)

    def negative_log_likelihood(log_params: np.ndarray) -> float:  # per customer (see _fit)
        r, alpha, a, b = np.exp(log_params)
        return -float(_bg_nbd_log_likelihood(r, alpha, a, b, purchases, t_x, T).mean())

    r, alpha, a, b = _fit(negative_log_likelihood, [1.0, max(float(T.mean()), 1.0), 1.0, 1.0])
    return BgNbdFit(r, alpha, a, b, float(bg_nbd_log_likelihood(r, alpha, a, b, x, t_x, T).sum()), len(x))


def probability_alive(fit: BgNbdFit, x, t_x, T) -> np.ndarray:
    """P(still alive at T | x, t_x, T): a customer without a repeat purchase cannot have dropped out yet."""
    x, t_x, T = _arrays(x, t_x, T)
    odds_dropped = np.zeros_like(x)
    repeat = x > 0
    odds_dropped[repeat] = (fit.a / (fit.b + x[repeat] - 1)
                            * ((fit.alpha + T[repeat]) / (fit.alpha + t_x[repeat])) ** (fit.r + x[repeat]))
    return 1.0 / (1.0 + odds_dropped)


def expected_purchases(fit: BgNbdFit, t: float, x, t_x, T) -> np.ndarray:
    """Purchases to expect in the next `t` from a customer with history (x, t_x, T): the paper's equation 10."""
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    # (a - 1) can be negative (the paper's fit has a = 0.793): the bracket then is too, and the product positive.
    hypergeometric = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    purchases_while_alive = ((a + b + x - 1) / (a - 1)
                             * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hypergeometric))
    return purchases_while_alive * probability_alive(fit, x, t_x, T)


def expected_purchases_of_a_new_customer(fit: BgNbdFit, t: float) -> float:
    """Repeat purchases to expect in the first `t` after a first purchase: the paper's equation 7."""
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t))))


def gamma_gamma_log_likelihood(p: float, q: float, gamma: float, x, mean_value) -> np.ndarray:
    """Each repeat customer's log-likelihood of their mean order value under Gamma-Gamma.

    Written with betaln and log1p rather than the textbook's gammaln(px + q) - gammaln(px) - gammaln(q) and
    q log γ - (px + q) log(γ + m x): when customers' spend rates barely differ, the fit goes far out along q and γ
    together, where those are differences of numbers near 1e13 and lost every digit (a fit at a million people
    found a mean log-likelihood of +164 that way, which no density gives)."""
    x, m = _arrays(x, mean_value)
    px = p * x
    return (-betaln(px, q) - q * np.log1p(m * x / gamma) - px * np.log(gamma + m * x)
            + (px - 1) * np.log(m) + px * np.log(x))


# Beyond this q customers' spend rates differ by under 0.01 % (coefficient of variation 1/sqrt(q)): the model is
# then one spend rate for everybody, and a larger q changes no prediction.
_GAMMA_GAMMA_LARGEST_Q = 1e8


def fit_gamma_gamma(x, mean_value) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters from customers with x ≥ 1 repeat purchases of mean value
    `mean_value` (> 0); others are left out, as the model has nothing to learn from them.

    Fitted over (log p, log q/γ, log q) with L-BFGS-B. q/γ is the customers' mean spend rate, which the data pin
    down; q says how much customers' rates differ, and where they hardly do the likelihood is nearly flat as q and γ
    grow together. Over (p, q, γ) that ridge runs diagonally and Nelder-Mead crawled along it (40,000 evaluations,
    over 300 s, on a day at a million people); over these coordinates it is one axis, bounded above by
    `_GAMMA_GAMMA_LARGEST_Q`, and the fit takes a hundred or two evaluations."""
    x, m = _arrays(x, mean_value)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise ValueError("no customer with a repeat purchase of positive value to fit Gamma-Gamma on")

    def parameters(coordinates: np.ndarray) -> tuple[float, float, float]:
        log_p, log_mean_rate, log_q = coordinates
        return float(np.exp(log_p)), float(np.exp(log_q)), float(np.exp(log_q - log_mean_rate))

    def negative_log_likelihood(coordinates: np.ndarray) -> float:  # per customer, as in _fit
        return -float(gamma_gamma_log_likelihood(*parameters(coordinates), x, m).mean())

    # Start at p = q = 1 with the mean spend rate that matches the mean order value: E[z] = p γ / (q - 1) is
    # undefined at q = 1, so match E[ν] = q / γ to 1 / mean(m) instead.
    start = np.array([0.0, -np.log(max(float(m.mean()), 1e-12)), 0.0])
    result = minimize(negative_log_likelihood, start, method="L-BFGS-B",
                      bounds=[(None, None), (None, None), (None, np.log(_GAMMA_GAMMA_LARGEST_Q))],
                      options={"maxfun": 5_000})
    p, q, gamma = parameters(result.x)
    return GammaGammaFit(p, q, gamma, float(gamma_gamma_log_likelihood(p, q, gamma, x, m).sum()), len(x))


def expected_order_value(fit: GammaGammaFit, x, mean_value) -> np.ndarray:
    """E[order value | x, m_x]: a weighted mean of the population mean and the customer's own mean, the more
    repeat purchases the more weight on their own. A customer without repeat purchases gets the population mean."""
    x, m = _arrays(x, mean_value)
    if fit.q <= 1:
        raise ValueError(f"Gamma-Gamma q = {fit.q:.3f} <= 1: the mean order value is undefined for this fit")
    m = np.where(x > 0, m, 0.0)
    return (fit.gamma + m * x) * fit.p / (fit.p * x + fit.q - 1)


def holdout_comparison(fit: BgNbdFit, holdout_length: float, x, t_x, T, holdout_purchases,
                       grouped_up_to: int = 7) -> list[dict]:
    """The BG/NBD paper's check of a fit on the user's own data: for the customers grouped by repeat purchases in
    the calibration period (the last group: `grouped_up_to` or more), the mean purchases the model expected in the
    holdout period that followed against the mean they made. The fit must come from the calibration period only."""
    x, t_x, T, actual = _arrays(x, t_x, T, holdout_purchases)
    predicted = expected_purchases(fit, holdout_length, x, t_x, T)
    groups = np.minimum(x, grouped_up_to)
    return [{"past_purchases": int(group), "or_more": bool(group == grouped_up_to),
             "customers": int((groups == group).sum()),
             "actual_mean": float(actual[groups == group].mean()),
             "predicted_mean": float(predicted[groups == group].mean())}
            for group in np.unique(groups)]
