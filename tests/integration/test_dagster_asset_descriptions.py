"""Dagster describes each dbt asset with the model's own description from the dbt project, without the model's SQL
that dagster-dbt appends by default ("Raw SQL")."""

import json


def test_asset_descriptions_are_the_models_descriptions_without_their_sql():
    import dagster as dg

    from orchestration.dbt_project import dbt_project
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    descriptions = {key.to_user_string(): graph.get(key).description for key in graph.get_all_asset_keys()}
    assert [key for key, text in descriptions.items() if not text] == []
    assert [key for key, text in descriptions.items() if "Raw SQL" in text or "```" in text] == []

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    dim_customers = manifest["nodes"]["model.customer360.dim_customers"]
    assert graph.get(dg.AssetKey(["marts", "dim_customers"])).description == dim_customers["description"]
