"""The funnel page: customers per journey stage for a conversion window, and who dropped off."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query
from dashboards.queries.shared import ROWS_SHOWN

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

# Per breakdown value and stage, as mart_journey_funnel defines them: step conversion from the previous stage,
# overall conversion from the first, and how many did not go on to the next stage (NULL at the last stage shown).
FUNNEL_SQL = _FUNNEL_CHAIN + """,
counted as (
    select breakdown_value, stage, stage_order, count(*) as customers,
           median(days_from_previous_stage) as median_days_from_previous_stage
    from within_window
    group by all
)
select *,
       customers / lag(customers) over stages_in_order as step_conversion,
       customers / first_value(customers) over stages_in_order as overall_conversion,
       customers - lead(customers) over stages_in_order as dropped_off
from counted
window stages_in_order as (partition by breakdown_value order by stage_order)
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
