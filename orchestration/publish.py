"""Publishing: copy the marts into a fresh serving file and swap it over the published one atomically.

Readers (dashboards, BI tools) only ever open the serving file, read-only. A reader holding the old file
keeps reading it undisturbed; new connections see the new file. The build never waits for a reader.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from common.sql import sql_literal, table_exists

log = logging.getLogger(__name__)

PUBLISHED_SCHEMAS = ("marts", "bi")  # bi: the marts without direct PII (dbt models/bi), for analysts
# Operational tables the data-health page needs; they hold no PII.
PUBLISHED_AUDIT_TABLES = ("audit.loads", "audit.dq_results", "audit.builds", "audit.source_freshness")


@dataclass(frozen=True)
class Publication:
    serving_db: Path
    build_id: str | None
    tables: dict[str, int]
    published_at: datetime


def publish(build_db: Path, serving_db: Path, build_id: str | None) -> Publication:
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving_db.with_name(serving_db.name + ".tmp")
    staging_file.unlink(missing_ok=True)
    published_at = datetime.now(UTC)
    tables: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    con.execute("set enable_progress_bar = false")  # a log line, not a terminal bar, at 1M people
    try:
        con.execute(f"attach {sql_literal(str(build_db))} as build (read_only)")
        schema_list = ", ".join(sql_literal(s) for s in PUBLISHED_SCHEMAS)
        names = con.execute(
            f"""select table_schema || '.' || table_name from information_schema.tables
                where table_catalog = 'build' and table_schema in ({schema_list}) order by 1"""
        ).fetchall()
        for (name,) in names + [(t,) for t in PUBLISHED_AUDIT_TABLES if table_exists(con, f"build.{t}")]:
            schema = name.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {name} as select * from build.{name}")
            tables[name] = con.execute(f"select count(*) from {name}").fetchall()[0][0]
        con.execute("create schema if not exists meta")
        con.execute(
            "create table meta.publication as select ?::varchar as build_id, ?::timestamptz as published_at",
            [build_id, published_at],
        )
        con.execute("detach build")
    finally:
        con.close()
    # Atomic on POSIX: readers see either the old complete file or the new complete file, never a mix.
    os.replace(staging_file, serving_db)
    log.info("published %d tables to %s", len(tables), serving_db)
    return Publication(serving_db, build_id, tables, published_at)


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
