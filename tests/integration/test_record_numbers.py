"""Record numbers point at the right line of the right file, also when a batch of files spans several DuckDB row
groups (122,880 rows) and the reading statement runs on both cores: a quarantine row must name a line a person
can open, and `_record_number` ties every raw row to its line."""

from __future__ import annotations

import duckdb
import pytest

from ingestion.load import ingest
from ingestion.sources import all_sources

EVENT = '{{"type":"page","messageId":"m{file}-{line}","anonymousId":"a1","timestamp":"2026-01-01T00:00:00Z"}}'


def _source(name: str):
    return next(s for s in all_sources() if s.name == name)


def test_json_lines_are_numbered_within_their_file_over_several_row_groups(tmp_path):
    web = tmp_path / "landing" / "web"
    web.mkdir(parents=True)
    first_lines = 140_000
    (web / "a.jsonl").write_text("\n".join(EVENT.format(file="a", line=n) for n in range(1, first_lines + 1)) + "\n")
    # Line 3 blank (counted, not a record), line 5 broken, the rest events that name their own line.
    second = [EVENT.format(file="b", line=n) for n in range(1, 100_001)]
    second[2], second[4] = "", '{"type":"page","messageId":'
    (web / "b.jsonl").write_text("\n".join(second) + "\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, [_source("web__segment_events")], tmp_path / "landing")

    assert [f.status for f in report.files] == ["loaded", "loaded"]
    rows = con.execute("""select count(*),
                                 count(*) filter (where message_id = 'm' || split_part(_source_file, '.', 1)[-1:]
                                                                     || '-' || _record_number)
                          from raw.web__segment_events""").fetchall()[0]
    assert rows == (first_lines + 100_000 - 2, first_lines + 100_000 - 2)
    assert con.execute("select source_file, line_number, reason from audit.quarantine").fetchall() == [
        ("web/b.jsonl", 5, "not valid JSON (truncated or malformed line)")]


def test_documents_read_whole_are_numbered_within_their_file_over_several_row_groups(tmp_path, monkeypatch):
    """Clean files are read by DuckDB's JSON reader (not line by line): its rows must keep the same numbers."""
    import ingestion.sources.base as base

    monkeypatch.setattr(base, "_jsonl_lines_sql", lambda: pytest.fail("these clean files were read line by line"))
    web = tmp_path / "landing" / "web"
    web.mkdir(parents=True)
    sizes = {"a": 140_000, "b": 100_000}
    for name, lines in sizes.items():
        (web / f"{name}.jsonl").write_text("\n".join(EVENT.format(file=name, line=n) for n in range(1, lines + 1)))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, [_source("web__segment_events")], tmp_path / "landing")

    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 140_000), ("loaded", 100_000)]
    assert con.execute("""select count(*) from raw.web__segment_events
                          where message_id <> 'm' || split_part(_source_file, '.', 1)[-1:] || '-' || _record_number
                         """).fetchall() == [(0,)]


def test_csv_records_are_numbered_within_their_file_over_several_row_groups(tmp_path):
    sales = tmp_path / "landing" / "sales"
    sales.mkdir(parents=True)
    header = "deal_id,stage,entered_at,changed_by\n"
    (sales / "deal_stage_history.csv").write_text(
        header + "".join(f"a-{n},qualified,2026-01-01 10:00,u1\n" for n in range(1, 130_001)))
    (sales / "deal_stage_history_jp.csv").write_text(
        header + "".join(f"b-{n},qualified,{'2026-01-01 10:00' if n != 7 else 'soon'},u1\n" for n in range(1, 20_001)))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, [_source("sales__deal_stage_history")], tmp_path / "landing")

    assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        ("loaded", 130_000, 0), ("loaded", 19_999, 1)]
    assert con.execute("""select count(*) from raw.sales__deal_stage_history
                          where deal_id <> case when _source_file like '%_jp.csv' then 'b-' else 'a-' end
                                           || _record_number""").fetchall() == [(0,)]
    assert con.execute("select source_file, line_number from audit.quarantine").fetchall() == [
        ("sales/deal_stage_history_jp.csv", 7)]
