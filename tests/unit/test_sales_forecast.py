"""The sales forecast (predictions/sales_forecast.py) on small hand-made inputs, values worked out by hand."""

from datetime import date
from math import sqrt

import duckdb
import numpy as np
import pandas as pd
import pytest

from predictions.sales_forecast import (
    PIPELINE_MODEL,
    TREND_MODEL,
    SalesForecastOptions,
    ets_forecast,
    forecast_sales,
    last_complete_month,
    mape,
    monthly_series,
    open_at,
    seasonal_naive,
    smape,
    win_rates,
)

AS_OF = date(2026, 3, 31)
OPTIONS = SalesForecastOptions(age_buckets=(30,), prior_deals=2, pipeline_backtest_origins=3,
                               pipeline_min_closed_share=0.5, horizon_months=12, trend_backtest_origins=6,
                               min_history_months=12, country_revenue_share=0.8, max_countries=5)

# (stage_entry_id, deal_id, stage, stage_probability, created, entered, left, closed, is_closed, is_won, amount)
HISTORY = [
    ("e1", "d1", "proposal", 0.4, "2026-01-01", "2026-01-01", "2026-01-11", "2026-01-11", True, True, 100),
    ("e2", "d2", "proposal", 0.4, "2026-01-01", "2026-01-01", "2026-02-20", "2026-02-20", True, False, 100),
    ("e3q", "d3", "qualification", 0.1, "2026-01-01", "2026-01-01", "2026-02-10", "2026-02-15", True, True, 100),
    ("e3p", "d3", "proposal", 0.4, "2026-01-01", "2026-02-10", "2026-02-15", "2026-02-15", True, True, 100),
    ("e4", "d4", "proposal", 0.4, "2026-01-01", "2026-01-05", "2026-05-01", "2026-05-01", True, True, 500),
    ("e5", "d5", "proposal", 0.4, "2026-01-01", "2026-01-05", None, None, False, False, 100),
    ("e6", "d6", "proposal", 0.4, "2026-01-01", "2026-01-01", "2026-01-03", "2026-01-03", True, False, 100),
]
# (deal_id, stage, stage_probability, created, expected_close_month, amount)
OPEN_DEALS = [
    ("o1", "proposal", 0.4, "2026-03-21", "2026-04-01", 750),
    ("o2", "proposal", 0.4, "2026-01-01", "2026-04-01", 600),
    ("o3", "qualification", 0.1, "2026-03-01", "2026-05-01", 100),
    ("o4", "negotiation", 0.7, "2026-03-30", "2026-02-01", 1000),
]


def _warehouse(history=HISTORY, open_deals=OPEN_DEALS, monthly=()) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("""create table stage_outcomes (stage_entry_id varchar, deal_id varchar, pipeline varchar,
        stage varchar, stage_probability double, created_date date, entered_date date, left_date date,
        closed_date date, is_closed boolean, is_won boolean, amount_reporting double)""")
    for row in history:
        con.execute("insert into stage_outcomes values (?, ?, 'new_business', ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    con.execute("""create table open_deals (deal_id varchar, pipeline varchar, stage varchar,
        stage_probability double, created_date date, expected_close_month date, amount_reporting double,
        reporting_currency varchar)""")
    for row in open_deals:
        con.execute("insert into open_deals values (?, 'new_business', ?, ?, ?, ?, ?, 'EUR')", row)
    con.execute("""create table monthly_orders (order_month date, country_code varchar, reporting_currency varchar,
        orders bigint, revenue_reporting double)""")
    for row in monthly:
        con.execute("insert into monthly_orders values (?, ?, 'EUR', ?, ?)", row)
    return con


# Closed by 2026-03-31 (d4 closes later, d5 is open): d1, d2, d3, d6. Prior k = 2 pseudo-deals.
# proposal: d1 won, d2 lost, d3 won, d6 lost → stage rate (2 + 2 × 0.4) / (4 + 2) = 2.8 / 6 = 7/15.
#   0-30 days old: d1 (ages 0-9, won), d2 (ages 0-49, lost), d6 (ages 0-1, lost) → (1 + 2 × 7/15) / (3 + 2) = 29/75
#   31+: d2 (lost), d3 (ages 40-44, won) → (1 + 2 × 7/15) / (2 + 2) = 29/60
# qualification: d3 (ages 0-39, won) → stage (1 + 2 × 0.1) / (1 + 2) = 0.4; both buckets (1 + 2 × 0.4) / 3 = 0.6
EXPECTED_RATES = {("proposal", "0-30"): (3, 1, 29 / 75), ("proposal", "31+"): (2, 1, 29 / 60),
                  ("qualification", "0-30"): (1, 1, 0.6), ("qualification", "31+"): (1, 1, 0.6)}


def test_win_rates_by_stage_and_age_are_the_shrunk_hand_counts():
    rates = win_rates(_warehouse(), "stage_outcomes", AS_OF, (30,), 2)
    got = {(r.stage, r.age_bucket): (r.deals, r.won, r.win_rate) for r in rates.itertuples()}
    assert got.keys() == EXPECTED_RATES.keys()
    for key, (deals, won, rate) in EXPECTED_RATES.items():
        assert got[key][:2] == (deals, won)
        assert got[key][2] == pytest.approx(rate)
    assert rates.loc[rates["stage"] == "proposal", "stage_rate"].iloc[0] == pytest.approx(7 / 15)


def test_expected_pipeline_revenue_by_close_month_with_learned_rates_and_seed_probabilities():
    con = _warehouse()
    forecast_sales(con, "stage_outcomes", "open_deals", "monthly_orders", AS_OF, "b1", OPTIONS)
    rows = con.execute("""select month, metric, value, lower_95, upper_95 from predictions.sales_forecast
                          where forecast_kind = 'pipeline' and segment = 'all'""").df()
    got = {(r.month.date() if hasattr(r.month, "date") else r.month, r.metric): r for r in rows.itertuples()}
    # April: o1 (age 10 → proposal 0-30: 29/75) 750 and o2 (age 89 → proposal 31+: 29/60) 600.
    assert got[(date(2026, 4, 1), "won_revenue_learned")].value == pytest.approx(750 * 29 / 75 + 600 * 29 / 60)
    assert got[(date(2026, 4, 1), "won_revenue_seed")].value == pytest.approx(750 * 0.4 + 600 * 0.4)
    sd = sqrt(750 ** 2 * (29 / 75) * (46 / 75) + 600 ** 2 * (29 / 60) * (31 / 60))
    assert got[(date(2026, 4, 1), "won_revenue_learned")].upper_95 == pytest.approx(580 + 1.959964 * sd)
    assert 580 - 1.959964 * sd < 0  # won revenue is not negative: the lower bound stops at 0
    assert got[(date(2026, 4, 1), "won_revenue_learned")].lower_95 == 0
    # May: o3 (age 30 → qualification 0-30: 0.6; seed 0.1) 100.
    assert got[(date(2026, 5, 1), "won_revenue_learned")].value == pytest.approx(60)
    assert got[(date(2026, 5, 1), "won_revenue_seed")].value == pytest.approx(10)
    # o4 expected in February, already past: counted in the as-of month. Negotiation was never seen closed, so its
    # learned rate is the seed's 0.7.
    assert got[(date(2026, 3, 1), "won_revenue_learned")].value == pytest.approx(700)
    assert got[(date(2026, 3, 1), "won_revenue_seed")].value == pytest.approx(700)
    assert len(got) == 6


def test_a_deal_closed_after_the_origin_does_not_teach_the_backtest_rates():
    con = _warehouse()
    # d4, won on 2026-05-01, was open at the end of 2026-03-31: it is predicted there, not learned from.
    rates = win_rates(con, "stage_outcomes", AS_OF, (30,), 2)
    assert rates.loc[rates["stage"] == "proposal", "stage_deals"].iloc[0] == 4  # d1, d2, d3, d6: not d4
    deals = open_at(con, "stage_outcomes", AS_OF, rates, (30,)).set_index("deal_id")
    assert set(deals.index) == {"d4", "d5"}
    assert deals.loc["d4", "learned_rate"] == pytest.approx(29 / 60)  # age 89: proposal 31+
    # Learned at 2026-05-31 instead, d4 (a proposal win) counts: (3 + 0.8) / (5 + 2).
    later = win_rates(con, "stage_outcomes", date(2026, 5, 31), (30,), 2)
    assert later.loc[later["stage"] == "proposal", "stage_rate"].iloc[0] == pytest.approx(3.8 / 7)


def test_the_pipeline_backtest_predicts_what_the_deals_open_at_the_newest_mostly_closed_origin_won():
    con = _warehouse()
    options = SalesForecastOptions(**{**OPTIONS.__dict__, "pipeline_backtest_origins": 1})
    forecast_sales(con, "stage_outcomes", "open_deals", "monthly_orders", date(2026, 6, 30), "b1", options)
    got = dict(con.execute("""select metric || ' ' || segment, value from predictions.model_performance
                              where model = 'sales_pipeline_forecast' and metric like 'pipeline_%'""").fetchall())
    # 2026-05-31: only d5 is open (d4 closed on 05-01), and it never closed: 0 % closed, skipped. 2026-04-30: d4
    # (500, won on 05-01) and d5 (100, open), half closed: the origin. Learned from d1, d2, d3 and d6 (closed by
    # then), both are 119 days old proposals: 29/60 each.
    assert got["pipeline_backtest_actual_won origin 2026-04-30"] == 500
    assert got["pipeline_backtest_predicted_learned origin 2026-04-30"] == pytest.approx(600 * 29 / 60)  # 290
    assert got["pipeline_backtest_predicted_seed origin 2026-04-30"] == pytest.approx(600 * 0.4)  # 240
    assert got["pipeline_smape_learned all"] == pytest.approx(2 * 210 / 790)
    assert got["pipeline_smape_seed all"] == pytest.approx(2 * 260 / 740)
    assert got["pipeline_mape_learned all"] == pytest.approx(210 / 500)
    # No deal was open a year before (2025-04-30): no seasonal naive forecast of this origin.
    assert got["pipeline_backtest_predicted_seasonal_naive origin 2026-04-30"] is None
    assert "pipeline_smape_seasonal_naive all" not in got
    assert got["pipeline_backtest_origins all"] == 1


def test_seasonal_naive_and_smape_by_hand():
    history = [float(v) for v in range(1, 15)]  # 14 months: 1 … 14
    # The value 12 months before each of the next 3 months: months 15, 16, 17 ← 3, 4, 5.
    assert list(seasonal_naive(history, 3)) == [3.0, 4.0, 5.0]
    # 14 months ahead, the 13th and 14th repeat the season again: ← 3, 4 (months 27 and 28 ← 15, 16 ← 3, 4).
    assert list(seasonal_naive(history, 14))[12:] == [3.0, 4.0]
    assert list(seasonal_naive([5.0, 7.0], 2)) == [7.0, 7.0]  # under a year: the last value
    # sMAPE: (2·|10−20|/30 + 2·|0−0|/0 → 0 + 2·|5−0|/5) / 3 = (2/3 + 0 + 2) / 3
    assert smape([10, 0, 5], [20, 0, 0]) == pytest.approx((2 / 3 + 0 + 2) / 3)
    # MAPE skips the months with no actual: |10−20|/20 only.
    assert mape([10, 0, 5], [20, 0, 0]) == pytest.approx(0.5)
    assert mape([1], [0]) is None


def test_ets_forecasts_a_seasonal_series_and_its_95_interval_covers_95_percent_of_futures():
    rng = np.random.default_rng(7)
    months, sd = 72, 4.0
    # A constant level with a yearly season; N(0, 4²) noise on top of it.
    truth = 200 + 20 * np.sin(2 * np.pi * np.arange(months + 12) / 12)
    inside_95, inside_80 = [], []
    for _ in range(8):  # eight histories of six years, each with 500 simulated next years
        forecast = ets_forecast(truth[:months] + rng.normal(0, sd, months), 12)
        # Every month's point forecast within 2 noise standard deviations of the true mean (the estimation error
        # is well below that with six years of data), and the season is found.
        assert np.abs(forecast.mean - truth[months:]).max() < 2 * sd
        assert forecast.form.endswith(",A)")
        futures = truth[months:] + rng.normal(0, sd, (500, 12))
        inside_95.append(((futures >= forecast.lower_95) & (futures <= forecast.upper_95)).mean())
        inside_80.append(((futures >= forecast.lower_80) & (futures <= forecast.upper_80)).mean())
    # Coverage over 8 × 500 × 12 simulated future months: 95 % within 3 points, 80 % within 5 (the intervals are
    # estimated from one history each, so each history's coverage varies around the nominal one).
    assert 0.92 <= np.mean(inside_95) <= 0.98
    assert 0.75 <= np.mean(inside_80) <= 0.85


def test_too_short_a_history_writes_a_status_row_and_no_forecast():
    monthly = [(date(2025, m, 1), "JP", 3, 30.0) for m in range(10, 13)] + [(date(2026, 1, 1), "JP", 2, 20.0)]
    con = _warehouse(history=[], open_deals=[], monthly=monthly)
    summary = forecast_sales(con, "stage_outcomes", "open_deals", "monthly_orders", AS_OF, "b1", OPTIONS)
    assert summary.pipeline_status == "no open deals at as_of"
    assert summary.trend_status.startswith("6 months of history")  # October to March: 6 complete months
    statuses = dict(con.execute("""select model || ' ' || segment, detail from predictions.model_performance
                                   where metric = 'status'""").fetchall())
    assert statuses[f"{PIPELINE_MODEL} all"] == "no open deals at as_of"
    assert statuses[f"{TREND_MODEL} revenue_reporting:all"].startswith("6 months of history")
    kinds = con.execute("select distinct row_kind from predictions.sales_forecast").fetchall()
    assert kinds == [("actual",)]
    assert "no trend forecast" in summary.describe()


def test_a_month_without_orders_counts_zero_and_the_as_of_month_is_left_out():
    monthly = pd.DataFrame({
        "order_month": [date(2025, 11, 1), date(2026, 1, 1), date(2026, 3, 1), date(2026, 1, 1)],
        "country_code": ["JP", "JP", "JP", "DE"],
        "orders": [2, 3, 9, 1],
        "revenue_reporting": [20.0, 30.0, 90.0, 5.0],
    })
    last = last_complete_month(date(2026, 3, 15))
    assert last == date(2026, 2, 1)
    assert last_complete_month(date(2026, 3, 31)) == date(2026, 3, 1)
    # JP has 50 of 55 (91 %) of the revenue up to February: it alone covers 80 %; DE is `other`.
    series, kept = monthly_series(monthly, last, share=0.8, max_countries=5)
    assert kept == ["JP"]
    assert list(series[("all", "orders")]) == [2, 0, 4, 0]  # Nov, Dec (none), Jan (3 + 1), Feb (none)
    assert list(series[("JP", "revenue_reporting")]) == [20, 0, 30, 0]
    assert list(series[("other", "orders")].index) == [date(2026, 1, 1), date(2026, 2, 1)]  # from its first month
