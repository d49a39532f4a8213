"""Publishing: copy the marts into a fresh serving file and swap it over the published one atomically.

Readers (dashboards, BI tools) only ever open the serving file, read-only. A reader holding the old file
keeps reading it undisturbed; new connections see the new file. The build never waits for a reader.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from common.sql import sql_literal, table_exists

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts", "bi")  # bi: the marts without direct PII (dbt models/bi), for analysts
# Operational tables the data-health page needs; they hold no PII.
PUBLISHED_AUDIT_TABLES = ("audit.loads", "audit.dq_results", "audit.builds", "audit.source_freshness")
# What the file without PII takes of them: when each build ran (the funnel's drop-offs need it). Not the loads or
# check results, whose errors and observed values can quote a source row.
PII_FREE_AUDIT_TABLES = ("audit.builds",)


@dataclass(frozen=True)
class Publication:
    serving_db: Path
    build_id: str | None
    tables: dict[str, int]
    published_at: datetime
    pii_free_db: Path | None = None                           # the file without direct PII, when one was written
    pii_free_tables: dict[str, int] = field(default_factory=dict)


def publish(build_db: Path, serving_db: Path, build_id: str | None, pii_free_db: Path | None = None,
            published_at: datetime | None = None) -> Publication:
    """The marts, bi and audit tables into the serving file; with `pii_free_db`, the bi tables alone into that file
    too (see publish_pii_free), both stamped with the same publication: now, or `published_at` (`crm forget`
    republishes a build without the people it erased, under its first publication's time)."""
    published_at = published_at or datetime.now(UTC)

    def copy(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        schema_list = ", ".join(sql_literal(s) for s in PUBLISHED_SCHEMAS)
        names = [name for (name,) in con.execute(
            f"""select table_schema || '.' || table_name from information_schema.tables
                where table_catalog = 'build' and table_schema in ({schema_list}) order by 1"""
        ).fetchall()]
        return _copy_tables(con, names + [t for t in PUBLISHED_AUDIT_TABLES if table_exists(con, f"build.{t}")])

    # The two files are written side by side (one file's copy leaves a core idle much of the time: reading the
    # build and compressing the new file take turns), and swapped in only once both are written, so a failure
    # leaves both as they were.
    with ThreadPoolExecutor(max_workers=2) as pool:
        pii_free = pool.submit(_stage_pii_free, build_db, pii_free_db, build_id, published_at) if pii_free_db \
            else None
        tables, staged = _stage_file(build_db, serving_db, copy, build_id, published_at)
        pii_free_tables, pii_free_staged = pii_free.result() if pii_free else ({}, None)
    _swap(staged, serving_db)
    log.info("published %d tables to %s", len(tables), serving_db)
    if pii_free_db:
        _swap(pii_free_staged, pii_free_db)
        log.info("published %d tables without direct PII to %s", len(pii_free_tables), pii_free_db)
    return Publication(serving_db, build_id, tables, published_at, pii_free_db, pii_free_tables)


def publish_pii_free(build_db: Path, pii_free_db: Path, build_id: str | None, published_at: datetime) -> dict[str, int]:
    """Publish the file without direct PII alone (see _stage_pii_free); its tables' row counts."""
    tables, staged = _stage_pii_free(build_db, pii_free_db, build_id, published_at)
    _swap(staged, pii_free_db)
    log.info("published %d tables without direct PII to %s", len(tables), pii_free_db)
    return tables


def _stage_pii_free(build_db: Path, pii_free_db: Path, build_id: str | None,
                    published_at: datetime) -> tuple[dict[str, int], Path]:
    """The serving file for readers who need no personal data: the bi schema alone, its views materialized as
    tables (a view over the marts would need the marts, PII included, in the same file), the publication and
    PII_FREE_AUDIT_TABLES.

    meta.withheld_columns names each marts column its bi table leaves out (names and types only, no values): the
    viewers' dashboards read the bi tables under the marts' names with those columns empty, so a page's query
    runs unchanged and shows nothing personal."""

    def copy(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        names = [name for (name,) in con.execute(
            """select table_schema || '.' || table_name from information_schema.tables
               where table_catalog = 'build' and table_schema = 'bi' order by 1"""
        ).fetchall()]
        tables = _copy_tables(con, names + [t for t in PII_FREE_AUDIT_TABLES if table_exists(con, f"build.{t}")])
        con.execute("create schema if not exists meta")
        con.execute(
            """create table meta.withheld_columns as
               select m.table_name, m.column_name, m.data_type
               from information_schema.columns m
               join information_schema.tables b
                 on b.table_catalog = 'build' and b.table_schema = 'bi' and b.table_name = m.table_name
               where m.table_catalog = 'build' and m.table_schema = 'marts'
                 and not exists (
                     select 1 from information_schema.columns c
                     where c.table_catalog = 'build' and c.table_schema = 'bi'
                       and c.table_name = m.table_name and c.column_name = m.column_name)
               order by m.table_name, m.column_name"""
        )
        return tables

    return _stage_file(build_db, pii_free_db, copy, build_id, published_at)


def _copy_tables(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, int]:
    """Each schema.table of the attached build into the same name here, as a table; its row count."""
    tables: dict[str, int] = {}
    for name in names:
        con.execute(f"create schema if not exists {name.split('.')[0]}")
        con.execute(f"create table {name} as select * from build.{name}")
        tables[name] = con.execute(f"select count(*) from {name}").fetchall()[0][0]
    return tables


def _stage_file(build_db: Path, target: Path, copy, build_id: str | None,
                published_at: datetime) -> tuple[dict[str, int], Path]:
    """A fresh file next to `target`, written by `copy` (given a connection with the build attached as `build`) and
    the publication row, made durable; its tables' row counts and its path, for `_swap`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging_file = target.with_name(target.name + ".tmp")
    staging_file.unlink(missing_ok=True)
    con = duckdb.connect(str(staging_file))
    con.execute("set enable_progress_bar = false")  # a log line, not a terminal bar, at 1M people
    try:
        con.execute(f"attach {sql_literal(str(build_db))} as build (read_only)")
        tables = copy(con)
        con.execute("create schema if not exists meta")
        con.execute(
            "create table meta.publication as select ?::varchar as build_id, ?::timestamptz as published_at",
            [build_id, published_at],
        )
        con.execute("detach build")
    finally:
        con.close()
    # Durable before it replaces the old file (`crm forget` republishes so that the old file's bytes are gone).
    with staging_file.open("rb+") as fh:
        os.fsync(fh.fileno())
    return tables, staging_file


def _swap(staged: Path, target: Path) -> None:
    # Atomic on POSIX: readers see either the old complete file or the new complete file, never a mix.
    os.replace(staged, target)


def publish_health(build_db: Path, health_db: Path) -> dict[str, int]:
    """Copy the audit tables alone into the health file (next to the serving file), swapped in atomically.

    Written after every check, whether or not the build may be published: the data-health page reads which
    check failed and when from here while the serving file keeps the last good build."""
    health_db.parent.mkdir(parents=True, exist_ok=True)
    staging_file = health_db.with_name(health_db.name + ".tmp")
    staging_file.unlink(missing_ok=True)
    tables: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    con.execute("set enable_progress_bar = false")  # a log line, not a terminal bar, at 1M people
    try:
        con.execute(f"attach {sql_literal(str(build_db))} as build (read_only)")
        con.execute("create schema audit")
        for name in (t for t in PUBLISHED_AUDIT_TABLES if table_exists(con, f"build.{t}")):
            con.execute(f"create table {name} as select * from build.{name}")
            tables[name] = con.execute(f"select count(*) from {name}").fetchall()[0][0]
        con.execute("detach build")
    finally:
        con.close()
    os.replace(staging_file, health_db)
    return tables
