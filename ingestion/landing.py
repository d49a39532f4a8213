"""The landing zone: which files are there, what each one's content hash is, and which are new."""

from __future__ import annotations

import codecs
import hashlib
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


def discover(landing_dir: Path, patterns: tuple[str, ...]) -> list[LandingFile]:
    """Files matching any of the glob patterns, in a stable order, hashed."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        for path in sorted(landing_dir.glob(pattern)):
            if path.is_file() and not path.name.startswith("."):
                found[path] = None
    return [
        LandingFile(p, p.relative_to(landing_dir).as_posix(), p.stat().st_size, content_hash(p))
        for p in found
    ]


# Tried in order: a file that decodes completely as UTF-8 is UTF-8; Japanese Excel writes Shift_JIS (cp932).
CANDIDATE_ENCODINGS = ("utf-8-sig", "cp932")


def detect_encoding(path: Path) -> str:
    """The first candidate encoding that decodes the whole file, read in bounded chunks."""
    for encoding in CANDIDATE_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(HASH_CHUNK_BYTES):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            with path.open("rb") as fh:
                return "utf-8-sig" if fh.read(3) == codecs.BOM_UTF8 else "utf-8"
        return encoding
    raise UnicodeDecodeError(
        "unknown", b"", 0, 1, f"{path.name} is neither UTF-8 nor Shift_JIS (cp932): re-export it as UTF-8"
    )


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Stream a file into UTF-8 so DuckDB's native CSV reader can read it (it reads UTF-8 only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(HASH_CHUNK_BYTES):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target
