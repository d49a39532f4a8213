"""The segments page: RFM segments and value tiers, their movement, a segment's members and its campaign export."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from dashboards.queries.serving import WarehouseNotReady, cursor, run_query
from dashboards.queries.shared import month_in_progress

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
       customers, {month_in_progress('snapshot_month')} as is_in_progress
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
    con = cursor(serving_db)
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
