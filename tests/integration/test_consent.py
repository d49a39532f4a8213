"""Consent per purpose on a small hand-made landing zone in shapes the sample generator never writes: a Salesforce
contact export (DoNotCall, HasOptedOutOfEmail) exported twice, a SendGrid unsubscribe followed by a group
resubscribe, Segment events carrying a consent platform's categories, and a consent log with Japanese statuses,
purposes as people write them, a national phone number, an address that names nobody and two unreadable rows.

Runs the real path: ingest → dbt identity inputs → identity → dbt build of the consent marts and the predictions'
inputs. Every expected value below is worked out by hand from the files in this module.
"""

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT, load_settings
from orchestration.dbt import run_dbt
from orchestration.pipeline import LEAD_EVENTS_MODEL, PURCHASES_MODEL, run_dbt_stage, run_identity, run_ingest
from tests.warehouse import query

# The loader's own contact format: Ann (A1) and Chloe (C3), both consenting to marketing email on 5 January.
CONTACTS = (
    "contact_id,first_name,last_name,email,phone,company_id,company_name,job_title,country,city,postal_code,"
    "address,language,lead_source,lifecycle_stage,marketing_consent,owner_email,created_at,updated_at\n"
    "A1,Ann,Archer,ann@archer.example,,,,,US,,,,,web,lead,true,,2026-01-05 10:00,2026-01-05 10:00\n"
    "C3,Chloe,Chen,chloe@chen.example,,,,,US,,,,,web,customer,true,,2026-01-05 10:00,2026-01-05 10:00\n"
)

# Salesforce's API field names, as Data Loader exports them. Ben (003B) may not be called in February, may again
# from April.
SALESFORCE_HEADER = ("Id,FirstName,LastName,Email,Phone,MailingCountry,HasOptedOutOfEmail,DoNotCall,CreatedDate,"
                     "LastModifiedDate\n")
SALESFORCE_FEBRUARY = SALESFORCE_HEADER + (
    '003B,Ben,Baker,ben@baker.example,+81 90-1111-2222,JP,false,true,2026-02-01T09:00:00.000Z,'
    '2026-02-10T09:00:00.000Z\n')
SALESFORCE_APRIL = SALESFORCE_HEADER + (
    '003B,Ben,Baker,ben@baker.example,+81 90-1111-2222,JP,false,false,2026-02-01T09:00:00.000Z,'
    '2026-04-01T09:00:00.000Z\n')


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


# SendGrid's event webhook: Ann unsubscribes on 1 February and resubscribes to the group on 1 March.
ESP_EVENTS = [
    {"sg_event_id": "e1", "sg_message_id": "m1.filter", "event": "delivered", "email": "ann@archer.example",
     "timestamp": _epoch("2026-01-20T08:00:00")},
    {"sg_event_id": "e2", "sg_message_id": "m1.filter", "event": "unsubscribe", "email": "ann@archer.example",
     "timestamp": _epoch("2026-02-01T08:00:00")},
    {"sg_event_id": "e3", "sg_message_id": "m1.filter", "event": "group_resubscribe", "email": "ann@archer.example",
     "timestamp": _epoch("2026-03-01T08:00:00"), "asm_group_id": 42},
]


def _segment(message_id: str, when: str, personalization: bool | None = None, **fields) -> dict:
    event = {"messageId": message_id, "anonymousId": "anon-chloe", "timestamp": when, **fields}
    if personalization is not None:
        # A consent platform stamps its categories on every event (Segment's consent object).
        event["context"] = {"consent": {"categoryPreferences": {"Personalization": personalization,
                                                                "Advertising": True}}}
    return event


# Chloe tells the site who she is, then her Personalization category reads off, off, on, off: three changes.
WEB_EVENTS = [
    _segment("w1", "2026-01-10T10:00:00Z", type="identify", traits={"email": "chloe@chen.example"}),
    _segment("w2", "2026-01-11T10:00:00Z", False, type="page", name="Home"),
    _segment("w3", "2026-01-12T10:00:00Z", False, type="page", name="Pricing"),
    _segment("w4", "2026-02-12T10:00:00Z", True, type="page", name="Home"),
    _segment("w5", "2026-03-12T10:00:00Z", False, type="track", event="Form Submitted",
             properties={"newsletter": "yes"}),
]

# A consent platform's log, purposes and statuses as people type them. Six rows: four readable (one naming
# nobody we know), one with a purpose the project has not, one with a status that is neither granted nor withdrawn.
CONSENT_LOG = (
    "contact_id,email,phone,country,purpose,status,stated_at,collected_by\n"
    ",,090-1111-2222,JP,Calls,撤回,2026-05-01 12:00,call centre\n"
    ",CHLOE@CHEN.EXAMPLE,,,Marketing Email,Opted Out,2026-06-01 09:30,preference centre\n"
    "A1,,,,profiling,granted,2026-01-02 00:00,signup form\n"
    ",nobody@nowhere.example,,,marketing-email,subscribed,2026-06-02 00:00,preference centre\n"
    ",ann@archer.example,,,sms,withdrawn,2026-06-03 00:00,preference centre\n"
    ",ann@archer.example,,,calls,maybe,2026-06-04 00:00,preference centre\n"
)

# Orders of Ann and Chloe: who objected to profiling (Chloe) must be left out of what the predictions read.
ORDERS = ("order_id,contact_id,customer_email,order_date,channel,deal_id,currency,amount,status\n"
          "O1,A1,,2026-03-05,web,,USD,100.00,completed\n"
          "O2,C3,,2026-03-06,web,,USD,80.00,completed\n")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("consent")
    landing = root / "landing"
    for folder in ("sales", "email_events", "web", "consent"):
        (landing / folder).mkdir(parents=True)
    (landing / "sales" / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    (landing / "sales" / "contacts_sf_2026-02.csv").write_text(SALESFORCE_FEBRUARY, encoding="utf-8")
    (landing / "sales" / "contacts_sf_2026-04.csv").write_text(SALESFORCE_APRIL, encoding="utf-8")
    (landing / "sales" / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (landing / "email_events" / "events.jsonl").write_text("\n".join(json.dumps(e) for e in ESP_EVENTS) + "\n")
    (landing / "web" / "events.jsonl").write_text("\n".join(json.dumps(e) for e in WEB_EVENTS) + "\n")
    (landing / "consent" / "preferences.csv").write_text(CONSENT_LOG, encoding="utf-8")
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_LANDING_DIR": str(landing), "CRM_PATHS_BUILD_DB": str(root / "build.duckdb"),
        "CRM_PATHS_DATA_DIR": str(root)})
    report = run_ingest(settings)
    run_dbt_stage(settings, "identity_inputs")
    run_identity(settings)
    run_dbt(settings, ["build", "--select", "+dim_customer_consents", "+fct_consent_statements",
                       f"+{PURCHASES_MODEL}", f"+{LEAD_EVENTS_MODEL}", "--exclude", "test_type:unit",
                       "--indirect-selection", "cautious"])
    customers = dict(query(settings.build_db, "select record_id, customer_id from identity.record_customers "
                                              "where record_type = 'crm_contact'"))
    return {"settings": settings, "report": report, "customers": customers, "db": settings.build_db}


def _consents(warehouse) -> dict[tuple[str, str], tuple]:
    rows = query(warehouse["db"], "select customer_id, purpose, is_granted, is_stated, source, statement_count "
                                  "from marts.dim_customer_consents")
    return {(customer, purpose): tuple(rest) for customer, purpose, *rest in rows}


def test_every_consent_log_row_is_loaded_or_quarantined_with_its_reason(warehouse):
    loads = query(warehouse["db"], "select rows_read, rows_loaded, rows_quarantined from audit.loads "
                                   "where source = 'consent__statements'")
    assert loads == [(6, 4, 2)]
    reasons = sorted(r[0] for r in query(warehouse["db"], "select reason from audit.quarantine "
                                                          "where source = 'consent__statements'"))
    assert len(reasons) == 2
    assert reasons[0].startswith("purpose is not one of marketing_email, calls, profiling")
    assert reasons[1].startswith("status is neither granted")


def test_the_latest_statement_wins_per_purpose_from_every_source(warehouse):
    consents, ids = _consents(warehouse), warehouse["customers"]
    ann, ben, chloe = ids["A1"], ids["003B"], ids["C3"]
    # Ann: CRM yes (5 Jan) → unsubscribed (1 Feb) → group resubscribe (1 Mar): granted, three statements.
    assert consents[(ann, "marketing_email")] == (True, True, "esp_group_resubscribe", 3)
    # Ann's profiling: granted in the log; calls: the one unreadable row states nothing, so the default (granted).
    assert consents[(ann, "profiling")] == (True, True, "consent_log", 1)
    assert consents[(ann, "calls")] == (True, False, None, 0)
    # Ben: DoNotCall (10 Feb) → callable again (1 Apr) → withdrawn by phone in the log (1 May, national number).
    assert consents[(ben, "calls")] == (False, True, "consent_log", 3)
    # Ben never opted out of email in Salesforce: granted, stated by both exports (two times, two statements).
    assert consents[(ben, "marketing_email")] == (True, True, "crm_contact", 2)
    # Chloe: Personalization off, (off), on, off → three changes, the last an objection; the newsletter form field
    # (12 Mar) and then the log's opt-out (1 Jun, upper-case address) decide marketing email.
    assert consents[(chloe, "profiling")] == (False, True, "web_consent_object", 3)
    assert consents[(chloe, "marketing_email")] == (False, True, "consent_log", 3)
    # Nobody else: three customers, three purposes each.
    assert len(consents) == 9


def test_a_statement_naming_nobody_is_kept_without_a_customer(warehouse):
    rows = query(warehouse["db"], "select purpose, is_granted, source_detail from marts.fct_consent_statements "
                                  "where customer_id is null")
    assert rows == [("marketing_email", True, "preference centre")]


def test_who_objected_to_profiling_is_left_out_of_the_predictions_inputs(warehouse):
    ids = warehouse["customers"]
    purchases = query(warehouse["db"], f"select order_id, customer_id from intermediate.{PURCHASES_MODEL}")
    assert purchases == [("O1", ids["A1"])]
    leads = {row[0] for row in query(warehouse["db"],
                                     f"select distinct customer_id from intermediate.{LEAD_EVENTS_MODEL}")}
    assert leads == {ids["A1"], ids["003B"]}


@pytest.mark.slow  # builds the warehouse again
def test_profiling_objections_can_be_switched_off(warehouse, tmp_path):
    """With [consent] honour_profiling_objections off, the predictions read Chloe's order again (built in a copy,
    so the other tests' warehouse stays as it was)."""
    copy = tmp_path / "build.duckdb"
    shutil.copyfile(warehouse["db"], copy)
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_LANDING_DIR": str(warehouse["settings"].landing_dir), "CRM_PATHS_BUILD_DB": str(copy),
        "CRM_PATHS_DATA_DIR": str(tmp_path), "CRM_CONSENT_HONOUR_PROFILING_OBJECTIONS": "false"})
    run_dbt(settings, ["run", "--select", PURCHASES_MODEL])
    ids = warehouse["customers"]
    assert sorted(query(copy, f"select order_id, customer_id from intermediate.{PURCHASES_MODEL}")) == [
        ("O1", ids["A1"]), ("O2", ids["C3"])]


def test_crm_import_reads_a_consent_platforms_export_through_a_map(tmp_path):
    """A consent platform's own column names and values (not the project's) become consent statements through
    a user's column map: `crm import --entity consent`."""
    export = tmp_path / "receipts.csv"
    export.write_text("Identifier,Purpose Name,Transaction Type,Interaction Date,Collection Point\n"
                      "ann@archer.example,Email Marketing,CONFIRMED,2026-03-01 10:00,Signup page\n"
                      "ben@baker.example,Email Marketing,WITHDRAWN,2026-03-02 11:00,Preference centre\n"
                      "ben@baker.example,Analytics,WITHDRAWN,2026-03-02 11:00,Preference centre\n",
                      encoding="utf-8")
    column_map = tmp_path / "receipts.yml"
    column_map.write_text(
        "entities:\n  consent:\n    columns:\n      email: Identifier\n"
        "      purpose: {column: Purpose Name, values: {Email Marketing: marketing_email}}\n"
        "      status: {column: Transaction Type, values: {CONFIRMED: granted, WITHDRAWN: withdrawn}}\n"
        "      stated_at: Interaction Date\n      collected_by: Collection Point\n", encoding="utf-8")
    data = tmp_path / "data"
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data)}
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        env.pop(f"CRM_PATHS_{moved}", None)
    result = subprocess.run([str(Path(sys.executable).parent / "crm"), "import", str(export), "--map",
                             str(column_map), "--entity", "consent"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # The Analytics purpose is none of the project's: quarantined, said, and counted.
    assert result.stdout.splitlines()[:2] == [
        "consent/import-receipts.csv: 3 rows read, 2 loaded, 1 quarantined",
        "  quarantined (audit.quarantine): 1 × purpose is not one of marketing_email, calls, profiling"]
    rows = query(data / "warehouse" / "build.duckdb",
                 "select email, purpose, status, stated_at, collected_by from raw.consent__statements order by email")
    assert rows == [("ann@archer.example", "marketing_email", "granted", "2026-03-01 10:00", "Signup page"),
                    ("ben@baker.example", "marketing_email", "withdrawn", "2026-03-02 11:00", "Preference centre")]


def _web_settings(root: Path):
    return load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_LANDING_DIR": str(root / "landing"), "CRM_PATHS_BUILD_DB": str(root / "build.duckdb"),
        "CRM_PATHS_DATA_DIR": str(root), "CRM_BUILD_INCREMENTAL_LOOKBACK_DAYS": "0"})


def _build_web_consent(settings, *extra: str) -> None:
    run_dbt(settings, ["run", "--select", "+stg_web__consent_statements", *extra])


def _web_statements(db: Path) -> set[tuple]:
    return set(query(db, "select event_id, anonymous_id, purpose, place, web_key, is_granted "
                         "from staging.stg_web__consent_statements"))


@pytest.mark.slow  # four builds of its own
def test_web_consent_statements_built_day_by_day_equal_those_built_in_one_go(tmp_path):
    """stg_web__consent_statements reads the consent-bearing events through an incremental model that reads only the
    events loaded since the last build. Chloe's first delivery: off, off; the second: on, off, and a late event
    between the first two that reads on, so the statements become off (w2), on (w2b), off (w3), on (w4), off (w5).
    Dan's identify event (newsletter: yes) is delivered again with nothing in it: a Segment retry, the first
    version stays. An event stating nothing arrives second and changes nothing. The incremental build must equal a
    full one; and a raw row slipped in with an old load time (which no load writes) is not read until a full build,
    which shows the incremental build reads only the loads since."""
    web = tmp_path / "landing" / "web"
    web.mkdir(parents=True)
    dan = {"messageId": "d1", "anonymousId": "anon-dan", "timestamp": "2026-01-15T10:00:00Z", "type": "identify",
           "traits": {"newsletter": "yes"}}
    first = [WEB_EVENTS[1], WEB_EVENTS[2], dan]
    (web / "events_1.jsonl").write_text("\n".join(json.dumps(e) for e in first) + "\n")
    settings = _web_settings(tmp_path)
    run_ingest(settings)
    _build_web_consent(settings)
    assert _web_statements(settings.build_db) == {
        ("w2", "anon-chloe", "profiling", "consent_object", "Personalization", False),
        ("d1", "anon-dan", "marketing_email", "identify_traits", "newsletter", True)}

    late = _segment("w2b", "2026-01-11T12:00:00Z", True, type="page", name="Blog")
    dan_again = {**dan, "traits": {}}
    nothing = _segment("w9", "2026-03-20T10:00:00Z", type="page", name="Home")
    second = [WEB_EVENTS[3], WEB_EVENTS[4], late, dan_again, nothing]
    (web / "events_2.jsonl").write_text("\n".join(json.dumps(e) for e in second) + "\n")
    run_ingest(settings)
    _build_web_consent(settings)
    incremental = _web_statements(settings.build_db)
    assert incremental == {
        ("w2", "anon-chloe", "profiling", "consent_object", "Personalization", False),
        ("w2b", "anon-chloe", "profiling", "consent_object", "Personalization", True),
        ("w3", "anon-chloe", "profiling", "consent_object", "Personalization", False),
        ("w4", "anon-chloe", "profiling", "consent_object", "Personalization", True),
        ("w5", "anon-chloe", "profiling", "consent_object", "Personalization", False),
        ("w5", "anon-chloe", "marketing_email", "form_field", "newsletter", True),
        ("d1", "anon-dan", "marketing_email", "identify_traits", "newsletter", True)}

    import duckdb
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("""insert into raw.web__segment_events by name
                       select 'old1' as message_id, 'anon-eve' as anonymous_id, '2026-01-01T00:00:00Z' as timestamp,
                              'identify' as type, '{"newsletter": "yes"}' as traits,
                              (select min(_loaded_at) from raw.web__segment_events) as _loaded_at,
                              'slipped-in' as _load_id, 0 as _record_number""")
    _build_web_consent(settings)
    assert _web_statements(settings.build_db) == incremental
    _build_web_consent(settings, "--full-refresh")
    assert _web_statements(settings.build_db) == incremental | {
        ("old1", "anon-eve", "marketing_email", "identify_traits", "newsletter", True)}
