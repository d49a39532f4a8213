"""The JSON-lines reader's two ways of reading (ingestion/sources/base.py, json_lines_reader): DuckDB's JSON reader
for whole documents, and lines with paths extracted from each. They must stage the same rows; a batch the
documents reader cannot take (blank lines, broken lines, a record to quarantine) must be read by lines."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import ingestion.sources.base as base
from ingestion.landing import hash_and_count_lines
from ingestion.load import _start_staging
from ingestion.sources import all_sources
from ingestion.sources.base import ReadContext

WEB = next(s for s in all_sources() if s.name == "web__segment_events")
CAMPAIGN_EVENTS = next(s for s in all_sources() if s.name == "email__campaign_events")


def _event(**fields) -> str:
    return json.dumps({"type": "track", "anonymousId": "a1", "timestamp": "2026-01-01T00:00:00Z", **fields},
                      ensure_ascii=False)


# Values each way of reading might turn into text differently: numbers, booleans, nulls, objects and arrays where
# text is expected, escapes, Japanese and emoji, keys differing only in case, JSON fields that are not objects.
AWKWARD_EVENTS = [
    _event(messageId="m1", event="Order Completed",
           properties={"order_id": "o-1", "revenue": 49.99, "total": 1e2, "value": -0.0, "quantity": 3,
                       "price": 12345678901234567890, "currency": "jpy", "email": "Taro@Example.JP"},
           context={"ip": "203.0.113.9", "locale": "ja-JP", "page": {"url": "https://x.example/a?b=1&c=%20",
                                                                     "title": "注文完了 \U0001F600"}}),
    _event(messageId="m2", userId=12345, event=True, name=None, properties=None, traits=None, context=None),
    _event(messageId="m3", userId={"nested": [1, 2.50, "x"]}, event=["a", "b"], context="not an object",
           properties=[], traits={}),
    '{"messageId":"m4","anonymousId":"a1","timestamp":"2026-01-01T00:00:00Z","event":"quote \\" and \\\\ and '
    '\\n newline \\u3042 \\ud83d\\ude00","context":{"campaign":{"name":"Spring","source":"News Letter"}}}',
    '{"MessageId":"m5-case","messageId":"m5","anonymousId":"a1","receivedAt":"2026-01-02T00:00:00+09:00",'
    '"traits":{"email":"hanako@example.jp","phone":"090-1234-5678","name":"山田 花子","company":"株式会社テスト"},'
    '"extra":{"deep":{"deeper":1}}}',
    '{ "messageId" : "m6" , "userId" : "u6" , "sentAt" : "2026-01-03T00:00:00Z" , "context" : { "locale" : "en-GB" ,'
    ' "page" : { "path" : "/pricing" } } , "properties" : { "phone" : "+44 7911 123456" , "form_id" : 7 } }',
    _event(messageId="m7", context={"page": {"url": None, "referrer": ""}}, properties={"revenue": "12.50"}),
]


# ESP webhook events: epoch timestamps as numbers, category as a list, a string or null.
AWKWARD_CAMPAIGN_EVENTS = [
    '{"email":"taro@example.jp","timestamp":1767225600,"event":"open","sg_event_id":"e1","category":["spring","jp"]}',
    '{"email":"A@B.example","timestamp":1767225600.5,"event":"click","sg_event_id":"e2","url":"https://x.example/?q=\\u3042",'
    '"category":"single","useragent":"Mozilla/5.0 \\"quoted\\""}',
    '{"email":"c@d.example","timestamp":"1767225601","event":"bounce","sg_event_id":3,"type":"blocked",'
    '"reason":"550 5.1.1 \u30e6\u30fc\u30b6\u30fc\u4e0d\u660e","category":null,"status":5.1}',
]


def _stage(con: duckdb.DuckDBPyConnection, spec, paths: list[Path], by_documents: bool, tmp_path: Path):
    _start_staging(con)
    line_counts = [hash_and_count_lines(p)[1] for p in paths] if by_documents else None
    rows_read = spec.reader.stage(con, paths, ReadContext().for_run(tmp_path, tmp_path), line_counts)
    staged = con.execute("select * from _staged order by _file_index, _record_number").fetchall()
    quarantined = con.execute("select * from _quarantine order by _file_index, line_number").fetchall()
    columns = [r[0] for r in con.execute("describe _staged").fetchall()]
    return rows_read, columns, staged, quarantined


@pytest.fixture
def lines_read(monkeypatch) -> list[int]:
    """How many times the line-by-line read ran (each call builds its SQL)."""
    calls = []
    build = base._jsonl_lines_sql

    def counted() -> str:
        calls.append(1)
        return build()

    monkeypatch.setattr(base, "_jsonl_lines_sql", counted)
    return calls


@pytest.mark.parametrize("spec, events", [(WEB, AWKWARD_EVENTS), (CAMPAIGN_EVENTS, AWKWARD_CAMPAIGN_EVENTS)],
                         ids=["web events", "campaign events"])
def test_documents_and_lines_stage_the_same_rows(tmp_path, lines_read, spec, events):
    first, second, third = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    first.write_text("\n".join(events) + "\n", encoding="utf-8")
    second.write_text("\n".join(events[::-1]), encoding="utf-8")  # no newline after the last line
    third.write_bytes(("\r\n".join(events) + "\r\n").encode())  # Windows line ends
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = true")

    by_documents = _stage(con, spec, [first, second, third], True, tmp_path)
    assert lines_read == []
    by_lines = _stage(con, spec, [first, second, third], False, tmp_path)
    assert lines_read == [1]

    assert by_documents == by_lines
    rows_read, columns, staged, quarantined = by_documents
    assert rows_read == [len(events)] * 3 and quarantined == []
    if spec is WEB:
        row = dict(zip(columns, staged[0], strict=True))
        assert (row["message_id"], row["revenue"], row["total"], row["price"], row["page_title"],
                row["person_email"]) == ("m1", "49.99", "100.0", "12345678901234567890", "注文完了 😀",
                                         "Taro@Example.JP")
        assert json.loads(row["context"])["page"]["url"] == "https://x.example/a?b=1&c=%20"
        numbered = {(r[columns.index("_file_index")], r[columns.index("_record_number")]):
                    r[columns.index("message_id")] for r in staged}
        assert numbered[(0, 5)] == numbered[(1, 3)] == "m5"
    else:
        assert [r[columns.index("category")] for r in staged[:3]] == ['["spring","jp"]', '"single"', None]


@pytest.mark.parametrize("awkward_line, quarantined", [
    ("", []),                                   # a blank line: counted, not a record
    ("   ", []),
    ('{"messageId":"x","anonymousId":', [(3, "not valid JSON (truncated or malformed line)")]),
    ('{"messageId":"x","messageId":"y","anonymousId":"a","timestamp":"2026-01-01T00:00:00Z"}', []),
    ('["not", "an", "object"]', [(3, "no identifier: none of anonymous_id, user_id, previous_id is set")]),
    ('{"messageId":"x","timestamp":"2026-01-01T00:00:00Z"}',
     [(3, "no identifier: none of anonymous_id, user_id, previous_id is set")]),
])
def test_a_batch_the_documents_reader_cannot_take_is_read_by_lines(tmp_path, lines_read, awkward_line, quarantined):
    clean, awkward = tmp_path / "clean.jsonl", tmp_path / "awkward.jsonl"
    clean.write_text("\n".join(AWKWARD_EVENTS) + "\n", encoding="utf-8")
    awkward.write_text("\n".join([AWKWARD_EVENTS[0], AWKWARD_EVENTS[1], awkward_line, AWKWARD_EVENTS[2]]) + "\n",
                       encoding="utf-8")
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = true")

    rows_read, columns, staged, in_quarantine = _stage(con, WEB, [clean, awkward], True, tmp_path)

    assert lines_read == [1]
    assert [(line, reason) for line, _, reason, _ in in_quarantine] == quarantined
    records = 3 + (1 if awkward_line.strip() else 0)
    assert rows_read == [len(AWKWARD_EVENTS), records]
    numbers = [r[columns.index("_record_number")] for r in staged if r[columns.index("_file_index")] == 1]
    assert numbers == [n for n in (1, 2, 3, 4) if n != 3 or (awkward_line.strip() and not quarantined)]
