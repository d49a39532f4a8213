"""What the `crm` commands print, shared by orchestration/cli.py and the `crm bench` commands (benchmarks/cli.py):
one-line errors, each step's time and memory, progress lines.

Expected failures (CrmError) print one line and exit 1, and so does a write the storage refused wherever it
happens (a full disk, permission denied: common/storage_errors.py names the cause and the file); anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections.abc import Callable
from functools import wraps

import click

from common.storage_errors import storage_failure
from orchestration.errors import CrmError

log = logging.getLogger("crm")


def peak_memory_mb() -> float:
    """Peak resident memory of this process and of its finished children (dbt, workers), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def expected_errors(func: Callable) -> Callable:
    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CrmError as exc:
            click.secho(f"crm: {exc}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.secho("crm: interrupted", fg="red", err=True)
            sys.exit(130)
        except Exception as exc:
            refused = storage_failure(exc)
            if refused is None:
                raise
            click.secho(f"crm: {refused}", fg="red", err=True)
            sys.exit(1)

    return wrapper


class StepTimer:
    """Prints each step's wall time and the peak memory so far; collects them for the closing summary."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    def run(self, name: str, func: Callable, *args, **kwargs):
        click.secho(f"▶ {name}", bold=True, err=True)
        started = time.perf_counter()
        result = func(*args, **kwargs)
        elapsed = time.perf_counter() - started
        self.steps.append((name, elapsed))
        click.echo(f"✔ {name}: {elapsed:.1f} s (peak memory so far {peak_memory_mb():.0f} MB)", err=True)
        return result


def progress_line(message: str) -> None:
    """A step's progress message, indented under the step."""
    click.echo(f"  {message}", err=True)


def dbt_progress(line: str) -> None:
    # dbt's per-node lines ("12 of 40 OK created sql view model …", "… PASS …") and final summary, and the one-line
    # summaries of the Python steps between the dbt stages.
    if " of " in line and any(w in line for w in ("OK", "PASS", "ERROR", "FAIL", "WARN", "SKIP")) or (
        "Completed" in line or "Done." in line
        or line.startswith(("identity:", "customer lifetime:", "lead score:", "sales forecast:"))
    ):
        progress_line(line.strip())


def ingest_progress(result) -> None:
    if result.status == "skipped":
        # Files loaded before are most of a landing folder on any later run: the summary line counts them.
        log.debug("%s: already loaded", result.source_file)
        return
    mark = {"loaded": "+", "would_load": "?"}.get(result.status, "!")
    detail = f"{result.rows_loaded} rows"
    if result.rows_quarantined:
        detail += f", {result.rows_quarantined} quarantined"
    if result.rows_suppressed:
        detail += f", {result.rows_suppressed} suppressed (erased people)"
    if result.extra_columns:
        detail += f"; new columns kept in _extra: {', '.join(result.extra_columns)}"
    if result.error:
        detail = result.error
    progress_line(f"{mark} {result.source_file}: {detail}")


class IngestTicker:
    """One status line for a long ingestion: rewritten in place on a terminal, every 25 files otherwise."""

    def __init__(self) -> None:
        self.files = self.rows = self.quarantined = 0
        self.interactive = sys.stderr.isatty()

    def __call__(self, result) -> None:
        self.files += 1
        self.rows += result.rows_loaded
        self.quarantined += result.rows_quarantined
        line = f"  {self.files} files, {self.rows:,} rows loaded, {self.quarantined:,} quarantined ({result.source})"
        if self.interactive:
            click.echo("\r" + line.ljust(100), nl=False, err=True)
        elif self.files % 25 == 0:
            click.echo(line, err=True)

    def close(self) -> None:
        if self.interactive and self.files:
            click.echo("", err=True)
