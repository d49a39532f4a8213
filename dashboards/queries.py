"""All SQL of the dashboards. Read-only on the published serving file; parameterised, never formatted with input.

Each query opens the file, reads, and closes: a newly published file (swapped in by os.replace) is seen by the
next query, and the dashboards never hold a lock a build could trip over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd


class WarehouseNotReady(Exception):
    """The serving file is missing or lacks a table: nothing has been published yet."""


def published_version(serving_db: Path) -> int:
    """Changes whenever a new build is published (the file is replaced): part of every cache key."""
    try:
        return serving_db.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def run_query(serving_db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    if not serving_db.exists():
        raise WarehouseNotReady(f"No published warehouse at {serving_db}.")
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    except duckdb.CatalogException as exc:
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

    def previous(self) -> Period:
        from datetime import timedelta

        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


KPI_TOTALS_SQL = """
select
    sum(new_leads) as new_leads,
    sum(new_customers) as new_customers,
    sum(orders_completed) as orders_completed,
    sum(revenue_reporting) as revenue,
    sum(revenue_reporting) / nullif(sum(orders_completed), 0) as average_order_value,
    sum(web_visitors) as web_visitors,
    100.0 * sum(marketing_email_opens) / nullif(sum(marketing_emails_delivered), 0) as email_open_rate,
    100.0 * (sum(nps_promoters) - sum(nps_detractors)) / nullif(sum(nps_responses), 0) as nps
from marts.mart_executive_kpis_daily
where date_day between ? and ?
"""

DAILY_TREND_SQL = """
select date_day, new_leads, new_customers, orders_completed, revenue_reporting
from marts.mart_executive_kpis_daily
where date_day between ? and ?
order by date_day
"""

DATE_BOUNDS_SQL = """
select min(date_day) as first_day, max(date_day) as last_day, any_value(reporting_currency) as currency
from marts.mart_executive_kpis_daily
"""

PUBLICATION_SQL = "select build_id, published_at from meta.publication"


def kpi_totals(serving_db: Path, period: Period) -> dict:
    frame = run_query(serving_db, KPI_TOTALS_SQL, [period.start, period.end])
    return frame.iloc[0].to_dict()


def daily_trend(serving_db: Path, period: Period) -> pd.DataFrame:
    return run_query(serving_db, DAILY_TREND_SQL, [period.start, period.end])


def date_bounds(serving_db: Path) -> tuple[date | None, date | None, str | None]:
    row = run_query(serving_db, DATE_BOUNDS_SQL).iloc[0]
    if pd.isna(row["first_day"]):
        return None, None, None
    return pd.Timestamp(row["first_day"]).date(), pd.Timestamp(row["last_day"]).date(), row["currency"]


def publication(serving_db: Path) -> dict:
    frame = run_query(serving_db, PUBLICATION_SQL)
    return frame.iloc[0].to_dict() if len(frame) else {}
