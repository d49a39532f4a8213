"""All SQL of the dashboards. Read-only on the published serving file; parameterised, never formatted with input.

The process keeps one read-only connection per serving file (opening the file costs 30-150 ms, a query on an open
one a few ms) and each query runs on a cursor of its own (Streamlit sessions are threads). When a new file is
published (swapped in by os.replace, so its version changes) the old connection is closed first — DuckDB caches a
database per path in a process — and the next query opens the new file. Builds write another file, so holding the
serving file open never blocks one.

Every query a page runs is listed in PAGE_QUERIES (`crm bench dashboards` times them page by page; the page
tests check that a page runs nothing else).
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd


class WarehouseNotReady(Exception):
    """The serving file is missing or lacks a table: nothing (or an older layout) has been published."""


def published_version(serving_db: Path) -> int:
    """Changes whenever a new build is published (the file is replaced): part of every cache key."""
    try:
        return serving_db.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


class _OpenServingFiles:
    """The read-only connection to each serving file, reopened when a new version is published."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Path, tuple[int, duckdb.DuckDBPyConnection]] = {}

    def cursor(self, serving_db: Path) -> duckdb.DuckDBPyConnection:
        version = published_version(serving_db)
        with self._lock:
            opened = self._open.get(serving_db)
            if opened is None or opened[0] != version:
                if opened is not None:
                    opened[1].close()
                    del self._open[serving_db]
                if not version:
                    raise WarehouseNotReady(f"No published warehouse at {serving_db}.")
                con = duckdb.connect(str(serving_db), read_only=True)
                # No replacement scans: a missing table must be an error, not a Python variable of the same name.
                # (SET, not a connect option: other connections in the process may open the file without it.)
                con.execute("set global python_enable_replacements = false")
                self._open[serving_db] = (version, con)
            return self._open[serving_db][1].cursor()


_serving_files = _OpenServingFiles()


def _connect(serving_db: Path) -> duckdb.DuckDBPyConnection:
    return _serving_files.cursor(serving_db)


def run_query(serving_db: Path, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    con = _connect(serving_db)
    try:
        return con.execute(sql, params or []).df()
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        raise WarehouseNotReady(str(exc).splitlines()[0]) from exc
    finally:
        con.close()


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- shared -----------------------------------------------------------------------------------------------------

# How many rows a page's list shows at most; its caption says how many there are in all.
ROWS_SHOWN = 500

# The day the published marts were built as of (the last day of their daily spine, in the business time zone).
_AS_OF_DAY = "(select max(date_day) from marts.mart_executive_kpis_daily)"


def _month_in_progress(month_start: str) -> str:
    """SQL: true for a month that has not ended by the as-of day — the marts' own rule (mart_kpis_by_period's
    is_complete: a period is complete once the day after it has begun), for the months a mart does not flag."""
    return f"({month_start} + interval 1 month > {_AS_OF_DAY})"


DATE_BOUNDS_SQL = """
select min(date_day) as first_day, max(date_day) as last_day, any_value(reporting_currency) as currency
from marts.mart_executive_kpis_daily
"""

PUBLICATION_SQL = "select build_id, published_at from meta.publication"

FILTER_OPTIONS_SQL = """
select 'country' as kind, country_code as value from marts.dim_customers where country_code is not null
union
select 'segment', rfm_segment from marts.mart_customer_segments where rfm_segment is not null
union
select 'campaign_channel', channel from marts.mart_campaign_performance where channel is not null
union
select 'support_channel', channel from marts.fct_support_tickets where channel is not null
order by kind, value
"""


def date_bounds(serving_db: Path) -> tuple[date | None, date | None, str | None]:
    row = run_query(serving_db, DATE_BOUNDS_SQL).iloc[0]
    if pd.isna(row["first_day"]):
        return None, None, None
    return pd.Timestamp(row["first_day"]).date(), pd.Timestamp(row["last_day"]).date(), row["currency"]


def publication(serving_db: Path) -> dict:
    frame = run_query(serving_db, PUBLICATION_SQL)
    return frame.iloc[0].to_dict() if len(frame) else {}


def filter_options(serving_db: Path) -> dict[str, list[str]]:
    frame = run_query(serving_db, FILTER_OPTIONS_SQL)
    return {kind: list(group["value"]) for kind, group in frame.groupby("kind")}


# --- overview -----------------------------------------------------------------------------------------------------

# A period's KPIs straight from mart_kpis_by_period: counts, ratios, distinct customers and stocks at the period's
# end are each computed there the right way for the period, so the dashboards never re-aggregate them.
KPI_PERIODS_SQL = """
select period_start, bool_and(is_complete) as is_complete
from marts.mart_kpis_by_period
where period_grain = $grain
group by period_start
order by period_start desc
"""

KPI_SNAPSHOT_SQL = """
select
    this.kpi,
    this.kpi_value as value,
    case $compare_with
        when 'previous' then this.previous_kpi_value
        when 'baseline' then this.baseline_kpi_value
        else year_before.kpi_value
    end as compare_value,
    this.is_complete
from marts.mart_kpis_by_period this
left join marts.mart_kpis_by_period year_before
    on year_before.kpi = this.kpi and year_before.period_grain = this.period_grain
   and year_before.period_start = $year_before_start
where this.period_grain = $grain and this.period_start = $period_start
order by this.kpi
"""

KPI_COMPARISONS = ("previous", "year_before", "baseline")


def kpi_periods(serving_db: Path, grain: str) -> pd.DataFrame:
    return run_query(serving_db, KPI_PERIODS_SQL, {"grain": grain})


def year_before_start(grain: str, period_start: date) -> date:
    """The same period a year earlier: the same month, or the week 52 weeks earlier (also a Monday)."""
    return _year_earlier(period_start) if grain == "month" else period_start - timedelta(weeks=52)


def kpi_snapshot(serving_db: Path, grain: str, period_start: date, compare_with: str) -> pd.DataFrame:
    if compare_with not in KPI_COMPARISONS:
        raise ValueError(f"unknown comparison {compare_with!r}")
    return run_query(serving_db, KPI_SNAPSHOT_SQL, {
        "grain": grain, "period_start": period_start, "compare_with": compare_with,
        "year_before_start": year_before_start(grain, period_start)})


GOAL_PROGRESS_SQL = """
select goal_id, kpi, period_grain, direction, description, start_date, deadline, baseline_value, target_value,
       current_period_start, current_value, path_value, share_of_time_elapsed, status
from marts.mart_goal_progress
order by goal_id
"""

KPI_TREND_SQL = """
select kpi, period_start, kpi_value, is_complete
from marts.mart_kpis_by_period
where period_grain = $grain and period_start between $start and $end and list_contains($kpis, kpi)
order by kpi, period_start
"""


def goal_progress(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, GOAL_PROGRESS_SQL)


def kpi_trend(serving_db: Path, grain: str, period: Period, kpis: tuple[str, ...]) -> pd.DataFrame:
    return run_query(serving_db, KPI_TREND_SQL,
                     {"grain": grain, "start": period.start, "end": period.end, "kpis": list(kpis)})


# --- segments -----------------------------------------------------------------------------------------------------

# Customers without a completed order have no RFM segment: they show as 'none'.
SEGMENT_SUMMARY_SQL = """
select coalesce(rfm_segment, 'none') as rfm_segment, value_tier,
       count(*) as customers, coalesce(sum(monetary_reporting), 0) as revenue,
       median(recency_days) as median_recency_days, any_value(reporting_currency) as currency
from marts.mart_customer_segments
where ($country is null or country_code = $country)
group by all
order by rfm_segment, value_tier
"""

RFM_GRID_SQL = """
select recency_score, frequency_score, count(*) as customers, sum(monetary_reporting) as revenue
from marts.mart_customer_segments
where recency_score is not null and ($country is null or country_code = $country)
group by all
order by recency_score, frequency_score
"""

SEGMENT_MOVEMENT_SQL = f"""
select snapshot_month, coalesce(from_segment, 'none') as from_segment, coalesce(to_segment, 'none') as to_segment,
       customers, {_month_in_progress('snapshot_month')} as is_in_progress
from marts.mart_segment_movement_monthly
order by snapshot_month, from_segment, to_segment
"""

SEGMENT_CUSTOMERS_SQL = """
select customer_id, full_name, company_name, country_code, value_tier, recency_days, frequency, monetary_reporting,
       has_marketing_consent
from marts.mart_segment_members
where segment_name = $segment and ($country is null or country_code = $country)
order by monetary_reporting desc nulls last, customer_id
limit $limit
"""

# The contact list of a segment, for a campaign: the mart decides who may be on it (consent and an email).
SEGMENT_EXPORT_SQL = """
select customer_id, full_name, primary_email, primary_phone, company_name, country_code, language, value_tier,
       monetary_reporting, reporting_currency
from marts.mart_segment_members
where segment_name = $segment and ($country is null or country_code = $country) and is_exportable_for_campaigns
order by customer_id
"""

SEGMENT_CONSENT_COUNTS_SQL = """
select count(*) as customers,
       count(*) filter (where is_exportable_for_campaigns) as exportable,
       count(*) filter (where not has_marketing_consent) as without_consent,
       count(*) filter (where has_marketing_consent and primary_email is null) as without_email
from marts.mart_segment_members
where segment_name = $segment and ($country is null or country_code = $country)
"""


def segment_summary(serving_db: Path, country: str | None) -> pd.DataFrame:
    return run_query(serving_db, SEGMENT_SUMMARY_SQL, {"country": country})


def rfm_grid(serving_db: Path, country: str | None) -> pd.DataFrame:
    return run_query(serving_db, RFM_GRID_SQL, {"country": country})


def segment_movement(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, SEGMENT_MOVEMENT_SQL)


def segment_customers(serving_db: Path, segment: str, country: str | None, limit: int = 500) -> pd.DataFrame:
    return run_query(serving_db, SEGMENT_CUSTOMERS_SQL, {"segment": segment, "country": country, "limit": limit})


def segment_export(serving_db: Path, segment: str, country: str | None) -> bytes:
    """The segment's consenting contacts as a CSV file's bytes, written by DuckDB (COPY): for the 227k contacts
    (26 MB) of the largest segment at 1M people 0.15 s, against 1.46 s through a DataFrame and pandas' to_csv."""
    con = _connect(serving_db)
    try:
        with tempfile.TemporaryDirectory(prefix="crm-segment-export-") as folder:
            target = Path(folder) / "contacts.csv"
            # The file name is ours (a fresh temp folder); the segment and country stay bound parameters.
            con.execute(f"copy ({SEGMENT_EXPORT_SQL}) to '{target}' (header, delimiter ',')",
                        {"segment": segment, "country": country})
            return target.read_bytes()
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        raise WarehouseNotReady(str(exc).splitlines()[0]) from exc
    finally:
        con.close()


def segment_consent_counts(serving_db: Path, segment: str, country: str | None) -> dict:
    return run_query(serving_db, SEGMENT_CONSENT_COUNTS_SQL, {"segment": segment, "country": country}).iloc[0].to_dict()


# --- funnel -------------------------------------------------------------------------------------------------------

FUNNEL_BREAKDOWNS = ("all", "acquisition_channel", "acquisition_campaign", "country", "rfm_segment", "cohort_month")

# The funnel for a conversion window up to the one the mart was built with: a customer counts at a stage when every
# step up to it took at most `window` days (the mart's slowest_step_days: the slowest step so far decides).
_FUNNEL_CHAIN = """
with chain as (
    select
        customer_id, stage, stage_order, reached_at, days_from_previous_stage,
        slowest_step_days,
        case $breakdown
            when 'acquisition_channel' then coalesce(acquisition_channel, 'unknown')
            when 'acquisition_campaign' then coalesce(acquisition_campaign, 'unknown')
            when 'country' then coalesce(country_code, 'unknown')
            when 'rfm_segment' then coalesce(rfm_segment, 'none')
            when 'cohort_month' then coalesce(cast(cohort_month as varchar), 'unknown')
            else 'all'
        end as breakdown_value
    from marts.fct_customer_journey_stages
    where ($country is null or country_code = $country)
      and ($segment is null or coalesce(rfm_segment, 'none') = $segment)
),
within_window as (
    select * from chain where slowest_step_days <= $window
)
"""

FUNNEL_SQL = _FUNNEL_CHAIN + """
select breakdown_value, stage, stage_order, count(*) as customers,
       median(days_from_previous_stage) as median_days_from_previous_stage
from within_window
group by all
order by breakdown_value, stage_order
"""

# Who dropped off at a stage: reached it within the window, did not reach the next one within it, and the window
# had ended when the published build ran.
FUNNEL_DROP_OFFS_SQL = _FUNNEL_CHAIN + """
select s.customer_id, c.full_name, c.primary_email, c.country_code, s.breakdown_value, s.stage, s.reached_at,
       count(*) over () as total_drop_offs  -- everyone who dropped off here, of whom at most $limit are listed
from within_window s
left join within_window next_stage
    on next_stage.customer_id = s.customer_id and next_stage.stage_order = s.stage_order + 1
join marts.dim_customers c on c.customer_id = s.customer_id
where s.stage = $stage
  and next_stage.customer_id is null
  and s.stage_order < (select max(stage_order) from marts.fct_customer_journey_stages)
  and s.reached_at + to_days(cast($window as integer)) <= (select max(started_at) from audit.builds)
order by s.reached_at desc, s.customer_id
limit $limit
"""

FUNNEL_WINDOW_SQL = "select max(conversion_window_days) as days from marts.mart_journey_funnel"


def _funnel_params(window: int, breakdown: str, country: str | None, segment: str | None) -> dict:
    if breakdown not in FUNNEL_BREAKDOWNS:
        raise ValueError(f"unknown funnel breakdown {breakdown!r}")
    return {"window": window, "breakdown": breakdown, "country": country, "segment": segment}


def funnel(serving_db: Path, window: int, breakdown: str, country: str | None, segment: str | None) -> pd.DataFrame:
    return run_query(serving_db, FUNNEL_SQL, _funnel_params(window, breakdown, country, segment))


def funnel_drop_offs(serving_db: Path, window: int, stage: str, breakdown: str, country: str | None,
                     segment: str | None, limit: int = ROWS_SHOWN) -> pd.DataFrame:
    return run_query(serving_db, FUNNEL_DROP_OFFS_SQL,
                     {**_funnel_params(window, breakdown, country, segment), "stage": stage, "limit": limit})


def funnel_window_days(serving_db: Path) -> int | None:
    days = run_query(serving_db, FUNNEL_WINDOW_SQL).iloc[0]["days"]
    return None if pd.isna(days) else int(days)


# --- retention ----------------------------------------------------------------------------------------------------

RETENTION_SQL = {
    "month": """
        select cohort_month as cohort, period_number, period_start, cohort_customers, customers_active,
               customer_retention_rate, customer_retention_rate_on_or_after, revenue_reporting,
               revenue_retention_rate, is_in_progress
        from marts.mart_retention_cohorts_monthly
        order by cohort, period_number""",
    "week": """
        select cohort_week as cohort, period_number, period_start, cohort_customers, customers_active,
               customer_retention_rate, customer_retention_rate_on_or_after, revenue_reporting,
               revenue_retention_rate, is_in_progress
        from marts.mart_retention_cohorts_weekly
        order by cohort, period_number""",
}

# Customer churn by month, as the KPI mart defines it (customer_churn_rate: churned in the month / active at its
# start), with the churn threshold and how it was set (the same on every spell).
CHURN_TREND_SQL = """
select kpis.period_start as month, kpis.numerator as churned, kpis.denominator as at_start,
       kpis.kpi_value / 100 as churn_rate, kpis.is_complete, threshold.churn_inactivity_days,
       threshold.churn_threshold_basis, threshold.purchase_gaps_observed
from marts.mart_kpis_by_period as kpis
cross join (select max(churn_inactivity_days) as churn_inactivity_days,
                   max(churn_threshold_basis) as churn_threshold_basis,
                   max(purchase_gaps_observed) as purchase_gaps_observed
            from marts.fct_customer_activity_spells) as threshold
where kpis.kpi = 'customer_churn_rate' and kpis.period_grain = 'month'
order by kpis.period_start
"""


def retention_cohorts(serving_db: Path, grain: str) -> pd.DataFrame:
    return run_query(serving_db, RETENTION_SQL[grain])


def churn_trend(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, CHURN_TREND_SQL)


# --- sales --------------------------------------------------------------------------------------------------------

SALES_SUMMARY_SQL = """
select
    count(*) filter (where is_open) as open_deals,
    coalesce(sum(amount_reporting) filter (where is_open), 0) as open_pipeline,
    coalesce(sum(weighted_amount_reporting) filter (where is_open), 0) as weighted_pipeline,
    count(*) filter (where is_open and is_stalled) as stalled_deals,
    count(*) filter (where is_won and closed_date between $start and $end) as won,
    count(*) filter (where is_lost and closed_date between $start and $end) as lost,
    won / nullif(won + lost, 0) as win_rate,
    avg(sales_cycle_days) filter (where is_won and closed_date between $start and $end) as avg_cycle_days,
    coalesce(sum(amount_reporting) filter (where is_won and closed_date between $start and $end), 0) as won_revenue
from marts.fct_deals
"""

PIPELINE_BY_STAGE_SQL = """
select stage, stage_order, count(*) as deals, sum(amount_reporting) as open_pipeline,
       sum(weighted_amount_reporting) as weighted_pipeline, count(*) filter (where is_stalled) as stalled_deals
from marts.fct_deals
where is_open
group by all
order by stage_order
"""

PIPELINE_BY_CLOSE_MONTH_SQL = """
select expected_close_month, sum(open_deal_count) as open_deals, sum(stalled_deal_count) as stalled_deals,
       sum(open_pipeline_reporting) as open_pipeline, sum(weighted_pipeline_reporting) as weighted_pipeline
from marts.mart_pipeline_by_close_month
group by all
order by expected_close_month
"""

STALLED_DEALS_SQL = """
select deal_name, owner_name, stage, amount_reporting, days_in_current_stage, days_since_last_activity,
       expected_close_date
from marts.fct_deals
where is_open and is_stalled
order by amount_reporting desc nulls last, deal_id
limit $limit
"""

REP_LEADERBOARD_SQL = """
select owner_name, owner_email, sum(deals_created) as deals_created, sum(deals_won) as deals_won,
       sum(deals_lost) as deals_lost, sum(deals_won) / nullif(sum(deals_won) + sum(deals_lost), 0) as win_rate,
       sum(avg_won_sales_cycle_days * deals_won) / nullif(sum(deals_won), 0) as avg_cycle_days,
       sum(won_revenue_reporting) as won_revenue
from marts.mart_sales_rep_performance
where activity_month between date_trunc('month', cast($start as date)) and $end
group by all
order by won_revenue desc nulls last, owner_email
"""


def sales_summary(serving_db: Path, period: Period) -> dict:
    return run_query(serving_db, SALES_SUMMARY_SQL, {"start": period.start, "end": period.end}).iloc[0].to_dict()


def pipeline_by_stage(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, PIPELINE_BY_STAGE_SQL)


def pipeline_by_close_month(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, PIPELINE_BY_CLOSE_MONTH_SQL)


def stalled_deals(serving_db: Path, limit: int = 200) -> pd.DataFrame:
    return run_query(serving_db, STALLED_DEALS_SQL, {"limit": limit})


def rep_leaderboard(serving_db: Path, period: Period) -> pd.DataFrame:
    return run_query(serving_db, REP_LEADERBOARD_SQL, {"start": period.start, "end": period.end})


# --- marketing ----------------------------------------------------------------------------------------------------

CAMPAIGNS_SQL = """
select campaign_name, channel, start_date, end_date, cost_reporting, emails_sent, emails_delivered, unique_opens,
       unique_clicks, unique_open_rate, unique_click_rate, unsubscribes, web_visitors, leads_first_touch,
       leads_last_touch, new_customers_first_touch, new_customers_last_touch, revenue_first_touch,
       revenue_last_touch, roi_first_touch, roi_last_touch
from marts.mart_campaign_performance
where start_date <= $end and coalesce(end_date, start_date) >= $start
  and ($channel is null or channel = $channel)
order by start_date desc, campaign_name
"""

ACQUISITION_CHANNELS_SQL = """
select coalesce(acquisition_channel, 'unknown') as acquisition_channel, count(*) as customers,
       count(*) filter (where is_paying_customer) as paying_customers,
       coalesce(sum(lifetime_revenue_reporting), 0) as revenue
from marts.dim_customers
where cast(acquired_at as date) between $start and $end
  and ($channel is null or coalesce(acquisition_channel, 'unknown') = $channel)
group by all
order by customers desc, acquisition_channel
"""


def campaigns(serving_db: Path, period: Period, channel: str | None) -> pd.DataFrame:
    return run_query(serving_db, CAMPAIGNS_SQL, {"start": period.start, "end": period.end, "channel": channel})


def acquisition_channels(serving_db: Path, period: Period, channel: str | None) -> pd.DataFrame:
    return run_query(serving_db, ACQUISITION_CHANNELS_SQL, {"start": period.start, "end": period.end,
                                                            "channel": channel})


# --- service ------------------------------------------------------------------------------------------------------

# Tickets are cut into days and months in the business time zone, like every mart.
_TICKETS = """
with tickets as (
    select *, cast(timezone($timezone, opened_at) as date) as opened_date
    from marts.fct_support_tickets
    where ($channel is null or channel = $channel)
)
"""

_SERVICE_MEASURES = """
    count(*) as tickets,
    median(first_response_minutes) as median_first_response_minutes,
    median(resolution_hours) filter (where is_resolved) as median_resolution_hours,
    count(*) filter (where is_first_contact_resolution) / nullif(count(*) filter (where is_resolved), 0)
        as first_contact_resolution_rate,
    avg(csat_score) as csat_average,
    count(csat_score) as csat_responses
"""

SERVICE_SUMMARY_SQL = _TICKETS + "select" + _SERVICE_MEASURES + """
from tickets where opened_date between $start and $end
"""

# By month: every month the date range touches, whole (a month cut by the range would read as a drop).
SERVICE_TREND_SQL = _TICKETS + f"""
select date_trunc('month', opened_date) as month, channel,
       {_month_in_progress("date_trunc('month', opened_date)")} as is_in_progress,""" + _SERVICE_MEASURES + """
from tickets where opened_date between date_trunc('month', cast($start as date)) and $end
group by all
order by month, channel
"""

# Tickets without an agent recorded (NULL): the page names that group.
SERVICE_BY_AGENT_SQL = _TICKETS + "select coalesce(agent_name, agent_email) as agent," + _SERVICE_MEASURES + """
from tickets where opened_date between $start and $end
group by all
order by tickets desc, agent nulls last
"""

NPS_TREND_SQL = f"""
select response_month, sum(responses) as responses, sum(promoters) as promoters, sum(detractors) as detractors,
       100.0 * (sum(promoters) - sum(detractors)) / nullif(sum(responses), 0) as nps,
       {_month_in_progress('response_month')} as is_in_progress
from marts.mart_nps_monthly
where response_month between date_trunc('month', cast($start as date)) and $end
group by all
order by response_month
"""


def _service_params(period: Period, channel: str | None, timezone: str) -> dict:
    return {"start": period.start, "end": period.end, "channel": channel, "timezone": timezone}


def service_summary(serving_db: Path, period: Period, channel: str | None, timezone: str) -> dict:
    return run_query(serving_db, SERVICE_SUMMARY_SQL, _service_params(period, channel, timezone)).iloc[0].to_dict()


def service_trend(serving_db: Path, period: Period, channel: str | None, timezone: str) -> pd.DataFrame:
    return run_query(serving_db, SERVICE_TREND_SQL, _service_params(period, channel, timezone))


def service_by_agent(serving_db: Path, period: Period, channel: str | None, timezone: str) -> pd.DataFrame:
    return run_query(serving_db, SERVICE_BY_AGENT_SQL, _service_params(period, channel, timezone))


def nps_trend(serving_db: Path, period: Period) -> pd.DataFrame:
    return run_query(serving_db, NPS_TREND_SQL, {"start": period.start, "end": period.end})


# --- customer 360 -------------------------------------------------------------------------------------------------

COMPANY_SEARCH_SQL = """
select company_id, company_name, domain, country_code, city, contact_count, open_deal_count,
       count(*) over () as total_matches  -- every company matching, of which at most $limit are listed
from marts.dim_companies
where contains(lower(company_name), lower($text)) or lower(domain) = lower($text)
order by company_name, company_id
limit $limit
"""

CUSTOMER_PROFILE_SQL = """
select c.*, s.rfm_segment, s.value_tier, s.recency_days, s.frequency, s.monetary_reporting, s.reporting_currency
from marts.dim_customers c
left join marts.mart_customer_segments s using (customer_id)
where c.customer_id = $customer_id
"""

CUSTOMER_CONTACT_POINTS_SQL = """
select 'email' as kind, email as value, is_primary, sources, last_seen_at
from marts.dim_customer_emails where customer_id = $customer_id
union all
select 'phone', phone_e164, is_primary, sources, last_seen_at
from marts.dim_customer_phones where customer_id = $customer_id
order by kind, is_primary desc, value
"""

# A web checkout that completed a known order shows once, as that order: fct_customer_timeline leaves its event out.
CUSTOMER_TIMELINE_SQL = """
select t.occurred_at, t.channel, t.touchpoint_type, t.direction, t.summary
from marts.fct_customer_timeline t
where t.customer_id = $customer_id
order by t.touch_sequence desc
limit $limit
"""

COMPANY_PROFILE_SQL = "select * from marts.dim_companies where company_id = $company_id"

COMPANY_CONTACTS_SQL = """
select customer_id, full_name, job_title, primary_email, primary_phone, lifecycle_stage,
       lifetime_revenue_reporting, last_seen_at
from marts.dim_customers
where company_id = $company_id
order by lifetime_revenue_reporting desc nulls last, customer_id
"""

COMPANY_OPEN_DEALS_SQL = """
select deal_name, stage, owner_name, amount_reporting, weighted_amount_reporting, expected_close_date, is_stalled
from marts.fct_deals
where company_id = $company_id and is_open
order by expected_close_date, deal_id
"""

COMPANY_LAST_TOUCHES_SQL = """
select occurred_at, full_name, channel, touchpoint_type, summary
from marts.mart_company_recent_touches
where company_id = $company_id
order by touch_rank
limit $limit
"""


def search_customers(serving_db: Path, text: str, region: str | None, limit: int = 20) -> pd.DataFrame:
    """The same search as `crm lookup` (identity.lookup): email, phone in any format, or name; the best `limit`
    customers, each row with the number matching in all (total_matches)."""
    from dataclasses import asdict, fields

    from identity.lookup import CustomerLookupUnavailable, CustomerMatch, lookup_customers

    con = _connect(serving_db)
    try:
        found = lookup_customers(con, text, limit=limit, region=region)
    except CustomerLookupUnavailable as exc:
        raise WarehouseNotReady(str(exc)) from exc
    finally:
        con.close()
    frame = pd.DataFrame([asdict(match) for match in found.matches], columns=[f.name for f in fields(CustomerMatch)])
    return frame.assign(total_matches=found.total)  # every customer matching, of whom at most `limit` are listed


def search_companies(serving_db: Path, text: str, limit: int = 20) -> pd.DataFrame:
    return run_query(serving_db, COMPANY_SEARCH_SQL, {"text": text.strip(), "limit": limit})


def customer_profile(serving_db: Path, customer_id: str) -> dict:
    frame = run_query(serving_db, CUSTOMER_PROFILE_SQL, {"customer_id": customer_id})
    return frame.iloc[0].to_dict() if len(frame) else {}


def customer_contact_points(serving_db: Path, customer_id: str) -> pd.DataFrame:
    return run_query(serving_db, CUSTOMER_CONTACT_POINTS_SQL, {"customer_id": customer_id})


def customer_timeline(serving_db: Path, customer_id: str, limit: int = ROWS_SHOWN) -> pd.DataFrame:
    return run_query(serving_db, CUSTOMER_TIMELINE_SQL, {"customer_id": customer_id, "limit": limit})


POSSIBLE_MATCHES_SQL = """
select case when left_customer_id = $customer_id then right_customer_id else left_customer_id end
           as other_customer_id,
       case when left_customer_id = $customer_id then right_full_name else left_full_name end as other_full_name,
       case when left_customer_id = $customer_id then right_email else left_email end as other_email,
       case when left_customer_id = $customer_id then right_date_of_birth else left_date_of_birth end
           as other_date_of_birth,
       case when left_customer_id = $customer_id then right_postal_address else left_postal_address end
           as other_postal_address,
       match_probability, why, left_record_key, right_record_key
from marts.mart_identity_possible_matches
where left_customer_id = $customer_id or right_customer_id = $customer_id
order by match_probability desc, pair_id
"""


def customer_possible_matches(serving_db: Path, customer_id: str) -> pd.DataFrame:
    """Possible duplicates of this customer waiting for clerical review (mart_identity_possible_matches)."""
    return run_query(serving_db, POSSIBLE_MATCHES_SQL, {"customer_id": customer_id})


def company_profile(serving_db: Path, company_id: str) -> dict:
    frame = run_query(serving_db, COMPANY_PROFILE_SQL, {"company_id": company_id})
    return frame.iloc[0].to_dict() if len(frame) else {}


def company_contacts(serving_db: Path, company_id: str) -> pd.DataFrame:
    return run_query(serving_db, COMPANY_CONTACTS_SQL, {"company_id": company_id})


def company_open_deals(serving_db: Path, company_id: str) -> pd.DataFrame:
    return run_query(serving_db, COMPANY_OPEN_DEALS_SQL, {"company_id": company_id})


def company_last_touches(serving_db: Path, company_id: str, limit: int = 20) -> pd.DataFrame:
    return run_query(serving_db, COMPANY_LAST_TOUCHES_SQL, {"company_id": company_id, "limit": limit})


# --- data health --------------------------------------------------------------------------------------------------

# A superseded load was replaced by a later load of the same content (through a changed column map): its rows
# are no longer in the warehouse, so it counts neither as a file nor as rows.
LOADS_BY_SOURCE_SQL = """
select source, count(*) as files, max(finished_at) as last_loaded_at,
       sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as rows_quarantined,
       count(*) filter (where status in ('rejected', 'failed')) as files_failed,
       max_by(status, finished_at) as last_status
from audit.loads
where status <> 'superseded'
group by source
order by source
"""

QUALITY_RESULTS_SQL = """
select suite, expectation, column_name, severity, success, observed, checked_at
from audit.dq_results
where run_id = (select max_by(run_id, checked_at) from audit.dq_results)
order by success, severity, suite, expectation, column_name
"""

BUILDS_SQL = """
select build_id, started_at, finished_at, customers, records_resolved
from audit.builds
order by started_at desc
limit 10
"""

# The blocking checks that failed in the latest check run: the quality gate refuses to publish while there are any.
BLOCKING_FAILURES_SQL = """
select suite, expectation, column_name, coalesce(nullif(table_name, ''), suite) as table_name, observed, checked_at
from audit.dq_results
where run_id = (select max_by(run_id, checked_at) from audit.dq_results)
  and severity = 'block' and not success
order by table_name, expectation, column_name
"""

SOURCE_FRESHNESS_SQL = """
select source, family, last_loaded_at, expected_every_hours, due_at, status, checked_at
from audit.source_freshness
order by case status when 'late' then 0 when 'never loaded' then 1 else 2 end, source
"""


def loads_by_source(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, LOADS_BY_SOURCE_SQL)


def quality_results(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, QUALITY_RESULTS_SQL)


def blocking_failures(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, BLOCKING_FAILURES_SQL)


def builds(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, BUILDS_SQL)


def source_freshness(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, SOURCE_FRESHNESS_SQL)


# --- which page runs which queries ----------------------------------------------------------------------------------

PAGE_QUERIES: dict[str, tuple[str, ...]] = {
    "overview": ("date_bounds", "kpi_periods", "kpi_snapshot", "goal_progress", "kpi_trend", "publication"),
    "segments": ("filter_options", "segment_summary", "rfm_grid", "segment_movement", "segment_customers",
                 "segment_consent_counts", "segment_export"),  # segment_export: when the CSV is downloaded
    "funnel": ("filter_options", "funnel_window_days", "funnel", "funnel_drop_offs"),
    "retention": ("retention_cohorts", "churn_trend"),
    "sales": ("date_bounds", "sales_summary", "pipeline_by_stage", "pipeline_by_close_month", "stalled_deals",
              "rep_leaderboard"),
    "marketing": ("date_bounds", "filter_options", "campaigns", "acquisition_channels"),
    "service": ("date_bounds", "filter_options", "service_summary", "service_trend", "service_by_agent",
                "nps_trend"),
    "customer_360": ("search_customers", "search_companies", "customer_profile", "customer_contact_points",
                     "customer_possible_matches", "customer_timeline", "company_profile", "company_contacts",
                     "company_open_deals", "company_last_touches"),
    "data_health": ("loads_by_source", "quality_results", "blocking_failures", "builds", "source_freshness",
                    "publication"),
}
