"""Every dashboard page on the warehouse the end-to-end pipeline published: the numbers shown equal the marts'
values computed here with SQL of our own, the language switch, search, and no traceback without a warehouse."""

import base64
import functools
import io
import json
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import phonenumbers
import pytest

from common.settings import PROJECT_ROOT
from dashboards.i18n import Formats
from dashboards.queries import PAGE_QUERIES
from dashboards.queries.segments import segment_export
from tests.warehouse import query as _query

pytestmark = pytest.mark.e2e

PAGES = list(PAGE_QUERIES)
EN = Formats("en")
INJECTION = "'; drop table marts.dim_customers; --"



def _opened(patch: pytest.MonkeyPatch, serving_db: Path, page: str, language: str = "en"):
    """The AppTest of `page` on `serving_db` after the page's first run."""
    from streamlit.testing.v1 import AppTest

    from common.settings import get_settings

    patch.setenv("CRM_PATHS_SERVING_DB", str(serving_db))
    get_settings.cache_clear()
    app = AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=120)
    app.session_state["language"] = language
    app.run()
    if page != "overview":
        app.session_state["queries_run"] = set()  # the first run's were the default page's
        app.switch_page(f"views/{page}.py").run()
    return app


@pytest.fixture
def open_page(monkeypatch):
    """open_page(serving_db, page, language="en") → the AppTest after the page's first run."""
    from common.settings import get_settings

    yield functools.partial(_opened, monkeypatch)
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def every_view(serving_db):
    """every_view(language) → [(name, app)] of _every_view, opened once per language for the tests that only read
    what the pages first show (each opening costs about two seconds a page)."""
    from common.settings import get_settings

    opened: dict[str, list] = {}

    def views(language: str = "en") -> list:
        if language not in opened:
            with pytest.MonkeyPatch.context() as patch:
                opened[language] = list(_every_view(serving_db, functools.partial(_opened, patch), language))
        return opened[language]

    yield views
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def serving_db(pipeline) -> Path:
    return pipeline["serving_db"]


@pytest.fixture(scope="module")
def quarter(serving_db) -> tuple:
    """The pages' default date range: the last 90 days with data."""
    last_day = _query(serving_db, "select max(date_day) from marts.mart_executive_kpis_daily")[0][0]
    return last_day - timedelta(days=89), last_day


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _no_traceback(app) -> None:
    assert not app.exception, [e.value for e in app.exception]


def _table(app, column: str):
    """The first data frame shown with this column."""
    for frame in app.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_and_runs_only_its_registered_queries(serving_db, open_page, page):
    app = open_page(serving_db, page)
    if page == "customer_360":
        app.text_input(key="c360_query").input("a").run()
    _no_traceback(app)
    assert app.title[0].value
    assert app.session_state["queries_run"] <= set(PAGE_QUERIES[page])


def _latest_complete_month(serving_db: Path):
    return _query(serving_db, "select max(period_start) from marts.mart_kpis_by_period "
                              "where period_grain = 'month' and is_complete")[0][0]


def test_overview_kpis_of_the_latest_complete_month_equal_the_orders_and_the_goal(serving_db, open_page):
    app = open_page(serving_db, "overview")
    _no_traceback(app)
    month = _latest_complete_month(serving_db)
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    # From the order facts, not the KPI marts the page reads.
    orders_sql = ("select count(*), coalesce(sum(amount_reporting), 0), count(distinct customer_id) "
                  "from marts.fct_orders where is_completed and date_trunc('month', order_date) = ?")
    (orders, revenue, ordering_customers), = _query(serving_db, orders_sql, [month])
    (orders_before, _, _), = _query(serving_db, orders_sql, [previous])
    metrics = {m.label: m for m in app.metric}
    assert metrics["Revenue"].value == EN.money(float(revenue), "USD")
    assert metrics["Orders"].value == EN.number(orders)
    assert metrics["Active customers"].value == EN.number(ordering_customers)
    if orders_before:
        assert metrics["Orders"].delta == EN.signed(100 * (orders - orders_before) / orders_before, 1) + "%"
    assert app.caption[0].value.startswith(f"{EN.month(month)} compared with the previous period")
    status, target = _query(serving_db, "select status, target_value from marts.mart_goal_progress "
                                        "where kpi = 'revenue'")[0]
    status_label = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}[status]
    assert f"Goal {EN.money(target, 'USD')} · {status_label}" in [c.value.split(" ", 1)[1] for c in app.caption
                                                                    if "Goal" in c.value]
    assert app.get("plotly_chart")


def test_the_language_switch_changes_labels_and_formats(serving_db, open_page):
    app = open_page(serving_db, "overview")
    assert app.title[0].value == "Overview" and "Revenue" in _metrics(app)
    app.radio(key="overview_comparison.en").set_value("year_before").run()
    app.radio(key="language").set_value("ja").run()
    _no_traceback(app)
    assert app.title[0].value == "概要"
    assert "売上" in _metrics(app) and "Revenue" not in _metrics(app)
    month = _latest_complete_month(serving_db)
    assert app.caption[0].value.startswith(f"{month.year}年{month.month}月を前年同期間と比較")  # Japanese month
    # What was chosen in English is still chosen.
    assert app.radio(key="overview_comparison.ja").value == "year_before"
    assert app.multiselect(key="overview_trend_kpis.ja").value == ["revenue", "new_customers"]


def test_segments_count_customers_revenue_and_the_consent_of_the_contact_list(serving_db, open_page):
    app = open_page(serving_db, "segments")
    _no_traceback(app)
    (customers,), = _query(serving_db, "select count(*) from marts.dim_customers")
    (paying, revenue), = _query(serving_db, "select count(distinct customer_id), sum(amount_reporting) "
                                            "from marts.fct_orders where is_completed")
    metrics = _metrics(app)
    assert metrics["Customers"] == EN.number(customers)
    assert metrics["Paying customers"] == EN.number(paying)
    assert metrics["Revenue"] == EN.money(float(revenue), "USD")
    # The drill-down opens on the largest segment: here the customers without a completed order.
    assert app.selectbox(key="segments_drill_segment.en").value == "none"
    exportable, without_consent = _query(serving_db, """
        select count(*) filter (where has_marketing_consent and primary_email is not null),
               count(*) filter (where not coalesce(has_marketing_consent, false))
        from marts.dim_customers
        where customer_id not in (select customer_id from marts.fct_orders where is_completed)""")[0]
    summary = next(m.value for m in app.markdown if m.value.startswith("Contact list"))
    assert f"**{EN.number(exportable)}** customers can be exported" in summary
    assert f"**{EN.number(without_consent)}** without marketing consent" in summary
    # The CSV behind the download button (built when it is pressed): exactly the consenting customers.
    contacts = pd.read_csv(io.BytesIO(segment_export(serving_db, "none", None)), dtype=str)
    assert len(contacts) == exportable and contacts["primary_email"].notna().all()
    consenting = {r[0] for r in _query(serving_db, "select customer_id from marts.dim_customers "
                                                   "where has_marketing_consent")}
    assert set(contacts["customer_id"]) <= consenting
    assert app.get("download_button")
    app.selectbox(key="segments_drill_segment.en").set_value("champions").run()
    (champions,), = _query(serving_db, "select count(*) from marts.mart_customer_segments "
                                       "where rfm_segment = 'champions'")
    assert len(_table(app, "Days since last order")) == champions


def test_funnel_stages_and_drop_offs_equal_the_marts_and_follow_the_window(serving_db, open_page):
    app = open_page(serving_db, "funnel")
    _no_traceback(app)
    expected = _query(serving_db, "select customers from marts.mart_journey_funnel where breakdown = 'all' "
                                  "order by stage_order")
    stages = _table(app, "Step conversion")
    assert list(stages["Customers"]) == [EN.number(c) for (c,) in expected]
    stage, dropped = _query(serving_db, "select dropped_off_at_stage, count(*) from marts.mart_journey_drop_offs "
                                        "group by 1 order by 2 desc, 1 limit 1")[0]
    assert app.selectbox(key="funnel_drop_stage.en").value == stage
    assert any(c.value.startswith(f"{EN.number(dropped)} people") for c in app.caption)

    app.slider(key="funnel_window").set_value(7).run()
    _no_traceback(app)
    # Customers who reached each stage with every step so far taking at most 7 days.
    within_week = _query(serving_db, """
        with steps as (
            select customer_id, stage_order, coalesce(days_from_previous_stage, 0) as days
            from marts.fct_customer_journey_stages
        )
        select s.stage_order, count(*) from steps s
        where not exists (select 1 from steps e where e.customer_id = s.customer_id
                          and e.stage_order <= s.stage_order and e.days > 7)
        group by 1 order by 1""")
    shown = list(_table(app, "Step conversion")["Customers"])
    assert shown == [EN.number(c) for _, c in within_week]


def test_retention_churn_is_the_customers_silent_longer_than_the_threshold(serving_db, open_page):
    """Recomputed here from the completed orders: a customer churns on the first day more than the threshold's
    days after a purchase without another one; churn of a month = churned in it / active when it began."""
    app = open_page(serving_db, "retention")
    _no_traceback(app)
    threshold = _query(serving_db, "select distinct churn_inactivity_days from marts.fct_customer_activity_spells")
    assert len(threshold) == 1
    days = threshold[0][0]
    as_of = _query(serving_db, "select max(period_start) from marts.mart_kpis_by_period "
                               "where period_grain = 'day'")[0][0]
    purchases: dict[str, list] = {}
    for customer, day in _query(serving_db, "select distinct customer_id, order_date from marts.fct_orders "
                                            "where is_completed and customer_id is not null order by 1, 2"):
        purchases.setdefault(customer, []).append(day)
    spells = []  # (active from, churned on or None)
    for days_bought in purchases.values():
        start = days_bought[0]
        for before, after in zip(days_bought, days_bought[1:] + [None], strict=True):
            churn_day = before + timedelta(days=days + 1)
            if after is None or (after - before).days > days:
                spells.append((start, churn_day if churn_day <= as_of else None))
                start = after
    months, month = [], min(s for s, _ in spells).replace(day=1)
    while month <= as_of:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    expected = []
    for month in months:
        at_start = sum(1 for s, c in spells if s < month and (c is None or c >= month))
        churned = sum(1 for _, c in spells if c and c.replace(day=1) == month)
        if at_start:
            expected.append((churned, at_start))
    table = _table(app, "Customer churn")
    shown = list(zip(table["Churned in the month"], table["Active at the start"], strict=True))
    assert shown == [(EN.number(c), EN.number(n)) for c, n in expected]
    assert len(app.get("plotly_chart")) == 3


def test_predictions_show_the_lifetime_values_and_the_holdout_counted_from_the_orders(serving_db, open_page):
    """The cards add up the customers' predictions; the accuracy caption's purchases made in the held-out days are
    counted here from the completed orders (purchase days after the calibration end of customers who had bought by
    then), and its predicted ones are the model's per-customer mean times those customers."""
    app = open_page(serving_db, "predictions")
    _no_traceback(app)
    customers, clv, currency = _query(serving_db, "select count(*), sum(clv_12m_reporting), max(reporting_currency) "
                                                  "from marts.mart_customer_value")[0]
    cards = _metrics(app)
    assert cards["Customers predicted"] == EN.number(customers)
    assert cards[f"12-month CLV ({currency})"] == EN.money(clv, currency)
    performance = {(metric, segment): (value, detail) for metric, segment, value, detail in _query(
        serving_db, "select metric, segment, value, detail from marts.mart_model_performance "
                    "where model = 'customer_lifetime'")}
    holdout_days = int(performance[("holdout_days", "all")][0])
    calibration_end = date.fromisoformat(performance[("holdout_days", "all")][1].removeprefix("calibration up to "))
    as_of = calibration_end + timedelta(days=holdout_days)
    made, calibrated = _query(serving_db, f"""
        with days as (select distinct customer_id, order_date from marts.fct_orders
                      where is_completed and customer_id is not null),
        calibrated as (select customer_id from days group by 1 having min(order_date) <= date '{calibration_end}')
        select count(*) filter (where order_date > date '{calibration_end}' and order_date <= date '{as_of}'),
               (select count(*) from calibrated)
        from days where customer_id in (select customer_id from calibrated)""")[0]
    predicted = performance[("holdout_predicted_mean", "all")][0] * calibrated
    captions = [c.value for c in app.caption]
    assert any(f"{EN.number(predicted)} predicted, {EN.number(made)} made" in c for c in captions), captions


def test_predictions_show_the_lead_scores_and_each_forecast_against_seasonal_naive(serving_db, open_page):
    """Lead cards count the scored and hot leads of mart_lead_scores; the leads listed are the most likely to buy;
    the backtest table has one row per forecast series with the model's and seasonal naive's errors and which won."""
    app = open_page(serving_db, "predictions")
    _no_traceback(app)
    scored, hot, best = _query(serving_db, """
        select count(conversion_probability), count(*) filter (where predictive_band = 'hot'),
               max(conversion_probability)
        from marts.mart_lead_scores""")[0]
    cards = _metrics(app)
    assert cards["Leads scored"] == EN.number(scored) and cards["Hot leads"] == EN.number(hot)
    assert _table(app, "Why").iloc[0]["Chance of buying within 90 days"] == EN.percent(best)
    series = _query(serving_db, """
        select distinct metric, segment, backtest_smape, naive_backtest_smape, beats_seasonal_naive
        from marts.mart_sales_forecast where forecast_kind = 'trend' and row_kind = 'forecast'""")
    backtest = _table(app, "Model better")
    assert len(backtest) == len(series) > 0
    shown = set(zip(backtest["Model's error (sMAPE)"], backtest["Last year's figures' error (sMAPE)"],
                    backtest["Model better"], strict=True))
    assert shown == {(EN.percent(model), EN.percent(naive), "Yes" if beats else "No")
                     for _, _, model, naive, beats in series}


def test_sales_pipeline_and_win_rate_equal_the_deals(serving_db, open_page, quarter):
    app = open_page(serving_db, "sales")
    _no_traceback(app)
    start, end = quarter
    (open_pipeline,), = _query(serving_db, "select coalesce(sum(amount_reporting), 0) from marts.fct_deals "
                                           "where is_open")
    won, lost = _query(serving_db, "select count(*) filter (where stage = 'closed_won'), "
                                   "count(*) filter (where stage = 'closed_lost') from marts.fct_deals "
                                   "where closed_date between ? and ?", [start, end])[0]
    metrics = _metrics(app)
    assert metrics["Open pipeline"] == EN.money(open_pipeline, "USD")
    assert metrics["Win rate"] == (EN.percent(won / (won + lost)) if won + lost else "–")


def test_marketing_shows_the_campaigns_of_the_period(serving_db, open_page, quarter):
    app = open_page(serving_db, "marketing")
    _no_traceback(app)
    start, end = quarter
    campaigns, opens, delivered = _query(serving_db, "select count(*), sum(unique_opens), sum(emails_delivered) "
                                                     "from marts.mart_campaign_performance "
                                                     "where start_date <= ? and coalesce(end_date, start_date) >= ?",
                                         [end, start])[0]
    metrics = {m.label: m for m in app.metric}
    assert metrics["Campaigns"].value == EN.number(campaigns)
    assert metrics["Open rate"].help == f"{EN.number(opens)} unique opens of {EN.number(delivered)} emails delivered"
    # Rates and ROI are percentages of the campaign's own counts and money, computed here from them.
    rows = _query(serving_db, "select campaign_name, unique_opens, unique_clicks, emails_delivered, "
                              "revenue_last_touch, cost_reporting from marts.mart_campaign_performance "
                              "where start_date <= ? and coalesce(end_date, start_date) >= ?", [end, start])

    def percent(part, whole) -> str:
        return f"{100 * float(part) / float(whole):,.1f}%" if whole else "–"

    expected = sorted((name, percent(o, d), percent(c, d), percent(r - cost, cost) if cost else "–")
                      for name, o, c, d, r, cost in rows)
    table = _table(app, "Open rate")
    shown = sorted(zip(table["Campaign"], table["Open rate"], table["Click rate"], table["ROI (last touch)"],
                       strict=True))
    assert shown == expected


def test_service_tickets_and_first_response_equal_the_tickets(serving_db, open_page, quarter):
    app = open_page(serving_db, "service")
    _no_traceback(app)
    start, end = quarter
    tickets, first_response = _query(serving_db, """
        select count(*), quantile_cont(first_response_minutes, 0.5) from marts.fct_support_tickets
        where cast(opened_at at time zone 'Asia/Tokyo' as date) between ? and ?""", [start, end])[0]
    metrics = _metrics(app)
    assert metrics["Tickets"] == EN.number(tickets)
    assert metrics["First response (min)"] == EN.number(first_response, 1)


def test_customer_360_finds_a_customer_by_a_differently_written_phone_number(serving_db, open_page):
    customer_id, name, phone = _query(serving_db, "select customer_id, full_name, primary_phone from "
                                                  "marts.dim_customers where primary_phone like '+8190%' "
                                                  "order by customer_id limit 1")[0]
    national = f"0{phone[3:5]}-{phone[5:9]}-{phone[9:]}"  # +819099997657 → 090-9999-7657
    typed = national.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))  # full-width, as IMEs type
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(typed).run()
    _no_traceback(app)
    assert app.radio(key="c360_pick.en").value == ("customer", customer_id)
    assert app.header[0].value == name
    (touchpoints,), = _query(serving_db, "select count(*) from marts.fct_customer_timeline where customer_id = ?",
                             [customer_id])
    assert len(_table(app, "What happened")) == min(touchpoints, 500)


def test_customer_360_shows_the_customers_a_person_may_be_a_duplicate_of(serving_db, open_page, tmp_path):
    """A possible match (mart_identity_possible_matches) between two customers shows on either's page, with the
    model's why and the command that merges them. The pair is written into a copy of the published file: the page
    is under test here, not the model (tests/integration/test_identity*.py)."""
    (left, left_name, left_email), (right, right_name, right_email) = _query(
        serving_db, "select customer_id, full_name, primary_email from marts.dim_customers "
                    "where full_name is not null and primary_email is not null order by customer_id limit 2")
    copy = tmp_path / "serving.duckdb"
    copy.write_bytes(serving_db.read_bytes())
    con = duckdb.connect(str(copy))
    con.execute("delete from marts.mart_identity_possible_matches")
    con.execute("""insert into marts.mart_identity_possible_matches (pair_id, left_record_key, right_record_key,
                       left_customer_id, right_customer_id, match_probability, match_weight, why, left_full_name,
                       right_full_name, left_email, right_email)
                   values ('crm_contact:A ~ crm_contact:B', 'crm_contact:A', 'crm_contact:B', ?, ?, 0.87, 2.7,
                           'date of birth: day and month swapped (+10.3)', ?, ?, ?, ?)""",
                [left, right, left_name, right_name, left_email, right_email])
    con.close()
    app = open_page(copy, "customer_360")
    app.text_input(key="c360_query").input(right_email).run()
    _no_traceback(app)
    assert app.radio(key="c360_pick.en").value == ("customer", right)
    assert "Possibly the same person (1)" in [e.label for e in app.expander]
    shown = _table(app, "To merge")
    assert shown[["Customer", "Name", "Why", "To merge"]].values.tolist() == [
        [left, left_name, "date of birth: day and month swapped (+10.3)",
         "crm identity review --same crm_contact:A crm_contact:B"]]


def test_customer_360_shows_a_company_with_its_contacts(serving_db, open_page):
    company_id, company = _query(serving_db, "select company_id, company_name from marts.dim_companies "
                                             "order by contact_count desc, company_id limit 1")[0]
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(company[:6].lower()).run()
    app.radio(key="c360_pick.en").set_value(("company", company_id)).run()
    _no_traceback(app)
    assert app.header[0].value == company
    (contacts,), = _query(serving_db, "select count(*) from marts.dim_customers where company_id = ?", [company_id])
    assert len(_table(app, "Job title")) == contacts
    # Its latest touchpoints, newest first, straight from every contact's timeline.
    latest = _query(serving_db, """select t.summary from marts.fct_customer_timeline t
                                   join marts.dim_customers c using (customer_id) where c.company_id = ?
                                   order by t.occurred_at desc, t.touchpoint_id limit 20""", [company_id])
    assert latest
    from dashboards.i18n.summaries import readable_summary

    # As every timeline shows them: the marts' summaries with their codes as labels.
    assert list(_table(app, "What happened")["What happened"]) == [readable_summary(s, "en") for (s,) in latest]


@pytest.mark.parametrize("query", [INJECTION, "%", "' or 1=1 --", "_"])
def test_an_injection_shaped_search_finds_nothing_and_breaks_nothing(serving_db, open_page, query):
    (before,), = _query(serving_db, "select count(*) from marts.dim_customers")
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(query).run()
    _no_traceback(app)
    assert any("matches" in info.value for info in app.info)
    assert _query(serving_db, "select count(*) from marts.dim_customers")[0][0] == before


def test_data_health_counts_loads_and_shows_the_published_source_freshness(serving_db, open_page):
    app = open_page(serving_db, "data_health")
    _no_traceback(app)
    loaded, quarantined = _query(serving_db, "select sum(rows_loaded), sum(rows_quarantined) from audit.loads "
                                             "where status <> 'superseded'")[0]
    metrics = _metrics(app)
    assert metrics["Rows loaded"] == EN.number(loaded)
    assert metrics["Rows quarantined"] == EN.number(quarantined)
    (sources,), = _query(serving_db, "select count(distinct source) from audit.loads")
    assert len(_table(app, "Rows read")) == sources
    freshness = _query(serving_db, "select source, status from audit.source_freshness")
    not_fresh = sum(status != "fresh" for _, status in freshness)
    shown = _table(app, "Next load due")
    labels = {"fresh": "Fresh", "late": "Late", "never loaded": "Never loaded"}
    assert sorted(zip(shown["Source"], shown["Status"], strict=True)) == sorted(
        (source, labels[status]) for source, status in freshness)
    summary = [m.value for m in (*app.warning, *app.success) if "sources are late" in m.value]
    assert summary == [f"{not_fresh} of {len(freshness)} sources are late or never loaded."]


def test_data_health_shows_the_rows_suppressed_next_to_loaded_and_quarantined(serving_db, open_page, tmp_path):
    import shutil

    suppressed = tmp_path / "serving.duckdb"
    shutil.copy(serving_db, suppressed)
    con = duckdb.connect(str(suppressed))
    # as a load after `crm forget` records it: 7 of one file's rows and 5 of another's named an erased person
    [(source, first, second)] = con.execute(
        "select source, min(load_id), max(load_id) from audit.loads where status = 'loaded' group by source "
        "having count(*) >= 2 order by source limit 1").fetchall()
    con.execute("update audit.loads set rows_suppressed = case load_id when ? then 7 else 5 end "
                "where load_id in (?, ?)", [first, first, second])
    con.close()
    app = open_page(suppressed, "data_health")
    _no_traceback(app)
    assert _metrics(app)["Rows suppressed"] == EN.number(12)
    shown = _table(app, "Rows suppressed")
    by_source = dict(zip(shown["Source"], shown["Rows suppressed"], strict=True))
    assert by_source.pop(source) == EN.number(12)
    assert set(by_source.values()) == {EN.number(0)}


def _copy_with_freshness(serving_db: Path, target: Path, rows_sql: str | None) -> Path:
    """A copy of the published file whose audit.source_freshness holds `rows_sql`'s rows, or is absent."""
    import shutil

    shutil.copy(serving_db, target)
    con = duckdb.connect(str(target))
    con.execute("drop table if exists audit.source_freshness")
    if rows_sql:
        con.execute(f"create table audit.source_freshness as {rows_sql}")
    con.close()
    return target


def test_data_health_says_when_freshness_is_not_configured(serving_db, open_page, tmp_path):
    app = open_page(_copy_with_freshness(serving_db, tmp_path / "serving.duckdb", None), "data_health")
    _no_traceback(app)
    assert any("freshness is not configured" in info.value for info in app.info)
    assert _metrics(app)["Rows loaded"]


def test_data_health_lists_late_sources_first(serving_db, open_page, tmp_path):
    with_freshness = _copy_with_freshness(serving_db, tmp_path / "serving.duckdb", """
        select * from (values
            ('web__segment_events', 'web', timestamptz '2026-11-21 23:00:00+00', 24.0,
             timestamptz '2026-11-22 23:00:00+00', 'fresh', timestamptz '2026-11-22 00:00:00+00'),
            ('email__mbox', 'email', timestamptz '2026-11-20 01:00:00+00', 24.0, timestamptz '2026-11-21 01:00:00+00',
             'late', timestamptz '2026-11-22 00:00:00+00')
        ) as t(source, family, last_loaded_at, expected_every_hours, due_at, status, checked_at)""")
    app = open_page(with_freshness, "data_health")
    _no_traceback(app)
    assert [w.value for w in app.warning] == ["1 of 2 sources are late or never loaded."]
    table = _table(app, "Next load due")
    assert list(zip(table["Source"], table["Status"], strict=True)) == [("email__mbox", "Late"),
                                                                        ("web__segment_events", "Fresh")]


# A check run after the published build whose blocking raw check failed, as the gate records it.
FAILED_RUN_SQL = """
    insert into audit.dq_results (run_id, build_id, suite, expectation, column_name, severity, success, observed,
                                  checked_at, layer, table_name)
    values ('run-refused', 'build-refused', 'raw.sales__orders.files', 'expect_column_min_to_be_between',
            'order_date__min', 'block', false, '{"observed_value": "1970-01-01"}', $failed_at, 'raw',
            'raw.sales__orders'),
           ('run-refused', 'build-refused', 'marts.dim_customers', 'expect_column_values_to_be_unique',
            'customer_id', 'block', true, '{}', $failed_at, 'marts', 'marts.dim_customers')"""


def _health_file_with_a_refused_build(pipeline, folder: Path) -> tuple[Path, datetime]:
    """The published file as it was, next to a health file (written by the operations' own publish_health) whose
    latest check run, now, failed a blocking check. Returns the serving file's path and the time of the check."""
    import shutil

    from orchestration.publish import publish_health

    shutil.copy(pipeline["serving_db"], folder / "serving.duckdb")
    publish_health(pipeline["build_db"], folder / "health.duckdb")
    con = duckdb.connect(str(folder / "health.duckdb"))
    con.execute(FAILED_RUN_SQL, {"failed_at": datetime.now(UTC).replace(microsecond=0)})
    # read back as DuckDB hands timestamps to the page (in the session's time zone)
    (failed_at,), = con.execute("select max(checked_at) from audit.dq_results").fetchall()
    con.close()
    return folder / "serving.duckdb", failed_at


def test_data_health_names_the_blocking_check_that_stopped_publishing(pipeline, open_page, tmp_path):
    serving, failed_at = _health_file_with_a_refused_build(pipeline, tmp_path)
    (published_at,), = _query(serving, "select published_at from meta.publication")

    app = open_page(serving, "data_health")
    _no_traceback(app)
    assert [e.value for e in app.error][0] == (
        "Publishing stopped: check expect_column_min_to_be_between(order_date__min) on table raw.sales__orders "
        f"failed at {EN.datetime(failed_at)}; the dashboards show the build published at "
        f"{EN.datetime(published_at)}.")
    # the latest check results are the health file's (the refused run), not the published file's
    checks = _table(app, "Expectation")
    assert list(zip(checks["Expectation"], checks["Passed"], strict=True)) == [
        ("expect_column_min_to_be_between", False), ("expect_column_values_to_be_unique", True)]

    app.radio(key="language").set_value("ja").run()
    _no_traceback(app)
    ja = Formats("ja")
    assert [e.value for e in app.error][0] == (
        "公開を停止しました：テーブル raw.sales__orders のチェック expect_column_min_to_be_between(order_date__min) が "
        f"{ja.datetime(failed_at)} に失敗しました。ダッシュボードは {ja.datetime(published_at)} "
        "に公開されたビルドを表示しています。")


def test_data_health_without_a_published_build_still_names_the_failed_check(pipeline, open_page, tmp_path):
    serving, failed_at = _health_file_with_a_refused_build(pipeline, tmp_path)
    serving.unlink()

    app = open_page(serving, "data_health")
    _no_traceback(app)
    assert [e.value for e in app.error] == [
        "Publishing stopped: check expect_column_min_to_be_between(order_date__min) on table raw.sales__orders "
        f"failed at {EN.datetime(failed_at)}; no build has been published yet."]
    assert any("crm run" in info.value for info in app.info)


def test_data_health_warns_of_nothing_when_every_blocking_check_passed(pipeline, serving_db, open_page):
    health = serving_db.with_name("health.duckdb")
    assert health.exists()  # the pipeline's own, written by its check
    assert _query(health, "select count(*) from audit.dq_results where severity = 'block' and not success "
                  "and run_id = (select max_by(run_id, checked_at) from audit.dq_results)") == [(0,)]
    app = open_page(serving_db, "data_health")
    _no_traceback(app)
    assert not [e.value for e in app.error if "Publishing stopped" in e.value]
    assert not app.error


@pytest.mark.parametrize("page", PAGES)
def test_without_a_published_warehouse_every_page_explains_what_to_do(tmp_path, open_page, page):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for serving in (tmp_path / "missing.duckdb", empty):
        app = open_page(serving, page)
        if page == "customer_360":
            app.text_input(key="c360_query").input("taro").run()
        _no_traceback(app)
        assert any("crm run" in info.value for info in app.info), [i.value for i in app.info]


def test_the_dashboards_benchmark_times_every_page(serving_db):
    from benchmarks.measure import bench_dashboards, format_dashboards

    results = bench_dashboards(serving_db, "US", repeats=2)
    assert [r.page for r in results] == PAGES + ["customer_360 by name", "customer_360 by email"]
    assert all(r.queries == len(PAGE_QUERIES[r.page.split()[0]]) and 0 < r.median_ms <= r.p95_ms for r in results)
    assert "| customer_360 |" in format_dashboards(results, 400, 2)


# --- what users found (issue 15) ----------------------------------------------------------------------------------

JA = Formats("ja")
IN_PROGRESS = " (in progress)"
# Whole words a page must never show for a missing value.
MISSING_WORDS = re.compile(r"\b(?:nan|NaN|None|NaT)\b|<NA>")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _chart(app, key: str) -> dict:
    """The Plotly figure (as JSON) of the chart drawn with this key."""
    for chart in app.get("plotly_chart"):
        if chart.proto.id.endswith(f"-{key}"):
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no chart {key!r}")


def _values(array) -> list:
    """A trace's x, y or z as a list: Plotly ships numeric arrays base64-encoded (bdata)."""
    if isinstance(array, dict) and "bdata" in array:
        values = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
        if "shape" in array:
            values = values.reshape([int(n) for n in str(array["shape"]).split(",")])
        return values.tolist()
    return list(array or [])


def _dotted_and_solid(figure: dict) -> tuple[set, set]:
    """The x values of a line chart's dotted traces and of its other traces."""
    dotted, solid = set(), set()
    for trace in figure["data"]:
        (dotted if trace.get("line", {}).get("dash") == "dot" else solid).update(map(str, _values(trace.get("x"))))
    return dotted, solid


def _pale_bars(figure: dict) -> set:
    """The x values of the bars drawn pale (opacity below 1)."""
    pale = set()
    for trace in figure["data"]:
        opacity = trace.get("marker", {}).get("opacity", 1)
        opacities = _values(opacity) if isinstance(opacity, dict | list) else [opacity] * len(_values(trace["x"]))
        pale |= {x for x, o in zip(_values(trace["x"]), opacities, strict=True) if o < 1}
    return pale


def _months_in_progress(serving_db: Path) -> list:
    """Months the marts have not finished (mart_kpis_by_period's own flag)."""
    return [m for (m,) in _query(serving_db, "select distinct period_start from marts.mart_kpis_by_period "
                                             "where period_grain = 'month' and not is_complete order by 1")]


def _campaigns_in_period(channel: str | None = None) -> str:
    """SQL: the campaigns running at some time between the parameters end and start (and of a channel)."""
    return "from marts.mart_campaign_performance where start_date <= ? and coalesce(end_date, start_date) >= ?" + (
        " and channel = ?" if channel else "")


def test_marketing_rate_cards_follow_the_channel_filter(serving_db, open_page, quarter):
    """Open and click rates of the campaigns the filter keeps; a channel that sends no email has none (not 0%)."""
    start, end = quarter
    app = open_page(serving_db, "marketing")
    for channel in ("email", "social"):
        app.selectbox(key="filter_channel.en").set_value(channel).run()
        _no_traceback(app)
        campaigns, opens, clicks, delivered = _query(
            serving_db, "select count(*), sum(unique_opens), sum(unique_clicks), sum(emails_delivered) "
            + _campaigns_in_period(channel), [end, start, channel])[0]
        assert campaigns, f"no {channel} campaign in the test data's last 90 days"
        metrics = _metrics(app)
        if channel == "email":
            assert delivered
            assert metrics["Open rate"] == EN.percent(opens / delivered)
            assert metrics["Click rate"] == EN.percent(clicks / delivered)
        else:
            assert not delivered
            assert metrics["Open rate"] == metrics["Click rate"] == "Not applicable"


def test_marketing_customers_acquired_follow_the_channel_filter(serving_db, open_page, quarter):
    start, end = quarter
    (customers,), = _query(serving_db, "select count(*) from marts.dim_customers where acquisition_channel = "
                                       "'paid_search' and cast(acquired_at as date) between ? and ?", [start, end])
    assert customers
    app = open_page(serving_db, "marketing")
    app.selectbox(key="filter_channel.en").set_value("paid_search").run()
    _no_traceback(app)
    acquired = _table(app, "Acquisition channel")
    assert list(zip(acquired["Acquisition channel"], acquired["Customers"], strict=True)) == [
        ("Paid search", EN.number(customers))]


def _display_width(text: str) -> int:
    """Columns a text takes: a full-width (East Asian wide) character two, any other one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_marketing_card_labels_fit_their_cards(serving_db, open_page, language):
    """Five cards share the page's width (about 200 px each at 1,400 px): a label of more than 16 columns of 14 px
    text is cut off. What a card counts more precisely is in its help."""
    app = open_page(serving_db, "marketing")
    if language != "en":
        app.radio(key="language").set_value(language).run()  # switched as a reader does
    _no_traceback(app)
    assert len(app.metric) == 5
    assert all(_display_width(m.label) <= 16 for m in app.metric), [m.label for m in app.metric]


def test_marketing_roi_chart_names_the_costliest_campaigns_and_sums_up_the_rest(serving_db, open_page, quarter):
    start, end = quarter
    rows = _query(serving_db, "select campaign_name, cost_reporting, revenue_last_touch, roi_last_touch "
                  + _campaigns_in_period() + " and cost_reporting > 0 "
                  "order by cost_reporting desc, campaign_name", [end, start])
    top, rest = rows[:15], rows[15:]
    assert rest, "the test data's quarter should have more than 15 campaigns with a cost"
    app = open_page(serving_db, "marketing")
    _no_traceback(app)
    last_touch = next(trace for trace in _chart(app, "campaign_roi_chart")["data"]
                      if trace["name"] == "ROI (last touch)")
    assert last_touch["orientation"] == "h"  # names along the side, readable
    names, rois = _values(last_touch["y"]), _values(last_touch["x"])
    assert len(names) == 16
    assert dict(zip(names[:15], rois[:15], strict=True)) == pytest.approx({name: roi for name, _, _, roi in top})
    assert rois[:15] == sorted(rois[:15], reverse=True)  # best return first
    cost, revenue = sum(float(r[1]) for r in rest), sum(float(r[2]) for r in rest)
    assert names[15] == f"{len(rest)} other campaigns"
    assert rois[15] == pytest.approx(100 * (revenue - cost) / cost)


def test_overview_trend_marks_the_month_in_progress(serving_db, open_page, quarter):
    start, end = quarter
    in_progress = [m for m in _months_in_progress(serving_db) if start <= m <= end]
    assert in_progress
    app = open_page(serving_db, "overview")
    _no_traceback(app)
    dotted, solid = _dotted_and_solid(_chart(app, "kpi_trend_chart"))
    assert dotted - solid == {EN.month(m) + IN_PROGRESS for m in in_progress}
    assert not [x for x in solid if x.endswith(IN_PROGRESS)]


def test_overview_judges_a_goal_only_at_its_own_grain(serving_db, open_page):
    (target,), = _query(serving_db, "select target_value from marts.mart_goal_progress where kpi = 'revenue' "
                                    "and period_grain = 'month'")
    statuses = ("On track", "At risk", "Off track", "No data", "Achieved", "Missed")
    app = open_page(serving_db, "overview")
    assert any(status in c.value for c in app.caption for status in statuses)  # the month: judged
    app.radio(key="overview_grain.en").set_value("week").run()
    _no_traceback(app)
    captions = [c.value for c in app.caption]
    assert not [c for c in captions if any(status in c for status in statuses)]
    assert f"Goal {EN.money(target, 'USD')} · judged by month" in captions


def test_service_marks_the_month_in_progress(serving_db, open_page, tmp_path):
    """A ticket and NPS answers of today (the published build's day) make the current month appear: it is marked
    as in progress on every chart."""
    copy = tmp_path / "serving.duckdb"
    copy.write_bytes(serving_db.read_bytes())
    con = duckdb.connect(str(copy))
    (today,), = con.execute("select max(date_day) from marts.mart_executive_kpis_daily").fetchall()
    con.execute("""insert into marts.fct_support_tickets
                   select * replace ('T-TODAY' as ticket_id, cast($today as timestamp) + interval 3 hour as opened_at,
                                     cast($today as date) as opened_date)
                   from marts.fct_support_tickets where first_response_minutes is not null and is_resolved
                   order by ticket_id limit 1""", {"today": today})
    con.execute("""insert into marts.mart_nps_monthly
                   select * replace (date_trunc('month', cast($today as date)) as response_month)
                   from marts.mart_nps_monthly order by response_month desc limit 1""", {"today": today})
    con.close()
    this_month = EN.month(today) + IN_PROGRESS
    app = open_page(copy, "service")
    _no_traceback(app)
    for key in ("first_response_chart", "resolution_chart"):
        dotted, solid = _dotted_and_solid(_chart(app, key))
        assert dotted - solid == {this_month}, key
    assert _pale_bars(_chart(app, "nps_chart")) == {this_month}


def test_retention_marks_the_periods_in_progress(serving_db, open_page):
    app = open_page(serving_db, "retention")
    _no_traceback(app)
    cohorts = _query(serving_db, "select cohort_month, period_number, cohort_customers, is_in_progress "
                                 "from marts.mart_retention_cohorts_monthly where cohort_month in (select distinct "
                                 "cohort_month from marts.mart_retention_cohorts_monthly order by 1 desc limit 24)")
    expected = {(f"{EN.month(c)} ({EN.number(n)})", str(p)) for c, p, n, ongoing in cohorts if ongoing}
    assert expected
    heat_map = _chart(app, "retention_heat_map")
    assert len(heat_map["data"]) == 2  # the cells in progress: a grey layer of their own
    ongoing = heat_map["data"][1]
    z = _values(ongoing["z"])
    marked = {(y, x) for row, y in zip(z, ongoing["y"], strict=True) for value, x in zip(row, ongoing["x"], strict=True)
              if value is not None and not np.isnan(value)}
    assert marked == expected
    # Each cohort's curve reaches its period in progress dotted.
    dotted_points = {(trace["name"], x) for trace in _chart(app, "retention_curves")["data"]
                     if trace["line"].get("dash") == "dot" for x in _values(trace["x"])[1:]}
    recent = sorted({c for c, *_ in cohorts})[-12:]
    assert dotted_points == {(EN.month(c), p) for c, p, _, ongoing in cohorts if ongoing and p > 0 and c in recent}
    assert _pale_bars(_chart(app, "churn_chart")) == {EN.month(m) + IN_PROGRESS
                                                      for m in _months_in_progress(serving_db)}


def test_segment_movement_opens_on_the_latest_month_that_has_ended(serving_db, open_page):
    (latest_complete,), = _query(serving_db, "select max(period_start) from marts.mart_kpis_by_period "
                                             "where period_grain = 'month' and is_complete")
    app = open_page(serving_db, "segments")
    _no_traceback(app)
    slider = app.select_slider(key="segments_month.en")
    assert pd.Timestamp(slider.value).date() == latest_complete
    assert [o for o in slider.options if o.endswith(IN_PROGRESS)] == [
        EN.month(m) + IN_PROGRESS for m in _months_in_progress(serving_db)]


def _customer_with_company(serving_db: Path) -> tuple[str, str]:
    return _query(serving_db, "select company_id, company_name from marts.dim_companies "
                              "order by contact_count desc, company_id limit 1")[0]


def _every_view(serving_db: Path, open_page, language: str = "en"):
    """Every page as it first opens, and Customer 360 with a customer (one whose golden record has gaps) and a
    company: (name, app)."""
    for page in PAGES:
        if page != "customer_360":
            yield page, open_page(serving_db, page, language)
    (phone,), = _query(serving_db, "select primary_phone from marts.dim_customers where company_name is null "
                                   "and primary_phone is not null order by touchpoint_count desc, customer_id limit 1")
    app = open_page(serving_db, "customer_360", language)
    app.text_input(key="c360_query").input(phone).run()
    yield "customer_360 (customer)", app
    company_id, company = _customer_with_company(serving_db)
    app = open_page(serving_db, "customer_360", language)
    app.text_input(key="c360_query").input(company).run()
    app.radio(key=f"c360_pick.{language}").set_value(("company", company_id)).run()
    yield "customer_360 (company)", app


@pytest.mark.slow  # every view of every page, in both languages
def test_no_page_shows_none_nan_or_a_number_not_written_for_reading(every_view):
    """Every table cell is text the page wrote (a formatted number, a label, a date) or a yes/no box; no text says
    nan, None or NaT."""
    for name, app in every_view("en"):
        _no_traceback(app)
        for frame in app.dataframe:
            for column in frame.value.columns:
                for cell in frame.value[column]:
                    assert isinstance(cell, str | bool | np.bool_), (name, column, cell)
                    assert not (isinstance(cell, str) and MISSING_WORDS.search(cell)), (name, column, cell)
        texts = [m.value for m in app.metric] + [m.help or "" for m in app.metric] + [
            e.value for e in (*app.caption, *app.markdown, *app.header, *app.subheader, *app.info)]
        assert not [text for text in texts if MISSING_WORDS.search(str(text))], name


def test_data_health_writes_counts_with_thousands_separators(serving_db, open_page):
    loads = _query(serving_db, "select source, sum(rows_read) from audit.loads where status <> 'superseded' "
                               "group by 1 order by 1")
    assert max(rows for _, rows in loads) >= 1000
    app = open_page(serving_db, "data_health")
    table = _table(app, "Rows read")
    assert list(zip(table["Source"], table["Rows read"], strict=True)) == [(s, f"{int(n):,}") for s, n in loads]


COUNTRY_NAMES = {"DE": "Germany", "FR": "France", "GB": "United Kingdom", "JP": "Japan", "US": "United States"}


def test_labels_not_codes_for_countries_and_channels(serving_db, open_page):
    codes = [c for (c,) in _query(serving_db, "select distinct country_code from marts.dim_customers "
                                              "where country_code is not null order by 1")]
    app = open_page(serving_db, "funnel")
    assert app.selectbox(key="filter_country.en").options == ["All", *(COUNTRY_NAMES[c] for c in codes)]
    app.selectbox(key="funnel_breakdown.en").set_value("acquisition_channel").run()
    _no_traceback(app)
    shown = set(_table(app, "Acquisition channel")["Acquisition channel"])
    assert "Paid search" in shown and "Organic search" in shown
    assert not [value for value in shown if "_" in value or value != value.strip() or value[0].islower()]


LIFECYCLE_EN = {"lead": "Lead", "marketingqualifiedlead": "Marketing qualified lead",
                "salesqualifiedlead": "Sales qualified lead", "opportunity": "Opportunity", "customer": "Customer"}
LIFECYCLE_JA = {"lead": "リード", "marketingqualifiedlead": "マーケティング認定リード",
                "salesqualifiedlead": "営業認定リード", "opportunity": "商談中", "customer": "顧客"}


def _jp_customer(serving_db: Path) -> tuple:
    return _query(serving_db, "select customer_id, primary_phone, lifecycle_stage, language, country_code from "
                              "marts.dim_customers where primary_phone like '+8190%' order by customer_id limit 1")[0]


def test_customer_360_writes_the_golden_record_for_reading(serving_db, open_page):
    customer_id, phone, lifecycle, language, country = _jp_customer(serving_db)
    assert (language, country) == ("ja", "JP")
    readable_phone = phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(phone).run()
    _no_traceback(app)
    record = "\n".join(m.value for m in app.markdown)
    assert f"**Phone**: {readable_phone}" in record
    assert "**Country**: Japan" in record and "**Language**: Japanese" in record
    assert f"**Lifecycle stage**: {LIFECYCLE_EN[lifecycle]}" in record
    points = _table(app, "Sources")
    assert readable_phone in list(points["Value"])


def test_sales_counts_days_in_whole_days(serving_db, open_page):
    stalled = _query(serving_db, "select days_in_current_stage, days_since_last_activity from marts.fct_deals "
                                 "where is_open and is_stalled order by amount_reporting desc nulls last, deal_id")
    assert stalled
    app = open_page(serving_db, "sales")
    table = _table(app, "Days in stage")
    assert list(zip(table["Days in stage"], table["Days since last activity"], strict=True)) == [
        (f"{round(float(a)):,}", f"{round(float(b)):,}") for a, b in stalled]


def test_funnel_drop_off_caption_counts_everyone_not_the_rows_listed(serving_db, open_page, tmp_path):
    """600 more people who dropped off at the most common stage (copies of one of them): the caption counts them
    all, the table lists the latest 500."""
    stage, dropped = _query(serving_db, "select dropped_off_at_stage, count(*) from marts.mart_journey_drop_offs "
                                        "group by 1 order by 2 desc, 1 limit 1")[0]
    copy = tmp_path / "serving.duckdb"
    copy.write_bytes(serving_db.read_bytes())
    con = duckdb.connect(str(copy))
    (someone,), = con.execute("select min(customer_id) from marts.mart_journey_drop_offs "
                              "where dropped_off_at_stage = ?", [stage]).fetchall()
    for table in ("marts.dim_customers", "marts.fct_customer_journey_stages"):
        con.execute(f"insert into {table} select t.* replace ('clone-' || r.i as customer_id) "
                    f"from {table} t, range(600) r(i) where t.customer_id = ?", [someone])
    con.close()
    app = open_page(copy, "funnel")
    _no_traceback(app)
    assert app.selectbox(key="funnel_drop_stage.en").value == stage
    caption = next(c.value for c in app.caption if "reached this stage" in c.value)
    assert caption.startswith(f"{EN.number(dropped + 600)} people"), caption
    assert "(the latest 500 shown)" in caption
    assert len(_table(app, "Reached on")) == 500


def test_customer_360_counts_everyone_a_search_finds(serving_db, open_page):
    from identity.lookup import find_customers

    query = "m"
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        people = len(find_customers(con, query, limit=1_000_000, region="US"))
        (companies,), = con.execute("select count(*) from marts.dim_companies where contains(lower(company_name), "
                                    "lower(?)) or lower(domain) = lower(?)", [query, query]).fetchall()
    finally:
        con.close()
    assert people > 20  # more than the page lists
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(query).run()
    _no_traceback(app)
    shown = min(people, 20) + min(companies, 20)
    assert app.radio(key="c360_pick.en").label == f"{people + companies} found, the best {shown} shown"


def test_customer_360_shows_a_web_order_once(serving_db, open_page):
    customer_id, email, _ = _query(serving_db, """
        select o.customer_id, c.primary_email, count(*)
        from marts.fct_orders o join marts.dim_customers c using (customer_id)
        where o.channel = 'web' and c.primary_email is not null
        group by all order by 3 desc, 1 limit 1""")[0]
    order_ids = [o for (o,) in _query(serving_db, "select order_id from marts.fct_orders where customer_id = ? "
                                                  "and channel = 'web'", [customer_id])]
    (touchpoints,), = _query(serving_db, "select count(*) from marts.fct_customer_timeline where customer_id = ?",
                             [customer_id])
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(email).run()
    _no_traceback(app)
    summaries = list(_table(app, "What happened")["What happened"])
    assert len(summaries) == min(touchpoints, 500)
    # The web checkout's Order Completed event and the order export's order are one touchpoint: the order's.
    timeline = [s for (s,) in _query(serving_db, "select summary from marts.fct_customer_timeline "
                                                 "where customer_id = ?", [customer_id])]
    for order_id in order_ids:
        assert len([s for s in summaries if re.search(rf"\b{re.escape(order_id)}\b", s)]) == 1, order_id
        assert len([s for s in timeline if re.search(rf"\b{re.escape(order_id)}\b", s)]) == 1, order_id


def test_every_timeline_summary_of_the_warehouse_reads_in_japanese(serving_db):
    """Every summary the marts wrote is a form the dashboards rewrite (a new form in fct_interactions or
    fct_customer_timeline shows up here), and reads in Japanese without the marts' English words."""
    from dashboards.i18n.summaries import known_form, readable_summary

    english = re.compile(r"\b(?:Inbound|Outbound|Marketing email|Opened|Clicked|Viewed|Added to|Deal|Invoice|Order|"
                         r"Web order|Started|Completed|Identified|Website|Submitted|survey|answered|issued|paid)\b")
    for touchpoint_type, summary in _query(serving_db, "select touchpoint_type, summary from "
                                                       "marts.fct_customer_timeline"):
        assert known_form(summary), (touchpoint_type, summary)
        japanese = readable_summary(summary, "ja")
        # (Subjects, names and comments are data: English words may follow the Japanese lead-in.)
        assert JAPANESE.search(japanese) and not english.match(japanese), (summary, japanese)


CHANNELS_JA = {"email": "メール", "phone": "電話", "web": "ウェブ", "sales": "営業", "survey": "アンケート",
               "email_marketing": "メールマーケティング"}
DEAL_STAGES_JA = {"qualification": "見込み評価", "meeting": "商談", "proposal": "提案", "negotiation": "交渉",
                  "closed_won": "受注", "closed_lost": "失注"}


def test_japanese_customer_360_translates_labels_directions_and_summaries(serving_db, open_page):
    customer_id, phone, lifecycle, *_ = _jp_customer(serving_db)
    app = open_page(serving_db, "customer_360")
    app.text_input(key="c360_query").input(phone).run()
    app.radio(key="language").set_value("ja").run()
    _no_traceback(app)
    record = "\n".join(m.value for m in app.markdown)
    assert f"**ライフサイクル**: {LIFECYCLE_JA[lifecycle]}" in record
    assert "**国**: 日本" in record and "**言語**: 日本語" in record
    timeline = _table(app, "内容")
    channels = _query(serving_db, "select channel from marts.fct_customer_timeline where customer_id = ? "
                                  "order by touch_sequence desc", [customer_id])
    assert list(timeline["チャネル"]) == [CHANNELS_JA[c] for (c,) in channels]
    assert set(timeline["方向"]) <= {"受信", "発信", "–"} and set(timeline["方向"]) & {"受信", "発信"}
    assert all(JAPANESE.search(s) and not s.startswith(("Inbound", "Outbound", "Marketing", "Opened", "Added"))
               for s in timeline["内容"]), list(timeline["内容"])


@pytest.mark.slow  # renders every chart in Japanese
def test_japanese_charts_name_months_stages_and_channels_in_japanese(serving_db, open_page, tmp_path):
    iso_date = re.compile(r"^\d{4}-\d{2}-\d{2}")
    for page in ("overview", "sales", "service", "retention"):
        app = open_page(serving_db, page, "ja")
        _no_traceback(app)
        for chart in app.get("plotly_chart"):
            for trace in json.loads(chart.proto.spec)["data"]:
                for axis in ("x", "y"):
                    assert not [v for v in _values(trace.get(axis)) if iso_date.match(str(v))], (page, chart.proto.id)
        if page == "overview":
            months = {x for trace in _chart(app, "kpi_trend_chart")["data"] for x in _values(trace["x"])}
            assert months and all(re.fullmatch(r"\d{4}年\d{1,2}月(（集計中）)?", m) for m in months), months
        if page == "sales":
            stages = [s for (s,) in _query(serving_db, "select distinct stage from marts.fct_deals where is_open "
                                                       "order by 1")]
            shown = {x for trace in _chart(app, "pipeline_by_stage_chart")["data"] for x in _values(trace["x"])}
            assert shown == {DEAL_STAGES_JA[s] for s in stages}
        if page == "service":
            channels = {c for (c,) in _query(serving_db, "select distinct channel from marts.fct_support_tickets")}
            legend = {t["name"] for t in _chart(app, "first_response_chart")["data"] if t.get("showlegend", True)}
            assert legend == {CHANNELS_JA[c] for c in channels}
    # The funnel's shares: Plotly writes "% of initial" in English unless told the words.
    funnel = open_page(serving_db, "funnel", "ja")
    _no_traceback(funnel)
    stages = _chart(funnel, "funnel_chart")["data"][0]
    assert JAPANESE.search(stages.get("texttemplate", "")) and "initial" not in stages.get("textinfo", "")


def test_japanese_goal_texts_are_written_from_the_goals(serving_db, open_page):
    baseline, target, deadline = _query(serving_db, "select baseline_value, target_value, deadline "
                                                    "from marts.mart_goal_progress where kpi = 'revenue'")[0]
    change = 100 * (target - baseline) / abs(baseline)
    app = open_page(serving_db, "overview", "ja")
    _no_traceback(app)
    goals = _table(app, "判定の対象")
    revenue = goals[goals["KPI"] == "売上"]["目標"].iloc[0]
    assert revenue == (f"売上：{JA.date(deadline)}までに{JA.money(target, 'USD')}"
                       f"（基準値 {JA.money(baseline, 'USD')} から+{change:.1f}%）")
    assert all(JAPANESE.search(text) for text in goals["目標"])


@pytest.mark.slow  # every view of every page, in both languages
@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_two_controls_of_a_page_share_a_name(every_view, language):
    for name, app in every_view(language):
        _no_traceback(app)
        labels = [w.label for kind in ("selectbox", "radio", "multiselect", "date_input", "slider", "select_slider",
                                       "text_input") for w in getattr(app, kind)]
        assert len(labels) == len(set(labels)), (name, sorted(labels))


def test_the_language_survives_a_reload_and_a_shared_link(serving_db, open_page):
    from streamlit.testing.v1 import AppTest

    app = open_page(serving_db, "sales")
    app.radio(key="language").set_value("ja").run()
    assert app.title[0].value == "営業"
    link = dict(app.query_params)
    assert link.get("language") == "ja"
    # A reload, or the link opened by someone else: a new session on the same URL.
    again = AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=120)
    again.query_params = link
    again.run()
    _no_traceback(again)
    assert again.title[0].value == "概要"
    assert again.radio(key="language").value == "ja"
    again.switch_page("views/marketing.py").run()
    assert again.title[0].value == "マーケティング" and again.query_params.get("language") == "ja"
