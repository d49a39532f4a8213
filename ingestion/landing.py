"""The landing zone: which files are there, what each one's content hash is, and which are new."""

from __future__ import annotations

import codecs
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HASH_CHUNK_BYTES = 1 << 20
HASH_THREADS = 2


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    content_hash: str
    # Lines in the file, counted while hashing it (None when the hash came from a cache): a JSON-lines reader
    # uses it to tell that a parser which skips blank lines kept one row per line.
    line_count: int | None = None


def content_hash(path: Path) -> str:
    """SHA-256 of the bytes: a renamed copy of a loaded file has the same hash and is not loaded again."""
    return hash_and_count_lines(path)[0]


def hash_and_count_lines(path: Path) -> tuple[str, int]:
    """The content hash and the number of lines (a last line without a newline counts), in one read."""
    digest, newlines, last_byte = hashlib.sha256(), 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            last_byte = chunk[-1:]
    return digest.hexdigest(), newlines + (last_byte not in (b"", b"\n"))


# (relative path, size, modification time in ns) -> content hash: lets a watcher re-hash only changed files
HashCache = dict[tuple[str, int, int], str]


def discover(landing_dir: Path, patterns: tuple[str, ...], hash_cache: HashCache | None = None) -> list[LandingFile]:
    """Files matching any of the glob patterns, in a stable order, hashed (new hashes are added to `hash_cache`;
    a file whose path, size and modification time are in it is not read again)."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        for path in sorted(landing_dir.glob(pattern)):
            if path.is_file() and not path.name.startswith("."):
                found[path] = None
    entries = [(path, path.relative_to(landing_dir).as_posix(), path.stat()) for path in found]
    cached = [hash_cache.get((relative, stat.st_size, stat.st_mtime_ns)) if hash_cache is not None else None
              for _, relative, stat in entries]
    to_hash = [path for (path, _, _), digest in zip(entries, cached, strict=True) if digest is None]
    # hashlib releases the GIL while hashing, so two threads keep both cores busy.
    with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
        counted = iter(list(pool.map(hash_and_count_lines, to_hash)))
    files = []
    for (path, relative, stat), digest in zip(entries, cached, strict=True):
        line_count = None
        if digest is None:
            digest, line_count = next(counted)
        if hash_cache is not None:
            hash_cache[(relative, stat.st_size, stat.st_mtime_ns)] = digest
        files.append(LandingFile(path, relative, stat.st_size, digest, line_count))
    return files


class UndecodableFile(UnicodeDecodeError):
    """A file in no encoding the loader reads. Its text is the reason alone, which names a line: the codec's
    "can't decode bytes in position …" prefix means nothing to whoever re-exports the file."""

    def __str__(self) -> str:
        return self.reason


class MostlyUndecodable(UndecodableFile):
    """More than half of a file's lines are neither UTF-8: the file, not a few lines, is in another encoding."""


# Python's cp932 decodes bytes no Japanese text contains (0x80, 0xA0, 0xFD-0xFF) to C1 controls and private-use
# characters: seeing them means the file is not Shift_JIS but something broken, usually UTF-8 with bad bytes.
_NOT_SHIFT_JIS = re.compile("[\u0080-\u009f\ue000-\uf8ff]")


def _decodes_as(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes (read in bounded chunks), and where the first bad byte is if not."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return False, offset + exc.start
            if encoding == "cp932" and _NOT_SHIFT_JIS.search(text):
                return False, offset
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, offset
    return True, -1


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or Shift_JIS; anything else is rejected with the first bad byte's offset."""
    ok, utf8_error_at = _decodes_as(path, "utf-8-sig")
    if ok:
        with path.open("rb") as fh:
            return "utf-8-sig" if fh.read(3) == codecs.BOM_UTF8 else "utf-8"
    if _decodes_as(path, "cp932")[0]:
        return "cp932"
    raise UndecodableFile(
        "utf-8", b"", max(utf8_error_at, 0), max(utf8_error_at, 0) + 1,
        f"{path.name} is neither UTF-8 nor Shift_JIS (cp932): invalid UTF-8 in line {_line_of(path, utf8_error_at)}; "
        "re-export it as UTF-8",
    )


def _line_of(path: Path, offset: int) -> int:
    """The line (from 1) holding the byte at `offset`."""
    line, position = 1, 0
    with path.open("rb") as fh:
        while position < offset and (chunk := fh.read(min(HASH_CHUNK_BYTES, offset - position))):
            line += chunk.count(b"\n")
            position += len(chunk)
    return line


def _line_decodes(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def copy_utf8_lines(path: Path, target: Path) -> list[tuple[int, str]]:
    """Copy the lines of a mostly UTF-8 file that decode (a BOM dropped) to `target`; return the others as (line
    number from 1, the line with each bad byte shown as U+FFFD), for the quarantine. Raise MostlyUndecodable,
    naming the first bad line, when more than half of the lines do not decode.

    Line by line in Python: it runs only for a file that has already failed to decode whole, to keep its good rows
    (a file broken in a few lines is common: one pasted name in another encoding)."""
    undecodable: list[tuple[int, str]] = []
    lines = 0
    with path.open("rb") as src, target.open("wb") as dst:
        for number, line in enumerate(src, start=1):
            lines = number
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            if _line_decodes(line):
                dst.write(line)
            else:
                undecodable.append((number, line.rstrip(b"\r\n").decode("utf-8", errors="replace")))
    if len(undecodable) * 2 > lines:
        first = undecodable[0][0]
        raise MostlyUndecodable(
            "utf-8", b"", 0, 1,
            f"{path.name} is neither UTF-8 nor Shift_JIS (cp932): {len(undecodable)} of {lines} lines are not "
            f"valid UTF-8, the first line {first}; re-export it as UTF-8")
    return undecodable


def original_line_number(copied_line: int, removed_lines: list[int]) -> int:
    """The line number in the original file of a line of its copy without `removed_lines` (sorted)."""
    line = copied_line
    for removed in removed_lines:
        if removed <= line:
            line += 1
        else:
            break
    return line


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Stream a file into UTF-8 so DuckDB's native CSV reader can read it (it reads UTF-8 only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(HASH_CHUNK_BYTES):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target
