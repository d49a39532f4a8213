"""The suppression list on load: rows naming an erased person are dropped, counted, and never stored."""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from common.audit import ensure_audit_tables
from ingestion.load import ingest
from ingestion.sources import ReadContext, all_sources

SALT = "s3cret-salt-for-the-test"
CONTACTS_HEADER = "contact_id,first_name,last_name,email,phone,country,created_at,updated_at"


def _hash(value: str) -> str:
    # Written out here rather than imported: the test states the scheme the docs describe.
    return hashlib.sha256((SALT + value).encode()).hexdigest()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "sales").mkdir(parents=True)
    (root / "web").mkdir()
    (root / "sales" / "contacts.csv").write_text(
        CONTACTS_HEADER + "\n"
        "K-7,Ann,Lee,Ann.Lee@Example.COM,,US,2026-01-02 03:04:05,2026-01-02 03:04:05\n"
        "K-8,Oda,Ito,oda@example.org,,US,2026-01-02 03:04:05,2026-01-02 03:04:05\n"
        "K-9,Pia,Sol,pia@example.org,(212) 555-0199,US,2026-01-02 03:04:05,2026-01-02 03:04:05\n"
        "K-10,Broken\n",  # too few columns: quarantined, whoever it names
        encoding="utf-8",
    )
    (root / "sales" / "orders.csv").write_text(
        "order_id,contact_id,customer_email,order_date,channel,deal_id,currency,amount,status\n"
        "O-1,K-7,,2026-01-03 00:00:00,web,,USD,10.00,completed\n"
        "O-2,K-8,,2026-01-03 00:00:00,web,,USD,12.00,completed\n",
        encoding="utf-8",
    )
    (root / "web" / "events.jsonl").write_text(
        '{"type":"page","messageId":"m1","anonymousId":"anon-1","timestamp":"2026-01-01T00:00:00Z"}\n'
        '{"type":"identify","messageId":"m2","anonymousId":"anon-2","timestamp":"2026-01-01T00:00:00Z",'
        '"traits":{"phone":"+1 212-555-0199"}}\n',
        encoding="utf-8",
    )
    return root


def _suppress(con: duckdb.DuckDBPyConnection, *values: str) -> None:
    ensure_audit_tables(con)
    con.executemany("insert into audit.suppressions values (?, 'req-1', ?)",
                    [[_hash(v), datetime.now(UTC)] for v in values])


def test_rows_of_suppressed_people_are_dropped_and_counted(tmp_path, landing):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    # Ann by her normalised email and contact id (her order names only the id); Pia by her phone in E.164.
    _suppress(con, "ann.lee@example.com", "K-7", "+12125550199")
    report = ingest(con, all_sources(), landing, ReadContext(suppression_salt=SALT))
    by_file = {f.source_file: f for f in report.files}
    contacts, orders, web = by_file["sales/contacts.csv"], by_file["sales/orders.csv"], by_file["web/events.jsonl"]
    counts = (contacts.rows_read, contacts.rows_loaded, contacts.rows_quarantined, contacts.rows_suppressed)
    assert counts == (4, 1, 1, 2)
    assert (orders.rows_loaded, orders.rows_suppressed) == (1, 1)
    assert (web.rows_loaded, web.rows_suppressed) == (1, 1)
    assert con.execute("select list(contact_id) from raw.sales__contacts").fetchall()[0][0] == ["K-8"]
    assert con.execute("select list(order_id) from raw.sales__orders").fetchall()[0][0] == ["O-2"]
    # rows in = loaded + quarantined + suppressed, in the audit table too
    assert con.execute("select count(*) from audit.loads where rows_read <> rows_loaded + rows_quarantined "
                       "+ rows_suppressed").fetchall()[0][0] == 0
    assert con.execute("select sum(rows_suppressed) from audit.loads").fetchall()[0][0] == 4
    con.close()
    # The salt itself is stored nowhere.
    assert SALT.encode() not in db.read_bytes()


def test_without_the_salt_nothing_loads_and_the_reason_is_one_line(tmp_path, landing):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _suppress(con, "ann.lee@example.com")
    report = ingest(con, all_sources(), landing, ReadContext())
    assert {f.status for f in report.files} == {"failed"}
    assert all("CRM_SUPPRESSION_SALT" in f.error and "\n" not in f.error for f in report.files)
    assert con.execute("select count(*) from raw.sales__contacts").fetchall()[0][0] == 0


def test_an_empty_list_needs_no_salt(tmp_path, landing):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, all_sources(), landing, ReadContext())
    assert {f.status for f in report.files} == {"loaded"}
    assert sum(f.rows_suppressed for f in report.files) == 0
