"""Opening the build warehouse, with DuckDB's single-writer lock and a warehouse the storage refuses to open
(permission denied, a read-only file system) turned into clear errors."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import duckdb

from common.storage_errors import storage_failure
from orchestration.errors import CrmError, StorageFailed, WarehouseLocked


def connect_build(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only and not path.exists():
        raise CrmError(f"no warehouse at {path}: run `crm ingest` and `crm build` first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), read_only=read_only)
    except (duckdb.IOException, OSError) as exc:
        if "lock" in str(exc).lower():
            raise WarehouseLocked(
                f"{path} is locked by another process (a build or `crm dagster` run?): wait for it to finish"
            ) from exc
        refused = storage_failure(exc)
        if refused:
            raise StorageFailed(str(refused)) from exc
        raise


@contextmanager
def build_connection(path: Path, read_only: bool = False):
    con = connect_build(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()
