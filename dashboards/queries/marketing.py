"""The marketing page: campaign performance and customers by acquisition channel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query
from dashboards.queries.shared import Period

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
