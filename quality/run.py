"""Run the suites against the build warehouse, keep every result in `audit.dq_results` (history, one run_id per
check) and render the Data Docs site (`crm docs --quality`)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from common.settings import Settings
from quality.freshness import record_source_freshness
from quality.gate import BLOCK, CheckOutcome, CheckRun
from quality.suites import SuiteSpec, marts_suites, raw_suites, staging_suites

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
-- Added with the raw and staging suites: which layer and table a result is about.
alter table audit.dq_results add column if not exists layer varchar;
alter table audit.dq_results add column if not exists table_name varchar;
create table if not exists audit.mart_row_counts (
    build_id varchar, table_name varchar, row_count bigint, counted_at timestamptz
);
"""
DATA_DOCS_SITE = "local_site"
# The Data Docs render the stored results of this many latest runs per suite (rendering is linear in what is
# stored); audit.dq_results keeps every run.
DATA_DOCS_RUNS_KEPT = 5


def data_docs_index(quality_dir: Path) -> Path:
    return quality_dir / "gx" / "uncommitted" / "data_docs" / DATA_DOCS_SITE / "index.html"


class _Validator:
    """One Great Expectations file context for a check run: results are stored under the quality folder, so
    the Data Docs site shows every run, not only the latest."""

    def __init__(self, quality_dir: Path) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every frame under this many bytes by hashing all of its values, for a batch marker
        # nothing here reads: over half of a key check's time on 7.9 M campaign events (16.5 s against 7.7 s).
        # tests/unit/test_quality_fingerprint.py fails if a GX upgrade moves the setting.
        pandas_execution_engine.HASH_THRESHOLD = 0

        self.gx = gx
        quality_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(quality_dir))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)  # the CLI prints its own
        try:
            self.datasource = self.context.data_sources.get("warehouse")
        except (KeyError, ValueError):
            self.datasource = self.context.data_sources.add_pandas("warehouse")
        self.validated: set[tuple[str, datetime]] = set()  # (suite, run time) of this check's results

    def validate(self, con: duckdb.DuckDBPyConnection, spec: SuiteSpec) -> list[CheckOutcome]:
        gx = self.gx
        frame = con.execute(spec.query).df()
        try:
            asset = self.datasource.get_asset(spec.name)
        except LookupError:
            asset = self.datasource.add_dataframe_asset(name=spec.name)
        try:
            batch_definition = asset.get_batch_definition("whole frame")
        except (KeyError, ValueError, LookupError):
            batch_definition = asset.add_batch_definition_whole_dataframe("whole frame")
        suite = self.context.suites.add_or_update(gx.ExpectationSuite(name=spec.name, expectations=spec.expectations))
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite))
        result = definition.run(batch_parameters={"dataframe": frame})
        self.validated.add((spec.name, result.meta["run_id"].run_time))
        outcomes = []
        for item in result.results:
            config = item.expectation_config
            observed = {k: v for k, v in (item.result or {}).items() if k in {
                "observed_value", "unexpected_count", "unexpected_percent", "partial_unexpected_list"}}
            if not item.success and "_source_file" in frame.columns and config.kwargs.get("column"):
                observed["files"] = _failing_files(frame, config)
            advice = (config.meta or {}).get("advice")
            if not item.success and advice:
                observed["advice"] = advice.format(lowest=_lowest_value(frame[config.kwargs["column"]]))
            outcomes.append(CheckOutcome(
                suite=spec.name, expectation=config.type, column=config.kwargs.get("column"),
                severity=(config.meta or {}).get("severity", BLOCK), success=bool(item.success),
                observed=json.dumps(observed, default=str, ensure_ascii=False), layer=spec.layer,
                table=(config.meta or {}).get("table", spec.table),
            ))
        return outcomes

    def build_docs(self, quality_dir: Path) -> None:
        """Render this check's results and suites into the Data Docs site, with its index; drop the results, and
        their pages, of all but the latest DATA_DOCS_RUNS_KEPT runs of each suite. Only the pages of this check are
        rendered (the site keeps the earlier runs' pages): rendering every kept run again cost twice as much."""
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        results = quality_dir / "gx" / "uncommitted" / "validations"
        pages = data_docs_index(quality_dir).parent / "validations"
        # Results are stored as validations/<suite>/<run name>/<run time>/…, their pages in the same folders.
        for run_names in results.rglob("__none__"):
            for stale in sorted(p for p in run_names.iterdir() if p.is_dir())[:-DATA_DOCS_RUNS_KEPT]:
                shutil.rmtree(stale)
        if not pages.exists():  # a site never built: every kept run
            self.context.build_data_docs()
            return
        ours = [key for key in self.context.validation_results_store.list_keys()
                if (key.expectation_suite_identifier.name, key.run_id.run_time) in self.validated]
        suites = [ExpectationSuiteIdentifier(name=name) for name in sorted({name for name, _ in self.validated})]
        self.context.build_data_docs(resource_identifiers=[*ours, *suites])
        for run_names in pages.rglob("__none__"):  # the pages of the results dropped above
            for run in (p for p in run_names.iterdir() if p.is_dir()):
                if not (results / run.relative_to(pages)).exists():
                    shutil.rmtree(run)

def _failing_files(frame, config) -> list[str]:
    """The landing files behind a failed per-file expectation (raw suites profile one row per file)."""
    column, low, high = config.kwargs["column"], config.kwargs.get("min_value"), config.kwargs.get("max_value")
    values = frame[column]
    bad = values.notna() & False
    if low is not None:
        bad |= values.notna() & (values < low)
    if high is not None:
        bad |= values.notna() & (values > high)
    return frame.loc[bad, "_source_file"].astype(str).tolist()[:20]


def _lowest_value(values) -> str:
    """The lowest value of a frame's column as people read it: a day for a time, else the value."""
    lowest = values.min()
    return lowest.date().isoformat() if hasattr(lowest, "date") else str(lowest)


def record_row_counts(con: duckdb.DuckDBPyConnection, build_id: str | None) -> None:
    """Row counts of every mart of this build, once per build: the next build's row-count checks compare to them."""
    con.execute(RESULTS_DDL)
    if con.execute("select count(*) from audit.mart_row_counts where build_id is not distinct from ?",
                   [build_id]).fetchall()[0][0]:
        return
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1").fetchall()
    counted_at = datetime.now(UTC)
    for (table,) in tables:
        count = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        con.execute("insert into audit.mart_row_counts values (?, ?, ?, ?)", [build_id, table, count, counted_at])


def all_suites(con: duckdb.DuckDBPyConnection, build_id: str | None, settings: Settings,
               now: datetime) -> list[SuiteSpec]:
    return [
        *raw_suites(con, settings.earliest_plausible_date, now),
        *staging_suites(con),
        *marts_suites(con, settings.min_customers_per_contact, build_id, settings.row_count_tolerance),
    ]


def run_checks(con: duckdb.DuckDBPyConnection, build_id: str | None, settings: Settings) -> CheckRun:
    """Validate every suite, record the outcomes, return the run (quality/gate.py decides what it stops)."""
    from ingestion.sources import all_sources

    now = datetime.now(UTC)
    record_row_counts(con, build_id)
    record_source_freshness(con, [(s.name, s.family) for s in all_sources() if s.delivers_on_schedule],
                            settings.source_expected_every_hours, now)
    validator = _Validator(settings.quality_dir)
    outcomes = [o for spec in all_suites(con, build_id, settings, now) for o in validator.validate(con, spec)]
    run_id, checked_at = str(uuid.uuid4()), datetime.now(UTC)
    con.executemany(
        """insert into audit.dq_results (run_id, build_id, suite, expectation, column_name, severity, success,
                                         observed, checked_at, layer, table_name)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [[run_id, build_id, o.suite, o.expectation, o.column, o.severity, o.success, o.observed, checked_at,
          o.layer, o.table] for o in outcomes],
    )
    validator.build_docs(settings.quality_dir)
    for outcome in outcomes:
        log.log(logging.INFO if outcome.success else logging.WARNING, "%s", outcome)
    return CheckRun(build_id, run_id, checked_at, tuple(outcomes))
