"""Files of a source loaded together (one batch, one transaction) give exactly what loading them one by one
gives, and a bad file in a batch is reported alone while the others load."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

import ingestion.load as load_module
from ingestion.load import ingest
from ingestion.sample_data import generate
from ingestion.sources import ReadContext, all_sources

TWILIO_HEADER = ("sid,account_sid,from,to,from_formatted,to_formatted,direction,status,start_time,end_time,duration,"
                 "price,price_unit,caller_name")
CALL = "{sid},AC1,+14155550100,+18885550123,,,inbound,completed,\"Mon, 29 Sep 2025 03:55:51 +0000\",,60,,USD,"
EVENT = '{{"type":"page","messageId":"{id}","anonymousId":"a1","timestamp":"2026-01-01T00:00:00Z"}}'
# Everything but the mailboxes, whose reader reads one file at a time anyway.
TABULAR = [s for s in all_sources() if s.name != "email__messages"]


def _write(root: Path, relative: str, content: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The generator's files at a small scale, plus files that exercise every per-file figure inside a batch."""
    root = tmp_path_factory.mktemp("batch") / "landing"
    generate(root, root.parent / "truth", scale=300, seed=7, end_date=date(2026, 11, 1))
    shutil.rmtree(root / "email")
    # Blank lines (they count for line numbers), a broken line, a record without identifier, a future event.
    _write(root, "web/segment-2025-06-resent.jsonl", "\n".join([
        "", EVENT.format(id="r1"), "   ", '{"type":"page","messageId":"r2"',
        '{"type":"page","messageId":"r3","timestamp":"2026-01-01T00:00:00Z"}',
        EVENT.format(id="r4").replace("2026-01-01", "2099-01-01"), EVENT.format(id="r5"),
    ]) + "\n")
    # A copy of a file under another name, in the middle of the source's files: skipped.
    shutil.copy(root / "web" / "segment-2025-03.jsonl", root / "web" / "segment-2025-03-copy.jsonl")
    # Two exports with a column the loader does not know (kept in _extra), one with a malformed row.
    extra_header = TWILIO_HEADER + ",queue_name"
    _write(root, "phone/twilio/calls-2026-11.csv",
           "\n".join([extra_header, CALL.format(sid="CAx1") + ",sales", "CAx2,AC1,too,few"]) + "\n")
    _write(root, "phone/twilio/calls-2026-12.csv",
           "\n".join([extra_header, CALL.format(sid="CAx3") + ",support"]) + "\n")
    # A later contacts export re-delivering a contact of contacts.csv (counted as replacing an earlier row).
    with (root / "sales" / "contacts.csv").open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    with (root / "sales" / "contacts_2026-11.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, rows[4], ["C-NEW", *rows[0][1:]]])
    return root


def _load(landing: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    con = duckdb.connect()
    report = ingest(con, TABULAR, landing, ReadContext())
    return con, {f.source_file: f.status for f in report.files}


def _everything(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Audit rows and raw rows without what differs between any two loads (load ids, times)."""
    tables = {
        "loads": """select source, source_file, file_hash, file_size_bytes, rows_read, rows_loaded, rows_quarantined,
                           status, error, extra_columns, rows_replacing_earlier from audit.loads""",
        "quarantine": "select source, source_file, line_number, raw_record, reason from audit.quarantine",
    }
    for spec in TABULAR:
        tables[spec.raw_table] = f'select * exclude (_load_id, _loaded_at) from raw."{spec.raw_table}"'
    return {name: sorted(con.execute(sql).fetchall(), key=repr) for name, sql in tables.items()}


def test_a_batch_loads_exactly_what_files_loaded_one_by_one_load(landing: Path, monkeypatch):
    together, statuses_together = _load(landing)
    monkeypatch.setattr(load_module, "BATCH_MAX_FILES", 1)
    one_by_one, statuses_alone = _load(landing)

    assert statuses_together == statuses_alone
    batched, alone = _everything(together), _everything(one_by_one)
    for name in alone:
        assert batched[name] == alone[name], name
    # The figures the fixture's extra files are there for, per file:
    # The copy sorts first ("-" < "."), so it loads and the original is the one skipped.
    assert (statuses_alone["web/segment-2025-03-copy.jsonl"], statuses_alone["web/segment-2025-03.jsonl"]) == (
        "loaded", "skipped")
    loads = {row[1]: row for row in alone["loads"]}
    assert loads["web/segment-2025-06-resent.jsonl"][4:7] == (5, 2, 3)  # 7 lines, 2 blank; 3 quarantined
    reasons = {r[2]: r[4] for r in alone["quarantine"] if r[1] == "web/segment-2025-06-resent.jsonl"}
    assert reasons == {4: "not valid JSON (truncated or malformed line)",  # line numbers count the blank lines
                       5: "no identifier: none of anonymous_id, user_id, previous_id is set",
                       6: "timestamp is in the future: check the sending system's clock"}
    assert loads["phone/twilio/calls-2026-11.csv"][4:7] == (2, 1, 1)  # the malformed row is quarantined
    assert loads["phone/twilio/calls-2026-11.csv"][9] == loads["phone/twilio/calls-2026-12.csv"][9] == "queue_name"
    assert loads["sales/contacts_2026-11.csv"][10] == 1  # its first row's contact came in contacts.csv
    # ... and the batched load did load files together.
    batches = together.execute("""select distinct source from audit.loads group by source, started_at
                                  having count(*) > 1""").fetchall()
    assert {source for source, in batches} >= {"web__segment_events", "email__campaign_events",
                                                "phone__asterisk_cdr", "phone__twilio_calls", "sales__contacts"}


@pytest.mark.parametrize("bad_file", [
    # Most of its lines are not UTF-8 (a file with a few such lines loads the rest: test_bad_input.py)
    ("phone/twilio/calls-2.csv", (TWILIO_HEADER + "\n").encode() + b"CA2,AC1,\xff\xfe,+1,,,inbound,completed,,,,,,\n"
     + b"CA4,AC1,\xff\xfe,+1,,,inbound,completed,,,,,,\n", "rejected"),
    ("web/segment-2.jsonl", EVENT.format(id="m2").encode().replace(b"page", b"p\xffge") + b"\n", "failed"),
], ids=["rejected", "failed"])
def test_a_bad_file_in_a_batch_is_reported_alone_and_the_others_load(tmp_path: Path, bad_file):
    bad_name, bad_content, bad_status = bad_file
    folder, stem, suffix = bad_name.rsplit("/", 1)[0], Path(bad_name).stem.split("-")[0], Path(bad_name).suffix

    def content(n: int) -> str:
        record = f"{TWILIO_HEADER}\n{CALL.format(sid=f'CA{n}')}" if suffix == ".csv" else EVENT.format(id=f"m{n}")
        return record + "\n"

    good = {f"{folder}/{stem}-{n}{suffix}": content(n) for n in (1, 3)}
    for name, content in good.items():
        _write(tmp_path, name, content)
    _write(tmp_path, bad_name, bad_content)
    spec = [s for s in all_sources() if s.patterns[0].startswith(folder)]
    con = duckdb.connect()
    report = ingest(con, spec, tmp_path, ReadContext())

    assert sorted((f.source_file, f.status) for f in report.files) == sorted(
        [(name, "loaded") for name in good] + [(bad_name, bad_status)])
    assert con.execute("select source_file, status, rows_loaded from audit.loads order by 1").fetchall() == sorted(
        [(name, "loaded", 1) for name in good] + [(bad_name, bad_status, 0)])
    raw_table = spec[0].raw_table
    assert con.execute(f'select _source_file, count(*) from raw."{raw_table}" group by 1 order by 1').fetchall() == [
        (name, 1) for name in sorted(good)]
