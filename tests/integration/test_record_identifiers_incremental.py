"""The identity graph's edges (`int_identity__record_identifiers_unioned`) built day by day equal those built in one
go, on a hand-made landing zone in shapes the sample generator never writes: an email that a third CRM contact takes
(so it is shared and joins no one), then gives up again in a re-export (so it joins again), web visitors who return
on a later day, and a late event dated before a visitor's first.

Each day, the files arrive, and two warehouses read the same landing folder: one built incrementally, one rebuilt
whole (`--full-refresh`). The expected rows are worked out by hand from the files below.
"""

import json
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT, load_settings
from orchestration.dbt import NO_UNIT_TESTS, run_dbt
from orchestration.pipeline import run_ingest
from tests.warehouse import query

MODEL = "int_identity__record_identifiers_unioned"
CONTACTS_HEADER = (
    "contact_id,first_name,last_name,email,phone,company_id,company_name,job_title,country,city,postal_code,"
    "address,language,lead_source,lifecycle_stage,marketing_consent,owner_email,created_at,updated_at\n")


def _contact(contact_id: str, email: str, updated_at: str) -> str:
    return (f"{contact_id},Pat,{contact_id},{email},,,,,US,,,,,web,lead,true,,2026-01-05 10:00,{updated_at}\n")


def _event(message_id: str, anonymous_id: str, when: str, **fields) -> str:
    return json.dumps({"messageId": message_id, "anonymousId": anonymous_id, "timestamp": when, **fields})


# Day 1: two contacts share family@home.example (two is allowed: the limit is set to 2 below); visitors v1 and v3
# give it. Day 2: a third contact takes it (shared now); v1 comes back on 12 January (v3 does not), and a late event
# of v2's dated 8 January arrives.
# Day 3: the third contact's re-export has an address of its own: family@home.example joins its holders again.
DAYS = [
    {"sales/contacts_1.csv": CONTACTS_HEADER + _contact("A1", "family@home.example", "2026-01-05 10:00")
        + _contact("B2", "Family@Home.example", "2026-01-05 10:00"),
     "web/events_1.jsonl": "\n".join([
         _event("w1", "v1", "2026-01-10T10:00:00Z", type="identify", traits={"email": "family@home.example"}),
         _event("w2", "v2", "2026-01-10T11:00:00Z", type="page", name="Home"),
         _event("w5", "v3", "2026-01-10T12:00:00Z", type="identify", traits={"email": "family@home.example"})])
     + "\n"},
    {"sales/contacts_2.csv": CONTACTS_HEADER + _contact("C3", "family@home.example", "2026-01-11 10:00"),
     "web/events_2.jsonl": "\n".join([
         _event("w3", "v1", "2026-01-12T10:00:00Z", type="page", name="Pricing"),
         _event("w4", "v2", "2026-01-08T09:00:00Z", type="page", name="Blog")]) + "\n"},
    {"sales/contacts_3.csv": CONTACTS_HEADER + _contact("C3", "c3@own.example", "2026-01-13 10:00")},
]

# Times in UTC, to the second.
ROWS = (f"select record_key, identifier_type, identifier_value, "
        f"strftime(timezone('UTC', first_seen_at), '%Y-%m-%d %H:%M:%S'), "
        f"strftime(timezone('UTC', last_seen_at), '%Y-%m-%d %H:%M:%S') from intermediate.{MODEL}")


def _settings(root: Path, name: str):
    return load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_LANDING_DIR": str(root / "landing"), "CRM_PATHS_BUILD_DB": str(root / name / "build.duckdb"),
        "CRM_PATHS_DATA_DIR": str(root / name), "CRM_BUILD_INCREMENTAL_LOOKBACK_DAYS": "0",
        "CRM_IDENTITY_MAX_CONTACTS_PER_IDENTIFIER": "2"})


def _build(settings, *extra: str) -> set[tuple]:
    run_ingest(settings)
    run_dbt(settings, ["build", "--select", f"+{MODEL}", *NO_UNIT_TESTS, *extra])
    return set(query(settings.build_db, ROWS))


def _email_holders(rows: set[tuple]) -> set[str]:
    return {row[0] for row in rows if row[2] == "family@home.example"}


@pytest.mark.slow  # six builds of their own
def test_record_identifiers_built_day_by_day_equal_those_built_in_one_go(tmp_path):
    daily, whole = _settings(tmp_path, "daily"), _settings(tmp_path, "whole")
    holders = []
    for number, files in enumerate(DAYS, start=1):
        for name, text in files.items():
            (tmp_path / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "landing" / name).write_text(text, encoding="utf-8")
        built_daily = _build(daily)
        built_whole = _build(whole, "--full-refresh")
        assert built_daily == built_whole, f"day {number}"
        holders.append(_email_holders(built_daily))
        if number == 2:
            # A visitor's anonymousId is dated by its first event and the identify calls carrying it: v1's page
            # on the 12th moves neither time; v2's late event of the 8th moves both.
            seen = {r[0]: r[3:] for r in built_daily if r[1] == "anonymous_id"}
            assert seen["web_anonymous:v1"] == ("2026-01-10 10:00:00", "2026-01-10 10:00:00")
            assert seen["web_anonymous:v2"] == ("2026-01-08 09:00:00", "2026-01-08 09:00:00")
    holders_of_the_email = {"crm_contact:A1", "crm_contact:B2", "web_anonymous:v1", "web_anonymous:v3"}
    assert holders == [holders_of_the_email, set(), holders_of_the_email]

    # The incremental build reads only the event rows staged since its last build: a staged web event slipped in
    # with an old load time (which no load writes) is left out until a full rebuild reads everything.
    with duckdb.connect(str(daily.build_db)) as con:
        con.execute("""insert into staging.stg_web__segment_events by name
                       select 'slipped' as event_id, 'v9' as anonymous_id, 'page' as event_type,
                              occurred_at, _loaded_at
                       from staging.stg_web__segment_events where event_id = 'w1'""")
    run_dbt(daily, ["run", "--select", MODEL])
    assert not any(r[0] == "web_anonymous:v9" for r in query(daily.build_db, ROWS))
    run_dbt(daily, ["run", "--select", MODEL, "--full-refresh"])
    assert any(r[0] == "web_anonymous:v9" for r in query(daily.build_db, ROWS))
