"""What several pages read: the data's date range and currency, the publication, the sidebar filters' options;
and the date range a page shows (Period)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query


@dataclass(frozen=True)
class Period:
    """The date range a page shows (the sidebar's)."""

    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


# How many rows a page's list shows at most; its caption says how many there are in all.
ROWS_SHOWN = 500

# The day the published marts were built as of (the last day of their daily spine, in the business time zone).
_AS_OF_DAY = "(select max(date_day) from marts.mart_executive_kpis_daily)"


def month_in_progress(month_start: str) -> str:
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
