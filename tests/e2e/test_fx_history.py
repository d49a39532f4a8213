"""Orders older than the FX seed (1997) in a warehouse reporting in EUR: `crm build` stops with one line naming the
rates to add; the user's rates file adds them (and overrides the seed), and every amount converts as by hand."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT
from tests.warehouse import query

pytestmark = pytest.mark.e2e

CRM = str(Path(sys.executable).parent / "crm")

# Reporting in EUR: every conversion goes through the US dollar, so it needs EUR's units per USD too.
ORDERS = """order_id,contact_id,order_date,currency,amount,status
o1,c1,1997-01-15 12:00:00,USD,100.00,completed
o2,c1,1997-02-10 12:00:00,USD,50.00,completed
o3,c2,1997-02-20 12:00:00,JPY,12000,completed
o4,c2,1997-03-05 12:00:00,EUR,80.00,completed
o5,c3,2026-01-10 12:00:00,USD,10.00,completed
"""
# Three good rows (two month spellings), one replacing the seed's EUR rate of 2026-01, three bad ones.
RATES = """rate_month,currency,units_per_usd
1997-01,EUR,0.80
1997-02-01,EUR,0.75
1997-02,JPY,120
2026-01,EUR,0.50
1997-03,USD,1.2
1997-04,XYZ,1
1997-13,EUR,1
"""


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("fx-history")
    (data / "landing" / "sales").mkdir(parents=True)
    (data / "landing" / "sales" / "orders.csv").write_text(ORDERS)
    env = {
        **os.environ,
        "CRM_PATHS_DATA_DIR": str(data), "CRM_PATHS_LANDING_DIR": str(data / "landing"),
        "CRM_PATHS_BUILD_DB": str(data / "build.duckdb"), "CRM_PATHS_SERVING_DB": str(data / "serving.duckdb"),
        "CRM_PATHS_DAGSTER_HOME": str(data / "dagster_home"),
        "CRM_BUSINESS_REPORTING_CURRENCY": "EUR",
    }
    ingested = _crm("ingest", env=env)
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    without_rates = _crm("build", env=env)
    (data / "landing" / "reference").mkdir()
    (data / "landing" / "reference" / "fx_rates_1997.csv").write_text(RATES)
    ingested_rates = _crm("ingest", env=env)
    assert ingested_rates.returncode == 0, ingested_rates.stderr[-2000:]
    with_rates = _crm("build", env=env)
    return {"db": data / "build.duckdb", "without_rates": without_rates, "with_rates": with_rates,
            "landing": data / "landing"}


def test_a_month_before_the_rates_stops_the_build_with_one_line(warehouse):
    result = warehouse["without_rates"]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
    # EUR per USD is needed in January (o1) and February (o2, o3), JPY per USD in February (o3); o4 is in EUR.
    assert len(errors) == 1
    assert errors[0].startswith("crm: no FX rate for EUR 1997-01..1997-02, JPY 1997-02 (4 amount(s) need them)")
    assert f"{warehouse['landing'] / 'reference'}/" in errors[0] and "fx_rates*.csv" in errors[0]
    assert "crm ingest" in errors[0]


def test_the_rates_file_loads_with_its_bad_rows_quarantined(warehouse):
    reasons = sorted(r[0] for r in query(warehouse["db"], "select reason from audit.quarantine "
                                                          "where source_file = 'reference/fx_rates_1997.csv'"))
    assert reasons == ["currency is not an ISO 4217 currency code",
                       "rate_month is not a month (expected YYYY-MM or YYYY-MM-DD)",
                       "units_per_usd of USD is not 1: one US dollar is one US dollar"]
    from_files = query(warehouse["db"], "select rate_month::varchar, currency, units_per_usd::double "
                                        "from intermediate.int_fx__units_per_usd where rate_origin = 'landing' "
                                        "order by 1, 2")
    assert from_files == [("1997-01-01", "EUR", 0.80), ("1997-02-01", "EUR", 0.75), ("1997-02-01", "JPY", 120.0),
                          ("2026-01-01", "EUR", 0.50)]
    # The file's EUR rate for 2026-01 is the only one that month: it replaced the seed's.
    assert query(warehouse["db"], "select rate_origin from intermediate.int_fx__units_per_usd "
                                  "where currency = 'EUR' and rate_month = '2026-01-01'") == [("landing",)]


def test_with_the_rates_every_amount_converts_to_eur_as_by_hand(warehouse):
    result = warehouse["with_rates"]
    assert result.returncode == 0, result.stderr[-3000:]
    amounts = dict(query(warehouse["db"], "select order_id, amount_reporting from marts.fct_orders"))
    assert amounts == {
        "o1": Decimal("80.00"),   # 100 USD × 0.80 EUR per USD
        "o2": Decimal("37.50"),   # 50 USD × 0.75
        "o3": Decimal("75.00"),   # 12,000 JPY × 0.75 / 120
        "o4": Decimal("80.00"),   # EUR is EUR, with no EUR rate for March 1997
        "o5": Decimal("5.00"),    # 10 USD × 0.50: the file's rate replaces the seed's for 2026-01
    }
    assert query(warehouse["db"], "select distinct reporting_currency from marts.fct_orders") == [("EUR",)]
    assert query(warehouse["db"], "select count(*) from intermediate.int_fx__missing_rates") == [(0,)]
