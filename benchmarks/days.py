"""`crm bench run --days D`: the last D days of a landing folder taken out into one folder of new files per day, as
the source systems would deliver them each morning, so a run can first load the rest and then time each day.

A day is a UTC calendar day. What belongs to it, by format:
- mailboxes (`*.mbox`): the messages whose `Date` header falls in it; a single message (`*.eml`) moves whole;
- JSON lines (Segment, SendGrid): the lines whose `timestamp` (ISO 8601, or Unix seconds) falls in it;
- the Asterisk and Twilio call logs: the calls that started in it (Asterisk's times are the PBX's local time);
- CRM exports and survey responses: the records created in it (contacts, companies and deals by `created_at`, stage
  changes by `entered_at`, orders by `order_date`, invoices by `issued_at`, campaign members by `registered_at`,
  responses by `submitted_at`), in the export's local time (the file name's CRM instance). Records only updated in
  it stay where they are: an export holds a record as it is now, so its earlier state is not there to go back to.
  Files of no such entity (users, campaigns) stay whole, as does any other file (a JSON array, a consent list).

A file that gives rows to a day is rewritten without them (removed if none are left); each day's rows go to a file
named after the original and the day that the same source's landing pattern reads (`segment-2026-11.jsonl` →
`segment-2026-11-30.jsonl`, `contacts_jp.csv` → `contacts_2026-11-30_jp.csv`), in the original's encoding. Rows
whose time does not parse stay in the original file.

Row by row in Python, deliberately: it reads only the files whose month reaches into the days (a month per
monthly source; the CRM exports whole), the reading is per format, and it prepares a benchmark rather than being
part of one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from common.settings import Settings

# The CRM entity (a file `<entity>.csv` or `<entity>_<anything>.csv`) → the column dating a record's creation.
CREATED_COLUMNS = {
    "contacts": "created_at",
    "companies": "created_at",
    "deals": "created_at",
    "deal_stage_history": "entered_at",
    "orders": "order_date",
    "invoices": "issued_at",
    "campaign_members": "registered_at",
    "responses": "submitted_at",
}
_MONTH_IN_NAME = re.compile(r"(\d{4})-(\d{2})")


class _Days:
    """The days taken out: [first, end) in UTC."""

    def __init__(self, end: date, days: int) -> None:
        self.dates = [end - timedelta(days=days - i) for i in range(days)]
        self.start = datetime.combine(self.dates[0], datetime.min.time(), UTC)
        self.end = datetime.combine(end, datetime.min.time(), UTC)

    def of(self, instant: datetime | None) -> date | None:
        """The day `instant` falls in, or None when it is outside the days (or unknown)."""
        if instant is None or not self.start <= instant < self.end:
            return None
        return instant.astimezone(UTC).date()

    def month_reaches(self, path: Path) -> bool:
        """Whether a monthly file (`YYYY-MM` in its name) may hold rows of the days; a file without a month in its
        name may."""
        found = _MONTH_IN_NAME.search(path.name)
        if not found:
            return True
        first = date(int(found[1]), int(found[2]), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first < self.end.date() and following > self.start.date()


def split_last_days(landing: Path, end: date, days: int, out: Path, settings: Settings) -> dict[date, Path]:
    """Move the rows of the `days` days before `end` out of `landing` into `out/<YYYY-MM-DD>/` (each file at its
    relative path in the landing folder); return each day's folder, including days that received nothing."""
    window = _Days(end, days)
    folders = {day: out / day.isoformat() for day in window.dates}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    pbx = ZoneInfo(settings.pbx_timezone)
    business = ZoneInfo(settings.business_timezone)
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        relative = path.relative_to(landing)
        family = relative.parts[0]
        if family == "email" and path.suffix == ".mbox" and window.month_reaches(path):
            _split_mbox(path, window, lambda day, p=relative: folders[day] / _dated(p, day))
        elif family == "email" and path.suffix == ".eml":
            day = window.of(_message_time(path.read_bytes()))
            if day:
                (folders[day] / relative).parent.mkdir(parents=True, exist_ok=True)
                path.replace(folders[day] / relative)
        elif family in ("web", "email_events") and path.suffix == ".jsonl" and window.month_reaches(path):
            _split_lines(path, window, _json_line_time, lambda day, p=relative: folders[day] / _dated(p, day))
        elif relative.parts[:2] == ("phone", "asterisk") and window.month_reaches(path):
            _split_csv(path, window, header=False,
                       time_of=lambda row: _local_time(row[9], pbx) if len(row) > 9 else None,
                       target=lambda day, p=relative: folders[day] / _dated(p, day))
        elif relative.parts[:2] == ("phone", "twilio") and window.month_reaches(path):
            _split_csv(path, window, header=True, time_of=lambda row: _rfc2822(row.get("start_time")),
                       target=lambda day, p=relative: folders[day] / _dated(p, day))
        elif family in ("sales", "surveys") and path.suffix == ".csv":
            column = CREATED_COLUMNS.get(_crm_entity(path.name, settings))
            if column:
                zone = ZoneInfo(_crm_file_timezone(path.name, settings))
                _split_csv(path, window, header=True,
                           time_of=lambda row, c=column, z=zone: _local_time(row.get(c), z, business),
                           target=lambda day, p=relative: folders[day] / _crm_dated(p, day, settings))
    return folders


# --- names ----------------------------------------------------------------------------------------------------------


def _dated(relative: Path, day: date) -> Path:
    """A monthly file's name with the day instead of its month (or the day added)."""
    name = relative.name
    stem, suffix = name[: -len(relative.suffix)], relative.suffix
    dated = _MONTH_IN_NAME.sub(day.isoformat(), stem, count=1) if _MONTH_IN_NAME.search(stem) else \
        f"{stem}-{day.isoformat()}"
    return relative.with_name(dated + suffix)


def _crm_dated(relative: Path, day: date, settings: Settings) -> Path:
    """`contacts.csv` → `contacts_<day>.csv`; a CRM instance's file keeps its suffix last (`contacts_jp.csv` →
    `contacts_<day>_jp.csv`), as it names the instance's time zone."""
    for instance in settings.crm_instance_timezones:
        suffix = instance["file_suffix"]
        if relative.name.endswith(suffix):
            return relative.with_name(f"{relative.name[: -len(suffix)]}_{day.isoformat()}{suffix}")
    return relative.with_name(f"{relative.stem}_{day.isoformat()}{relative.suffix}")


def _crm_entity(name: str, settings: Settings) -> str:
    """`contacts.csv` and a CRM instance's `contacts_jp.csv` → `contacts`."""
    for instance in settings.crm_instance_timezones:
        if name.endswith(instance["file_suffix"]):
            return name[: -len(instance["file_suffix"])]
    return name.rsplit(".", 1)[0]


def _crm_file_timezone(name: str, settings: Settings) -> str:
    for instance in settings.crm_instance_timezones:
        if name.endswith(instance["file_suffix"]):
            return instance["timezone"]
    return settings.crm_default_timezone


# --- times ----------------------------------------------------------------------------------------------------------


def _local_time(text: str | None, zone: ZoneInfo, date_zone: ZoneInfo | None = None) -> datetime | None:
    """`YYYY-MM-DD HH:MM[:SS]` or `YYYY/MM/DD HH:MM` in `zone`; a date alone is a day, its midnight in `date_zone`
    (the business time zone, as the staging models read it)."""
    if not text or not text.strip():
        return None
    try:
        local = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        return None
    if local.tzinfo:
        return local.astimezone(UTC)
    return local.replace(tzinfo=date_zone if date_zone and len(text.strip()) <= 10 else zone).astimezone(UTC)


def _rfc2822(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _json_line_time(line: bytes) -> datetime | None:
    try:
        message = json.loads(line)
        # Segment's receivedAt and sentAt when a message lacks its own timestamp, as the loader reads them.
        value = message.get("timestamp") or message.get("receivedAt") or message.get("sentAt")
    except (ValueError, AttributeError):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# --- formats --------------------------------------------------------------------------------------------------------


def _write_parts(path: Path, kept: list[bytes], moved: dict[date, list[bytes]], target: Callable[[date], Path],
                 head: bytes = b"") -> None:
    """Write the moved rows to their days' files and the kept ones back (the file removed when none are left)."""
    if not moved:
        return
    for day, rows in moved.items():
        destination = target(day)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(head + b"".join(rows))
    if kept:
        path.write_bytes(head + b"".join(kept))
    else:
        path.unlink()


def _split_lines(path: Path, window: _Days, time_of: Callable[[bytes], datetime | None],
                 target: Callable[[date], Path]) -> None:
    kept: list[bytes] = []
    moved: dict[date, list[bytes]] = {}
    with path.open("rb") as lines:
        for line in lines:
            day = window.of(time_of(line)) if line.strip() else None
            (moved.setdefault(day, []) if day else kept).append(line)
    _write_parts(path, kept, moved, target)


def _mbox_messages(data: bytes) -> Iterable[bytes]:
    """An mbox's messages, each with its `From ` separator line (a body's own lines starting so are `>From `); any
    bytes before the first separator come first, as a piece of their own (kept where it is: it has no Date)."""
    starts = [0] + [m.start() + 1 for m in re.finditer(rb"\nFrom ", data)]  # a separator at 0 is not matched
    for begin, finish in zip(starts, [*starts[1:], len(data)], strict=True):
        yield data[begin:finish]


_DATE_HEADER = re.compile(rb"^Date:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)  # folded lines too


def _message_time(message: bytes) -> datetime | None:
    """A message's `Date` header (its header block only), or None."""
    headers = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0]
    found = _DATE_HEADER.search(headers)
    return _rfc2822(re.sub(rb"\s+", b" ", found[1]).strip().decode("ascii", "replace")) if found else None


def _split_mbox(path: Path, window: _Days, target: Callable[[date], Path]) -> None:
    kept: list[bytes] = []
    moved: dict[date, list[bytes]] = {}
    for message in _mbox_messages(path.read_bytes()):
        day = window.of(_message_time(message))
        (moved.setdefault(day, []) if day else kept).append(message)
    _write_parts(path, kept, moved, target)


def _split_csv(path: Path, window: _Days, header: bool, time_of: Callable, target: Callable[[date], Path]) -> None:
    """A CSV file's records (a quoted field may hold line breaks) by the day `time_of` gives a record (a dict by
    header, or a list without one), in the file's own encoding (UTF-8, with or without a BOM, else Shift_JIS)."""
    raw = path.read_bytes()
    try:
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp932", raw.decode("cp932")
    lines = io.StringIO(text, newline="")
    head = ""
    if header:
        head = lines.readline()
        names = next(csv.reader([head]))
    kept: list[bytes] = []
    moved: dict[date, list[bytes]] = {}
    buffered = ""
    for line in lines:
        buffered += line
        if buffered.count('"') % 2:  # inside a quoted field: the record goes on
            continue
        record, buffered = buffered, ""
        fields = next(csv.reader([record]), [])
        day = window.of(time_of(dict(zip(names, fields, strict=False)) if header else fields)) if fields else None
        encoded = record.encode("utf-8" if encoding == "utf-8-sig" else encoding)
        (moved.setdefault(day, []) if day else kept).append(encoded)
    if buffered:
        kept.append(buffered.encode("utf-8" if encoding == "utf-8-sig" else encoding))
    _write_parts(path, kept, moved, target, head.encode(encoding))
