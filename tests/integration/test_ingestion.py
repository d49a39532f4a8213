"""Ingestion guarantees on small hand-written landing files: every row accounted for, re-runs change nothing."""

import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest
from ingestion.sources import ReadContext, all_sources
from tests.mail import japanese_message

CONTACTS_HEADER = (
    "contact_id,first_name,last_name,email,phone,company_id,company_name,job_title,country,city,postal_code,"
    "address,language,lead_source,lifecycle_stage,marketing_consent,owner_email,created_at,updated_at"
)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "sales").mkdir(parents=True)
    (root / "web").mkdir()
    (root / "email").mkdir()
    (root / "phone" / "asterisk").mkdir(parents=True)
    (root / "sales" / "contacts.csv").write_text(
        CONTACTS_HEADER + "\n"
        'C-1,Jane,"O""Brien",JANE@Example.com,(212) 555-0147,,,"Head of\nData",US,,,,en,web,lead,true,,'
        "2026-01-02 03:04:05,2026-01-02 03:04:05\n"
        "C-2,Bob,Short,bob@example.com\n",  # too few columns: quarantined
        encoding="utf-8",
    )
    (root / "sales" / "contacts_jp.csv").write_bytes(
        (CONTACTS_HEADER + "\r\nCJ-1,太郎,山田,ｔａｒｏ@example.co.jp,０９０-1234-5678,,,部長,JP,東京,,,ja,event,lead,"
         "true,,2026/01/05 10:00,2026/01/05 10:00\r\n").encode("cp932")
    )
    (root / "web" / "segment-2026-01.jsonl").write_text(
        '{"type":"page","messageId":"w1","anonymousId":"a1","timestamp":"2026-01-01T00:00:00Z"}\n'
        '{"type":"track","messageId":"w2","anonymousId":"a1","timestamp":"2026-01-01T00:01:00Z",'
        '"event":"Form Submitted","properties":{"email":"Jane@example.com","phone":"+1 212 555 0147"}}\n'
        '{"type":"track","messageId":"w3"\n'  # truncated line
        '{"type":"page","messageId":"w4","timestamp":"2026-01-01T00:00:00Z"}\n'  # no identifier
        "\n",
        encoding="utf-8",
    )
    mbox = japanese_message().replace(b"\r\n", b"\n")
    no_date = b"From: x@example.com\nTo: support@acme.example\nSubject: hi\nMessage-ID: <nd@example.com>\n\nbody\n"
    (root / "email" / "sales-2026-01.mbox").write_bytes(
        b"From MAILER-DAEMON Mon Jan  5 10:00:00 2026\n" + mbox + b"\n"
        + b"From MAILER-DAEMON Mon Jan  5 10:00:00 2026\n" + no_date + b"\n"
    )
    (root / "phone" / "asterisk" / "Master-2026-01.csv").write_text(
        '"","09012345678","201","from-trunk","""Yamada"" <09012345678>","SIP/trunk-0001","SIP/201-0002","Dial",'
        '"SIP/201,30","2026-01-05 10:00:00","2026-01-05 10:00:04","2026-01-05 10:03:00","180","176","ANSWERED",'
        '"DOCUMENTATION","1736038800.1",""\n'
        '"","short","row"\n'
    )
    return root


def _ingest(con, landing: Path):
    # A PBX in Japan: numbers it delivers without a country code are Japanese.
    return ingest(con, all_sources(), landing, ReadContext(default_phone_region="US", pbx_region="JP"))


def test_every_row_is_loaded_or_quarantined(landing: Path):
    con = duckdb.connect()
    report = _ingest(con, landing)
    by_file = {f.source_file: f for f in report.files}
    assert {k: (v.rows_read, v.rows_loaded, v.rows_quarantined) for k, v in by_file.items()} == {
        "sales/contacts.csv": (2, 1, 1),
        "sales/contacts_jp.csv": (1, 1, 0),
        "web/segment-2026-01.jsonl": (4, 2, 2),
        "email/sales-2026-01.mbox": (2, 1, 1),
        "phone/asterisk/Master-2026-01.csv": (2, 1, 1),
    }
    loads = con.execute(
        "select sum(rows_read), sum(rows_loaded), sum(rows_quarantined) from audit.loads"
    ).fetchall()[0]
    assert loads == (11, 6, 5)
    reasons = dict(con.execute("select source_file || ':' || line_number, reason from audit.quarantine").fetchall())
    assert reasons["web/segment-2026-01.jsonl:3"].startswith("not valid JSON")
    assert reasons["web/segment-2026-01.jsonl:4"].startswith("no identifier")
    assert reasons["email/sales-2026-01.mbox:2"].startswith("no Date header")
    assert "MISSING COLUMNS" in reasons["sales/contacts.csv:3"]


def test_values_are_decoded_and_normalised(landing: Path):
    con = duckdb.connect()
    _ingest(con, landing)
    contacts = dict(con.execute(
        "select contact_id, (email_normalized, phone_e164, last_name, job_title) from raw.sales__contacts"
    ).fetchall())
    assert contacts["C-1"] == ("jane@example.com", "+12125550147", 'O"Brien', "Head of\nData")
    # Shift_JIS decoded; full-width email and phone folded; the country column picks the phone's region.
    assert contacts["CJ-1"] == ("taro@example.co.jp", "+819012345678", "山田", "部長")
    message = con.execute(
        "select subject, from_name, counterpart_address_normalized, direction, sent_at, body_text "
        "from raw.email__messages"
    ).fetchall()[0]
    assert message[:4] == ("見積もりのお願い", "山田 太郎", "taro.yamada@example.co.jp", "inbound")
    assert message[4] == "2026-01-05T01:00:00+00:00"
    assert "見積もり" in message[5]
    web = con.execute("select person_email_normalized, person_phone_e164 from raw.web__segment_events "
                      "where message_id = 'w2'").fetchall()
    assert web == [("jane@example.com", "+12125550147")]
    call = con.execute("select src_e164, uniqueid from raw.phone__asterisk_cdr").fetchall()
    assert call == [("+819012345678", "1736038800.1")]


def test_rerun_and_renamed_copy_load_nothing(landing: Path):
    con = duckdb.connect()
    _ingest(con, landing)
    before = con.execute("select count(*) from raw.sales__contacts").fetchall()[0][0]
    shutil.copy(landing / "sales" / "contacts.csv", landing / "sales" / "contacts_copy.csv")
    again = _ingest(con, landing)
    assert {f.status for f in again.files} == {"skipped"}
    assert con.execute("select count(*) from raw.sales__contacts").fetchall()[0][0] == before


def test_dry_run_loads_nothing(landing: Path):
    con = duckdb.connect()
    report = ingest(con, all_sources(), landing, ReadContext(), dry_run=True)
    assert {f.status for f in report.files} == {"would_load"}
    assert sum(f.rows_quarantined for f in report.files) == 5
    assert con.execute("select count(*) from audit.loads").fetchall()[0][0] == 0
    assert con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw'"
    ).fetchall()[0][0] == 0


def test_every_source_gets_a_raw_table_even_without_files(tmp_path: Path):
    con = duckdb.connect()
    (tmp_path / "empty").mkdir()
    ingest(con, all_sources(), tmp_path / "empty", ReadContext())
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
    assert tables == {s.raw_table for s in all_sources()}


def test_missing_required_column_rejects_the_file_whole(tmp_path: Path):
    (tmp_path / "sales").mkdir()
    (tmp_path / "sales" / "orders.csv").write_text("id,amount\n1,10\n")
    con = duckdb.connect()
    report = ingest(con, all_sources(), tmp_path, ReadContext())
    result = next(f for f in report.files if f.source_file == "sales/orders.csv")
    assert result.status == "rejected"
    assert "order_id" in result.error
    assert con.execute("select count(*) from raw.sales__orders").fetchall()[0][0] == 0


def test_a_newer_export_is_counted_as_replacing_rows_by_key(landing: Path):
    """sales__contacts is declared replace_by_key: the loader counts rows whose key an earlier load brought
    (staging then keeps the newest; dbt unit test replace_by_key_keeps_the_newest_export_of_a_contact)."""
    con = duckdb.connect()
    _ingest(con, landing)
    (landing / "sales" / "contacts_2026-02.csv").write_text(
        CONTACTS_HEADER + "\n"
        "C-1,Jane,O'Brien,jane@example.com,,,,CDO,US,,,,en,web,customer,true,,2026-01-02 03:04:05,"
        "2026-02-01 00:00:00\n"
        "C-9,New,Person,new@example.com,,,,,US,,,,en,web,lead,false,,2026-02-01 00:00:00,2026-02-01 00:00:00\n",
        encoding="utf-8",
    )
    (landing / "web" / "segment-2026-02.jsonl").write_text(  # w1 re-delivered: append source, nothing replaced
        '{"type":"page","messageId":"w1","anonymousId":"a1","timestamp":"2026-01-01T00:00:00Z"}\n', encoding="utf-8"
    )
    _ingest(con, landing)
    replacing = dict(con.execute(
        "select source_file, rows_replacing_earlier from audit.loads where source_file like '%2026-02%'"
    ).fetchall())
    assert replacing == {"sales/contacts_2026-02.csv": 1, "web/segment-2026-02.jsonl": 0}
    assert con.execute("select count(*) from raw.sales__contacts where contact_id = 'C-1'").fetchall() == [(2,)]


def test_every_source_declares_its_load_mode():
    from ingestion.sources import declared_load_modes

    assert {spec.raw_table for spec in all_sources()} == set(declared_load_modes())


def test_files_loaded_together_survive_a_schema_upgrade(tmp_path: Path):
    """Files loaded in one batch into a raw table from an older release (a column missing): the column is
    added once and every file lands exactly once."""
    root = tmp_path / "landing"
    (root / "web").mkdir(parents=True)

    def event_file(name: str, first: int) -> None:
        (root / "web" / name).write_text("".join(
            f'{{"type":"page","messageId":"m{n}","anonymousId":"a1","timestamp":"2026-01-01T00:00:00Z"}}\n'
            for n in range(first, first + 50)), encoding="utf-8")

    event_file("segment-1.jsonl", 0)
    con = duckdb.connect()
    web = [s for s in all_sources() if s.name == "web__segment_events"]
    ingest(con, web, root, ReadContext())
    con.execute("alter table raw.web__segment_events drop column utm_term")  # as an older release made it
    for index in range(2, 8):
        event_file(f"segment-{index}.jsonl", index * 100)
    report = ingest(con, web, root, ReadContext())

    assert sorted((f.source_file, f.status) for f in report.files) == [("web/segment-1.jsonl", "skipped")] + [
        (f"web/segment-{i}.jsonl", "loaded") for i in range(2, 8)]
    assert con.execute("select count(*), count(distinct message_id) from raw.web__segment_events").fetchall() == [
        (350, 350)]
    assert con.execute("select count(*) from audit.loads where status <> 'loaded'").fetchall() == [(0,)]
