"""Running dbt as a subprocess.

A subprocess (not dbt's in-process runner) so the DuckDB file is closed when dbt is done (STACK.md) and the
next step — identity resolution, publishing — can open it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common.processes import ends_with_parent
from common.settings import Settings
from orchestration.errors import CrmError, WarehouseLocked

log = logging.getLogger(__name__)


# dbt's unit tests check the models' logic on fixed, hand-computed inputs: they say nothing about the user's data,
# so a build (`crm build`, Dagster's dbt assets) does not run them — they took about a third of a small build's dbt
# time. `crm unit-tests` and the test suite run them; dbt's own advice for production is the same.
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(
    settings: Settings,
    args: list[str],
    on_line: Callable[[str], None] | None = None,
    extra_vars: dict[str, str] | None = None,
) -> None:
    """Run `dbt <args>` on the project; raise CrmError with dbt's own error line on failure.

    dbt runs in the warehouse's folder and opens it by its file name: dbt re-parses the whole project (about 7 s)
    whenever the profile differs from the last parse, and the path is part of the profile, so absolute paths made
    every build of another warehouse (each test's, each data folder's) pay for a full parse. Relative, every
    `build.duckdb` has the same profile and reuses the last parse.
    """
    env = {**os.environ, **settings.dbt_env(), "DBT_PROJECT_DIR": str(settings.dbt_project_dir),
           "CRM_BUILD_DB": settings.build_db.name}
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no warehouse folder yet
    command = [dbt_executable(), *args]
    if extra_vars:
        command += ["--vars", json.dumps(extra_vars)]
    log.info("running %s", " ".join(command))
    process = subprocess.Popen(
        command, cwd=settings.build_db.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        **ends_with_parent(),
    )
    problems: list[str] = []
    last_line, lines_after_problem = "", 0
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip()
        last_line = line or last_line
        if on_line:
            on_line(line)
        if "Error in " in line or "Failure in " in line or "lock" in line.lower():
            problems.append(line.strip())
            lines_after_problem = 0
        elif problems and lines_after_problem < 2 and line.strip():
            problems.append(line.strip())  # the message under the "Error in model …" line
            lines_after_problem += 1
    if process.wait() != 0:
        text = " ".join(problems)
        if "Could not set lock" in text or "Conflicting lock" in text:
            raise WarehouseLocked(f"{settings.build_db} is locked by another process: wait for it to finish")
        reason = " — ".join(p for p in problems[:4] if "Failure in" not in p) if problems else last_line
        raise CrmError(f"dbt {args[0]} failed: {reason}")


def ensure_manifest(settings: Settings) -> Path:
    """The dbt manifest Dagster loads its assets from; parse the project if there is none yet (fresh clone)."""
    manifest = settings.dbt_project_dir / "target" / "manifest.json"
    if not manifest.exists():
        run_dbt(settings, ["parse", "--quiet"])
    return manifest


@dataclass(frozen=True)
class DbtNodeBuilt:
    """A model or seed a dbt invocation built."""

    unique_id: str  # model.customer360.dim_customers
    seconds: float


def nodes_built(settings: Settings, since: float) -> list[DbtNodeBuilt]:
    """The models and seeds the latest dbt invocation built successfully, from its run_results.json — none if that
    file is older than `since` (a time.time()): dbt stopped before running anything (a compilation error)."""
    results_file = settings.dbt_project_dir / "target" / "run_results.json"
    if not results_file.exists() or results_file.stat().st_mtime < since:
        return []
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    return [DbtNodeBuilt(r["unique_id"], r["execution_time"]) for r in results
            if r["unique_id"].split(".")[0] in {"model", "seed"} and r["status"] == "success"]
