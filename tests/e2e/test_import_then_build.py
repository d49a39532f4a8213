"""A new user's first run: `crm import` their own files into an empty data folder, then `crm build`."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT
from tests.warehouse import query

pytestmark = pytest.mark.e2e

CONTACTS = "Customer no,Given name,Surname,E-mail,Opted in,Signed up\n" \
           "00001,Ann,Lee,ann.lee@example.com,yes,01/05/1997 09:30 AM\n"
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
# An order log without a header, aligned by spaces: customer id, date, quantity, spend.
ORDER_LOG = "   00001 19970101  1   11.77\n   00001 19970112  2   24.00\n"
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
      status: {value: completed}
"""


def test_import_then_build_on_an_empty_data_folder(tmp_path: Path):
    data = tmp_path / "data"
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data), "CRM_BUSINESS_BUSINESS_TIMEZONE": "America/New_York"}
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        env.pop(f"CRM_PATHS_{moved}", None)  # every path follows the data folder
    crm = str(Path(sys.executable).parent / "crm")
    for name, text in {"signups.csv": CONTACTS, "signups.yml": CONTACTS_MAP, "CDNOW_sample.txt": ORDER_LOG,
                       "cdnow.yml": ORDER_LOG_MAP}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    for csv_file, column_map in (("signups.csv", "signups.yml"), ("CDNOW_sample.txt", "cdnow.yml")):
        imported = subprocess.run([crm, "import", str(tmp_path / csv_file), "--map", str(tmp_path / column_map)],
                                  cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert imported.returncode == 0, imported.stderr
    built = subprocess.run([crm, "build"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]

    build_db = data / "warehouse" / "build.duckdb"
    assert query(build_db, "select full_name, primary_email, country_code, has_marketing_consent "
                           "from marts.dim_customers") == [("Ann Lee", "ann.lee@example.com", "US", True)]
    # 09:30 in New York on 5 January (EST, UTC-5) is 14:30 UTC.
    assert query(build_db, "select created_at from staging.stg_sales__contacts") == [
        (datetime(1997, 1, 5, 14, 30, tzinfo=UTC),)]
    # A date alone is that day in the business time zone (New York): midnight there, 05:00 UTC. Dollars in a
    # dollar-reporting warehouse need no FX rate, even from years before the rates seed begins.
    assert query(build_db, """select order_date, ordered_at, amount_reporting, customer_id is not null
                              from marts.fct_orders order by order_date""") == [
        (date(1997, 1, 1), datetime(1997, 1, 1, 5, tzinfo=UTC), Decimal("11.77"), True),
        (date(1997, 1, 12), datetime(1997, 1, 12, 5, tzinfo=UTC), Decimal("24.00"), True),
    ]
