"""The data-health page: loads, quality checks, blocking failures, builds and source freshness (audit tables)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.queries.serving import run_query

# A superseded load was replaced by a later load of the same content (through a changed column map): its rows
# are no longer in the warehouse, so it counts neither as a file nor as rows.
LOADS_BY_SOURCE_SQL = """
select source, count(*) as files, max(finished_at) as last_loaded_at,
       sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as rows_quarantined,
       count(*) filter (where status in ('rejected', 'failed')) as files_failed,
       max_by(status, finished_at) as last_status
from audit.loads
where status <> 'superseded'
group by source
order by source
"""

QUALITY_RESULTS_SQL = """
select suite, expectation, column_name, severity, success, observed, checked_at
from audit.dq_results
where run_id = (select max_by(run_id, checked_at) from audit.dq_results)
order by success, severity, suite, expectation, column_name
"""

BUILDS_SQL = """
select build_id, started_at, finished_at, customers, records_resolved
from audit.builds
order by started_at desc
limit 10
"""

# The blocking checks that failed in the latest check run: the quality gate refuses to publish while there are any.
BLOCKING_FAILURES_SQL = """
select suite, expectation, column_name, coalesce(nullif(table_name, ''), suite) as table_name, observed, checked_at
from audit.dq_results
where run_id = (select max_by(run_id, checked_at) from audit.dq_results)
  and severity = 'block' and not success
order by table_name, expectation, column_name
"""

SOURCE_FRESHNESS_SQL = """
select source, family, last_loaded_at, expected_every_hours, due_at, status, checked_at
from audit.source_freshness
order by case status when 'late' then 0 when 'never loaded' then 1 else 2 end, source
"""


def loads_by_source(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, LOADS_BY_SOURCE_SQL)


def quality_results(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, QUALITY_RESULTS_SQL)


def blocking_failures(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, BLOCKING_FAILURES_SQL)


def builds(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, BUILDS_SQL)


def source_freshness(serving_db: Path) -> pd.DataFrame:
    return run_query(serving_db, SOURCE_FRESHNESS_SQL)
