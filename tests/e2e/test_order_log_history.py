"""A new user's first run with an order log shaped as real ones are — customer id, date, quantity, spend;
1997-98; no header, aligned by spaces; no currency, no status, no email — and their contact list, imported with
column maps into an empty data folder (only CRM_PATHS_DATA_DIR set) for a business in New York, then built and
checked against a computation of the test's own. A few orders in euros and yen from 1997, before the FX seed's
first month, stop the build with one line until the user's rates file brings their months' rates.

Like the public CDNOW log the issue was found with, the log has one row per purchase and several purchases of a
customer on one day. Its map sets what the file lacks (currency USD as a constant, the date format); the contact
list's map joins a sign-up time in New York time and a yes/no consent. The build runs as of 2026-06-30, more than
10,000 days after the first purchase; RFM and cohorts are compared there and, through the month-end history, as of
1997-09-30 inside the data.
"""

import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT, load_settings
from orchestration.errors import CrmError
from orchestration.pipeline import run_check
from tests.warehouse import query

# Two whole builds of their own (about two minutes): in the slow set, which CI runs too, so the default run keeps
# its margin under 15 minutes.
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CRM = str(Path(sys.executable).parent / "crm")
INSIDE_THE_DATA = date(1997, 9, 30)
LONG_AFTER = date(2026, 6, 30)

# customer, date, quantity, spend
PURCHASES = """1,1997-01-01,1,11.77
2,1997-01-12,1,12.00
2,1997-01-12,5,77.00
3,1997-01-02,2,20.76
3,1997-03-30,2,20.76
3,1997-04-02,2,19.54
3,1997-11-15,5,57.45
3,1997-11-25,4,20.96
3,1998-05-28,1,16.99
4,1997-01-01,2,29.33
4,1997-01-18,2,29.73
4,1997-08-02,1,14.96
4,1997-12-12,2,26.48
5,1997-01-01,2,29.33
5,1997-01-14,1,13.97
5,1997-02-04,3,38.90
5,1997-04-11,3,45.55
5,1997-05-31,3,38.71
5,1997-06-16,2,26.14
5,1997-07-22,2,28.14
5,1997-09-15,3,40.47
5,1997-12-08,4,46.46
5,1997-12-12,3,40.47
5,1998-01-03,3,37.47
5,1998-06-07,1,17.97
6,1997-01-01,1,20.99
7,1997-02-14,1,15.99
7,1998-03-03,2,31.98
8,1997-03-22,3,42.00
9,1997-10-05,1,9.99
10,1998-06-30,2,24.50
"""
# As the log is published: no header, columns aligned by spaces, ids zero-padded, dates as YYYYMMDD.
ORDER_LOG = "".join(f"   {int(c):08d} {d.replace('-', '')} {q:>2} {s:>7}\n"
                    for c, d, q, s in (line.split(",") for line in PURCHASES.strip().splitlines()))
ORDER_LOG_MAP = """name: cdnow
entities:
  orders:
    header: false
    file_columns: [customer_id, date, quantity, spend]
    delimiter: whitespace
    columns:
      contact_id: customer_id
      order_date: {column: date, formats: ["%Y%m%d"]}
      amount: spend
      currency: {value: USD}
"""
# Orders of two more customers in other currencies, in the loader's own format: they need FX rates (per US dollar)
# for their months; the seed's start in 2023, so 1997 has none until the user's rates file brings them.
FX_ORDERS = """order_id,contact_id,order_date,currency,amount
fx1,FX1,1997-01-15,EUR,80.00
fx2,FX1,1997-02-10,JPY,12000
fx3,FX2,2026-01-10,EUR,10.00
"""
# Three good rows (two spellings of a month; 2026-01 replaces the seed's EUR rate) and three bad ones.
FX_RATES = """rate_month,currency,units_per_usd
1997-01,EUR,0.80
1997-02-01,JPY,120
2026-01,EUR,0.50
1997-03,USD,1.2
1997-04,XYZ,1
1997-13,EUR,1
"""
FX_ORDERS_IN_USD = [("FX1", date(1997, 1, 15), Decimal("100.00")),   # 80 EUR / 0.80 EUR per USD
                    ("FX1", date(1997, 2, 10), Decimal("100.00")),   # 12,000 JPY / 120 JPY per USD
                    ("FX2", date(2026, 1, 10), Decimal("20.00"))]    # 10 EUR / 0.50: the file's rate, not the seed's
CONTACTS = "Customer no,Given name,Surname,E-mail,Opted in,Signed up\n" \
           "00000001,Ann,Lee,ann.lee@example.com,yes,01/05/1997 09:30 AM\n"
CONTACTS_MAP = """name: signups
entities:
  contacts:
    timezone: America/New_York
    columns:
      contact_id: Customer no
      first_name: Given name
      last_name: Surname
      email: E-mail
      country: {value: US}
      marketing_consent: {column: Opted in, true_values: [yes], false_values: [no]}
      created_at: {column: Signed up, formats: ["%m/%d/%Y %I:%M %p"]}
"""


def _purchases() -> list[tuple[str, date, Decimal]]:
    """(the customer id as the files write it, day, spend in US dollars) per purchase."""
    return [(f"{int(customer):08d}", date.fromisoformat(day), Decimal(spend))
            for customer, day, _, spend in (line.split(",") for line in PURCHASES.strip().splitlines())
            ] + FX_ORDERS_IN_USD


def expected_rfm(as_of: date) -> dict[str, tuple[int, int, Decimal]]:
    """Per customer who had bought by the end of `as_of`: (days since the last purchase, purchases, spend)."""
    bought: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for customer, day, spend in _purchases():
        if day <= as_of:
            bought[customer].append((day, spend))
    return {customer: ((as_of - max(d for d, _ in rows)).days, len(rows), sum(s for _, s in rows))
            for customer, rows in bought.items()}


def expected_cohort_sizes(as_of: date) -> dict[date, int]:
    """Customers by the month of their first purchase, among those who had bought by `as_of`."""
    first: dict[str, date] = {}
    for customer, day, _ in _purchases():
        if day <= as_of:
            first[customer] = min(day, first.get(customer, day))
    sizes: dict[date, int] = defaultdict(int)
    for day in first.values():
        sizes[day.replace(day=1)] += 1
    return dict(sizes)


def _months_through(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def test_the_hand_computation_is_what_the_log_says():
    # Customer 5 by 1997-09-30: 8 purchases, the last on 09-15; customer 2 bought twice on one day.
    rfm = expected_rfm(INSIDE_THE_DATA)
    assert rfm["00000005"] == (15, 8, Decimal("261.21"))
    assert rfm["00000002"] == (261, 2, Decimal("89.00"))
    assert set(rfm) == {f"{n:08d}" for n in range(1, 9)} | {"FX1"}
    assert ORDER_LOG.splitlines()[0] == "   00000001 19970101  1   11.77"
    assert expected_cohort_sizes(INSIDE_THE_DATA) == {date(1997, 1, 1): 7, date(1997, 2, 1): 1, date(1997, 3, 1): 1}
    assert (LONG_AFTER - date(1997, 1, 1)).days > 10_000


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    """Import the files into an empty data folder and build as of LONG_AFTER: first without FX rates for 1997 (the
    build stops), then with the user's rates file; check the build with the default and with an earlier earliest
    plausible date."""
    data = tmp_path_factory.mktemp("order-log")
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data), "CRM_BUSINESS_BUSINESS_TIMEZONE": "America/New_York"}
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        env.pop(f"CRM_PATHS_{moved}", None)  # every path follows the data folder
    env.pop("CRM_QUALITY_EARLIEST_PLAUSIBLE_DATE", None)
    files = data.parent / f"{data.name}-files"
    files.mkdir()
    for name, text in {"signups.csv": CONTACTS, "signups.yml": CONTACTS_MAP, "CDNOW_master.txt": ORDER_LOG,
                       "cdnow.yml": ORDER_LOG_MAP}.items():
        (files / name).write_text(text, encoding="utf-8")
    landing = data / "landing"
    for exported, column_map in (("signups.csv", "signups.yml"), ("CDNOW_master.txt", "cdnow.yml")):
        imported = _crm("import", str(files / exported), "--map", str(files / column_map), env=env)
        assert imported.returncode == 0, imported.stderr[-2000:]
    (landing / "sales" / "orders_fx.csv").write_text(FX_ORDERS, encoding="utf-8")
    assert _crm("ingest", env=env).returncode == 0
    without_rates = _crm("build", "--as-of", LONG_AFTER.isoformat(), env=env)
    (landing / "reference").mkdir()
    (landing / "reference" / "fx_rates_1997.csv").write_text(FX_RATES, encoding="utf-8")
    assert _crm("ingest", env=env).returncode == 0
    built = _crm("build", "--as-of", LONG_AFTER.isoformat(), env=env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    db = data / "warehouse" / f"as-of-{LONG_AFTER.isoformat()}.duckdb"
    checked = {"CRM_PATHS_BUILD_DB": str(db)}
    default_check = _crm("check", env={**env, **checked})
    # The same check with the history allowed, in this process (the CLI's wrapping is the same as above).
    history = load_settings(PROJECT_ROOT / "crm.toml", environ={**env, **checked,
                                                                 "CRM_QUALITY_EARLIEST_PLAUSIBLE_DATE": "1997-01-01"})
    try:
        history_check = run_check(history)
    except CrmError as exc:
        history_check = exc
    return {"db": db, "landing": landing, "without_rates": without_rates, "default_check": default_check,
            "history_check": history_check}


def test_a_month_before_the_rates_stops_the_build_with_one_line(builds):
    result = builds["without_rates"]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
    # EUR per USD is needed in January 1997 (fx1), JPY per USD in February (fx2); the seed has 2026's (fx3), and
    # dollars need none.
    assert len(errors) == 1
    assert errors[0].startswith("crm: no FX rate for EUR 1997-01, JPY 1997-02 (2 amount(s) need them)")
    assert f"{builds['landing'] / 'reference'}/" in errors[0] and "fx_rates*.csv" in errors[0]


def test_the_rates_file_loads_with_its_bad_rows_quarantined_and_replaces_the_seed(builds):
    reasons = sorted(r[0] for r in query(builds["db"], "select reason from audit.quarantine "
                                                       "where source_file = 'reference/fx_rates_1997.csv'"))
    assert reasons == ["currency is not an ISO 4217 currency code",
                       "rate_month is not a month (expected YYYY-MM or YYYY-MM-DD)",
                       "units_per_usd of USD is not 1: one US dollar is one US dollar"]
    assert query(builds["db"], "select rate_month::varchar, currency, units_per_usd::double "
                               "from intermediate.int_fx__rates_pivoted_to_usd where rate_origin = 'landing' "
                               "order by 1, 2") == [("1997-01-01", "EUR", 0.80), ("1997-02-01", "JPY", 120.0),
                                                   ("2026-01-01", "EUR", 0.50)]
    assert query(builds["db"], "select rate_origin from intermediate.int_fx__rates_pivoted_to_usd "
                               "where currency = 'EUR' and rate_month = '2026-01-01'") == [("landing",)]


def _customers_by_log_id(db: Path) -> dict[str, str]:
    return dict(query(db, "select distinct contact_id, customer_id from marts.fct_orders"))


def test_every_purchase_is_a_completed_order_of_its_customer_on_the_day_written(builds):
    """No status column: completed. A date alone is that day in the business time zone (New York): midnight there,
    05:00 UTC. Dollars in a dollar-reporting warehouse need no FX rate, years before the rates seed begins."""
    orders = query(builds["db"], "select contact_id, order_date, status, amount_reporting from marts.fct_orders")
    assert sorted(orders) == sorted((c, d, "completed", s) for c, d, s in _purchases())
    assert len(_customers_by_log_id(builds["db"])) == len(expected_rfm(LONG_AFTER))
    assert query(builds["db"], "select min(ordered_at) from marts.fct_orders") == [
        (datetime(1997, 1, 1, 5, tzinfo=UTC),)]


def test_the_contact_list_joins_its_orders_with_its_map_s_time_zone_and_consent(builds):
    """The list's customer 00000001 is the log's first customer: one person with the list's name and the log's
    purchase. 09:30 in New York on 5 January (EST, UTC-5) is 14:30 UTC; `yes` is consent."""
    assert query(builds["db"], "select full_name, primary_email, country_code, has_marketing_consent "
                               "from marts.dim_customers where full_name is not null") == [
        ("Ann Lee", "ann.lee@example.com", "US", True)]
    assert query(builds["db"], "select created_at from staging.stg_sales__contacts") == [
        (datetime(1997, 1, 5, 14, 30, tzinfo=UTC),)]
    customer = _customers_by_log_id(builds["db"])["00000001"]
    assert query(builds["db"], "select full_name from marts.dim_customers where customer_id = ?", [customer]) == [
        ("Ann Lee",)]


def test_rfm_at_as_of_equals_the_hand_computation(builds):
    db = builds["db"]
    customer_of = _customers_by_log_id(db)
    rows = query(db, "select customer_id, recency_days, frequency, monetary_reporting "
                     "from marts.mart_customer_segments")
    actual = {customer: (recency, frequency, monetary) for customer, recency, frequency, monetary in rows}
    expected = {customer_of[log_id]: rfm for log_id, rfm in expected_rfm(LONG_AFTER).items()}
    assert actual == expected
    segmented = query(db, "select count(*) from marts.mart_customer_segments where rfm_segment is not null")
    assert segmented == [(len(expected),)]


def test_month_end_history_reaches_back_to_1997_and_equals_the_hand_computation_then(builds):
    db = builds["db"]
    customer_of = _customers_by_log_id(db)
    # Every customer has a row at every month end from their first purchase's month to June 2026.
    first_months = {log_id: min(d for c, d, _ in _purchases() if c == log_id).replace(day=1) for log_id in customer_of}
    rows_per_customer = dict(query(db, "select customer_id, count(*) from marts.fct_customer_segments_monthly "
                                       "group by customer_id"))
    assert rows_per_customer == {customer_of[log_id]: _months_through(first, LONG_AFTER)
                                 for log_id, first in first_months.items()}
    # The September 1997 month end, computed from what had happened by then, inside a 2026 build: RFM as of
    # 1997-09-30, the day inside the data.
    september = query(db, "select customer_id, snapshot_date, recency_days, frequency, monetary_reporting "
                          "from marts.fct_customer_segments_monthly where snapshot_month = date '1997-09-01'")
    assert {customer: (day, recency, frequency, monetary) for customer, day, recency, frequency, monetary in september
            } == {customer_of[log_id]: (INSIDE_THE_DATA, *rfm) for log_id, rfm in expected_rfm(INSIDE_THE_DATA).items()}


def test_monthly_cohorts_equal_the_hand_computation(builds):
    cohorts = query(builds["db"], "select cohort_month, cohort_customers, count(*), max(period_number) "
                                  "from marts.mart_retention_cohorts_monthly group by 1, 2")
    expected = expected_cohort_sizes(LONG_AFTER)
    assert {month: size for month, size, *_ in cohorts} == expected
    # One row per month from the cohort's own to as_of's; the cohorts of 1997-09-30 are those begun by then.
    assert {month: (periods, last) for month, _, periods, last in cohorts} == {
        month: (_months_through(month, LONG_AFTER), _months_through(month, LONG_AFTER) - 1) for month in expected}
    assert {month: size for month, size in expected.items() if month <= INSIDE_THE_DATA} == \
        expected_cohort_sizes(INSIDE_THE_DATA)


def test_daily_kpis_run_from_the_first_purchase_to_as_of(builds):
    days, first, last, revenue = query(builds["db"], "select count(*), min(date_day), max(date_day), "
                                                     "sum(revenue_reporting) from marts.mart_executive_kpis_daily")[0]
    assert (first, last) == (date(1997, 1, 1), LONG_AFTER)
    assert days == (LONG_AFTER - date(1997, 1, 1)).days + 1
    assert revenue == sum(s for _, _, s in _purchases())


def test_the_quality_gate_names_the_setting_that_refuses_old_history(builds):
    result = builds["default_check"]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
    assert len(errors) == 1
    assert "quality.earliest_plausible_date" in errors[0] and "CRM_QUALITY_EARLIEST_PLAUSIBLE_DATE" in errors[0]
    assert "the earliest found, 1997-01-01," in errors[0]


def test_with_the_earliest_plausible_date_set_earlier_the_history_passes_the_gate(builds):
    outcomes = builds["history_check"]
    assert not isinstance(outcomes, CrmError), str(outcomes)
    assert outcomes and not any(o.blocks for o in outcomes)
