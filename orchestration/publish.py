"""Publishing: copy the marts into a new serving file and swap it over the published one atomically.

Readers (dashboards, BI tools) only ever open the serving file, read-only. A reader holding the old file
keeps reading it undisturbed; new connections see the new file. The build never waits for a reader.

`crm publish` starts the new file from a copy of the published one, so the largest marts — those that keep
`_changed_at`, the build that last changed each row (CHANGE_FEED_KEYS) — take only the rows that changed; every other
table is copied whole. `crm forget` writes a fresh file instead: the old file's freed pages still hold the bytes of
the rows it erased.
"""

from __future__ import annotations

import logging
import os
import shutil
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
# Published tables (marts and bi alike) that keep `_changed_at`, with the column naming a row: one (key, _changed_at)
# is one content (docs/architecture.md, "Incremental builds"), so a publication started from the last one brings them
# up to date by deleting the rows whose pair is gone from the build and inserting the pairs it lacks.
CHANGE_FEED_KEYS = {"fct_interactions": "interaction_id", "fct_customer_timeline": "touchpoint_id"}


@dataclass(frozen=True)
class Publication:
    serving_db: Path
    build_id: str | None
    tables: dict[str, int]
    published_at: datetime
    pii_free_db: Path | None = None                           # the file without direct PII, when one was written
    pii_free_tables: dict[str, int] = field(default_factory=dict)
    # Tables brought up to date by their changed rows alone (name → rows written), in each file.
    tables_updated: dict[str, int] = field(default_factory=dict)
    pii_free_tables_updated: dict[str, int] = field(default_factory=dict)


def publish(build_db: Path, serving_db: Path, build_id: str | None, pii_free_db: Path | None = None,
            published_at: datetime | None = None, from_published: bool = False) -> Publication:
    """The marts, bi and audit tables into the serving file; with `pii_free_db`, the bi tables alone into that file
    too (see publish_pii_free), both stamped with the same publication: now, or `published_at` (`crm forget`
    republishes a build without the people it erased, under its first publication's time).

    `from_published`: start each file from a copy of the one published (see the module's docstring); the files
    written are the same as without it."""
    published_at = published_at or datetime.now(UTC)

    def copy(con: duckdb.DuckDBPyConnection, updated: dict[str, int]) -> dict[str, int]:
        schema_list = ", ".join(sql_literal(s) for s in PUBLISHED_SCHEMAS)
        names = [name for (name,) in con.execute(
            f"""select table_schema || '.' || table_name from information_schema.tables
                where table_catalog = 'build' and table_schema in ({schema_list}) order by 1"""
        ).fetchall()]
        return _copy_tables(con, names + [t for t in PUBLISHED_AUDIT_TABLES if table_exists(con, f"build.{t}")],
                            updated)

    # The two files are written side by side (one file's copy leaves a core idle much of the time: reading the
    # build and compressing the new file take turns), and swapped in only once both are written, so a failure
    # leaves both as they were.
    with ThreadPoolExecutor(max_workers=2) as pool:
        pii_free = pool.submit(_stage_pii_free, build_db, pii_free_db, build_id, published_at, from_published) \
            if pii_free_db else None
        serving = _stage_file(build_db, serving_db, copy, build_id, published_at, from_published)
        pii_free_staged = pii_free.result() if pii_free else None
    _swap(serving.path, serving_db)
    log.info("published %d tables to %s%s", len(serving.tables), serving_db, updated_note(serving.updated))
    if pii_free_staged:
        _swap(pii_free_staged.path, pii_free_db)
        log.info("published %d tables without direct PII to %s%s", len(pii_free_staged.tables), pii_free_db,
                 updated_note(pii_free_staged.updated))
    return Publication(serving_db, build_id, serving.tables, published_at, pii_free_db,
                       pii_free_staged.tables if pii_free_staged else {}, serving.updated,
                       pii_free_staged.updated if pii_free_staged else {})


def updated_note(updated: dict[str, int]) -> str:
    """' (N brought up to date by their changed rows: M rows written)' for a file's updated tables; '' for none."""
    if not updated:
        return ""
    return f" ({len(updated)} brought up to date by their changed rows: {sum(updated.values()):,} rows written)"


def publish_pii_free(build_db: Path, pii_free_db: Path, build_id: str | None, published_at: datetime) -> dict[str, int]:
    """Publish the file without direct PII alone, written afresh (see _stage_pii_free); its tables' row counts."""
    staged = _stage_pii_free(build_db, pii_free_db, build_id, published_at)
    _swap(staged.path, pii_free_db)
    log.info("published %d tables without direct PII to %s", len(staged.tables), pii_free_db)
    return staged.tables


@dataclass(frozen=True)
class _Staged:
    path: Path
    tables: dict[str, int]   # row counts
    updated: dict[str, int]  # tables brought up to date by their changed rows: rows written


def _stage_pii_free(build_db: Path, pii_free_db: Path, build_id: str | None, published_at: datetime,
                    from_published: bool = False) -> _Staged:
    """The serving file for readers who need no personal data: the bi schema alone, its views materialized as
    tables (a view over the marts would need the marts, PII included, in the same file), the publication and
    PII_FREE_AUDIT_TABLES.

    meta.withheld_columns names each marts column its bi table leaves out (names and types only, no values): the
    viewers' dashboards read the bi tables under the marts' names with those columns empty, so a page's query
    runs unchanged and shows nothing personal."""

    def copy(con: duckdb.DuckDBPyConnection, updated: dict[str, int]) -> dict[str, int]:
        names = [name for (name,) in con.execute(
            """select table_schema || '.' || table_name from information_schema.tables
               where table_catalog = 'build' and table_schema = 'bi' order by 1"""
        ).fetchall()]
        tables = _copy_tables(con, names + [t for t in PII_FREE_AUDIT_TABLES if table_exists(con, f"build.{t}")],
                              updated)
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

    return _stage_file(build_db, pii_free_db, copy, build_id, published_at, from_published)


def _copy_tables(con: duckdb.DuckDBPyConnection, names: list[str], updated: dict[str, int]) -> dict[str, int]:
    """Each schema.table of the attached build into the same name here, as a table; its row count. A table the file
    already holds is brought up to date by its changed rows where it can be (_copy_changed_rows; into `updated`)."""
    tables: dict[str, int] = {}
    for name in names:
        con.execute(f"create schema if not exists {name.split('.')[0]}")
        written = _copy_changed_rows(con, name)
        if written is None:
            con.execute(f"create or replace table {name} as select * from build.{name}")
        else:
            updated[name] = written
        tables[name] = con.execute(f"select count(*) from {name}").fetchall()[0][0]
    return tables


def _copy_changed_rows(con: duckdb.DuckDBPyConnection, name: str) -> int | None:
    """Bring the table `name` of this file (a copy of the published one) up to date with the build's by the rows whose
    (key, _changed_at) pair the other side lacks; the rows written, or None where a whole copy is wanted: a table not
    in CHANGE_FEED_KEYS, not here yet or with other columns, or most of whose rows changed (a full refresh)."""
    schema, table = name.split(".")
    key = CHANGE_FEED_KEYS.get(table)
    here = con.execute("select current_database()").fetchall()[0][0]
    if key is None or not table_exists(con, f"{here}.{name}"):
        return None

    def columns(database: str) -> list[tuple[str, str]]:
        return con.execute(
            """select column_name, data_type from information_schema.columns
               where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position""",
            [database, schema, table]).fetchall()

    published_columns = columns(here)
    if published_columns != columns("build") or not {key, "_changed_at"} <= {c for c, _ in published_columns}:
        return None
    (published_until,), = con.execute(f"select max(_changed_at) from {name}").fetchall()
    changed, total = con.execute(
        f"""select count(*) filter (where _changed_at is null or _changed_at > ?), count(*) from build.{name}""",
        [published_until]).fetchall()[0]
    if published_until is None or 2 * changed > total:
        return None
    same_row = f"theirs.{key} = ours.{key} and theirs._changed_at = ours._changed_at"
    con.execute(f"delete from {name} as ours where not exists (select 1 from build.{name} as theirs where {same_row})")
    # What is left here are the build's rows of up to `published_until` that the last publication had, and in the
    # usual case those are all of them, so the rows to add are those changed since: no second comparison of every
    # row (25 s a file at a million people). A file published from another build's lineage (a restored warehouse)
    # lacks some older rows too: the count tells, and those are found by comparison.
    (written,), = con.execute(
        f"insert into {name} select * from build.{name} where _changed_at is null or _changed_at > ?",
        [published_until]).fetchall()
    (rows,), = con.execute(f"select count(*) from {name}").fetchall()
    if rows < total:
        (older,), = con.execute(
            f"insert into {name} select * from build.{name} as theirs where _changed_at <= ? "
            f"and not exists (select 1 from {name} as ours where {same_row})", [published_until]).fetchall()
        written += older
        (rows,), = con.execute(f"select count(*) from {name}").fetchall()
    if rows != total:  # a build key twice over (its unique test failed the build first): copy it whole
        log.warning("%s: %d rows brought up to date against %d in the build; copied whole", name, rows, total)
        return None
    return written


def _stage_file(build_db: Path, target: Path, copy, build_id: str | None, published_at: datetime,
                from_published: bool = False) -> _Staged:
    """A file next to `target`, written by `copy` (given a connection with the build attached as `build`, and a dict
    for the tables it brought up to date) and the publication row, made durable, for `_swap`. With `from_published`
    and a published file there, a copy of it (tables no longer in the build dropped); otherwise a fresh one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging_file = target.with_name(target.name + ".tmp")
    staging_file.unlink(missing_ok=True)
    if from_published and target.exists():
        try:
            return _write_staged(build_db, staging_file, copy, build_id, published_at, copy_of=target)
        except duckdb.Error as error:  # e.g. a file of another DuckDB storage version: the fresh one follows
            log.warning("could not start %s from the published file (%s); writing it afresh", target.name,
                        str(error).splitlines()[0])
            staging_file.unlink(missing_ok=True)
    return _write_staged(build_db, staging_file, copy, build_id, published_at)


def _write_staged(build_db: Path, staging_file: Path, copy, build_id: str | None, published_at: datetime,
                  copy_of: Path | None = None) -> _Staged:
    if copy_of is not None:
        shutil.copyfile(copy_of, staging_file)
    updated: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    con.execute("set enable_progress_bar = false")  # a log line, not a terminal bar, at 1M people
    try:
        con.execute(f"attach {sql_literal(str(build_db))} as build (read_only)")
        con.execute("drop schema if exists meta cascade")  # written anew below (and by `copy`)
        tables = copy(con, updated)
        here = con.execute("select current_database()").fetchall()[0][0]
        for (name,) in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() where database_name = ?",
                [here]).fetchall():
            if name not in tables and not name.startswith("meta."):  # left the build since the last publication
                con.execute(f"drop table {name}")
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
    return _Staged(staging_file, tables, updated)


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
