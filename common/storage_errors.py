"""A write that failed because the storage refused it — the disk is full, a file size limit is reached, permission is
denied, the file system is read-only — told in one line naming the cause and the file.

DuckDB reports these as text around the C library's message (`Could not write file "<path>": No space left on
device`, `Cannot open file "<path>": Permission denied`), sometimes quoted again inside a later error (a failed
checkpoint, a database invalidated by it); Python raises OSError with an errno. Both are recognised here, by the
loaders (a full disk stops a run instead of failing every file after it) and by the command line (one line instead
of a traceback).
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass

# errno -> how the one line begins; `{path}` is the file the storage refused.
_CAUSES = {
    errno.ENOSPC: "no space left on device writing {path}",
    errno.EDQUOT: "disk quota exceeded writing {path}",
    # The file system's largest file, or the process's file size limit (ulimit -f).
    errno.EFBIG: "file size limit reached writing {path}",
    errno.EACCES: "permission denied: {path}",
    errno.EPERM: "operation not permitted: {path}",
    errno.EROFS: "read-only file system: {path}",
}
# The C library's text for each errno, as DuckDB quotes it after the file's name; DuckDB escapes the quotes around
# the name when the message sits inside another one (a JSON-formatted I/O error).
_DUCKDB_FAILURE = re.compile(
    r'\\?"(?P<path>[^"\\]+)\\?":\s*(?P<reason>' + "|".join(re.escape(os.strerror(code)) for code in _CAUSES) + ")")
_ERRNO_OF_REASON = {os.strerror(code): code for code in _CAUSES}


@dataclass(frozen=True)
class StorageFailure:
    message: str  # one line: the cause and the file, e.g. "no space left on device writing /srv/build.duckdb.wal"
    path: str | None  # the file the storage refused, when the error names it

    def __str__(self) -> str:
        return self.message


def storage_failure(exc: BaseException) -> StorageFailure | None:
    """What the storage refused when `exc` (or an exception it was raised from or while handling) is such a
    failure; None for any other error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        cause = _cause_of(current)
        if cause:
            return cause
        current = current.__cause__ or current.__context__
    return None


def _cause_of(exc: BaseException) -> StorageFailure | None:
    if isinstance(exc, OSError) and exc.errno in _CAUSES:
        path = os.fsdecode(exc.filename) if exc.filename is not None else None
        return StorageFailure(_CAUSES[exc.errno].format(path=path or "a file"), path)
    match = _DUCKDB_FAILURE.search(str(exc))
    if match:
        return StorageFailure(_CAUSES[_ERRNO_OF_REASON[match["reason"]]].format(path=match["path"]), match["path"])
    return None
