"""Run the suites against the build warehouse and keep every result in `audit.dq_results` (history)."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from quality.suites import SuiteSpec, dim_customers_suite

log = logging.getLogger(__name__)
# GX logs routine INFO lines (temporary docs folders) through its own loggers.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

RESULTS_DDL = """
create schema if not exists audit;
create table if not exists audit.dq_results (
    run_id varchar not null,
    build_id varchar,
    suite varchar not null,
    expectation varchar not null,
    column_name varchar,
    severity varchar not null,
    success boolean not null,
    observed varchar,
    checked_at timestamptz not null
);
"""


@dataclass(frozen=True)
class CheckOutcome:
    suite: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str

    @property
    def blocks(self) -> bool:
        return self.severity == "block" and not self.success


def _validate(con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> list[CheckOutcome]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    frame = con.execute(f"select * from {spec.table}").df()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # the CLI prints its own progress
    asset = context.data_sources.add_pandas(f"warehouse_{spec.name}").add_dataframe_asset(name=spec.name)
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    suite = context.suites.add(gx.ExpectationSuite(name=spec.name, expectations=spec.expectations))
    result = batch.validate(suite)
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        observed = {k: v for k, v in (item.result or {}).items() if k in {
            "observed_value", "unexpected_count", "unexpected_percent", "partial_unexpected_list"}}
        outcomes.append(
            CheckOutcome(
                suite=spec.name,
                expectation=config.type,
                column=config.kwargs.get("column"),
                severity=(config.meta or {}).get("severity", "block"),
                success=bool(item.success),
                observed=json.dumps(observed, default=str, ensure_ascii=False),
            )
        )
    return outcomes


def run_checks(
    con: duckdb.DuckDBPyConnection, build_id: str | None, min_customers_per_contact: float
) -> list[CheckOutcome]:
    """Validate every suite, record the outcomes, return them (the caller decides what a failure stops)."""
    outcomes = _validate(con, dim_customers_suite(con, min_customers_per_contact))
    run_id, checked_at = str(uuid.uuid4()), datetime.now(UTC)
    con.execute(RESULTS_DDL)
    con.executemany(
        "insert into audit.dq_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, build_id, o.suite, o.expectation, o.column, o.severity, o.success, o.observed, checked_at]
         for o in outcomes],
    )
    for outcome in outcomes:
        log.log(logging.INFO if outcome.success else logging.WARNING, "%s", outcome)
    return outcomes
