"""The local Dagster instance `crm dagster` runs: DAGSTER_HOME in the data folder, with its dagster.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.resilience import BUILD_WAREHOUSE_POOL

if TYPE_CHECKING:
    from dagster import DagsterInstance

# Runs queue for the build warehouse: one run holding a step of the pool at a time (granularity "run": a run
# keeps its place between its steps, so another run's ingestion cannot slip between two dbt passes).
# Freshness policies are off by default while in preview in Dagster 1.13.
INSTANCE_CONFIG = f"""# Written by `crm dagster` (orchestration/dagster_instance.py); edits are kept.
concurrency:
  pools:
    granularity: run
    default_limit: 1
freshness:
  enabled: true
telemetry:
  enabled: false
# The pool every step touching the build warehouse belongs to: {BUILD_WAREHOUSE_POOL}
"""


def prepare_instance(dagster_home: Path) -> Path:
    """Write the instance config, then give the build warehouse pool its limit before any run is queued.

    Dagster only sets a pool to `default_limit` once the run queue first sees a run needing it, and on that very
    tick it does not hold the run back yet: two runs queued together on a fresh DAGSTER_HOME (the landing sensor
    finding two files) would both start. Setting the limit up front closes that gap; a limit already set (e.g.
    with `dagster instance concurrency set`) is kept."""
    with open_instance(dagster_home):
        pass
    return dagster_home / "dagster.yaml"


@contextmanager
def open_instance(dagster_home: Path) -> Iterator[DagsterInstance]:
    """The instance in `dagster_home`, prepared as `crm dagster` runs it (prepare_instance)."""
    import dagster as dg

    write_instance_config(dagster_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        instance.event_log_storage.initialize_concurrency_limit_to_default(BUILD_WAREHOUSE_POOL)
        yield instance


def write_instance_config(dagster_home: Path) -> Path:
    """Create DAGSTER_HOME and its dagster.yaml unless the user already has one there."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")
    return config
