"""`crm bench run`'s parts: the step runner (a process tree's peak memory, a failing step), the dbt models' time per
row, and the report's Markdown and JSON."""

import json
import os
import signal
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from benchmarks.run import (
    ModelFigures,
    RunReport,
    RunResults,
    StepFailed,
    StepFigures,
    format_run,
    fresh_workdir,
    model_figures,
    run_step,
)
from orchestration.errors import CrmError
from tests.processes import running

# Holds 100 MB (written, so resident), says so by writing its pid to argv[1], then waits to be killed.
GRANDCHILD = textwrap.dedent("""
    import os, sys, time
    held = b"x" * (100 * 2**20)
    open(sys.argv[1] + ".tmp", "w").write(str(os.getpid()))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(120)
""")

# Holds 200 MB, starts the grandchild, and once the grandchild holds its 100 MB keeps both alive for 1.5 s.
ALLOCATING_STEP = textwrap.dedent("""
    import pathlib, subprocess, sys, time
    held = b"x" * (200 * 2**20)
    ready = pathlib.Path(sys.argv[1])
    grandchild = subprocess.Popen([sys.executable, "-c", sys.argv[2], str(ready)])
    while not ready.exists():
        time.sleep(0.01)
    time.sleep(1.5)
    grandchild.kill()
    grandchild.wait()
""")

# Starts a grandchild that would sleep for two minutes, says something, and fails.
FAILING_STEP = textwrap.dedent("""
    import pathlib, subprocess, sys, time
    ready = pathlib.Path(sys.argv[1])
    subprocess.Popen([sys.executable, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); "
                      "time.sleep(120)", str(ready)])
    while not ready.exists() or not ready.read_text():
        time.sleep(0.01)
    print("the fake step went wrong", file=sys.stderr)
    sys.exit(3)
""")


@pytest.fixture
def grandchild_pid_file(tmp_path: Path):
    """Where a test's grandchild writes its pid; the grandchild is killed after the test, pass or fail (run_step
    should have done it already)."""
    pid_file = tmp_path / "grandchild.pid"
    yield pid_file
    if pid_file.exists() and pid_file.read_text():
        pid = int(pid_file.read_text())
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_a_step_peak_is_its_whole_tree(tmp_path: Path, grandchild_pid_file: Path):
    forked_from_mb = _resident_mb()
    figures = run_step("allocate", [sys.executable, "-c", ALLOCATING_STEP, str(grandchild_pid_file), GRANDCHILD],
                       dict(os.environ), tmp_path / "logs" / "allocate.log")
    # Both processes hold their bytes, all written and so all resident, for 1.5 s, ten sampling intervals: at least
    # one sample sees 200 + 100 MB. Each interpreter adds its own ~10-30 MB, so counting either process twice
    # (≥ 400 MB) would show.
    assert 300 <= figures.tree_peak_mb < 380
    # wait4's figure is the largest single process, the step's own 200 MB, never the sum; Linux counts into it the
    # resident memory of the process that forked the step (this test's), which may exceed it.
    assert 200 <= figures.process_peak_mb < max(280, forked_from_mb + 20)
    assert figures.seconds >= 1.5
    assert not running(int(grandchild_pid_file.read_text()))


def test_a_failing_step_stops_with_one_line_and_leaves_nothing_running(tmp_path: Path, grandchild_pid_file: Path):
    log = tmp_path / "logs" / "fake.log"
    with pytest.raises(StepFailed) as failure:
        run_step("fake", [sys.executable, "-c", FAILING_STEP, str(grandchild_pid_file)], dict(os.environ), log)
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("fake failed") and str(log) in message
    assert "the fake step went wrong" in log.read_text()
    grandchild = int(grandchild_pid_file.read_text())
    deadline = time.monotonic() + 5  # killed already; its new parent may take a moment to reap it
    while running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(grandchild)


def test_a_work_folder_not_made_by_a_run_is_never_emptied(tmp_path: Path):
    (tmp_path / "precious.csv").write_text("a,b\n")
    with pytest.raises(CrmError, match="not empty"):
        fresh_workdir(tmp_path)
    assert (tmp_path / "precious.csv").exists()
    made = tmp_path / "run"
    fresh_workdir(made)
    (made / "landing.csv").write_text("old")
    fresh_workdir(made)
    assert [p.name for p in made.iterdir()] == [".bench-run"]


def _run_results(path: Path, invocation: str, nodes: list[dict]) -> None:
    path.write_text(json.dumps({"metadata": {"invocation_id": invocation}, "results": nodes}))


def test_each_model_gets_its_rows_and_time_from_every_dbt_invocation(tmp_path: Path):
    build_db = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build_db))
    con.execute("create schema staging; create schema marts")
    con.execute("create table staging.stg_people as select range as id from range(4)")
    con.execute("create view staging.stg_people_view as select * from staging.stg_people")
    con.execute('create table marts."odd ""name""" as select range as id from range(2000000)')
    con.close()
    results = tmp_path / "run_results.json"
    _run_results(results, "stale", [{"unique_id": "model.p.from_an_earlier_run", "execution_time": 9.0,
                                     "relation_name": '"build"."staging"."stg_people"'}])
    os.utime(results, (time.time() - 60, time.time() - 60))
    collected = RunResults(results, time.time() - 30)
    collected.poll()  # older than the run: not one of its invocations
    # A build's first dbt invocation, then its last (each overwrites the file).
    _run_results(results, "first", [
        {"unique_id": "model.p.stg_people", "execution_time": 0.5, "relation_name": '"build"."staging"."stg_people"'},
        {"unique_id": "model.p.stg_people_view", "execution_time": 0.25,
         "relation_name": '"build"."staging"."stg_people_view"'},
        {"unique_id": "test.p.not_null_stg_people_id", "execution_time": 0.1, "relation_name": None}])
    collected.poll()
    collected.poll()  # read twice, counted once
    _run_results(results, "last", [
        {"unique_id": "model.p.odd_name", "execution_time": 3.0, "relation_name": '"build"."marts"."odd ""name"""'},
        {"unique_id": "model.p.failed", "execution_time": 1.0, "relation_name": '"build"."marts"."failed"'}])
    collected.poll()
    assert model_figures(build_db, collected.nodes()) == [
        ModelFigures("odd_name", 3.0, 2_000_000), ModelFigures("stg_people", 0.5, 4),
        ModelFigures("stg_people_view", 0.25, None)]
    # 3 s over two million rows: 1.5 µs each; half a second over 4 rows: 125,000 µs each.
    assert ModelFigures("odd_name", 3.0, 2_000_000).microseconds_per_row == pytest.approx(1.5)
    assert ModelFigures("stg_people", 0.5, 4).microseconds_per_row == pytest.approx(125_000)


def _report() -> RunReport:
    def step(name: str, seconds: float, tree: float, one: float) -> StepFigures:
        return StepFigures(name, seconds, tree, one, 1.0, 2.5, f"/w/logs/{name}.log")

    return RunReport(date(2026, 12, 6), 300, 7, date(2026, 12, 1), 2, 4096.0, "/w", [
        step("generate", 100.0, 900.0, 800.0), step("ingest", 10.0, 500.0, 300.0),
        step("build", 20.5, 1200.0, 1000.0), step("check", 3.0, 400.0, 400.0), step("publish", 1.5, 200.0, 200.0),
    ], [ModelFigures("fct_big", 2.0, 1_000_000), ModelFigures("stg_view", 1.0, None),
        ModelFigures("int_empty", 0.5, 0)])


def test_the_markdown_section():
    lines = format_run(_report(), top=2).splitlines()
    assert lines[0] == "## `crm bench run --scale 300`, 2026-12-06"
    assert "300 people, seed 7, generated data ending 2026-12-01; 2 cores, 4.0 GB RAM." in lines[2]
    assert "| full | generate | 100.0 | 900 | 800 | 1.00 → 2.50 |" in lines
    # The figure leaves generation out: 10 + 20.5 + 3 + 1.5 s; the largest peaks of those four.
    assert "| full | **ingest + build + check + publish** | **35.0** | 1,200 | 1,000 | |" in lines
    assert "| fct_big | 2.00 | 1,000,000 | 2.0 |" in lines
    assert "| stg_view | 1.00 | view | — |" in lines
    assert not any(line.startswith("| int_empty") for line in lines)  # beyond the top 2
    # All three models: 3.5 s; 1,000,000 rows built by the two tables in 2.5 s, 2.5 µs each.
    assert lines[-1] == "| **all 3 models** (1 views) | 3.50 | 1,000,000 | 2.5 |"


def test_the_markdown_section_with_days():
    full = _report()
    day_steps = [StepFigures(name, seconds, 100.0, 90.0, 0.5, 0.75, f"/w/logs/2026-11-30-{name}.log", "2026-11-30")
                 for name, seconds in (("ingest", 1.0), ("build", 5.0), ("check", 0.5), ("publish", 0.5))]
    report = replace(full, steps=[*full.steps, *day_steps], days=1,
                     last_day_models=[ModelFigures("fct_big", 0.4, 1_000_000)])
    lines = format_run(report).splitlines()
    assert lines[0] == "## `crm bench run --scale 300 --days 1`, 2026-12-06"
    assert "| 2026-11-30 | build | 5.0 | 100 | 90 | 0.50 → 0.75 |" in lines
    # The day: 1 + 5 + 0.5 + 0.5 = 7 s, against the full run's 35 s: 20 %.
    assert "| 2026-11-30 | **ingest + build + check + publish** | **7.0** | 100 | 90 | |" in lines
    assert "Each day's run against the full run: 2026-11-30 7.0 s (20 %)." in lines
    assert lines[-1] == "| **all 1 models** (0 views) | 0.40 | 1,000,000 | 0.4 |"


def test_the_json_figures():
    figures = json.loads(json.dumps(_report().as_dict()))
    assert figures["day"] == "2026-12-06" and figures["end_date"] == "2026-12-01"
    assert [s["step"] for s in figures["steps"]] == ["generate", "ingest", "build", "check", "publish"]
    assert figures["steps"][2] == {"step": "build", "seconds": 20.5, "tree_peak_mb": 1200.0,
                                   "process_peak_mb": 1000.0, "load_start": 1.0, "load_end": 2.5,
                                   "log": "/w/logs/build.log", "run": "full"}
    assert figures["models"][1] == {"model": "stg_view", "seconds": 1.0, "rows": None}
