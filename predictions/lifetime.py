"""The customer lifetime step of a build: fit BG/NBD and Gamma-Gamma on the purchases up to the build's as-of day,
write each customer's prediction to predictions.customer_value and the models' accuracy on a holdout of the same
data to predictions.model_performance.

Accuracy is checked as the BG/NBD paper does: the last days of the history are held out, the model is fitted on
the rest (the calibration period), and the purchases it expects in the holdout are compared with those made,
overall and by past purchases. The predictions themselves come from a second fit on the whole history.

Too little data never fails the build: without a customer with a repeat purchase, or when a fit does not give
usable parameters, no prediction is written and the reason is (model_performance, metric `status`).
Times are in days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from predictions.clv import (
    BgNbdFit,
    GammaGammaFit,
    expected_order_value,
    expected_purchases,
    fit_bg_nbd,
    fit_gamma_gamma,
    holdout_comparison,
    probability_alive,
)
from predictions.history import purchase_history
from predictions.performance import (
    SCHEMA,
    PerformanceRow,
    TooLittleData,
    ensure_performance_table,
    record_performance,
)
from predictions.tables import replace_rows

CUSTOMER_VALUE = f"{SCHEMA}.customer_value"
MODEL = "customer_lifetime"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {CUSTOMER_VALUE} (
    customer_id varchar, as_of_date date, first_purchase_date date, last_purchase_date date,
    purchase_days bigint, probability_alive double, expected_purchases_90d double,
    expected_purchases_365d double, expected_order_value double, clv_12m double, churn_risk varchar
)
"""


@dataclass(frozen=True)
class LifetimeOptions:
    holdout_days: int
    high_risk_below: float
    medium_risk_below: float


@dataclass(frozen=True)
class LifetimeSummary:
    customers_predicted: int
    status: str  # "fitted", or why nothing was predicted
    holdout_days: int | None = None
    holdout_error: float | None = None  # |predicted − actual| / actual holdout purchases of all customers

    def describe(self) -> str:
        if self.status != "fitted":
            return f"customer lifetime: no predictions ({self.status})"
        accuracy = ("" if self.holdout_error is None else
                    f"; on the last {self.holdout_days} days held out, expected purchases off by "
                    f"{self.holdout_error:.0%}")
        return f"customer lifetime: {self.customers_predicted} customers predicted{accuracy}"


def holdout_length(first_purchase: date, as_of: date, holdout_days: int) -> int:
    """The configured holdout, at most a quarter of the history so the calibration period keeps most of it."""
    return min(holdout_days, (as_of - first_purchase).days // 4)


def predict_customer_lifetimes(con: duckdb.DuckDBPyConnection, purchases: str, as_of: date, build_id: str,
                               options: LifetimeOptions) -> LifetimeSummary:
    """Replace predictions.customer_value with the predictions at `as_of` from `purchases` (customer_id,
    purchase_date, amount: see predictions.history) and add this build's rows to predictions.model_performance."""
    con.execute(DDL)
    ensure_performance_table(con)
    fitted_at = datetime.now(UTC)
    rows: list[PerformanceRow] = []
    history = purchase_history(con, purchases, as_of, unit_days=1.0)
    predicted = pd.DataFrame()
    holdout_days = holdout_error = None
    try:
        bg_nbd, gamma_gamma = _fit(history)
        rows += _parameters(bg_nbd, gamma_gamma, "all")
        predicted = _predict(as_of, history, bg_nbd, gamma_gamma, options)
        status = "fitted"
    except TooLittleData as exc:
        status = str(exc)
    if status == "fitted":
        first_purchase = pd.Timestamp(history["first_purchase_date"].min()).date()
        holdout_days = holdout_length(first_purchase, as_of, options.holdout_days)
        try:
            holdout_rows, holdout_error = _holdout(con, purchases, as_of, holdout_days)
            rows += holdout_rows
        except TooLittleData as exc:
            rows.append(("holdout_status", "all", None, str(exc)))
    rows.append(("status", "all", None, status))
    replace_rows(con, CUSTOMER_VALUE, predicted)
    record_performance(con, MODEL, build_id, as_of, fitted_at, rows)
    return LifetimeSummary(len(predicted), status, holdout_days, holdout_error)


def _fit(history: pd.DataFrame) -> tuple[BgNbdFit, GammaGammaFit]:
    if history.empty:
        raise TooLittleData("no completed orders of resolved customers")
    if not (history["x"] > 0).any():
        raise TooLittleData("no customer has a repeat purchase yet")
    with np.errstate(all="ignore"):
        try:
            bg_nbd = fit_bg_nbd(history["x"], history["t_x"], history["T"])
            gamma_gamma = fit_gamma_gamma(history["x"], history["mean_repeat_value"].fillna(0.0))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            raise TooLittleData(f"the fit failed: {exc}") from exc
    values = [bg_nbd.r, bg_nbd.alpha, bg_nbd.a, bg_nbd.b, bg_nbd.log_likelihood, gamma_gamma.p, gamma_gamma.q,
              gamma_gamma.gamma, gamma_gamma.log_likelihood]
    if not np.all(np.isfinite(values)):
        raise TooLittleData("the fit did not converge to finite parameters")
    if gamma_gamma.q <= 1:
        raise TooLittleData(f"Gamma-Gamma q = {gamma_gamma.q:.3f} <= 1: the mean order value is undefined")
    return bg_nbd, gamma_gamma


def _parameters(bg_nbd: BgNbdFit, gamma_gamma: GammaGammaFit | None, segment: str) -> list[tuple]:
    rows = [(f"bg_nbd_{name}", segment, float(getattr(bg_nbd, name)), None)
            for name in ("r", "alpha", "a", "b", "log_likelihood", "customers")]
    if gamma_gamma is not None:
        rows += [(f"gamma_gamma_{name}", segment, float(getattr(gamma_gamma, name)), None)
                 for name in ("p", "q", "gamma", "log_likelihood", "customers")]
    return rows


def _predict(as_of: date, history: pd.DataFrame, bg_nbd: BgNbdFit, gamma_gamma: GammaGammaFit,
             options: LifetimeOptions) -> pd.DataFrame:
    x, t_x, T = history["x"], history["t_x"], history["T"]
    alive = probability_alive(bg_nbd, x, t_x, T)
    in_365 = expected_purchases(bg_nbd, 365, x, t_x, T)
    order_value = expected_order_value(gamma_gamma, x, history["mean_repeat_value"].fillna(0.0))
    predicted = pd.DataFrame({
        "customer_id": history["customer_id"], "as_of_date": as_of, "purchase_days": history["x"] + 1,
        "probability_alive": alive, "expected_purchases_90d": expected_purchases(bg_nbd, 90, x, t_x, T),
        "expected_purchases_365d": in_365, "expected_order_value": order_value,
        "clv_12m": in_365 * order_value,
        "churn_risk": np.where(alive < options.high_risk_below, "high",
                               np.where(alive < options.medium_risk_below, "medium", "low")),
    })
    numbers = predicted[["probability_alive", "expected_purchases_90d", "expected_purchases_365d",
                         "expected_order_value", "clv_12m"]].to_numpy()
    if not np.all(np.isfinite(numbers)):
        raise TooLittleData("the fitted models give no finite prediction for some customers")
    predicted["first_purchase_date"] = history["first_purchase_date"]
    predicted["last_purchase_date"] = history["last_purchase_date"]
    return predicted


def _holdout(con, purchases: str, as_of: date, holdout_days: int) -> tuple[list[tuple], float]:
    """Fit BG/NBD on the history up to the calibration end; compare its expected holdout purchases with the
    actual ones. Rows of model_performance and the overall relative error."""
    if holdout_days < 1:
        raise TooLittleData("the history is too short to hold out any day")
    calibration_end = as_of - timedelta(days=holdout_days)
    history = purchase_history(con, purchases, calibration_end, holdout_end=as_of, unit_days=1.0)
    if not (history["x"] > 0).any():
        raise TooLittleData("no customer has a repeat purchase before the holdout")
    with np.errstate(all="ignore"):
        try:
            fit = fit_bg_nbd(history["x"], history["t_x"], history["T"])
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            raise TooLittleData(f"the calibration fit failed: {exc}") from exc
    x, t_x, T, actual = history["x"], history["t_x"], history["T"], history["holdout_purchases"]
    predicted = expected_purchases(fit, holdout_days, x, t_x, T)
    if not np.all(np.isfinite(predicted)):
        raise TooLittleData("the calibration fit gives no finite expectation")
    rows = [("holdout_days", "all", float(holdout_days), f"calibration up to {calibration_end.isoformat()}"),
            *_parameters(fit, None, "calibration")]
    for group in holdout_comparison(fit, holdout_days, x, t_x, T, actual):
        segment = f"{group['past_purchases']}{'+' if group['or_more'] else ''} repeat purchases"
        rows += [("holdout_customers", segment, float(group["customers"]), None),
                 ("holdout_actual_mean", segment, group["actual_mean"], None),
                 ("holdout_predicted_mean", segment, group["predicted_mean"], None)]
    actual_total, predicted_total = float(actual.sum()), float(predicted.sum())
    rows += [("holdout_customers", "all", float(len(history)), None),
             ("holdout_actual_mean", "all", actual_total / len(history), None),
             ("holdout_predicted_mean", "all", predicted_total / len(history), None)]
    # Relative to the actual purchases; with none made, the predicted count itself is the error.
    error = abs(predicted_total - actual_total) / actual_total if actual_total else predicted_total
    rows.append(("holdout_error", "all", error, "|predicted − actual| / actual holdout purchases"))
    return rows, error
