"""Bad input gets a clear error or a quarantine row with its reason; nothing else is lost."""

import os
import signal
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest
from ingestion.sources import ReadContext, all_sources
from ingestion.sources.email import _parse_chunk as _real_parse_chunk

ORDERS_HEADER = "order_id,contact_id,customer_email,order_date,channel,deal_id,currency,amount,status"
CONTACTS_HEADER = (
    "contact_id,first_name,last_name,email,phone,company_id,company_name,job_title,country,city,postal_code,"
    "address,language,lead_source,lifecycle_stage,marketing_consent,owner_email,created_at,updated_at"
)


def _load(root: Path) -> tuple[duckdb.DuckDBPyConnection, dict]:
    con = duckdb.connect()
    report = ingest(con, all_sources(), root, ReadContext())
    return con, {f.source_file: f for f in report.files}


def _reasons(con, source_file: str) -> dict[int, str]:
    return dict(con.execute("select line_number, reason from audit.quarantine where source_file = ? order by 1",
                            [source_file]).fetchall())


def _write(root: Path, relative: str, content: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def test_bad_order_values_are_quarantined_with_reasons(tmp_path: Path):
    _write(tmp_path, "sales/orders.csv", "\n".join([
        ORDERS_HEADER,
        "O-1,C-1,a@example.com,2026-01-05 10:00:00,web,,USD,120.50,completed",   # good
        "O-2,C-1,a@example.com,05-01-2026 10h,web,,USD,10,completed",            # unparseable date
        "O-3,C-1,a@example.com,2099-01-01 00:00:00,web,,USD,10,completed",       # far in the future
        "O-4,C-1,a@example.com,2026-01-05 10:00:00,web,,USD,-5,completed",       # negative
        "O-5,C-1,a@example.com,2026-01-05 10:00:00,web,,USD,ten,completed",      # not a number
        "O-6,C-1,a@example.com,2026-01-05 10:00:00,web,,USD,1e15,completed",     # absurdly large
        "O-7,C-1,a@example.com,2026-01-05 10:00:00,web,,XYZ,10,completed",       # unknown currency
        ",C-1,a@example.com,2026-01-05 10:00:00,web,,USD,10,completed",          # no key
        "O-9,C-1,a@example.com,2026/01/05 19:00,sales,,JPY,\"12,000\",completed",  # Excel style: fine
    ]) + "\n")
    con, files = _load(tmp_path)
    result = files["sales/orders.csv"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 2, 7)
    assert sorted(r[0] for r in con.execute("select order_id from raw.sales__orders").fetchall()) == ["O-1", "O-9"]
    reasons = list(_reasons(con, "sales/orders.csv").values())
    assert reasons == [
        "order_date is not a date (expected YYYY-MM-DD[ HH:MM[:SS]] or YYYY/MM/DD[ HH:MM])",
        "order_date is in the future: check the exporting system's clock",
        "amount is negative",
        "amount is not a number",
        "amount is absurdly large (over 1,000,000,000,000)",
        "currency is not an ISO 4217 currency code",
        "order_id is empty: the record has no key",
    ]
    raw = con.execute("select raw_record from audit.quarantine where reason = 'amount is negative'").fetchall()[0][0]
    assert '"order_id":"O-4"' in raw and '"amount":"-5"' in raw


def test_invalid_emails_and_garbage_phones_keep_the_contact(tmp_path: Path):
    _write(tmp_path, "sales/contacts.csv", "\n".join([
        CONTACTS_HEADER,
        "C-1,Ann,Lee,not-an-email,call me maybe,,,,US,,,,en,web,lead,true,,2026-01-01 00:00:00,",
        "C-2,Bo,Kim,bo@example.com,0000000000,,,,US,,,,en,web,lead,false,,2026-01-01 00:00:00,",
    ]) + "\n")
    con, files = _load(tmp_path)
    assert files["sales/contacts.csv"].rows_loaded == 2
    rows = con.execute("select contact_id, email, email_normalized, phone, phone_e164 from raw.sales__contacts "
                       "order by 1").fetchall()
    assert rows == [("C-1", "not-an-email", None, "call me maybe", None),
                    ("C-2", "bo@example.com", "bo@example.com", "0000000000", None)]


@pytest.mark.parametrize("content", [b"", ORDERS_HEADER.encode() + b"\n"], ids=["zero-byte", "header-only"])
def test_empty_files_load_zero_rows(tmp_path: Path, content: bytes):
    _write(tmp_path, "sales/orders.csv", content)
    _write(tmp_path, "web/segment-empty.jsonl", b"")
    con, files = _load(tmp_path)
    for name in ("sales/orders.csv", "web/segment-empty.jsonl"):
        assert files[name].status == "loaded"
        assert (files[name].rows_read, files[name].rows_loaded, files[name].rows_quarantined) == (0, 0, 0)


def test_semicolon_delimited_export_is_read(tmp_path: Path):
    _write(tmp_path, "sales/orders.csv", ORDERS_HEADER.replace(",", ";") + "\n"
           "O-1;C-1;a@example.com;2026-01-05 10:00:00;web;;EUR;10,50;completed\n")
    con, files = _load(tmp_path)
    assert files["sales/orders.csv"].rows_loaded == 1
    assert con.execute("select currency, amount from raw.sales__orders").fetchall() == [("EUR", "10,50")]


def test_a_file_mostly_in_no_known_encoding_is_rejected_naming_its_first_bad_line(tmp_path: Path):
    bad = b"O-%d,C-1,\xff\xfe@example.com,2026-01-05,web,,USD,1,completed\n"
    _write(tmp_path, "sales/orders.csv", ORDERS_HEADER.encode() + b"\n" + bad % 1 + bad % 2 + bad % 3)
    con, files = _load(tmp_path)
    result = files["sales/orders.csv"]
    assert result.status == "rejected"
    assert "neither UTF-8 nor Shift_JIS" in result.error
    assert "3 of 4 lines are not valid UTF-8, the first line 2" in result.error and "byte" not in result.error
    assert con.execute("select status, error is not null from audit.loads where source_file = 'sales/orders.csv'"
                       ).fetchall() == [("rejected", True)]


def test_lines_not_in_utf8_are_quarantined_with_their_line_numbers_and_the_rest_loads(tmp_path: Path):
    _write(tmp_path, "sales/orders.csv", b"\n".join([
        ORDERS_HEADER.encode(),                                                   # line 1
        b"O-1,C-1,a@example.com,2026-01-05,web,,USD,1,completed",                 # 2
        b"O-2,C-2,\xff\xfe@example.com,2026-01-05,web,,USD,1,completed",          # 3: not UTF-8
        "O-3,C-3,b@example.com,2026-01-05,web,,JPY,1,完了".encode(),              # 4
        b"O-4,C-4,c@example.com,2026-01-05,web,,USD,1,completed,one too many",    # 5: a column too many
        b"O-5,C-5,\x81@example.com,2026-01-05,web,,USD,1,completed",              # 6: not UTF-8
        b"O-6,C-6,d@example.com,2026-01-05,web,,USD,1,completed",                 # 7
    ]) + b"\n")
    con, files = _load(tmp_path)
    result = files["sales/orders.csv"]
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 6, 3, 3)
    assert [r[0] for r in con.execute("select order_id from raw.sales__orders order by 1").fetchall()] == [
        "O-1", "O-3", "O-6"]
    reasons = _reasons(con, "sales/orders.csv")
    assert sorted(reasons) == [3, 5, 6]
    assert reasons[3].startswith("line 3 is not valid UTF-8") and reasons[6].startswith("line 6 is not valid UTF-8")
    assert "TOO MANY COLUMNS" in reasons[5]
    assert con.execute("select raw_record from audit.quarantine where line_number = 3").fetchall() == [
        ("O-2,C-2,\ufffd\ufffd@example.com,2026-01-05,web,,USD,1,completed",)]


def test_future_and_broken_segment_events(tmp_path: Path):
    _write(tmp_path, "web/segment-1.jsonl", "\n".join([
        '{"type":"page","messageId":"m1","anonymousId":"a","timestamp":"2026-01-01T00:00:00Z"}',
        '{"type":"page","messageId":"m2","anonymousId":"a","timestamp":"2099-01-01T00:00:00Z"}',
        '{"type":"page","messageId":"m3","anonymousId":"a","timestamp":"yesterday"}',
        '{"type":"page","anonymousId":"a","timestamp":"2026-01-01T00:00:00Z"}',
    ]) + "\n")
    con, files = _load(tmp_path)
    assert (files["web/segment-1.jsonl"].rows_loaded, files["web/segment-1.jsonl"].rows_quarantined) == (1, 3)
    assert list(_reasons(con, "web/segment-1.jsonl").values()) == [
        "timestamp is in the future: check the sending system's clock",
        "timestamp is not an ISO 8601 timestamp",
        "message_id is empty: the record has no key",
    ]


def test_message_with_an_unknown_charset_is_quarantined(tmp_path: Path):
    _write(tmp_path, "email/support-1.mbox",
           b"From x Mon Jan  5 10:00:00 2026\nFrom: a@example.com\nTo: support@acme.example\nSubject: hi\n"
           b"Date: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <c1@example.com>\nMIME-Version: 1.0\n"
           b"Content-Type: text/plain; charset=x-no-such-charset\n\nbody\n\n"
           b"From x Mon Jan  5 10:00:00 2026\nFrom: b@example.com\nTo: support@acme.example\nSubject: ok\n"
           b"Date: Mon, 05 Jan 2026 11:00:00 +0000\nMessage-ID: <c2@example.com>\n\nfine\n")
    con, files = _load(tmp_path)
    assert (files["email/support-1.mbox"].rows_loaded, files["email/support-1.mbox"].rows_quarantined) == (1, 1)
    assert _reasons(con, "email/support-1.mbox")[1].startswith("unreadable body (LookupError")


def test_survey_scores_out_of_range(tmp_path: Path):
    _write(tmp_path, "surveys/responses.csv",
           "response_id,survey_type,email,contact_id,submitted_at,score,comment,channel,ticket_ref\n"
           "R1,nps,a@example.com,,2026-01-01 00:00:00,10,,email,\n"
           "R2,nps,a@example.com,,2026-01-01 00:00:00,11,,email,\n"
           "R3,csat,a@example.com,,2026-01-01 00:00:00,0,,email,\n")
    con, files = _load(tmp_path)
    assert files["surveys/responses.csv"].rows_loaded == 1
    assert list(_reasons(con, "surveys/responses.csv").values()) == [
        "score is not a whole number from 0 to 10 for an NPS answer",
        "score is not a whole number from 1 to 5 for a CSAT answer",
    ]


def test_a_large_mailbox_is_read_in_a_bounded_window(tmp_path: Path, monkeypatch):
    """Memory stays bounded: the mbox is read in chunks and only a fixed window of chunks is ever in flight."""
    from ingestion.sources import email as email_source

    messages = b"".join(
        b"From x Mon Jan  5 10:00:00 2026\nFrom: c%d@example.com\nTo: support@acme.example\nSubject: s\n"
        b"Date: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <m%d@example.com>\n\n" % (i, i) + b"x" * 400 + b"\n\n"
        for i in range(600)
    )
    _write(tmp_path, "email/support-big.mbox", messages)
    monkeypatch.setattr(email_source, "CHUNK_MESSAGES", 25)
    monkeypatch.setattr(email_source, "PARALLEL_MIN_BYTES", 0)
    chunks_read, peak_ahead = [0], [0]
    real_raw_chunks = email_source._raw_chunks

    def counting_chunks(path):
        for chunk in real_raw_chunks(path):
            chunks_read[0] += 1
            yield chunk

    real_parsed = email_source._parsed_chunks

    def watching_parsed(path, context):
        for consumed, item in enumerate(real_parsed(path, context), start=1):
            peak_ahead[0] = max(peak_ahead[0], chunks_read[0] - consumed)
            yield item

    monkeypatch.setattr(email_source, "_raw_chunks", counting_chunks)
    monkeypatch.setattr(email_source, "_parsed_chunks", watching_parsed)
    con, files = _load(tmp_path)
    assert files["email/support-big.mbox"].rows_loaded == 600
    assert chunks_read[0] == 24
    workers = min(os.cpu_count() or 1, 8)
    assert peak_ahead[0] <= 2 * workers  # never more than the window is read ahead of what was staged


def test_multipart_messages_with_broken_boundaries_keep_what_can_be_read(tmp_path: Path):
    headers = (b"From x Mon Jan  5 10:00:00 2026\nFrom: a@example.com\nTo: support@acme.example\nSubject: s\n"
               b"Date: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <%s@example.com>\nMIME-Version: 1.0\n"
               b'Content-Type: multipart/mixed; boundary="XYZ"\n\n')
    _write(tmp_path, "email/support-1.mbox",
           headers % b"never-opens" + b"the boundary never occurs\n\n"
           + headers % b"never-closes" + b"--XYZ\nContent-Type: text/plain\n\nhello part\n--XYZ\n"
           b"Content-Type: application/pdf\nContent-Disposition: attachment; filename=quote.pdf\n"
           b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n")
    con, files = _load(tmp_path)
    assert (files["email/support-1.mbox"].rows_loaded, files["email/support-1.mbox"].rows_quarantined) == (2, 0)
    rows = con.execute("select message_id, body_text, attachments, mime_defects from raw.email__messages "
                       "order by message_id").fetchall()
    assert rows == [
        ("<never-closes@example.com>", "hello part",
         '[{"filename": "quote.pdf", "content_type": "application/pdf", "size_bytes": 9}]',
         '["CloseBoundaryNotFoundDefect"]'),
        ("<never-opens@example.com>", "the boundary never occurs", "[]",
         '["MultipartInvariantViolationDefect", "StartBoundaryNotFoundDefect"]'),
    ]


def _parse_chunk_or_die_on_mailbox_a(chunk, mailbox_name, company_domains):
    """Runs in a parser process (a module-level function, so the pool can send it): dies on mailbox a."""
    if any(b"<a-" in raw for _, raw in chunk):
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_parse_chunk(chunk, mailbox_name, company_domains)


def test_a_parser_process_that_dies_fails_its_mailbox_and_the_next_load_gets_new_ones(tmp_path: Path, monkeypatch):
    """The parser processes are shared by the run's mailboxes; one killed (e.g. by the OOM killer) fails the
    mailbox it was parsing, with the reason, and the next mailbox is parsed by a new pool."""
    from ingestion.sources import email as email_source

    monkeypatch.setattr(email_source, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(email_source, "CHUNK_MESSAGES", 5)
    message = (b"From x Mon Jan  5 10:00:00 2026\nFrom: c%d@example.com\nTo: support@acme.example\nSubject: s\n"
               b"Date: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <%s-%d@example.com>\n\nbody\n\n")
    for box in ("a", "b"):
        _write(tmp_path, f"email/support-{box}.mbox", b"".join(message % (i, box.encode(), i) for i in range(40)))
    monkeypatch.setattr(email_source, "_parse_chunk", _parse_chunk_or_die_on_mailbox_a)
    email_source.shutdown_parser_pool()  # workers forked from here on parse with the patched function
    try:
        con, files = _load(tmp_path)
    finally:
        email_source.shutdown_parser_pool()
    assert files["email/support-a.mbox"].status == "failed"
    assert "process" in files["email/support-a.mbox"].error.lower()
    assert (files["email/support-b.mbox"].status, files["email/support-b.mbox"].rows_loaded) == ("loaded", 40)
