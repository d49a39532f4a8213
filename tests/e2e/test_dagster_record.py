"""After `crm run` — the command line's path, which runs dbt and the other steps without Dagster — the Dagster
instance it shares with `crm dagster` holds a materialization of every asset the definitions declare, with what the
build did: the UI no longer says "Never materialized". None is left out: the command line builds every asset
(every dbt model and seed, every raw table, identity resolution, the quality gate, the serving file)."""

import dagster as dg
import pytest

from common.settings import load_settings
from tests.warehouse import query


@pytest.fixture(scope="module")
def latest(pipeline) -> dict[dg.AssetKey, dg.EventLogEntry | None]:
    from orchestration.definitions import defs

    settings = load_settings(environ=pipeline["env"])
    keys = defs.resolve_asset_graph().materializable_asset_keys
    if not settings.dagster_home.is_dir():  # nothing was ever recorded there
        return dict.fromkeys(keys)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        return {key: instance.get_latest_materialization_event(key) for key in keys}


def _metadata(latest, key: str) -> dict:
    event = latest[dg.AssetKey.from_user_string(key)]
    return {name: value.value for name, value in event.asset_materialization.metadata.items()}


def test_every_asset_the_definitions_declare_was_recorded_as_materialized(latest):
    assert len(latest) > 100
    assert sorted(key.to_user_string() for key, event in latest.items() if event is None) == []
    assert {_metadata(latest, key.to_user_string())["built_by"] for key in latest} == {"crm run"}


def test_the_materializations_carry_the_builds_figures(pipeline, latest):
    build_db, serving_db = pipeline["build_db"], pipeline["serving_db"]
    [(build_id, customers)] = query(build_db, "select build_id, customers from audit.builds "
                                              "order by started_at desc limit 1")
    dim_customers = _metadata(latest, "marts/dim_customers")
    assert dim_customers["build_id"] == build_id
    assert dim_customers["dagster/row_count"] == query(build_db, "select count(*) from marts.dim_customers")[0][0]
    assert "dagster/row_count" not in _metadata(latest, "staging/stg_sales__contacts")  # a view: not run to count it
    assert _metadata(latest, "identity/record_customers")["customers"] == customers
    contacts = _metadata(latest, "raw/sales__contacts")
    assert contacts["rows_loaded"] == query(build_db, "select count(*) from raw.sales__contacts")[0][0]
    assert contacts["files_loaded"] >= 1
    assert _metadata(latest, "quality/gate")["expectations"] > 0
    assert _metadata(latest, "serving/published_marts")["build_id"] == \
        query(serving_db, "select build_id from meta.publication")[0][0] == build_id
