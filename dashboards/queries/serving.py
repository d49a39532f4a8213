"""The published serving file, read-only: one connection per file for the process, a cursor per query.

Opening the file costs 30-150 ms, a query on an open one a few ms, so the process keeps one read-only connection
per serving file and each query runs on a cursor of its own (Streamlit sessions are threads). When a new file is
published (swapped in by os.replace, so its version changes) the old connection is closed first — DuckDB caches a
database per path in a process — and the next query opens the new file. Builds write another file, so holding the
serving file open never blocks one. Queries are parameterised, never formatted with input.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd

from common.sql import sql_literal


class WarehouseNotReady(Exception):
    """The serving file is missing or lacks a table: nothing (or an older layout) has been published."""


def published_version(serving_db: Path) -> int:
    """Changes whenever a new build is published (the file is replaced): part of every cache key."""
    try:
        return serving_db.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


class _OpenServingFiles:
    """The read-only connection to each serving file, reopened when a new version is published."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Path, tuple[int, duckdb.DuckDBPyConnection]] = {}

    def cursor(self, serving_db: Path) -> duckdb.DuckDBPyConnection:
        version = published_version(serving_db)
        with self._lock:
            opened = self._open.get(serving_db)
            if opened is None or opened[0] != version:
                if opened is not None:
                    opened[1].close()
                    del self._open[serving_db]
                if not version:
                    raise WarehouseNotReady(f"No published warehouse at {serving_db}.")
                con = _connect(serving_db)
                # No replacement scans: a missing table must be an error, not a Python variable of the same name.
                # (SET, not a connect option: other connections in the process may open the file without it.)
                con.execute("set global python_enable_replacements = false")
                self._open[serving_db] = (version, con)
            return self._open[serving_db][1].cursor()


def _connect(serving_db: Path) -> duckdb.DuckDBPyConnection:
    """The file read-only; the serving file without direct PII (publish_pii_free) behind views that give its bi
    tables the marts' names, with each column it withholds (meta.withheld_columns) empty, and its other tables
    their own: the pages' queries run on it unchanged and find no personal data. The views live in memory; the file
    is only read."""
    con = duckdb.connect(str(serving_db), read_only=True)
    pii_free = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'meta' and table_name = 'withheld_columns'"
    ).fetchall()[0][0]
    if not pii_free:
        return con
    con.close()
    con = duckdb.connect()
    con.execute(f"attach {sql_literal(str(serving_db))} as published (read_only)")
    withheld: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from published.meta.withheld_columns order by all"
    ).fetchall():
        withheld.setdefault(table, []).append((column, data_type))
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = 'published'"
    ).fetchall():
        if schema == "bi":
            empty = "".join(f", null::{data_type} as {column}" for column, data_type in withheld.get(table, []))
            con.execute("create schema if not exists marts")
            con.execute(f"create view marts.{table} as select *{empty} from published.bi.{table}")
        else:
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create view {schema}.{table} as select * from published.{schema}.{table}")
    return con


_serving_files = _OpenServingFiles()


def cursor(serving_db: Path) -> duckdb.DuckDBPyConnection:
    """A cursor of its own on the serving file's shared read-only connection; the caller closes it."""
    return _serving_files.cursor(serving_db)


def run_query(serving_db: Path, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    con = cursor(serving_db)
    try:
        return con.execute(sql, params or []).df()
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        raise WarehouseNotReady(str(exc).splitlines()[0]) from exc
    finally:
        con.close()
