"""The quality gate's decision, from a check run and from the audit tables a warehouse or serving file carries."""

from datetime import UTC, datetime

import duckdb

from quality.gate import CheckOutcome, CheckRun, decide, latest_decision
from quality.run import RESULTS_DDL

FIRST, SECOND = datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 11, 2, 6, tzinfo=UTC)


def _outcome(severity: str, success: bool, table: str = "marts.dim_customers") -> CheckOutcome:
    return CheckOutcome("dim_customers", "expect_column_values_to_be_unique", "customer_id", severity, success, "{}",
                        table=table)


def _record(con, run_id: str, build_id: str, checked_at: datetime, outcomes: list[CheckOutcome]) -> None:
    con.executemany(
        """insert into audit.dq_results (run_id, build_id, suite, expectation, column_name, severity, success,
                                         observed, checked_at, layer, table_name)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [[run_id, build_id, o.suite, o.expectation, o.column, o.severity, o.success, o.observed, checked_at, o.layer,
          o.table] for o in outcomes])


def test_a_failed_block_expectation_stops_publishing_and_a_failed_warning_does_not():
    warned = decide(CheckRun("b1", "r1", FIRST, (_outcome("block", True), _outcome("warn", False))))
    blocked = decide(CheckRun("b1", "r2", SECOND, (_outcome("block", False), _outcome("warn", False))))

    assert warned.publishable and warned.blocking_failures == ()
    assert not blocked.publishable
    assert [(o.severity, o.success) for o in blocked.blocking_failures] == [("block", False)]


def test_the_decision_is_read_from_the_latest_run_of_the_build_asked_about():
    con = duckdb.connect()
    con.execute(RESULTS_DDL)
    _record(con, "r1", "b1", FIRST, [_outcome("block", False)])
    _record(con, "r2", "b1", SECOND, [_outcome("block", True)])
    _record(con, "r3", "b2", SECOND.replace(hour=7), [_outcome("block", False, table="")])

    assert latest_decision(con, "b1").publishable
    assert latest_decision(con, "b1").run_id == "r2"
    latest = latest_decision(con)  # whichever build was checked last
    assert (latest.build_id, latest.run_id, latest.publishable) == ("b2", "r3", False)
    assert latest.checked_at == SECOND.replace(hour=7)
    assert [o.about for o in latest.blocking_failures] == ["dim_customers"]  # recorded without its table


def test_a_build_never_checked_is_not_publishable():
    con = duckdb.connect()
    assert not latest_decision(con, "b1").checked  # no audit tables at all
    con.execute(RESULTS_DDL)
    _record(con, "r1", "b1", FIRST, [_outcome("block", True)])
    decision = latest_decision(con, "b2")
    assert (decision.checked, decision.publishable, decision.build_id) == (False, False, "b2")
