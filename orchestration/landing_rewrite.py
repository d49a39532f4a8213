"""Landing files rewritten without the records of people being forgotten, each in its own format.

CSV (UTF-8 with or without BOM, or Shift_JIS; any delimiter), JSON lines, mbox and .eml: a record is theirs when
a field (a CSV cell, a JSON string value, a message's addresses or Message-ID) equals one of their identifiers or
ids, or any text of it contains one of their emails or phones (a body, a caller id, a list of recipients). Every
other record is written back byte for byte (quoting, line ends, encoding, mbox "From " lines unchanged), to a new
file made durable and renamed over the old one, so the original's bytes are gone; a .eml of theirs is deleted.
Files of other kinds are left alone (the final byte search reports any still naming them).
"""

from __future__ import annotations

import binascii
import copy
import csv
import json
import multiprocessing
import os
import quopri
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from common.normalize import normalize_email
from ingestion.landing import content_hash, detect_encoding
from ingestion.sources.email import parse_message
from orchestration.erasure import CELL_SEPARATOR, People, matching, replace_file, text_alternations

LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _pattern(values: set[str]) -> re.Pattern | None:
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))) if values else None


RUN = re.compile(r"[a-z0-9]+")
# A value whose best run is shorter than this is looked for whole: a short run is in too many lines.
MIN_KEY_LENGTH = 5


def search_keys(values: set[str]) -> set[str]:
    """What a line holding one of the (lower-case) values holds, as a substring, for sure: the value's most telling
    run of ASCII letters and digits (one no other value has, with a digit, long), or the value itself when it has no
    such run and nothing a JSON string would escape (a line of JSON holds 'ü' as \\u00fc, '/' perhaps as \\/). A
    first or family name is no telling run: an address with no digits is looked for whole."""
    runs = {v: RUN.findall(v) for v in values}
    shared = Counter(run for found in runs.values() for run in set(found))
    keys = set()
    for value, found in runs.items():
        best = max(found, key=lambda r: (shared[r] == 1, any(c.isdigit() for c in r), len(r))) if found else None
        if best and len(best) >= MIN_KEY_LENGTH and any(c.isdigit() for c in best):
            keys.add(best)
        elif value.isascii() and not set(value) & set('"\\/'):
            keys.add(value)
        else:
            keys.add(best or value)
    return keys


class _Matcher:
    def __init__(self, people: People) -> None:
        self.people = people
        self.exact = people.exact()
        # A value holding the separator could only be found across two texts (`naming_them`); the exact test still
        # finds it whole.
        contained = {v for v in people.contained() if CELL_SEPARATOR not in v}
        self.contained = _pattern(contained)
        self.contained_alternations = text_alternations(contained)  # the same test, for RE2 (`naming_them`)
        self.searched = text_alternations(search_keys(self.exact | people.contained()))
        # The lines of the file at hand that may hold one of their values, and their numbers (from 0, lines split at
        # each "\n"): a record with none of them cannot be theirs, and most records are passed over without parsing.
        self.hot_lines: set[str] = set()
        self.hot_numbers: list[int] = []

    def for_file(self, text: str | bytes) -> _Matcher:
        """This matcher for one file (its text, or its bytes when it is UTF-8): its lines holding a search key
        (`search_keys`), found by RE2 through Arrow, ignoring case. (Python's regular expressions would try every key
        at every position: minutes at 100,000 people. Python splits the lines three times as fast as Arrow's
        split_pattern.) A file's bytes are searched as they are, each line a slice of them: making a Python string
        of each line first took half the time of the search, 9 s for the JSON lines of 100,000 people."""
        if isinstance(text, bytes):
            offsets = _line_offsets(text)
            lines = pa.Array.from_buffers(pa.large_string(), len(offsets) - 1,
                                          [None, pa.py_buffer(offsets), pa.py_buffer(text)])
            hot = pc.indices_nonzero(matching(lines, self.searched, ignore_case=True)).to_pylist()
            hot_lines = {text[offsets[i]:offsets[i + 1]].removesuffix(b"\n").decode("utf-8", "replace")
                         for i in hot}
        else:
            lines = pa.array(text.split("\n"), pa.string())
            found = pc.indices_nonzero(matching(lines, self.searched, ignore_case=True))
            hot, hot_lines = found.to_pylist(), set(pc.take(lines, found).to_pylist())
        narrowed = copy.copy(self)
        narrowed.hot_numbers = hot
        narrowed.hot_lines = hot_lines
        return narrowed

    def may_hold(self, text: str) -> bool:
        return any(line in self.hot_lines for line in text.split("\n"))

    def naming_them(self, records: list[list[str]]) -> list[bool]:
        """For each record (its texts: cells, JSON strings), whether any text equals one of their values or contains
        one of their addresses or numbers. The containment test runs on each record's texts joined by
        CELL_SEPARATOR, which no value searched for holds (so no match spans two texts), all records at once by RE2:
        Python's regular expressions try each value at each position, 12 s for the JSON lines at 100,000 people."""
        verdicts = [any(value.strip().lower() in self.exact for value in values) for values in records]
        pending = [i for i, named in enumerate(verdicts) if not named]
        if pending and self.contained_alternations:
            joined = pa.array([CELL_SEPARATOR.join(records[i]).lower() for i in pending], pa.string())
            for i, named in zip(pending, matching(joined, self.contained_alternations).to_pylist(), strict=True):
                verdicts[i] = named
        return verdicts


def _line_offsets(data: bytes) -> np.ndarray:
    """Where each line of the bytes starts, and the end: the lines `data.split(b"\n")` gives, each with its
    "\n"."""
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    return np.concatenate([[0], newlines + 1, [len(data)]]).astype(np.int64)


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[str, list[str]]]:
    """Each CSV record with its exact text (a quoted field may span lines)."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for match in LINE.finditer(text):
            consumed.append(match.group())
            yield match.group()

    for cells in csv.reader(lines(), delimiter=delimiter):
        raw = "".join(consumed)
        consumed.clear()
        yield raw, cells


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    try:
        return csv.Sniffer().sniff(first_line, delimiters=";\t|").delimiter
    except csv.Error:
        return ","


def rewrite_csv(path: Path, matcher: _Matcher) -> tuple[bytes, int]:
    encoding = detect_encoding(path)
    text = path.read_bytes().decode(encoding)
    records = list(_csv_records(text, _delimiter(text.split("\n", 1)[0])))
    suspects = [i for i, (raw, _) in enumerate(records) if matcher.may_hold(raw)]
    theirs = {i for i, named in zip(suspects, matcher.naming_them([records[i][1] for i in suspects]), strict=True)
              if named}
    kept = [raw for i, (raw, _) in enumerate(records) if i not in theirs]
    removed = len(theirs)
    # utf-8-sig writes the BOM again at the start of the first record, as the file had it.
    return "".join(kept).encode(encoding), removed


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def rewrite_json_lines(path: Path, matcher: _Matcher) -> tuple[bytes, int]:
    # Only the hot lines are looked at; the rest (millions of lines at 100,000 people) are written back untouched.
    # A line of the bytes split at b"\n" is the line of the same number `for_file` searched (its slices end at
    # each b"\n" too).
    lines = path.read_bytes().split(b"\n")
    theirs, parsed = set(), {}
    for number in matcher.hot_numbers:
        text = lines[number].decode("utf-8", "replace")
        try:
            parsed[number] = list(_strings(json.loads(text)))
        except ValueError:  # a broken line: the loader quarantined it whole; judged by its text
            if matcher.contained is not None and matcher.contained.search(text.lower()) is not None:
                theirs.add(number)
    theirs |= {number for number, named in zip(parsed, matcher.naming_them(list(parsed.values())), strict=True)
               if named}
    last = len(lines) - 1
    kept = b"".join(line if number == last else line + b"\n" for number, line in enumerate(lines)
                    if number not in theirs)
    return kept, len(theirs)


def _message_is_theirs(raw: bytes, matcher: _Matcher) -> bool:
    text = raw.decode("utf-8", "replace")
    try:
        row = parse_message(raw, "", ())
    except ValueError:  # unusable for the loader (quarantined with its text): judged by its text
        return matcher.contained is not None and matcher.contained.search(text.lower()) is not None
    addresses = [row["from_address"], row["counterpart_address"], *json.loads(row["to_addresses"]),
                 *json.loads(row["cc_addresses"])]
    if any(a and normalize_email(a) in matcher.people.emails for a in addresses):
        return True
    if row["message_id"] in matcher.people.record_ids:
        return True
    decoded = " ".join(str(row[k] or "") for k in ("from_name", "counterpart_name", "subject", "body_text"))
    return matcher.contained is not None and matcher.contained.search((text + " " + decoded).lower()) is not None


def _mbox_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(the chunk as in the file: its "From " line, the message and the blank line after it; the message as
    `mailbox.mbox` gives it). Bytes before the first "From " line come as a chunk with an empty message."""
    chunk: list[bytes] = []
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and chunk:
            yield _chunk(chunk)
            chunk = []
        chunk.append(line)
    if chunk:
        yield _chunk(chunk)


def _chunk(lines: list[bytes]) -> tuple[bytes, bytes]:
    if not lines[0].startswith(b"From "):
        return b"".join(lines), b""
    body = lines[1:]
    message = b"".join(body[:-1] if body and body[-1] == b"\n" else body)
    return b"".join(lines), message


def rewrite_mbox(path: Path, matcher: _Matcher) -> tuple[bytes, int]:
    chunks = list(_mbox_chunks(path.read_bytes()))
    encoded = [i for i, (_, message) in enumerate(chunks) if message and _encoded(message)]
    decoded = [_decoded(chunks[i][1]) for i in encoded]
    # An encoded message is parsed when its decoded text holds a search key, or could not be decoded.
    holding = matching(pa.array(["" if t is None else t for t in decoded], pa.string()), matcher.searched,
                       ignore_case=True).to_pylist() if encoded else []
    suspect = {i for i, text, held in zip(encoded, decoded, holding, strict=True) if text is None or held}
    kept, removed = [], 0
    for i, (chunk, message) in enumerate(chunks):
        if message and (i in suspect or matcher.may_hold(chunk.decode("utf-8", "replace"))) \
                and _message_is_theirs(message, matcher):
            removed += 1
            continue
        kept.append(chunk)
    return b"".join(kept), removed


def _encoded(message: bytes) -> bool:
    """A message with an encoded part (base64, quoted-printable, RFC 2047 words) may hide an identifier from the
    quick text check."""
    return b"base64" in message or b"quoted-printable" in message or b"=?" in message


def _base64(data: bytes) -> bytes:
    """Base64 decoded line by line, each as far as it goes in whole groups of four: a line of plain text that looks
    like base64 ("Hello") before an encoded part must not shift the part's decoding."""
    return b"".join(binascii.a2b_base64(line[:len(line) - len(line) % 4]) for line in data.split())


ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
BASE64_LINES = re.compile(rb"(?m)(?:^[A-Za-z0-9+/=]{4,}\r?\n)+")
CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)


def _decoded(message: bytes) -> str | None:
    """The message's text with its encoded words and its base64 and quoted-printable parts decoded, each in every
    charset the message declares, for the quick check: what the loader's parse would read of it, for a hundredth
    of the time. None when something does not decode."""
    try:
        charsets = {c.decode("ascii").lower() for c in CHARSET.findall(message)} | {"utf-8"}
        decoded = [message]
        for charset, kind, word in ENCODED_WORD.findall(message):
            decoded.append(_base64(word) if kind in b"bB" else quopri.decodestring(word, header=True))
            charsets.add(charset.decode("ascii").lower().split("*")[0])
        if b"base64" in message:
            decoded += [_base64(block) for block in BASE64_LINES.findall(message)]
        if b"quoted-printable" in message:
            decoded.append(quopri.decodestring(message))
        return "\n".join(part.decode(charset, "replace") for part in decoded for charset in sorted(charsets))
    except (LookupError, ValueError):  # an unknown charset, broken base64 (binascii.Error): parsed as the loader does
        return None


def rewrite_landing_files(landing_dir: Path, people: People, hash_changes: dict[str, str]) -> dict[str, int]:
    """Rewrite every landing file holding their records; return the records removed per file (relative path).
    `hash_changes` gets each rewritten file's old content hash -> new one (None: the file was deleted)."""
    matcher = _Matcher(people)
    removed: dict[str, int] = {}
    if not matcher.searched or not landing_dir.exists():
        return removed
    paths = _landing_files(landing_dir)
    sizes = {path: path.stat().st_size for path in paths}
    workers = min(os.cpu_count() or 1, len(paths))
    if workers > 1 and sum(sizes.values()) >= POOL_MIN_BYTES:
        # Parsing is pure Python: one process per core, the largest files first so that none is left running
        # alone at the end.
        largest_first = sorted(paths, key=lambda p: sizes[p], reverse=True)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = dict(zip(largest_first, pool.map(partial(_rewrite_for, people), largest_first), strict=True))
    else:
        done = {path: _rewrite_for(people, path, matcher) for path in paths}
    for path in paths:
        count, changes = done[path]
        hash_changes |= changes
        if count:
            removed[path.relative_to(landing_dir).as_posix()] = count
    return removed


# Below this many bytes of landing files, starting worker processes (about a second) costs more than it saves.
POOL_MIN_BYTES = 64 << 20


def _rewrite_for(people: People, path: Path, matcher: _Matcher | None = None) -> tuple[int, dict[str, str | None]]:
    """`_rewrite_file` for one file, in this process or a worker's: (records removed, its content hash change)."""
    changes: dict[str, str | None] = {}
    return _rewrite_file(path, matcher or _Matcher(people), changes), changes


def _landing_files(landing_dir: Path) -> list[Path]:
    return sorted(p for p in landing_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def _rewrite_file(path: Path, matcher: _Matcher, hash_changes: dict[str, str | None]) -> int:
    """Rewrite one landing file without their records (delete a .eml of theirs); return the records removed."""
    suffix = path.suffix.lower()
    if suffix == ".eml":
        if not _message_is_theirs(path.read_bytes(), matcher):
            return 0
        hash_changes[content_hash(path)] = None
        replace_file(path, None)
        return 1
    rewrite = {".csv": rewrite_csv, ".jsonl": rewrite_json_lines, ".json": rewrite_json_lines,
               ".mbox": rewrite_mbox}.get(suffix)
    if rewrite is None:
        return 0
    raw = path.read_bytes()
    narrowed = matcher.for_file(raw.decode(detect_encoding(path)) if suffix == ".csv" else raw)
    if not narrowed.hot_lines and not (suffix == ".mbox" and _encoded(raw)):
        return 0
    content, count = rewrite(path, narrowed)
    if count:
        old = content_hash(path)
        replace_file(path, content)
        hash_changes[old] = content_hash(path)
    return count
