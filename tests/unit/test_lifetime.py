"""The customer lifetime step on small hand-made order logs: what it writes, and what it does with too little data."""

from datetime import date

import duckdb
import pytest

from predictions.lifetime import LifetimeOptions, predict_customer_lifetimes

AS_OF = date(2024, 12, 31)
OPTIONS = LifetimeOptions(holdout_days=90, high_risk_below=0.3, medium_risk_below=0.7)

# The history runs from 2024-01-01 to 2024-12-31 (365 days): a quarter is 91 days, so the configured 90 days are
# held out and the calibration period ends on 2024-10-02.
ORDERS = [
    ("once", "2024-06-01", 40.0),  # one purchase: no repeat, so nothing says they left
    ("early", "2024-01-01", 20.0), ("early", "2024-02-01", 20.0), ("early", "2024-03-01", 20.0),
    # the same first purchase and count as "early", but the last one yesterday
    ("recent", "2024-01-01", 20.0), ("recent", "2024-02-01", 20.0), ("recent", "2024-12-30", 20.0),
    ("same_day", "2024-05-01", 100.0), ("same_day", "2024-05-01", 50.0),  # two orders, one purchase day
    # monthly, four of them in the holdout (Oct 15, Nov 15, Dec 15 after 2024-10-02; Oct 1 is before it)
    *[("monthly", f"2024-{month:02d}-15", 30.0) for month in range(1, 13)],
    ("monthly", "2024-10-01", 30.0),
    ("future", "2025-01-05", 99.0),  # after the as-of day: not yet a customer
]


def _warehouse(orders) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table purchases (customer_id varchar, purchase_date date, amount double)")
    con.executemany("insert into purchases values (?, ?::date, ?)", orders)
    return con


@pytest.fixture(scope="module")
def predicted():
    con = _warehouse(ORDERS)
    summary = predict_customer_lifetimes(con, "purchases", AS_OF, "build-1", OPTIONS)
    values = {row[0]: dict(zip([d[0] for d in con.description], row, strict=True))
              for row in con.execute("select * from predictions.customer_value").fetchall()}
    performance = con.execute("select metric, segment, value, detail, model, build_id, as_of_date "
                              "from predictions.model_performance").fetchall()
    return summary, values, performance


def test_every_customer_with_a_purchase_by_the_as_of_day_is_predicted(predicted):
    summary, values, _ = predicted
    assert summary.status == "fitted"
    assert sorted(values) == ["early", "monthly", "once", "recent", "same_day"]
    assert {c: v["purchase_days"] for c, v in values.items()} == {
        "once": 1, "early": 3, "recent": 3, "same_day": 1, "monthly": 13}
    assert values["monthly"]["first_purchase_date"] == date(2024, 1, 15)
    assert values["monthly"]["last_purchase_date"] == date(2024, 12, 15)


def test_a_customer_without_a_repeat_purchase_is_alive_and_one_silent_for_long_is_less_so(predicted):
    _, values, _ = predicted
    assert values["once"]["probability_alive"] == 1.0
    assert values["once"]["churn_risk"] == "low"
    assert values["early"]["probability_alive"] < values["recent"]["probability_alive"]
    assert values["early"]["expected_purchases_365d"] < values["recent"]["expected_purchases_365d"]


def test_values_are_in_range_and_the_clv_is_a_year_of_expected_purchases_at_the_expected_value(predicted):
    _, values, _ = predicted
    for v in values.values():
        assert 0 < v["probability_alive"] <= 1
        assert 0 <= v["expected_purchases_90d"] <= v["expected_purchases_365d"]
        assert v["expected_order_value"] > 0
        assert v["clv_12m"] == pytest.approx(v["expected_purchases_365d"] * v["expected_order_value"])
        band = "high" if v["probability_alive"] < 0.3 else "medium" if v["probability_alive"] < 0.7 else "low"
        assert v["churn_risk"] == band
    # Without repeat purchases, both one-time customers get the population's expected order value, whatever
    # their own first order was worth (Gamma-Gamma learns only from repeat purchases).
    assert values["once"]["expected_order_value"] == pytest.approx(values["same_day"]["expected_order_value"])


def test_the_holdout_compares_the_purchases_made_in_the_last_90_days(predicted):
    summary, _, performance = predicted
    assert summary.holdout_days == 90
    metrics = {(metric, segment): value for metric, segment, value, *_ in performance}
    assert metrics[("holdout_days", "all")] == 90
    # By 2024-10-02: once 0 repeats; early 2; recent 1 (Feb 1); same_day 0; monthly 9 (Feb–Sep 15 and Oct 1).
    assert metrics[("holdout_customers", "0 repeat purchases")] == 2
    assert metrics[("holdout_customers", "1 repeat purchases")] == 1
    assert metrics[("holdout_customers", "2 repeat purchases")] == 1
    assert metrics[("holdout_customers", "7+ repeat purchases")] == 1
    # Holdout purchases: recent 1 (Dec 30), monthly 3 (Oct, Nov, Dec 15); 4 over 5 customers.
    assert metrics[("holdout_actual_mean", "1 repeat purchases")] == 1
    assert metrics[("holdout_actual_mean", "7+ repeat purchases")] == 3
    assert metrics[("holdout_actual_mean", "all")] == pytest.approx(4 / 5)
    predicted_all = metrics[("holdout_predicted_mean", "all")]
    assert metrics[("holdout_error", "all")] == pytest.approx(abs(predicted_all - 4 / 5) / (4 / 5))
    assert {row[4:] for row in performance} == {("customer_lifetime", "build-1", AS_OF)}
    for name in ("r", "alpha", "a", "b"):
        assert metrics[(f"bg_nbd_{name}", "all")] > 0
        assert metrics[(f"bg_nbd_{name}", "calibration")] > 0
    assert metrics[("bg_nbd_customers", "all")] == 5
    assert ("status", "all") in metrics


def test_without_repeat_purchases_nothing_is_predicted_and_the_reason_is_recorded():
    con = _warehouse([("a", "2024-03-01", 10.0), ("b", "2024-04-01", 20.0), ("b", "2024-04-01", 5.0)])
    summary = predict_customer_lifetimes(con, "purchases", AS_OF, "build-2", OPTIONS)
    assert summary.customers_predicted == 0
    assert "repeat purchase" in summary.status
    assert "no predictions" in summary.describe()
    assert con.execute("select count(*) from predictions.customer_value").fetchone() == (0,)
    assert con.execute("select metric, detail from predictions.model_performance").fetchall() == [
        ("status", summary.status)]


def test_a_new_build_replaces_the_predictions_and_keeps_the_earlier_performance_rows():
    con = _warehouse(ORDERS)
    predict_customer_lifetimes(con, "purchases", AS_OF, "build-1", OPTIONS)
    con.execute("delete from purchases where customer_id <> 'once'")
    predict_customer_lifetimes(con, "purchases", AS_OF, "build-2", OPTIONS)
    assert con.execute("select count(*) from predictions.customer_value").fetchone() == (0,)
    assert con.execute("select count(distinct build_id) from predictions.model_performance").fetchone() == (2,)


def test_a_fit_that_fails_writes_no_predictions_and_says_why(monkeypatch):
    def diverging(*_):
        raise FloatingPointError("overflow in the likelihood")

    monkeypatch.setattr("predictions.lifetime.fit_bg_nbd", diverging)
    con = _warehouse(ORDERS)
    summary = predict_customer_lifetimes(con, "purchases", AS_OF, "build-3", OPTIONS)
    assert (summary.customers_predicted, summary.status) == (0, "the fit failed: overflow in the likelihood")
    assert con.execute("select count(*) from predictions.customer_value").fetchone() == (0,)
    assert con.execute("select metric, detail from predictions.model_performance").fetchall() == [
        ("status", "the fit failed: overflow in the likelihood")]
