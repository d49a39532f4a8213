"""The customer lifetime models (predictions/lifetime.py) as assets, with a check on their holdout accuracy."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from common.settings import get_settings
from orchestration.assets.dbt import dbt_models
from orchestration.pipeline import PURCHASES_MODEL, PredictionsSummary, run_customer_lifetime
from orchestration.resilience import BUILD_WAREHOUSE_POOL, retry_transient
from predictions.lifetime import LifetimeSummary

# The keys dagster-dbt gives the dbt sources predictions.customer_value and predictions.model_performance, so the
# staging views downstream wait for this asset.
CUSTOMER_VALUE_KEY = dg.AssetKey(["predictions", "customer_value"])
MODEL_PERFORMANCE_KEY = dg.AssetKey(["predictions", "model_performance"])
HOLDOUT_CHECK = "holdout_error_within_limit"

PURCHASES_KEY = get_asset_key_for_model([dbt_models], PURCHASES_MODEL)


@dg.multi_asset(
    name="customer_lifetime",
    specs=[
        dg.AssetSpec(CUSTOMER_VALUE_KEY, deps=[PURCHASES_KEY], group_name="predictions", kinds={"python", "duckdb"},
                     description="BG/NBD and Gamma-Gamma fitted on the purchases: each customer's probability of "
                                 "being alive, expected purchases and order value, 12-month CLV and churn risk."),
        dg.AssetSpec(MODEL_PERFORMANCE_KEY, deps=[PURCHASES_KEY], group_name="predictions",
                     kinds={"python", "duckdb"},
                     description="The fitted parameters and the holdout check (the last days held out, predicted "
                                 "against actual purchases), one row per model, build, metric and segment."),
    ],
    check_specs=[dg.AssetCheckSpec(
        HOLDOUT_CHECK, asset=MODEL_PERFORMANCE_KEY,
        description="The purchases BG/NBD expected in the held-out days are within predictions.max_holdout_error "
                    "(crm.toml) of those made.")],
    pool=BUILD_WAREHOUSE_POOL,
)
def customer_lifetime(context: dg.AssetExecutionContext):
    settings = get_settings()
    with retry_transient(context):
        summary = run_customer_lifetime(settings, context.run_id)
    context.log.info(summary.describe())
    for key, metadata in lifetime_metadata(summary).items():
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    yield holdout_check(summary, settings.predictions_max_holdout_error)


def _holdout_error(summary: LifetimeSummary) -> float:
    return summary.holdout_error if summary.holdout_error is not None else float("nan")  # no holdout checked


def predictions_metadata(summary: PredictionsSummary) -> dict[dg.AssetKey, dict]:
    """What each model's step of a build made of its assets (`crm build` records it in Dagster)."""
    return lifetime_metadata(summary.lifetime)


def lifetime_metadata(summary: LifetimeSummary) -> dict[dg.AssetKey, dict]:
    """What the customer lifetime step made of each of its assets (here and when `crm build` ran it)."""
    return {
        CUSTOMER_VALUE_KEY: {"customers": summary.customers_predicted, "status": summary.status},
        MODEL_PERFORMANCE_KEY: {"status": summary.status, "holdout_days": summary.holdout_days or 0,
                                "holdout_error": _holdout_error(summary)},
    }


def holdout_check(summary: LifetimeSummary, max_error: float) -> dg.AssetCheckResult:
    """WARN (never blocks: predictions are advice) when the holdout error is above the limit or there was no
    holdout to check."""
    passed = summary.holdout_error is not None and summary.holdout_error <= max_error
    return dg.AssetCheckResult(
        asset_key=MODEL_PERFORMANCE_KEY, check_name=HOLDOUT_CHECK, passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"holdout_error": _holdout_error(summary), "max_holdout_error": max_error,
                  "status": summary.status})
