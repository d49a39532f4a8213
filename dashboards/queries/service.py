"""The service page: support tickets' response, resolution and satisfaction, and NPS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query
from dashboards.queries.shared import Period, month_in_progress

# Tickets count on the business day they opened (opened_date), like every mart.
_TICKETS = """
with tickets as (
    select * from marts.fct_support_tickets where ($channel is null or channel = $channel)
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
       {month_in_progress("date_trunc('month', opened_date)")} as is_in_progress,""" + _SERVICE_MEASURES + """
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
       {month_in_progress('response_month')} as is_in_progress
from marts.mart_nps_monthly
where response_month between date_trunc('month', cast($start as date)) and $end
group by all
order by response_month
"""


def _service_params(period: Period, channel: str | None) -> dict:
    return {"start": period.start, "end": period.end, "channel": channel}


def service_summary(serving_db: Path, period: Period, channel: str | None) -> dict:
    return run_query(serving_db, SERVICE_SUMMARY_SQL, _service_params(period, channel)).iloc[0].to_dict()


def service_trend(serving_db: Path, period: Period, channel: str | None) -> pd.DataFrame:
    return run_query(serving_db, SERVICE_TREND_SQL, _service_params(period, channel))


def service_by_agent(serving_db: Path, period: Period, channel: str | None) -> pd.DataFrame:
    return run_query(serving_db, SERVICE_BY_AGENT_SQL, _service_params(period, channel))


def nps_trend(serving_db: Path, period: Period) -> pd.DataFrame:
    return run_query(serving_db, NPS_TREND_SQL, {"start": period.start, "end": period.end})
