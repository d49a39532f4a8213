"""The Dagster code location: `dagster dev -m orchestration.definitions` (or `crm dagster`)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from common.settings import get_settings
from orchestration.assets.dbt import dbt_models
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.warehouse import dim_customers_expectations, identity_resolution, published_marts
from orchestration.dbt import dbt_executable
from orchestration.dbt_project import dbt_project

settings = get_settings()

full_build = dg.define_asset_job(
    "full_build",
    selection=dg.AssetSelection.all(),
    description="Ingest new landing files, build with dbt and identity resolution, check, publish.",
)

daily_full_build = dg.ScheduleDefinition(
    job=full_build,
    cron_schedule=settings.daily_build_cron,
    execution_timezone=settings.business_timezone,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

defs = dg.Definitions(
    assets=[*ingestion_assets(), dbt_models, identity_resolution, published_marts],
    asset_checks=[dim_customers_expectations],
    jobs=[full_build],
    schedules=[daily_full_build],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project, profiles_dir=str(settings.dbt_project_dir), dbt_executable=dbt_executable()
        ),
    },
    # One process: the multiprocess executor re-imports everything per step (10–13 s each, STACK.md), and
    # DuckDB takes one writer at a time anyway.
    executor=dg.in_process_executor,
)
