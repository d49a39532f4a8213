"""The data-health page: loads, quality checks, blocking failures, builds and source freshness (audit tables)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import WarehouseNotReady, cursor, run_query
from quality.gate import CheckRun, decide, latest_check_run

# A superseded load was replaced by a later load of the same content (through a changed column map): its rows
# are no longer in the warehouse, so it counts neither as a file nor as rows.
LOADS_BY_SOURCE_SQL = """
select source, count(*) as files, max(finished_at) as last_loaded_at,
       sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as rows_quarantined,
       sum(rows_suppressed) as rows_suppressed,
       count(*) filter (where status in ('rejected', 'failed')) as files_failed,
       max_by(status, finished_at) as last_status
from audit.loads
where status <> 'superseded'
group by source
order by source
"""

BUILDS_SQL = """
select build_id, started_at, finished_at, customers, records_resolved
from audit.builds
order by started_at desc
limit 10
"""

SOURCE_FRESHNESS_SQL = """
select source, family, last_loaded_at, expected_every_hours, due_at, status, checked_at
from audit.source_freshness
order by case status when 'late' then 0 when 'never loaded' then 1 else 2 end, source
"""


def loads_by_source(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, LOADS_BY_SOURCE_SQL)


OUTCOME_COLUMNS = ["suite", "expectation", "column_name", "table_name", "severity", "success", "observed",
                   "checked_at"]


def _latest_check_run(serving_db: Path) -> CheckRun:
    """The latest check run, as the quality gate reads it (quality.gate)."""
    con = cursor(serving_db)
    try:
        run = latest_check_run(con)
    finally:
        con.close()
    if run is None:
        raise WarehouseNotReady("no quality check has run")
    return run


def _outcome_rows(run: CheckRun, outcomes) -> pd.DataFrame:
    return pd.DataFrame([(o.suite, o.expectation, o.column, o.about, o.severity, o.success, o.observed,
                          run.checked_at) for o in outcomes], columns=OUTCOME_COLUMNS)


def quality_results(serving_db: Path) -> pd.DataFrame:
    """Every expectation of the latest check run, failures first (blocking before warnings)."""
    run = _latest_check_run(serving_db)
    return _outcome_rows(run, run.outcomes).sort_values(
        ["success", "severity", "suite", "expectation", "column_name"], na_position="last", ignore_index=True)


def blocking_failures(serving_db: Path) -> pd.DataFrame:
    """The failed checks that keep the latest check run's build from being published: the gate's own decision."""
    run = _latest_check_run(serving_db)
    return _outcome_rows(run, decide(run).blocking_failures).sort_values(
        ["table_name", "expectation", "column_name"], na_position="last", ignore_index=True)


def builds(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, BUILDS_SQL)


def source_freshness(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, SOURCE_FRESHNESS_SQL)
