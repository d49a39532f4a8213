"""The sales page: the period's won and lost deals, the open pipeline, stalled deals and the reps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query
from dashboards.queries.shared import Period

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
