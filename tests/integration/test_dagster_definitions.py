"""The Dagster code location loads on a fresh clone (no dbt manifest yet) and holds the expected graph."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT
from tests.processes import running, stop_process_tree


@pytest.mark.slow  # dbt parses the project from nothing, then Dagster loads it
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
    import dagster as dg

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for expected in ("raw/sales__contacts", "raw/web__segment_events", "raw/email__messages",
                     "raw/phone__asterisk_cdr", "identity/record_customers", "marts/dim_customers",
                     "marts/fct_orders", "marts/mart_executive_kpis_daily", "serving/published_marts"):
        assert expected in keys
    dim = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "marts/dim_customers"))
    # The marts read identity resolution's output through its staging view (source() only in staging).
    assert any(p.to_user_string() == "staging/stg_identity__record_customers" for p in dim.parent_keys)
    stg_identity = graph.get(next(k for k in graph.get_all_asset_keys()
                                  if k.to_user_string() == "staging/stg_identity__record_customers"))
    assert {p.to_user_string() for p in stg_identity.parent_keys} == {"identity/record_customers"}
    # The customer lifetime models read the purchase log (without who objected to profiling) and write the tables the
    # predictions staging views read.
    customer_value = graph.get(dg.AssetKey(["predictions", "customer_value"]))
    assert {p.to_user_string() for p in customer_value.parent_keys} == {
        "intermediate/int_predictions__purchases_filtered_to_profiling_consent"}
    stg_predictions = graph.get(next(k for k in graph.get_all_asset_keys()
                                     if k.to_user_string() == "staging/stg_predictions__customer_value"))
    assert {p.to_user_string() for p in stg_predictions.parent_keys} == {"predictions/customer_value"}
    # dim_customers shows each customer's prediction, so it waits for the predictions step.
    assert "staging/stg_predictions__customer_value" in {p.to_user_string() for p in dim.parent_keys}
    performance = graph.get(dg.AssetKey(["predictions", "model_performance"]))
    assert [c.name for c in performance.check_keys] == ["holdout_error_within_limit"]
    # The sales forecast reads its three inputs and writes the table its staging view reads, with its check there.
    forecast = graph.get(dg.AssetKey(["predictions", "sales_forecast"]))
    assert {p.to_user_string() for p in forecast.parent_keys} == {
        "intermediate/int_predictions__deal_stages_joined_to_outcomes",
        "intermediate/int_predictions__deals_filtered_to_open",
        "intermediate/int_predictions__orders_aggregated_by_month"}
    assert [c.name for c in forecast.check_keys] == ["trend_forecast_beats_seasonal_naive"]
    stg_forecast = graph.get(next(k for k in graph.get_all_asset_keys()
                                  if k.to_user_string() == "staging/stg_predictions__sales_forecast"))
    assert {p.to_user_string() for p in stg_forecast.parent_keys} == {"predictions/sales_forecast"}
    # The lead score reads the dated lead events; mart_lead_scores reads its table through the staging view.
    lead_scores = graph.get(dg.AssetKey(["predictions", "lead_scores"]))
    assert {p.to_user_string() for p in lead_scores.parent_keys} == {
        "intermediate/int_predictions__lead_events_unioned"}
    assert [c.name for c in lead_scores.check_keys] == ["lead_score_holdout_auc_above_floor"]
    stg_leads = graph.get(next(k for k in graph.get_all_asset_keys()
                               if k.to_user_string() == "staging/stg_predictions__lead_scores"))
    assert {p.to_user_string() for p in stg_leads.parent_keys} == {"predictions/lead_scores"}
    # mart_model_performance waits for every model that adds rows to it.
    stg_performance = graph.get(next(k for k in graph.get_all_asset_keys()
                                     if k.to_user_string() == "staging/stg_predictions__model_performance"))
    assert {"predictions/model_performance", "predictions/lead_scores", "predictions/sales_forecast"} <= {
        p.to_user_string() for p in stg_performance.parent_keys}
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


def test_a_run_of_one_sources_assets_carries_only_their_quality_checks():
    """A landing sensor's run request names the assets only: Dagster adds their checks (as it does for a partition
    backfill or "Materialize" on one table in the UI). The per-table Great Expectations checks are one
    multi-check, which must then run for a subset, or such a run cannot even be built."""
    import dagster as dg

    from orchestration.assets.quality import CHECK_NAME
    from orchestration.definitions import _INGEST_KEYS, defs

    keys = set(_INGEST_KEYS["web__segment_events"])
    checks = {dg.AssetCheckKey(key, CHECK_NAME) for key in keys}
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=keys)
    assert job.asset_layer.asset_graph.asset_check_keys == checks
    assert {node.name for node in job.nodes} == {"ingest_web", "great_expectations_results"}


def _graphql(port: int, query: str) -> dict:
    import json
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


CODE_LOCATION_QUERY = """{
  workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message }
      ... on RepositoryLocation { repositories { name assetGroups { groupName } jobs { name }
        schedules { name cronSchedule executionTimezone } sensors { name sensorType } } } } } } }
  instance { poolConfig { poolGranularity defaultPoolLimit } freshnessEvaluationEnabled
    concurrencyLimit(concurrencyKey: "build_warehouse") { limit } }
  assetNodes { assetKey { path } pools
    internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds } } }
}"""


@pytest.mark.slow  # starts Dagster's web server
def test_crm_dagster_serves_the_code_location(tmp_path: Path):
    """`crm dagster` as a user starts it: the UI's GraphQL answers with the code location loaded, its groups,
    sensors, schedule, freshness policies and the build warehouse pool. The costliest test of the module: the
    server needed ~45 s to answer (whole test 47 s on the shared 2 cores)."""
    import socket
    import time
    import urllib.request

    from common.settings import get_settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(tmp_path), "CRM_PATHS_DAGSTER_HOME": str(tmp_path / "home")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "crm"), "dagster", "--port", str(port)],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "crm dagster did not answer"
                time.sleep(1)
        data = _graphql(port, CODE_LOCATION_QUERY)
    finally:
        stopped = stop_process_tree(server)
    assert len(stopped) > 2 and not [pid for pid in stopped if running(pid)]  # dagster dev's children too

    settings = get_settings()
    [entry] = data["workspaceOrError"]["locationEntries"]
    location = entry["locationOrLoadError"]
    assert (entry["name"], entry["loadStatus"], location["__typename"]) == \
        ("orchestration.definitions", "LOADED", "RepositoryLocation"), location
    [repository] = location["repositories"]
    assert {g["groupName"] for g in repository["assetGroups"]} == {
        "ingestion", "staging", "intermediate", "reference", "identity", "predictions", "marts", "bi", "quality",
        "publish"}
    assert {j["name"] for j in repository["jobs"]} >= {"full_build"}
    assert repository["schedules"] == [{"name": "full_build_schedule", "cronSchedule": settings.daily_build_cron,
                                        "executionTimezone": settings.business_timezone}]
    assert {(s["name"], s["sensorType"]) for s in repository["sensors"]} == {
        ("landing_files", "STANDARD"), ("failure_alert", "RUN_STATUS")}
    assert data["instance"] == {"poolConfig": {"poolGranularity": "run", "defaultPoolLimit": 1},
                                "freshnessEvaluationEnabled": True, "concurrencyLimit": {"limit": 1}}
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert {tuple(n["pools"]) for n in nodes.values()} == {("build_warehouse",)}
    freshness = {key: n["internalFreshnessPolicy"]["failWindowSeconds"] for key, n in nodes.items()
                 if n["internalFreshnessPolicy"]}
    assert freshness == {f"raw/{source}": hours * 3600
                         for source, hours in settings.source_expected_every_hours.items()}


def test_the_holdout_check_warns_above_the_limit_and_without_a_holdout():
    import dagster as dg

    from orchestration.assets.predictions import holdout_check
    from predictions.lifetime import LifetimeSummary

    within = holdout_check(LifetimeSummary(10, "fitted", 90, 0.2), max_error=0.25)
    above = holdout_check(LifetimeSummary(10, "fitted", 90, 0.3), max_error=0.25)
    unfitted = holdout_check(LifetimeSummary(0, "no customer has a repeat purchase yet"), max_error=0.25)
    assert within.passed and not above.passed and not unfitted.passed
    assert {r.severity for r in (within, above, unfitted)} == {dg.AssetCheckSeverity.WARN}


def test_the_trend_check_warns_above_the_floor_when_not_beating_naive_and_without_a_backtest():
    import dagster as dg

    from orchestration.assets.predictions import trend_check
    from predictions.sales_forecast import SalesForecastSummary

    def summary(smape, naive, beats):
        return SalesForecastSummary("fitted", "fitted", trend_model="ETS(A,N,A)", trend_smape=smape,
                                    trend_naive_smape=naive, trend_beats_naive=beats)

    good = trend_check(summary(0.10, 0.15, True), max_smape=0.25)
    above = trend_check(summary(0.30, 0.40, True), max_smape=0.25)
    not_beating = trend_check(summary(0.10, 0.08, False), max_smape=0.25)
    unfitted = trend_check(SalesForecastSummary("fitted", "3 months of history"), max_smape=0.25)
    assert good.passed and not above.passed and not not_beating.passed and not unfitted.passed
    assert {r.severity for r in (good, above, not_beating, unfitted)} == {dg.AssetCheckSeverity.WARN}


def test_the_lead_auc_check_warns_below_the_floor_and_without_a_holdout():
    import dagster as dg

    from orchestration.assets.predictions import lead_auc_check
    from predictions.lead_score import LeadScoreSummary

    above = lead_auc_check(LeadScoreSummary(10, "fitted", 90, 0.7, 0.02, 3.0), min_auc=0.6)
    at = lead_auc_check(LeadScoreSummary(10, "fitted", 90, 0.6, 0.02, 3.0), min_auc=0.6)
    below = lead_auc_check(LeadScoreSummary(10, "fitted", 90, 0.55, 0.02, 1.2), min_auc=0.6)
    no_holdout = lead_auc_check(LeadScoreSummary(10, "fitted", 90), min_auc=0.6)
    unfitted = lead_auc_check(LeadScoreSummary(0, "3 conversions to learn from, fewer than 20", 90), min_auc=0.6)
    assert above.passed and at.passed
    assert not below.passed and not no_holdout.passed and not unfitted.passed
    assert {r.severity for r in (above, below, unfitted)} == {dg.AssetCheckSeverity.WARN}
