"""The Dagster code location: `dagster dev -m orchestration.definitions` (or `crm dagster`)."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from common.settings import get_settings
from orchestration.assets.dbt import dbt_models
from orchestration.assets.ingestion import ingestion_assets, ingestion_groups, raw_asset_key
from orchestration.assets.predictions import customer_lifetime, lead_score, sales_forecast
from orchestration.assets.quality import great_expectations_results, quality_gate
from orchestration.assets.warehouse import identity_resolution, published_marts
from orchestration.dbt import dbt_executable
from orchestration.dbt_project import dbt_project
from orchestration.sensors import failure_alert, landing_sensor

settings = get_settings()

full_build = dg.define_asset_job(
    "full_build",
    selection=dg.AssetSelection.all(),
    description="Ingest new landing files, build with dbt, identity resolution and the customer lifetime models, "
                "check, publish.",
)

daily_full_build = dg.ScheduleDefinition(
    job=full_build,
    cron_schedule=settings.daily_build_cron,
    execution_timezone=settings.business_timezone,
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

# source name -> the raw assets its ingestion asset materialises (a multi-asset runs whole)
_INGEST_KEYS = {spec.name: [raw_asset_key(s) for s in specs]
                for specs in ingestion_groups().values() for spec in specs}

defs = dg.Definitions(
    assets=[*ingestion_assets(), dbt_models, identity_resolution, customer_lifetime, lead_score, sales_forecast,
            quality_gate,
            published_marts],
    asset_checks=[great_expectations_results],
    jobs=[full_build],
    schedules=[daily_full_build],
    sensors=[landing_sensor(_INGEST_KEYS, settings.landing_sensor_interval_seconds), failure_alert],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project, profiles_dir=str(settings.dbt_project_dir), dbt_executable=dbt_executable()
        ),
    },
    # One process: the multiprocess executor re-imports everything per step (10–13 s each, measured), and
    # DuckDB takes one writer at a time anyway.
    executor=dg.in_process_executor,
)
