"""The lifetime models reproduce their published fits on the public CDNOW sample (tests/fixtures/cdnow/README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from predictions.clv import (
    BgNbdFit,
    GammaGammaFit,
    expected_order_value,
    expected_purchases,
    expected_purchases_of_a_new_customer,
    fit_bg_nbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    holdout_comparison,
    probability_alive,
)
from predictions.history import purchase_history

CDNOW = Path(__file__).parents[1] / "fixtures" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END, HOLDOUT_END = date(1997, 9, 30), date(1998, 6, 30)  # 39 weeks each, as in the paper


@pytest.fixture(scope="module")
def cdnow_history() -> pd.DataFrame:
    log = pd.read_csv(CDNOW, sep=r"\s+", header=None, dtype={"date": str},
                      names=["master_id", "customer_id", "date", "cds", "amount"])
    log["purchase_date"] = pd.to_datetime(log["date"], format="%Y%m%d").dt.date
    con = duckdb.connect()
    con.register("cdnow", log[["customer_id", "purchase_date", "amount"]])
    return purchase_history(con, "cdnow", CALIBRATION_END, HOLDOUT_END)


def test_the_history_is_the_papers_summary(cdnow_history):
    assert len(cdnow_history) == 2357
    assert (cdnow_history["x"] > 0).sum() == 946  # the repeat customers the Gamma-Gamma paper fits on
    # Customer 1 (first lines of the file): bought on 1997-01-01, 01-18 and 08-02 (12-12 is in the holdout).
    first = cdnow_history.iloc[0]
    assert (first.x, round(first.t_x, 2), round(first["T"], 2)) == (2, 30.43, 38.86)
    assert first.mean_repeat_value == pytest.approx((29.73 + 14.96) / 2)
    assert first.holdout_purchases == 1


def test_bg_nbd_reproduces_fader_hardie_lee_2005(cdnow_history):
    fit = fit_bg_nbd(cdnow_history["x"], cdnow_history["t_x"], cdnow_history["T"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.01), name
    assert fit.log_likelihood == pytest.approx(-9582.4, rel=0.01)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert fit.customers == 2357


def test_gamma_gamma_reproduces_fader_hardie_lee_2005(cdnow_history):
    fit = fit_gamma_gamma(cdnow_history["x"], cdnow_history["mean_repeat_value"].fillna(0))
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.01), name
    assert fit.customers == 946


def test_predictions_with_the_published_parameters():
    fit = BgNbdFit(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4, customers=2357)
    # Hardie's worked example: a customer with x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226 purchases in the
    # next 39 weeks.
    assert expected_purchases(fit, 39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=0.001)
    # P(alive) by hand: 1 / (1 + a / (b + x - 1) * ((α + T) / (α + t_x)) ** (r + x))
    #                 = 1 / (1 + 0.793 / 3.426 * (43.274 / 34.844) ** 2.243) = 1 / (1 + 0.23147 * 1.62613) = 0.7266
    assert probability_alive(fit, [2], [30.43], [38.86])[0] == pytest.approx(0.7266, abs=0.0005)
    # Without a repeat purchase nobody can have dropped out yet.
    assert probability_alive(fit, [0], [0], [38.86])[0] == 1.0
    # A new customer's expected repeat purchases grow with the time after the first purchase, and slow down.
    first, second = (expected_purchases_of_a_new_customer(fit, t) for t in (39, 78))
    assert 0 < first < second < 2 * first


def test_expected_order_value_weighs_the_customers_own_mean():
    fit = GammaGammaFit(p=6.25, q=3.74, gamma=15.44, log_likelihood=0, customers=946)
    population_mean = fit.p * fit.gamma / (fit.q - 1)  # 35.22: what a customer without repeat purchases gets
    value = expected_order_value(fit, [0, 1, 10], [0, 100.0, 100.0])
    assert value[0] == pytest.approx(population_mean)
    # (γ + m x) p / (p x + q − 1): 1 purchase of 100 → 115.44 · 6.25 / 8.99 = 80.26; 10 → 1015.44 · 6.25 / 65.24
    assert value[1] == pytest.approx(80.26, abs=0.01)
    assert value[2] == pytest.approx(97.28, abs=0.01)


def test_holdout_predictions_follow_the_actual_purchases_by_past_purchases(cdnow_history):
    """The paper's check: predicted against actual repeat purchases in the 39-week holdout, by calibration-period
    purchases. The model is fitted on the calibration period only."""
    fit = fit_bg_nbd(cdnow_history["x"], cdnow_history["t_x"], cdnow_history["T"])
    groups = pd.DataFrame(holdout_comparison(fit, 39, cdnow_history["x"], cdnow_history["t_x"], cdnow_history["T"],
                                             cdnow_history["holdout_purchases"]))
    assert groups["past_purchases"].tolist() == list(range(8)) and groups["or_more"].tolist() == [False] * 7 + [True]
    assert groups["customers"].sum() == 2357
    # The actual means, counted here from the history: 1,411 customers without a repeat purchase made 0.2367 each.
    no_repeat = cdnow_history[cdnow_history["x"] == 0]
    assert (groups["customers"][0], groups["actual_mean"][0]) == (1411, no_repeat["holdout_purchases"].mean())
    # Both rise with past purchases, and the prediction stays within 30% of the actual in every group.
    assert groups["predicted_mean"].is_monotonic_increasing and groups["actual_mean"].is_monotonic_increasing
    assert ((groups["predicted_mean"] - groups["actual_mean"]).abs() <= 0.3 * groups["actual_mean"]).all()


def test_each_customers_likelihood_is_the_papers_equation_6():
    """The likelihood (its special functions evaluated once per distinct purchase count) against equation 6 of
    Fader, Hardie & Lee (2005) written out with math.lgamma, customer by customer; two customers share a count."""
    from math import exp, lgamma, log

    from predictions.clv import bg_nbd_log_likelihood

    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426

    def beta(p, q):
        return exp(lgamma(p) + lgamma(q) - lgamma(p + q))

    def equation_6(x, t_x, T):
        rate_part = exp(lgamma(r + x) - lgamma(r)) * alpha ** r
        likelihood = beta(a, b + x) / beta(a, b) * rate_part / (alpha + T) ** (r + x)
        if x > 0:
            likelihood += beta(a + 1, b + x - 1) / beta(a, b) * rate_part / (alpha + t_x) ** (r + x)
        return log(likelihood)

    customers = [(0, 0.0, 38.86), (2, 30.43, 38.86), (2, 5.0, 20.0), (7, 35.1, 38.0), (1, 0.5, 1.0)]
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*customers, strict=True))
    assert bg_nbd_log_likelihood(r, alpha, a, b, x, t_x, T) == pytest.approx(
        [equation_6(*customer) for customer in customers], rel=1e-12)


def test_a_fit_where_spend_rates_hardly_differ_converges_in_few_evaluations(monkeypatch):
    """Every customer's orders come from one Gamma(p = 1.65, rate 0.003), with no spend level of their own, so the
    likelihood is nearly flat as q and gamma grow together (their ratio, the mean rate, stays put). Nelder-Mead over
    (p, q, gamma) crawled along that ridge: at a million generated people it ran to its 40,000-evaluation limit.
    The fit must stop in a few hundred evaluations at the maximum: no q on a profile, each with p and the rate
    optimised by another method (Nelder-Mead over the textbook formula, exact at these q), does better."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    import predictions.clv as clv

    rng = np.random.default_rng(7)
    x = rng.geometric(0.35, 20_000).astype(float)
    mean_value = rng.gamma(1.65 * x, 1 / 0.003) / x
    evaluations = 0
    likelihood = clv.gamma_gamma_log_likelihood

    def counted(*arguments):
        nonlocal evaluations
        evaluations += 1
        return likelihood(*arguments)

    monkeypatch.setattr(clv, "gamma_gamma_log_likelihood", counted)
    fit = clv.fit_gamma_gamma(x, mean_value)
    assert evaluations < 500
    assert fit.p == pytest.approx(1.65, rel=0.02)
    assert fit.q / fit.gamma == pytest.approx(0.003, rel=0.02)

    def textbook_log_likelihood(p, q, gamma):
        px, m = p * x, mean_value
        return float((gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + (px - 1) * np.log(m)
                      + px * np.log(x) - (px + q) * np.log(gamma + m * x)).sum())

    for q in [10.0, 100.0, 300.0, 1_000.0, 10_000.0]:
        best_at_q = minimize(lambda v, q=q: -textbook_log_likelihood(np.exp(v[0]), q, q / np.exp(v[1])),
                             [np.log(1.65), np.log(0.003)], method="Nelder-Mead",
                             options={"xatol": 1e-7, "fatol": 1e-7})
        assert fit.log_likelihood >= -best_at_q.fun - 0.01, q


def test_the_likelihood_stays_exact_far_along_the_ridge():
    """As q grows with q / gamma = nu fixed, every customer's spend rate tends to nu, and the mean of x orders from
    Gamma(p, nu) is Gamma(p x, x nu): the likelihood must tend to that density, not lose its digits."""
    from scipy.stats import gamma as gamma_distribution

    x = np.array([1.0, 2.0, 5.0, 17.0])
    mean_value = np.array([310.0, 95.5, 1_204.0, 560.25])
    p, nu = 1.7, 0.003
    limit = gamma_distribution.logpdf(mean_value, a=p * x, scale=1 / (x * nu))
    for q in [1e8, 1e12, 1e15]:
        assert gamma_gamma_log_likelihood(p, q, q / nu, x, mean_value) == pytest.approx(limit, abs=1e-5), q
