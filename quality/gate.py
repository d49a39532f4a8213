"""The quality gate: may a build be published?

A build is publishable when its latest check run failed no `block` expectation. The decision is taken here only:
by `crm check` and `crm publish`, by the Dagster gate, and for the data-health page, which reads it from the audit
tables of the serving or health file. Kept light (no Great Expectations, no pandas) so any of them imports it cheaply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from common.sql import table_exists

BLOCK = "block"  # the severity that stops publishing; `warn` is recorded and shown only


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation's result in a check run (a row of audit.dq_results)."""

    suite: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str
    layer: str = "marts"
    table: str = ""

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK and not self.success

    @property
    def about(self) -> str:
        """The table the outcome is about, or its suite for results recorded before audit.dq_results had tables."""
        return self.table or self.suite

    def describe(self) -> str:
        """One line: which check saw what, and the expectation's advice on what to do when it has one."""
        try:
            observed = json.loads(self.observed)
        except ValueError:
            observed = None
        advice = observed.pop("advice", None) if isinstance(observed, dict) else None
        shown = json.dumps(observed, default=str, ensure_ascii=False) if advice else self.observed
        line = f"{self.suite}: {self.expectation}({self.column or ''}) observed {shown}"
        return f"{line} — {advice}" if advice else line


@dataclass(frozen=True)
class CheckRun:
    """One run of every suite on a build: its outcomes share a run_id in audit.dq_results."""

    build_id: str | None
    run_id: str
    checked_at: datetime
    outcomes: tuple[CheckOutcome, ...]  # in the order the check ran them


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer for a build, from one check run (`run_id` None: the build was never checked)."""

    build_id: str | None
    run_id: str | None
    checked_at: datetime | None
    blocking_failures: tuple[CheckOutcome, ...]  # in the order the check ran them

    @property
    def checked(self) -> bool:
        return self.run_id is not None

    @property
    def publishable(self) -> bool:
        return self.checked and not self.blocking_failures


def decide(run: CheckRun) -> GateDecision:
    """The decision a check run makes: publishable unless a `block` expectation failed."""
    return GateDecision(run.build_id, run.run_id, run.checked_at, tuple(o for o in run.outcomes if o.blocks))


def latest_check_run(con, build_id: str | None = None) -> CheckRun | None:
    """The latest check run in `con`'s audit.dq_results (of `build_id`; None: of whichever build was checked last),
    or None when there is none. `con` is a DuckDB connection to the build warehouse, or to the serving or health
    file, which carry a copy of audit.dq_results (orchestration/publish.py)."""
    if not table_exists(con, "audit.dq_results"):
        return None
    latest = con.execute(
        """select run_id, build_id, max(checked_at) from audit.dq_results
           where ?::varchar is null or build_id = ?
           group by run_id, build_id order by max(checked_at) desc limit 1""", [build_id, build_id]).fetchall()
    if not latest:
        return None
    run_id, run_build_id, checked_at = latest[0]
    rows = con.execute(
        """select suite, expectation, column_name, severity, success, observed, layer, table_name
           from audit.dq_results where run_id = ?""", [run_id]).fetchall()
    outcomes = tuple(CheckOutcome(*row[:6], layer=row[6] or "marts", table=row[7] or "") for row in rows)
    return CheckRun(run_build_id, run_id, checked_at, outcomes)


def latest_decision(con, build_id: str | None = None) -> GateDecision:
    """The gate's decision on the latest check run of `build_id` (None: of whichever build was checked last), read
    from `con`'s audit tables as `latest_check_run` does; not publishable when no run is found."""
    run = latest_check_run(con, build_id)
    return decide(run) if run else GateDecision(build_id, None, None, ())
