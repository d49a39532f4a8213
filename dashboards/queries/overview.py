"""The overview page: KPIs of a period against a comparison, goals, and KPI trends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query
from dashboards.queries.shared import Period


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


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
