"""The customer 360 page: finding a customer or company, and everything known about it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import WarehouseNotReady, cursor, run_query
from dashboards.queries.shared import ROWS_SHOWN

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

    con = cursor(serving_db)
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


# Consent per purpose (dim_customer_consents) and its statements, newest first (fct_consent_statements).
CUSTOMER_CONSENTS_SQL = """
select purpose, is_granted, is_stated, stated_at, source, statement_count
from marts.dim_customer_consents
where customer_id = $customer_id
order by case purpose when 'marketing_email' then 1 when 'calls' then 2 else 3 end
"""

CUSTOMER_CONSENT_HISTORY_SQL = """
select stated_at, purpose, is_granted, source, source_detail
from marts.fct_consent_statements
where customer_id = $customer_id
order by stated_at desc, statement_id
limit $limit
"""


def customer_consents(serving_db: Path, customer_id: str) -> pd.DataFrame:
    return run_query(serving_db, CUSTOMER_CONSENTS_SQL, {"customer_id": customer_id})


def customer_consent_history(serving_db: Path, customer_id: str, limit: int = ROWS_SHOWN) -> pd.DataFrame:
    return run_query(serving_db, CUSTOMER_CONSENT_HISTORY_SQL, {"customer_id": customer_id, "limit": limit})


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
