"""The Great Expectations suites in Dagster (quality/suites.py).

`quality/gate` runs every suite once on the finished build (GX imports once, ~7 s), records the results in
audit.dq_results and carries the blocking check `no_blocking_failures`: when a `block` expectation fails, the
check fails with severity ERROR and Dagster skips publishing in that run (publish also refuses on its own).

The results then show as asset checks on the tables they are about (`great_expectations` on raw/…, staging/…,
marts/…): severity ERROR when a `block` expectation failed, WARN when only `warn` ones did. Those per-table checks
are not `blocking=True` in Dagster's sense: the dbt models are one multi-asset, so a blocking check on
dim_customers would make the marts built after it wait for a check that itself waits for them (a dependency
cycle Dagster rejects). The gate is the one place the block happens. In a run without the gate (a landing
sensor's ingestion run), they repeat the latest gate's results: a newly loaded file is judged when the gate next
runs (the daily build, or `crm check`).
"""

from collections import defaultdict

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from common.settings import get_settings
from ingestion.sources import all_sources
from orchestration.assets.dbt import dbt_models
from orchestration.assets.ingestion import raw_asset_key
from orchestration.pipeline import latest_quality_outcomes, record_build_finished, validate_build
from orchestration.resilience import BUILD_WAREHOUSE_POOL, retry_transient
from quality.gate import decide
from quality.suites import STAGING_KEYS

CHECK_NAME = "great_expectations"
GATE_KEY = dg.AssetKey(["quality", "gate"])
GATE_CHECK = "no_blocking_failures"


def _checked_assets() -> dict[str, dg.AssetKey]:
    """Warehouse table (`raw.sales__orders`) -> its asset, for every table a suite can guard."""
    import json

    from orchestration.dbt_project import dbt_project

    tables = {f"raw.{spec.raw_table}": raw_asset_key(spec) for spec in all_sources()}
    nodes = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    models = {n["name"]: n["schema"] for n in nodes if n["resource_type"] == "model"}
    for model in STAGING_KEYS:
        if models.get(model) == "staging":
            tables[f"staging.{model}"] = get_asset_key_for_model([dbt_models], model)
    for model, schema in models.items():
        if schema == "marts":
            tables[f"marts.{model}"] = get_asset_key_for_model([dbt_models], model)
    return tables


CHECKED_ASSETS = _checked_assets()


def gate_metadata(outcomes) -> dict[str, int]:
    """The quality gate's materialization metadata (here and when `crm check` ran the suites)."""
    return {"expectations": len(outcomes), "failed": sum(not o.success for o in outcomes),
            "failed_block": sum(o.blocks for o in outcomes)}


def _failure_lines(outcomes) -> str:
    return "\n".join(f"[{o.severity}] {o.suite}: {o.expectation}({o.column or ''}) {o.observed}"
                     for o in outcomes if not o.success) or "none"


@dg.asset(
    key=GATE_KEY,
    deps=sorted(set(CHECKED_ASSETS.values()), key=str),
    group_name="quality",
    kinds={"python"},
    pool=BUILD_WAREHOUSE_POOL,
    check_specs=[dg.AssetCheckSpec(GATE_CHECK, asset=GATE_KEY, blocking=True,
                                   description="No `block` expectation failed: the build may be published.")],
    description="Every Great Expectations suite (raw, staging, marts) on the latest build; results kept in "
                "audit.dq_results, Data Docs in the quality folder (`crm docs --quality`).",
)
def quality_gate(context: dg.AssetExecutionContext):
    with retry_transient(context):
        settings = get_settings()
        record_build_finished(settings)  # every mart, upstream of the gate, is rebuilt
        run = validate_build(settings)
    decision = decide(run)
    yield dg.MaterializeResult(metadata=gate_metadata(run.outcomes))
    yield dg.AssetCheckResult(check_name=GATE_CHECK, passed=decision.publishable,
                              severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"blocking_failures": _failure_lines(decision.blocking_failures)})


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(CHECK_NAME, asset=key, additional_deps=[GATE_KEY],
                             description=f"Great Expectations suites on {table} (quality/suites.py).")
           for table, key in CHECKED_ASSETS.items()],
    name="great_expectations_results",
    pool=BUILD_WAREHOUSE_POOL,
    # A run of some assets (a sensor's ingestion run, a partition backfill, "Materialize" on one table in the UI)
    # selects their checks only; without subsetting Dagster refuses to build such a run.
    can_subset=True,
    description="The quality gate's latest results, per table they are about.",
)
def great_expectations_results(context: dg.AssetCheckExecutionContext):
    with retry_transient(context.op_execution_context):
        outcomes = latest_quality_outcomes(get_settings())
    by_table = defaultdict(list)
    for outcome in outcomes:
        by_table[outcome.table].append(outcome)
    selected = context.selected_asset_check_keys
    for table, key in CHECKED_ASSETS.items():
        if dg.AssetCheckKey(key, CHECK_NAME) not in selected:
            continue
        results = by_table.get(table, [])
        failed = [o for o in results if not o.success]
        blocking = [o for o in failed if o.blocks]
        yield dg.AssetCheckResult(
            asset_key=key, check_name=CHECK_NAME, passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={"expectations": len(results), "failed_block": len(blocking),
                      "failed_warn": len(failed) - len(blocking), "failures": _failure_lines(failed)},
        )
