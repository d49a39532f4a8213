"""Source freshness: when each source last delivered a file, and whether that is within its expected interval.

Written to `audit.source_freshness` (one row per source, the state as of `checked_at`) on every check; published
with the marts for the dashboards' data-health page. Dagster shows the same intervals as freshness policies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from common.sql import table_exists

# A source crm.toml's [freshness] does not name is expected daily.
DEFAULT_EXPECTED_EVERY_HOURS = 24.0

SOURCE_FRESHNESS_DDL = """
create schema if not exists audit;
create table if not exists audit.source_freshness (
    source varchar,
    family varchar,
    last_loaded_at timestamptz,
    expected_every_hours double,
    due_at timestamptz,
    status varchar,           -- fresh | late | never loaded
    checked_at timestamptz
);
"""


def expected_every_hours(configured: dict[str, float], source: str) -> float:
    return configured.get(source, DEFAULT_EXPECTED_EVERY_HOURS)


def source_freshness(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, str]], configured: dict[str, float],
                     now: datetime | None = None) -> list[tuple]:
    """Rows of audit.source_freshness for (source, family) pairs, from audit.loads."""
    now = now or datetime.now(UTC)
    has_loads = table_exists(con, "audit.loads")
    last_loaded = dict(con.execute(
        "select source, max(finished_at) from audit.loads where status = 'loaded' group by source").fetchall()
    ) if has_loads else {}
    rows = []
    for source, family in sources:
        hours = expected_every_hours(configured, source)
        loaded_at = last_loaded.get(source)
        due_at = loaded_at + timedelta(hours=hours) if loaded_at else None
        status = "never loaded" if loaded_at is None else ("late" if now > due_at else "fresh")
        rows.append((source, family, loaded_at, hours, due_at, status, now))
    return rows


def record_source_freshness(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, str]],
                            configured: dict[str, float], now: datetime | None = None) -> list[tuple]:
    rows = source_freshness(con, sources, configured, now)
    con.execute(SOURCE_FRESHNESS_DDL)
    con.execute("delete from audit.source_freshness")
    con.executemany("insert into audit.source_freshness values (?, ?, ?, ?, ?, ?, ?)", rows)
    return rows
