"""The dbt models as assets (dagster-dbt); dbt tests become asset checks."""


from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from common.settings import get_settings
from orchestration.dbt import NO_UNIT_TESTS, dbt_vars_args
from orchestration.dbt_project import dbt_project
from orchestration.resilience import BUILD_WAREHOUSE_POOL


class LayerTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer (staging, intermediate, marts, reference seeds) and describes them as the dbt
    project does."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # The model's own description only: dagster-dbt's default appends the model's SQL ("Raw SQL"), which buried
        # the description in the asset's page; the SQL is one click away in the dbt docs (`crm docs`).
        return dbt_resource_props.get("description") or (
            f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}")


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=LayerTranslator(),
            pool=BUILD_WAREHOUSE_POOL,
            # dbt's own errors are not told apart from a locked file here: a failed build is retried, with backoff.
            retry_policy=dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL))
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # Dagster runs this in several passes in a full build (the seeds, the identity inputs, the marts after identity
    # resolution), each time with the selected subset. The seeds may come first, on a fresh warehouse.
    settings = get_settings()
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    # dagster-dbt appends the subset's --select to these args; --vars carries crm.toml's settings, as in `crm build`.
    yield from dbt.cli(["build", *NO_UNIT_TESTS, *dbt_vars_args(settings)], context=context).stream()
