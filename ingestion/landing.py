"""The landing zone: which files are there, what each one's content hash is, and which are new."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    size_bytes: int
    content_hash: str


def content_hash(path: Path) -> str:
    """SHA-256 of the bytes: a renamed copy of a loaded file has the same hash and is not loaded again."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


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
    files = []
    for path in found:
        stat, relative = path.stat(), path.relative_to(landing_dir).as_posix()
        if hash_cache is None:
            digest = content_hash(path)
        else:
            digest = hash_cache.get((relative, stat.st_size, stat.st_mtime_ns)) or content_hash(path)
            hash_cache[(relative, stat.st_size, stat.st_mtime_ns)] = digest
        files.append(LandingFile(path, relative, stat.st_size, digest))
    return files


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
    raise UnicodeDecodeError(
        "utf-8", b"", max(utf8_error_at, 0), max(utf8_error_at, 0) + 1,
        f"{path.name} is neither UTF-8 nor Shift_JIS (cp932): invalid UTF-8 at byte {utf8_error_at}; "
        "re-export it as UTF-8",
    )


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Stream a file into UTF-8 so DuckDB's native CSV reader can read it (it reads UTF-8 only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(HASH_CHUNK_BYTES):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target
