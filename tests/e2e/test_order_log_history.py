"""An order log shaped as real ones are — customer id, date, quantity, spend; 1997-98; no status, no email —
through the loader, the build and the quality gate, with RFM and monthly cohorts checked against a computation of
the test's own at two as-of dates: one inside the data and one more than 10,000 days after its first order.

Like the public CDNOW log the issue was found with, it has one row per purchase and several purchases of a customer
on one day. The file carries a `currency` column (USD) and ISO dates; its column map names the other columns.
"""

import os
import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT
from tests.warehouse import query

pytestmark = pytest.mark.e2e

CRM = str(Path(sys.executable).parent / "crm")
INSIDE_THE_DATA = date(1997, 9, 30)
LONG_AFTER = date(2026, 6, 30)

ORDER_LOG = """customer_id,date,quantity,spend,currency
1,1997-01-01,1,11.77,USD
2,1997-01-12,1,12.00,USD
2,1997-01-12,5,77.00,USD
3,1997-01-02,2,20.76,USD
3,1997-03-30,2,20.76,USD
3,1997-04-02,2,19.54,USD
3,1997-11-15,5,57.45,USD
3,1997-11-25,4,20.96,USD
3,1998-05-28,1,16.99,USD
4,1997-01-01,2,29.33,USD
4,1997-01-18,2,29.73,USD
4,1997-08-02,1,14.96,USD
4,1997-12-12,2,26.48,USD
5,1997-01-01,2,29.33,USD
5,1997-01-14,1,13.97,USD
5,1997-02-04,3,38.90,USD
5,1997-04-11,3,45.55,USD
5,1997-05-31,3,38.71,USD
5,1997-06-16,2,26.14,USD
5,1997-07-22,2,28.14,USD
5,1997-09-15,3,40.47,USD
5,1997-12-08,4,46.46,USD
5,1997-12-12,3,40.47,USD
5,1998-01-03,3,37.47,USD
5,1998-06-07,1,17.97,USD
6,1997-01-01,1,20.99,USD
7,1997-02-14,1,15.99,USD
7,1998-03-03,2,31.98,USD
8,1997-03-22,3,42.00,USD
9,1997-10-05,1,9.99,USD
10,1998-06-30,2,24.50,USD
"""
COLUMN_MAP = """name: order_log
entities:
  orders:
    detect: [customer_id, date, quantity, spend]
    columns:
      contact_id: customer_id
      order_date: date
      amount: spend
      currency: currency
"""


def _purchases() -> list[tuple[str, date, Decimal]]:
    lines = ORDER_LOG.strip().splitlines()[1:]
    return [(customer, date.fromisoformat(day), Decimal(spend))
            for customer, day, _, spend, _ in (line.split(",") for line in lines)]


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
    assert rfm["5"] == (15, 8, Decimal("261.21"))
    assert rfm["2"] == (261, 2, Decimal("89.00"))
    assert set(rfm) == {"1", "2", "3", "4", "5", "6", "7", "8"}
    assert expected_cohort_sizes(INSIDE_THE_DATA) == {date(1997, 1, 1): 6, date(1997, 2, 1): 1, date(1997, 3, 1): 1}
    assert (LONG_AFTER - date(1997, 1, 1)).days > 10_000


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    """Ingest the log, build the warehouse as of both days, check the later one with the default and with an
    earlier earliest plausible date."""
    data = tmp_path_factory.mktemp("order-log")
    landing = data / "landing"
    (landing / "sales").mkdir(parents=True)
    (landing / "column_maps").mkdir()
    (landing / "sales" / "orders_log.csv").write_text(ORDER_LOG)
    (landing / "column_maps" / "order_log.yml").write_text(COLUMN_MAP)
    env = {
        **os.environ,
        "CRM_PATHS_DATA_DIR": str(data), "CRM_PATHS_LANDING_DIR": str(landing),
        "CRM_PATHS_BUILD_DB": str(data / "warehouse" / "build.duckdb"),
        "CRM_PATHS_SERVING_DB": str(data / "serving" / "serving.duckdb"),
        "CRM_PATHS_DAGSTER_HOME": str(data / "dagster_home"),
    }
    env.pop("CRM_QUALITY_EARLIEST_PLAUSIBLE_DATE", None)
    ingested = _crm("ingest", env=env)
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    databases = {}
    for as_of in (INSIDE_THE_DATA, LONG_AFTER):
        built = _crm("build", "--as-of", as_of.isoformat(), env=env)
        assert built.returncode == 0, built.stderr[-3000:]
        databases[as_of] = data / "warehouse" / f"as-of-{as_of.isoformat()}.duckdb"
    checked = {"CRM_PATHS_BUILD_DB": str(databases[LONG_AFTER])}
    return {
        "db": databases,
        "default_check": _crm("check", env={**env, **checked}),
        "history_check": _crm("check", env={**env, **checked, "CRM_QUALITY_EARLIEST_PLAUSIBLE_DATE": "1997-01-01"}),
    }


def _customers_by_log_id(db: Path) -> dict[str, str]:
    return dict(query(db, "select distinct contact_id, customer_id from marts.fct_orders"))


@pytest.mark.parametrize("as_of", [INSIDE_THE_DATA, LONG_AFTER])
def test_every_purchase_is_a_completed_order_of_its_customer(builds, as_of):
    orders = query(builds["db"][as_of], "select contact_id, order_date, status, amount_reporting from marts.fct_orders")
    expected = sorted((c, d, "completed", s) for c, d, s in _purchases() if d <= as_of)
    assert sorted(orders) == expected
    assert len(_customers_by_log_id(builds["db"][as_of])) == len(expected_rfm(as_of))


@pytest.mark.parametrize("as_of", [INSIDE_THE_DATA, LONG_AFTER])
def test_rfm_at_as_of_equals_the_hand_computation(builds, as_of):
    db = builds["db"][as_of]
    customer_of = _customers_by_log_id(db)
    rows = query(db, "select customer_id, recency_days, frequency, monetary_reporting "
                     "from marts.mart_customer_segments")
    actual = {customer: (recency, frequency, monetary) for customer, recency, frequency, monetary in rows}
    expected = {customer_of[log_id]: rfm for log_id, rfm in expected_rfm(as_of).items()}
    assert actual == expected
    segmented = query(db, "select count(*) from marts.mart_customer_segments where rfm_segment is not null")
    assert segmented == [(len(expected),)]


def test_month_end_history_reaches_back_to_1997_from_2026(builds):
    db = builds["db"][LONG_AFTER]
    customer_of = _customers_by_log_id(db)
    # Every customer has a row at every month end from their first purchase's month to June 2026.
    first_months = {log_id: min(d for c, d, _ in _purchases() if c == log_id).replace(day=1) for log_id in customer_of}
    rows_per_customer = dict(query(db, "select customer_id, count(*) from marts.fct_customer_segments_monthly "
                                       "group by customer_id"))
    assert rows_per_customer == {customer_of[log_id]: _months_through(first, LONG_AFTER)
                                 for log_id, first in first_months.items()}
    # The September 1997 month end, computed from what had happened by then, inside a 2026 build.
    september = query(db, "select customer_id, snapshot_date, recency_days, frequency, monetary_reporting "
                          "from marts.fct_customer_segments_monthly where snapshot_month = date '1997-09-01'")
    assert {customer: (day, recency, frequency, monetary) for customer, day, recency, frequency, monetary in september
            } == {customer_of[log_id]: (INSIDE_THE_DATA, *rfm) for log_id, rfm in expected_rfm(INSIDE_THE_DATA).items()}


@pytest.mark.parametrize("as_of", [INSIDE_THE_DATA, LONG_AFTER])
def test_monthly_cohorts_equal_the_hand_computation(builds, as_of):
    db = builds["db"][as_of]
    cohorts = query(db, "select cohort_month, cohort_customers, count(*), max(period_number) "
                        "from marts.mart_retention_cohorts_monthly group by 1, 2")
    expected = expected_cohort_sizes(as_of)
    assert {month: size for month, size, *_ in cohorts} == expected
    # One row per month from the cohort's own to as_of's.
    assert {month: (periods, last) for month, _, periods, last in cohorts} == {
        month: (_months_through(month, as_of), _months_through(month, as_of) - 1) for month in expected}


def test_daily_kpis_run_from_the_first_purchase_to_as_of(builds):
    db = builds["db"][LONG_AFTER]
    days, first, last, revenue = query(db, "select count(*), min(date_day), max(date_day), sum(revenue_reporting) "
                                           "from marts.mart_executive_kpis_daily")[0]
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
    result = builds["history_check"]
    assert result.returncode == 0, result.stderr[-3000:]
