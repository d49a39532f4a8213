"""Every dashboard page on the warehouse the end-to-end pipeline published: the numbers shown equal the marts'
values computed here with SQL of our own, the language switch, search, and no traceback without a warehouse."""

import base64
import io
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from common.settings import PROJECT_ROOT
from dashboards.i18n import Formats
from dashboards.queries import PAGE_QUERIES, segment_export
from tests.warehouse import query as _query

pytestmark = pytest.mark.e2e

PAGES = list(PAGE_QUERIES)
EN = Formats("en")
INJECTION = "'; drop table marts.dim_customers; --"



@pytest.fixture
def open_page(monkeypatch):
    """open_page(serving_db, page, language="en") → the AppTest after the page's first run."""
    from streamlit.testing.v1 import AppTest

    from common.settings import get_settings

    def run(serving_db: Path, page: str, language: str = "en"):
        monkeypatch.setenv("CRM_PATHS_SERVING_DB", str(serving_db))
        get_settings.cache_clear()
        app = AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=120)
        app.session_state["language"] = language
        app.run()
        if page != "overview":
            app.session_state["queries_run"] = set()  # the first run's were the default page's
            app.switch_page(f"views/{page}.py").run()
        return app

    yield run
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


def test_retention_churn_equals_the_monthly_segments(serving_db, open_page):
    app = open_page(serving_db, "retention")
    _no_traceback(app)
    churn = _query(serving_db, """
        select now.snapshot_month,
               count(*) filter (where now.rfm_segment = 'lost' and before.rfm_segment <> 'lost'),
               count(*) filter (where before.rfm_segment <> 'lost')
        from marts.fct_customer_segments_monthly now
        join marts.fct_customer_segments_monthly before
          on before.customer_id = now.customer_id and before.snapshot_month = now.snapshot_month - interval 1 month
        group by 1 having count(*) filter (where before.rfm_segment <> 'lost') > 0 order by 1""")
    table = _table(app, "Churn rate")
    assert list(table["Became lost"]) == [EN.number(c) for _, c, _ in churn]
    assert list(table["Active segments at the start"]) == [EN.number(n) for _, _, n in churn]
    assert len(app.get("plotly_chart")) == 3


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
    assert list(_table(app, "What happened")["What happened"]) == [summary for (summary,) in latest]


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
    from orchestration.bench import bench_dashboards, format_dashboards

    results = bench_dashboards(serving_db, "Asia/Tokyo", "US", repeats=2)
    assert [r.page for r in results] == PAGES + ["customer_360 by name", "customer_360 by email"]
    assert all(r.queries == len(PAGE_QUERIES[r.page.split()[0]]) and 0 < r.median_ms <= r.p95_ms for r in results)
    assert "| customer_360 |" in format_dashboards(results, 400, 2)


# --- what users found (issue 15) ----------------------------------------------------------------------------------



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
