"""The Dagster code location loads on a fresh clone (no dbt manifest yet) and holds the expected graph."""

import os
import subprocess
import sys
from pathlib import Path

from common.settings import PROJECT_ROOT


def test_definitions_validate_without_a_prebuilt_manifest(tmp_path: Path):
    manifest = PROJECT_ROOT / "dbt_project" / "target" / "manifest.json"
    manifest.unlink(missing_ok=True)  # as on a fresh clone
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert manifest.exists()


def test_asset_graph_wires_every_layer():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for expected in ("raw/sales__contacts", "raw/web__segment_events", "raw/email__messages",
                     "raw/phone__asterisk_cdr", "identity/record_customers", "marts/dim_customers",
                     "marts/fct_orders", "marts/mart_executive_kpis_daily", "serving/published_marts"):
        assert expected in keys
    dim = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "marts/dim_customers"))
    assert any(p.to_user_string() == "identity/record_customers" for p in dim.parent_keys)
    stg = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "staging/stg_sales__contacts"))
    assert {p.to_user_string() for p in stg.parent_keys} == {"raw/sales__contacts"}
    assert [s.name for s in defs.schedules] == ["full_build_schedule"]


def test_operations_are_wired():
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resilience import BUILD_WAREHOUSE_POOL

    assert {s.name for s in defs.sensors} == {"landing_files", "failure_alert"}
    graph = defs.resolve_asset_graph()
    by_name = {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys()}
    for event_table in ("raw/web__segment_events", "raw/email__campaign_events", "raw/phone__asterisk_cdr",
                        "raw/phone__twilio_calls"):
        assert isinstance(by_name[event_table].partitions_def, dg.DailyPartitionsDefinition)
    assert by_name["raw/sales__contacts"].partitions_def is None
    assert by_name["raw/email__messages"].partitions_def is None
    # the expected arrival interval of crm.toml, as the asset's freshness policy
    policy = by_name["raw/surveys__responses"].freshness_policy
    assert policy.fail_window.to_timedelta().total_seconds() == 168 * 3600
    # publish waits for the quality gate, whose check is blocking
    assert "quality/gate" in {p.to_user_string() for p in by_name["serving/published_marts"].parent_keys}
    gate_checks = [k for k in graph.asset_check_keys if k.asset_key.to_user_string() == "quality/gate"]
    assert [(k.name, graph.get_check_spec(k).blocking) for k in gate_checks] == [("no_blocking_failures", True)]
    table_checks = {k.asset_key.to_user_string() for k in graph.asset_check_keys if k.name == "great_expectations"}
    assert {"raw/sales__orders", "staging/stg_sales__orders", "marts/dim_customers", "marts/fct_orders"} <= table_checks
    job = defs.resolve_job_def("full_build")
    pools = {node.name: node.definition.pool for node in job.nodes}
    assert all(pool == BUILD_WAREHOUSE_POOL for pool in pools.values()), pools
