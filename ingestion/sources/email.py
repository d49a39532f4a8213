"""Email: mbox files and folders of .eml files, parsed with the standard `email` package (modern policy).

Large mailboxes are parsed by a pool of processes (one per core); each worker parses a slice of the
messages and returns plain rows, which DuckDB stages in one go.
"""

from __future__ import annotations

import atexit
import datetime as dt
import email
import email.policy
import email.utils
import functools
import json
import logging
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.checks import FileRules, epoch_timestamp, iso_timestamp, required
from ingestion.sources.base import LoadMode, ReadContext, Reader, SourceSpec, json_lines_reader

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 32_000
CHUNK_MESSAGES = 250  # small enough that a mailbox of a few thousand messages keeps every core busy
CHUNK_BYTES = 8 * 2**20  # large messages make a chunk full sooner: the chunks parsed ahead stay bounded in bytes
PARALLEL_MIN_BYTES = 200_000  # below this (~250 messages) parsing in-process beats sending the work away

MESSAGE_COLUMNS = (
    "message_id", "mailbox", "direction", "from_address", "from_name", "to_addresses", "cc_addresses",
    "counterpart_address", "counterpart_name", "subject", "sent_at", "date_header", "in_reply_to",
    "references", "body_text", "body_truncated", "attachments", "size_bytes", "mime_defects",
)


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _addresses(msg: email.message.EmailMessage, header: str) -> list[tuple[str, str]]:
    return list(_parsed_addresses(tuple(str(v) for v in msg.get_all(header) or ())))


@functools.lru_cache(maxsize=8192)  # the same To (a shared inbox) or From (a regular) recurs from message to message
def _parsed_addresses(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, addr.lower()) for name, addr in email.utils.getaddresses(list(values)) if addr)


def _body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None and msg.get_content_maintype() == "multipart" and not msg.is_multipart():
        # A multipart whose boundary never occurs: the parser keeps the whole body as one text; keep it too.
        return str(msg.get_payload()).strip()
    if part is None:
        return ""
    content = part.get_content()
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _attachments(msg: email.message.EmailMessage) -> list[dict]:
    return [
        {"filename": part.get_filename(), "content_type": part.get_content_type(),
         "size_bytes": len(part.get_payload(decode=True) or b"")}
        for part in msg.iter_attachments()
    ]


# Header values in shapes whose parsed header (email.policy.default) reads as the value itself, or for address
# lists as the same addresses (see _MailPolicy). Anything else, such as an encoded word ("=?"), a comment, a quoted
# pair, a group, an unquoted parameter value (the parsed header quotes it) or non-ASCII bytes, takes the parser.
_TEXT = re.compile(r"[\t -~]*")  # unstructured: printable ASCII and tabs (an encoded word is excluded apart)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
_QUOTED = r'"[ !#-\[\]-~]*"'  # printable ASCII but a quote or backslash
_MAILBOX = rf"(?:(?:{_ATOM}(?: {_ATOM})*|{_QUOTED}) )?<{_ADDR_SPEC}>|{_ADDR_SPEC}"
_QUOTED_VALUE = r'"[ !#-\[\]-~]+"'  # not empty: the parsed header writes an empty value as no value
_TOKEN = r"[A-Za-z0-9!#$%&'+.^_`{|}~-]+"  # RFC 2045 token, without "*" (RFC 2231 parameters take the parser)
_PLAIN = {
    "subject": _TEXT,
    "in-reply-to": _TEXT,
    "references": _TEXT,
    "date": _TEXT,  # read as the parsed header reads it, by _PlainDate
    "message-id": re.compile(rf"<{_ADDR_SPEC}>"),
    "from": re.compile(rf"(?:{_MAILBOX})(?:, ?(?:{_MAILBOX}))*"),
    "content-type": re.compile(rf"{_TOKEN}/{_TOKEN}(?:; {_TOKEN}={_QUOTED_VALUE})*"),
    "content-disposition": re.compile(rf"{_TOKEN}(?:; {_TOKEN}={_QUOTED_VALUE})*"),
    "content-transfer-encoding": re.compile(r"[A-Za-z0-9-]+"),
    "mime-version": re.compile(r"[0-9]\.[0-9]"),
}
_PLAIN["to"] = _PLAIN["cc"] = _PLAIN["from"]


def _plain(kind: str, value: str) -> bool:
    shape = _PLAIN.get(kind)
    return shape is not None and "=?" not in value and shape.fullmatch(value) is not None


class _PlainDate(str):
    """What the modern policy's Date header gives (its text and .datetime), computed as it does but without
    building the parse tree nobody reads."""

    datetime: dt.datetime | None

    def __new__(cls, value: str):
        try:
            when = email.utils.parsedate_to_datetime(value) if value else None
        except ValueError:
            when = None
        self = super().__new__(cls, email.utils.format_datetime(when) if when else value)
        self.datetime = when
        return self


class _MailPolicy(email.policy.EmailPolicy):
    """The modern policy (email.policy.default: EmailMessage, get_body, the raw-data content manager), with
    header values in the plain shape most mail is written in given as their text instead of a parsed header.

    Building parsed headers was 80% of parsing a message (profiled), and for these headers and shapes the parsed
    header's text is the value itself (Date: the same two functions the parsed header calls; From/To/Cc: what
    getaddresses reads from it is what it reads from the value). Any other value (an encoded word, a comment,
    a group, non-ASCII bytes) is parsed by the modern registry as before. tests/unit/test_mbox.py checks both
    ways agree.
    """

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):
            return value
        return self._fetched(name, value)

    # The modern policy parses a header again on every access, and the parser and get_body ask for each part's
    # Content-Type a dozen times; many messages share a To or a Content-Type. Parsed headers are immutable
    # strings, so one per (name, value) serves every access and every message carrying the same header text.
    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one policy lives as long as the process, by design
    def _fetched(self, name: str, value: str):
        value = "".join(email.policy.linesep_splitter.split(value))  # unfolded, as the modern policy does
        kind = name.lower()
        if _plain(kind, value):
            return _PlainDate(value) if kind == "date" else value
        return self.header_factory(name, value)


MAIL_POLICY = _MailPolicy()


def parse_message(raw: bytes, mailbox_name: str, company_domains: tuple[str, ...]) -> dict:
    """One message as a row. Raises ValueError with a reason a person can act on for unusable messages."""
    msg = email.message_from_bytes(raw, policy=MAIL_POLICY)
    message_id = (msg.get("Message-ID") or "").strip()
    if not message_id:
        raise ValueError("no Message-ID header: the message cannot be identified or threaded")
    date_header = msg.get("Date")
    if not date_header:
        raise ValueError("no Date header: the message cannot be placed in time")
    sent_at = date_header.datetime
    if sent_at is None:
        raise ValueError(f"unparseable Date header: {str(date_header)[:80]!r}")
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=UTC)
    senders = _addresses(msg, "From")
    recipients = _addresses(msg, "To")
    cc = _addresses(msg, "Cc")
    from_name, from_address = senders[0] if senders else ("", "")

    def is_ours(address: str) -> bool:
        return address.rsplit("@", 1)[-1] in company_domains

    outbound = bool(from_address) and is_ours(from_address)
    others = [(n, a) for n, a in (recipients + cc if outbound else senders) if not is_ours(a)]
    counterpart_name, counterpart_address = others[0] if others else ("", "")
    try:
        body = _body(msg)
    except (LookupError, ValueError, AssertionError) as exc:  # broken MIME part or unknown charset
        raise ValueError(f"unreadable body ({type(exc).__name__}: {exc})") from exc
    return {
        "message_id": message_id,
        "mailbox": mailbox_name,
        "direction": "outbound" if outbound else "inbound",
        "from_address": from_address,
        "from_name": from_name,
        "to_addresses": json.dumps([a for _, a in recipients]),
        "cc_addresses": json.dumps([a for _, a in cc]),
        "counterpart_address": counterpart_address or None,
        "counterpart_name": counterpart_name or None,
        "subject": str(msg.get("Subject") or ""),
        "sent_at": sent_at.astimezone(UTC).isoformat(),
        "date_header": str(date_header),
        "in_reply_to": (msg.get("In-Reply-To") or "").strip() or None,
        "references": " ".join(str(msg.get("References") or "").split()) or None,
        "body_text": body[:MAX_BODY_CHARS],
        "body_truncated": len(body) > MAX_BODY_CHARS,
        "attachments": json.dumps(_attachments(msg), ensure_ascii=False),
        "size_bytes": len(raw),
        # The parser's complaints (e.g. a MIME boundary that never closes), for whoever wonders about a body.
        "mime_defects": json.dumps(sorted({type(d).__name__ for part in msg.walk() for d in part.defects})),
    }


def _parse_chunk(chunk: list[tuple[int, bytes]], mailbox_name: str, company_domains: tuple[str, ...]):
    rows, rejected = [], []
    for ordinal, raw in chunk:
        try:
            row = parse_message(raw, mailbox_name, company_domains)
            row["_record_number"] = ordinal
            rows.append(row)
        except Exception as exc:  # noqa: BLE001 - any unparseable message is quarantined with its reason
            rejected.append((ordinal, raw[:4000].decode("utf-8", "replace"), f"{exc}"))
    return rows, rejected


def _mailbox_name(path: Path) -> str:
    return path.stem.split("-")[0] if path.suffix == ".mbox" else path.parent.name


def mbox_messages(path: Path) -> Iterator[bytes]:
    """The messages of an mbox file, as `mailbox.mbox(path).get_bytes(key)` gives them, streamed.

    `mailbox.mbox` first builds a table of contents of the whole file (tens of MB for a large mailbox, and
    growing with it); this splits on the same "From " lines while reading, so memory stays one message.
    tests/unit/test_mbox.py checks the two agree message for message.
    """
    with path.open("rb") as mbox_file:
        lines: list[bytes] | None = None  # None until the first "From " line, as in mailbox.mbox
        for line in mbox_file:
            if line.startswith(b"From "):
                if lines is not None:
                    yield _without_separator(lines)
                lines = []
            elif lines is not None:
                lines.append(line)
        if lines is not None:
            yield _without_separator(lines)


def _without_separator(lines: list[bytes]) -> bytes:
    """A message's lines without the blank line that separates it from the next "From " line."""
    return b"".join(lines[:-1] if lines and lines[-1] == b"\n" else lines)


def _raw_chunks(path: Path) -> Iterator[list[tuple[int, bytes]]]:
    """Messages of an mbox (or one .eml) in order, CHUNK_MESSAGES or CHUNK_BYTES at a time, read without loading
    the file."""
    if path.suffix == ".eml":
        yield [(1, path.read_bytes())]
        return
    chunk: list[tuple[int, bytes]] = []
    chunk_bytes = 0
    for ordinal, message in enumerate(mbox_messages(path), start=1):
        chunk.append((ordinal, message))
        chunk_bytes += len(message)
        if len(chunk) == CHUNK_MESSAGES or chunk_bytes >= CHUNK_BYTES:
            yield chunk
            chunk, chunk_bytes = [], 0
    if chunk:
        yield chunk


_parser_pool: ProcessPoolExecutor | None = None


def _shared_parser_pool(workers: int) -> ProcessPoolExecutor:
    """One pool of parser processes for the whole run: started once, not once per mailbox (most mailboxes take
    about a second to parse, so a pool per file cost a large share of it and small files were parsed on one core)."""
    global _parser_pool
    if _parser_pool is None:
        # Workers come from a fork server, a clean process started for the purpose: forked from the loader itself
        # (Linux's default), a worker inherited DuckDB's threads mid-work and its garbage (connections, results),
        # and crashed collecting it (a segmentation fault after a rejected file's load, in the tests).
        _parser_pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
        atexit.register(shutdown_parser_pool)
    return _parser_pool


def shutdown_parser_pool() -> None:
    """Stop the parser processes (at exit; a benchmark calls it to count their CPU time)."""
    global _parser_pool
    if _parser_pool is not None:
        _parser_pool.shutdown()
        _parser_pool = None


def _parsed_chunks(path: Path, context: ReadContext):
    """Parsed chunks in file order; with several cores a bounded window of chunks is parsed in parallel, so
    memory stays bounded whatever the size of the mailbox."""
    name, domains = _mailbox_name(path), context.company_domains
    workers = min(os.cpu_count() or 1, 8)
    if workers == 1 or path.stat().st_size < PARALLEL_MIN_BYTES:
        for chunk in _raw_chunks(path):
            yield len(chunk), _parse_chunk(chunk, name, domains)
        return
    pool = _shared_parser_pool(workers)
    in_flight: deque = deque()
    try:
        for chunk in _raw_chunks(path):
            in_flight.append((len(chunk), pool.submit(_parse_chunk, chunk, name, domains)))
            if len(in_flight) >= 2 * workers:
                size, future = in_flight.popleft()
                yield size, future.result()
        while in_flight:
            size, future = in_flight.popleft()
            yield size, future.result()
    except BrokenProcessPool:
        shutdown_parser_pool()  # a parser process died (e.g. killed for memory): the next mailbox gets a new pool
        raise
    finally:
        for _, future in in_flight:  # a reader that stopped early leaves no work behind in the shared pool
            future.cancel()


def _staged_table(rows: list[dict]) -> pa.Table:
    """Rows as an Arrow table: text like every raw column (a flag as "True"/"False"), the record number an
    integer. Built column by column: a third of the time of a pandas frame converted to text."""
    columns = {c: pa.array([None if r[c] is None else str(r[c]) for r in rows], pa.string()) for c in MESSAGE_COLUMNS}
    return pa.table(columns | {"_record_number": pa.array([r["_record_number"] for r in rows], pa.int64())})


def read_mail(con: duckdb.DuckDBPyConnection, paths: list[Path], context: ReadContext,
              line_counts: list[int | None] | None = None) -> list[int]:
    """Stage mailboxes (the loader gives one at a time: a mailbox's parsing already uses every core)."""
    con.execute(
        "create or replace temp table _staged ("
        + ", ".join(f'"{c}" varchar' for c in MESSAGE_COLUMNS) + ", _record_number bigint, _file_index integer)"
    )
    rows_read = []
    for file_index, path in enumerate(paths):
        read = 0
        for size, (rows, rejected) in _parsed_chunks(path, context):
            read += size
            if rows:
                con.register("_messages", _staged_table(rows))
                con.execute(f"insert into _staged by name select *, {file_index} as _file_index from _messages")
                con.unregister("_messages")
            if rejected:
                con.executemany("insert into _quarantine (line_number, raw_record, reason, _file_index) "
                                f"values (?, ?, ?, {file_index})", rejected)
        rows_read.append(read)
    return rows_read


SOURCES = [
    SourceSpec(
        name="email__messages",
        family="email",
        patterns=("email/*.mbox", "email/**/*.eml"),
        reader=Reader(read_mail),
        load_mode=LoadMode("append", ("message_id",)),
        row_checks=(*iso_timestamp("sent_at"),),
        file_rules=FileRules(("message_id", "sent_at"), identifiers=("message_id",)),
        email_columns=("from_address", "counterpart_address"),
    ),
    SourceSpec(
        name="email__campaign_events",
        family="email",
        patterns=("email_events/*.jsonl", "email_events/*.json"),
        reader=json_lines_reader(
            {
                "sg_event_id": "$.sg_event_id",
                "sg_message_id": "$.sg_message_id",
                "event": "$.event",
                "email": "$.email",
                "timestamp": "$.timestamp",
                "marketing_campaign_id": "$.marketing_campaign_id",
                "marketing_campaign_name": "$.marketing_campaign_name",
                "url": "$.url",
                "useragent": "$.useragent",
                "ip": "$.ip",
                "reason": "$.reason",
                "status": "$.status",
                "bounce_type": "$.type",
            },
            json_fields={"category": "$.category"},
            required_any_of={"recipient": ("email",), "timestamp": ("timestamp",)},
        ),
        load_mode=LoadMode("append", ("sg_event_id",)),
        row_checks=(required("sg_event_id"), *epoch_timestamp("timestamp")),
        file_rules=FileRules(("sg_event_id", "event", "timestamp"), value_sets={"event": (
            ("processed", "delivered", "open", "click", "bounce", "dropped", "deferred", "spamreport", "unsubscribe",
             "group_unsubscribe", "group_resubscribe"), "warn")}),
        email_columns=("email",),
    ),
]
