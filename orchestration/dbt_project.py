"""The dbt project as Dagster sees it. Kept in its own module: loading definitions needs the manifest, which a
fresh clone does not have, so it is parsed here on first use (with crm.toml's vars, like every dbt run)."""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from common.settings import get_settings
from orchestration.dbt import ensure_manifest

settings = get_settings()
# dbt subprocesses started by Dagster inherit this environment: the same warehouse as `crm build` (its vars are
# passed per invocation, orchestration/assets/dbt.py).
os.environ.update(settings.dbt_env())
ensure_manifest(settings)

dbt_project = DbtProject(project_dir=settings.dbt_project_dir, profiles_dir=settings.dbt_project_dir)
