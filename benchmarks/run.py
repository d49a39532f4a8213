"""`crm bench run`: the whole pipeline (generate, ingest, build, check, publish) on generated data, each step a `crm`
command in a process of its own, with its wall time, the peak memory of its whole process tree, and the machine's
load around it; then each dbt model's time, rows and time per row.

A step's tree is its process session: the step starts a session of its own, and the loader's workers and dbt stay in
it (even when their parent has ended before them), so summing the resident memory of the session's processes (and
of any descendant that started a session of its own) every few tenths of a second sees them all. Resident memory
shared between processes (pages a forked worker has not written to) counts once per process: the sum can exceed
what the machine lost, never fall short of it (but for a peak shorter than a sample interval).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

from common.processes import ends_with_parent
from common.settings import PROJECT_ROOT, Settings
from common.sql import sql_identifier
from orchestration.errors import CrmError

# A step's end is seen at the next sample, so its time is late by up to this much; each sample reads /proc's
# process list, a few ms of one core.
SAMPLE_SECONDS = 0.15
STEPS = ("generate", "ingest", "build", "check", "publish")
# What the targets measure: a user's run, whose data already exists.
TIMED_STEPS = ("ingest", "build", "check", "publish")
TOP_MODELS = 20
# Written into a work folder this command fills, so a later run may empty it again (and no other folder).
MARKER = ".bench-run"


@dataclass(frozen=True)
class StepFigures:
    step: str
    seconds: float
    tree_peak_mb: float    # the largest sum of the step's processes' resident memory seen in one sample
    # ru_maxrss from wait4: the largest single process (the step's, or one it waited for). Linux counts into it the
    # resident memory of this process when it forked the step, so this process keeps small until the steps are done.
    process_peak_mb: float
    load_start: float      # the machine's 1-minute load average
    load_end: float
    log: str
    run: str = "full"      # the first, full run, or the day (ISO date) whose new files a later run took in


@dataclass(frozen=True)
class ModelFigures:
    model: str
    seconds: float
    rows: int | None  # None: a view (counting it would time its query, not its build)

    @property
    def microseconds_per_row(self) -> float | None:
        return self.seconds * 1e6 / self.rows if self.rows else None


@dataclass(frozen=True)
class RunReport:
    day: date
    scale: int
    seed: int
    end_date: date
    cores: int
    ram_mb: float
    workdir: str
    steps: list[StepFigures]
    models: list[ModelFigures]  # the full run's build, slowest first
    days: int = 0
    last_day_models: list[ModelFigures] = field(default_factory=list)  # the last day's build, slowest first

    def as_dict(self) -> dict:
        return {**asdict(self), "day": self.day.isoformat(), "end_date": self.end_date.isoformat()}


class StepFailed(CrmError):
    """A step's command failed: the run stops there."""


# --- one step -------------------------------------------------------------------------------------------------------


def _proc_stat(pid: str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces): state, ppid, pgrp, session…"""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # ended between the listing and the read
        return None
    return text[text.rindex(")") + 2:].split()


def step_processes(leader: int) -> set[int]:
    """A step's processes, from /proc: its session's (a step's process leads a session of its own), and any
    descendant that started a session of its own."""
    parents, members = {}, set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _proc_stat(entry)
            if fields:
                parents[int(entry)] = int(fields[1])
                if int(fields[3]) == leader:
                    members.add(int(entry))
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    todo = [leader] if leader in parents else []
    while todo:
        pid = todo.pop()
        members.add(pid)
        todo.extend(child for child in children.get(pid, []) if child not in members)
    return members


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0  # ended, or a zombie (which holds no memory)


def _end_step(leader: int) -> None:
    """Kill whatever is left of a step: its leftovers would hold the warehouse or memory."""
    for pid in step_processes(leader):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_step(step: str, command: list[str], env: dict[str, str], log: Path,
             on_sample: Callable[[], None] | None = None, interval: float = SAMPLE_SECONDS) -> StepFigures:
    """Run `command` with its output in `log`, sampling its session's summed resident memory every `interval`
    seconds (and calling `on_sample`); raise StepFailed naming the step and the log when it fails. Nothing of the
    step is left running afterwards, whatever happens."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    tree_peak = 0.0
    with log.open("w", encoding="utf-8") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   env=env, cwd=PROJECT_ROOT, start_new_session=True, **ends_with_parent())
    try:
        while True:
            tree_peak = max(tree_peak, sum(_rss_mb(pid) for pid in step_processes(process.pid)))
            if on_sample:
                on_sample()
            # wait4, not Popen.wait: its rusage has the child's peak memory.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                seconds = time.perf_counter() - started
                process.returncode = os.waitstatus_to_exitcode(status)
                if on_sample:
                    on_sample()  # what the step wrote after the last sample
                break
            time.sleep(interval)
    finally:
        _end_step(process.pid)
        if process.returncode is None:  # interrupted: it was killed above
            process.wait()
    if process.returncode != 0:
        raise StepFailed(f"{step} failed (exit status {process.returncode}): see {log}")
    return StepFigures(step, seconds, tree_peak, usage.ru_maxrss / 1024, load_start, os.getloadavg()[0], str(log))


# --- dbt's node times -----------------------------------------------------------------------------------------------


class RunResults:
    """Every dbt invocation's run_results.json written since `since` (a time.time()). A build runs dbt three times
    (orchestration.pipeline.DBT_STAGES) and each overwrites the file, so it is read whenever it changes; dbt writes it
    once, at the end of an invocation, and the next one ends seconds later (identity resolution or the predictive
    models run between them), far more than a sampling interval."""

    def __init__(self, path: Path, since: float) -> None:
        self.path, self.since = path, since
        self.invocations: dict[str, list[dict]] = {}

    def poll(self) -> None:
        try:
            if self.path.stat().st_mtime < self.since:
                return
            results = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or being written: read at the next sample
            return
        self.invocations[results["metadata"]["invocation_id"]] = results["results"]

    def nodes(self) -> list[dict]:
        return [node for results in self.invocations.values() for node in results]


_QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def model_figures(build_db: Path, nodes: list[dict]) -> list[ModelFigures]:
    """Each dbt model's time with the rows of the relation it built (None for a view), slowest first."""
    import duckdb

    figures = []
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        for node in nodes:
            if not node["unique_id"].startswith("model.") or not node.get("relation_name"):
                continue  # tests, seeds; ephemeral models build no relation
            schema, name = (part.replace('""', '"') for part in _QUOTED.findall(node["relation_name"])[-2:])
            kind = con.execute("select table_type from information_schema.tables where table_schema = ? "
                               "and table_name = ?", [schema, name]).fetchall()
            if not kind:
                continue  # the model failed or was not built
            rows = None if kind[0][0] == "VIEW" else con.execute(
                f"select count(*) from {sql_identifier(schema)}.{sql_identifier(name)}").fetchone()[0]
            figures.append(ModelFigures(node["unique_id"].split(".", 2)[-1], float(node["execution_time"]), rows))
    finally:
        con.close()
    return sorted(figures, key=lambda m: -m.seconds)


# --- the run --------------------------------------------------------------------------------------------------------


def step_environment(settings: Settings, workdir: Path) -> dict[str, str]:
    """The environment of every step's `crm`: the user's settings with every path in `workdir` (each path set, not
    only the data folder, in case crm.toml writes one without {data_dir}), no IMAP mailbox and every source at its
    default landing globs, as the other bench commands' warehouses have."""
    defaults = {}
    if settings.source_patterns:  # imported only then: it would add ~60 MB to every step's ru_maxrss
        from ingestion.sources import all_sources

        defaults = {spec.name: list(spec.patterns) for spec in all_sources()}
    return {
        **os.environ,
        "CRM_PATHS_DATA_DIR": str(workdir),
        "CRM_PATHS_LANDING_DIR": str(workdir / "landing"),
        "CRM_PATHS_GROUND_TRUTH_DIR": str(workdir / "ground_truth"),
        "CRM_PATHS_BUILD_DB": str(workdir / "warehouse" / "build.duckdb"),
        "CRM_PATHS_SERVING_DB": str(workdir / "serving" / "serving.duckdb"),
        "CRM_PATHS_BI_SERVING_DB": str(workdir / "serving" / "serving_bi.duckdb"),
        "CRM_PATHS_DAGSTER_HOME": str(workdir / "dagster_home"),
        "CRM_IMAP_ACCOUNTS": "[]",
        **{f"CRM_SOURCES_{name}".upper(): json.dumps(defaults.get(name, [])) for name in settings.source_patterns},
    }


def fresh_workdir(workdir: Path) -> None:
    """Empty `workdir` for a run: only a folder this command made (its marker file) or an empty one."""
    import shutil

    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).exists():
            raise CrmError(f"{workdir} is not empty and no earlier `crm bench run` made it: choose another --workdir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).touch()


def bench_run(settings: Settings, scale: int, seed: int, workdir: Path,
              progress: Callable[[str], None] | None = None, days: int = 0) -> RunReport:
    """The pipeline's steps in order on generated data in a fresh `workdir` (logs in workdir/logs, the figures in
    workdir/run.json), then the dbt models' figures from the build's run_results.json and warehouse. With `days`,
    the last `days` days of the generated files are first taken out (benchmarks.days); the full run loads the rest,
    then each day's files are put into the landing folder and ingest, build, check and publish run again."""
    fresh_workdir(workdir)
    # The lookback is in load time and every load of this run is minutes old: with any lookback in days, each day's
    # build would re-take every row loaded so far. A morning's build a day after the last re-takes that day's loads
    # and the lookback's (docs/benchmarks.md); this times the day's alone. The full run gets the same setting (its
    # first build takes everything whatever the lookback): dbt parses the project again whenever a var changes, which
    # a daily schedule, whose settings stay put, never pays.
    env = {**step_environment(settings, workdir), "CRM_BUILD_INCREMENTAL_LOOKBACK_DAYS": "0"}
    crm = [sys.executable, "-m", "orchestration.cli"]
    end = settings.generate_end_date
    commands = {"generate": [*crm, "generate", "--scale", str(scale), "--seed", str(seed),
                             "--end-date", end.isoformat()],
                **{step: [*crm, step] for step in TIMED_STEPS}}
    logs = workdir / "logs"
    steps: list[StepFigures] = []

    def step(name: str, run: str = "full") -> RunResults | None:
        log = logs / (f"{name}.log" if run == "full" else f"{run}-{name}.log")
        if progress:
            progress(f"▶ {name}{'' if run == 'full' else f' ({run})'} (log: {log})")
        run_results = RunResults(settings.dbt_project_dir / "target" / "run_results.json", time.time()) \
            if name == "build" else None
        figures = replace(run_step(name, commands[name], env, log,
                                   run_results.poll if run_results else None), run=run)
        steps.append(figures)
        if progress:
            progress(f"✔ {name}: {figures.seconds:.1f} s, peak {figures.tree_peak_mb:,.0f} MB")
        return run_results

    step("generate")
    day_folders = {}
    if days:
        from benchmarks.days import split_last_days

        day_folders = split_last_days(workdir / "landing", end, days, workdir / "days", settings)
    full_build = None
    for name in TIMED_STEPS:
        full_build = step(name) or full_build
    models = model_figures(workdir / "warehouse" / "build.duckdb", full_build.nodes())
    day_build = None
    for day, folder in day_folders.items():
        _deliver(folder, workdir / "landing")
        for name in TIMED_STEPS:
            day_build = step(name, day.isoformat()) or day_build
    last_day_models = model_figures(workdir / "warehouse" / "build.duckdb", day_build.nodes()) if day_build else []
    report = RunReport(date.today(), scale, seed, end, os.cpu_count() or 0, _ram_mb(), str(workdir), steps, models,
                       days, last_day_models)
    (workdir / "run.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return report


def _deliver(folder: Path, landing: Path) -> None:
    """Move a day's files into the landing folder, each at its relative path."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        destination = landing / path.relative_to(folder)
        destination.parent.mkdir(parents=True, exist_ok=True)
        path.replace(destination)


def _ram_mb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def format_run(report: RunReport, top: int = TOP_MODELS) -> str:
    """The run as a Markdown section for docs/benchmarks.md."""
    days = f" --days {report.days}" if report.days else ""
    lines = [f"## `crm bench run --scale {report.scale}{days}`, {report.day.isoformat()}", "",
             f"{report.scale:,} people, seed {report.seed}, generated data ending {report.end_date.isoformat()}; "
             f"{report.cores} cores, {report.ram_mb / 1024:,.1f} GB RAM. Peak memory: the step's process tree "
             "(summed resident memory, sampled) and its largest single process."]
    if report.days:
        held_back = "day's" if report.days == 1 else f"{report.days} days'"
        lines[-1] += (f" The last {held_back} files were taken out after generation: the full run loads the rest, "
                      "then each day's files arrive and ingest, build, check and publish run again.")
    lines += ["", "| run | step | seconds | peak MB (tree) | peak MB (one process) | load (1 min) start → end |",
              "| --- | --- | ---: | ---: | ---: | --- |"]
    runs = list(dict.fromkeys(s.run for s in report.steps))
    totals = {}
    for run in runs:
        steps = [s for s in report.steps if s.run == run]
        lines += [f"| {run} | {s.step} | {s.seconds:,.1f} | {s.tree_peak_mb:,.0f} | {s.process_peak_mb:,.0f} | "
                  f"{s.load_start:.2f} → {s.load_end:.2f} |" for s in steps]
        timed = [s for s in steps if s.step in TIMED_STEPS]
        if timed:
            totals[run] = sum(s.seconds for s in timed)
            lines.append(f"| {run} | **{' + '.join(s.step for s in timed)}** | **{totals[run]:,.1f}** | "
                         f"{max(s.tree_peak_mb for s in timed):,.0f} | {max(s.process_peak_mb for s in timed):,.0f} "
                         "| |")
    if report.days and "full" in totals:
        lines += ["", "Each day's run against the full run: " + "; ".join(
            f"{run} {seconds:,.1f} s ({100 * seconds / totals['full']:.0f} %)"
            for run, seconds in totals.items() if run != "full") + "."]
    lines += _models_table(report.models, top, "the full run's build")
    if report.last_day_models:
        lines += _models_table(report.last_day_models, top, "the last day's build (rows: the whole relation after "
                                                             "it, not what the day added)")
    return "\n".join(lines) + "\n"


def _models_table(models: list[ModelFigures], top: int, which: str) -> list[str]:
    if not models:
        return []
    counted = [m for m in models if m.rows is not None]
    lines = ["", f"dbt models of {which}, slowest {min(top, len(models))} of {len(models)} (node times from dbt's "
                 "run_results.json; dbt runs several at once, so their sum exceeds the build's wall time):", "",
             "| model | seconds | rows | µs per row |", "| --- | ---: | ---: | ---: |"]
    lines += [_model_row(m.model, m.seconds, m.rows) for m in models[:top]]
    lines.append(_model_row(f"**all {len(models)} models** ({len(models) - len(counted)} views)",
                            sum(m.seconds for m in models), sum(m.rows for m in counted),
                            sum(m.seconds for m in counted)))
    return lines


def _model_row(name: str, seconds: float, rows: int | None, seconds_per_rows: float | None = None) -> str:
    """`seconds_per_rows`: the seconds the rows' µs per row divides, when not `seconds` (the total's views have no
    rows)."""
    if rows is None:
        return f"| {name} | {seconds:.2f} | view | — |"
    per_row = (seconds if seconds_per_rows is None else seconds_per_rows) * 1e6 / rows if rows else None
    return f"| {name} | {seconds:.2f} | {rows:,} | {'—' if per_row is None else f'{per_row:,.1f}'} |"
