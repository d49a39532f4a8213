"""The local Dagster instance `crm dagster` runs: DAGSTER_HOME in the data folder, with its dagster.yaml."""

from __future__ import annotations

from pathlib import Path

from orchestration.resilience import BUILD_WAREHOUSE_POOL

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


def write_instance_config(dagster_home: Path) -> Path:
    """Create DAGSTER_HOME and its dagster.yaml unless the user already has one there."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")
    return config
