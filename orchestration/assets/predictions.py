"""The predictive models as assets, each with a check on its accuracy on the held-out past: the customer lifetime
models (predictions/lifetime.py), the lead score (predictions/lead_score.py) and the sales forecast
(predictions/sales_forecast.py)."""

from collections.abc import Callable
from typing import TypeVar

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from common.settings import Settings, get_settings
from orchestration.assets.dbt import dbt_models
from orchestration.pipeline import (
    LEAD_EVENTS_MODEL,
    PURCHASES_MODEL,
    SALES_FORECAST_INPUTS,
    PredictionsSummary,
    run_customer_lifetime,
    run_lead_score,
    run_sales_forecast,
)
from orchestration.resilience import BUILD_WAREHOUSE_POOL, retry_transient
from predictions.lead_score import LeadScoreSummary
from predictions.lifetime import LifetimeSummary
from predictions.sales_forecast import SalesForecastSummary

# The keys dagster-dbt gives the dbt sources predictions.customer_value and predictions.model_performance, so the
# staging views downstream wait for this asset.
CUSTOMER_VALUE_KEY = dg.AssetKey(["predictions", "customer_value"])
MODEL_PERFORMANCE_KEY = dg.AssetKey(["predictions", "model_performance"])
HOLDOUT_CHECK = "holdout_error_within_limit"

PURCHASES_KEY = get_asset_key_for_model([dbt_models], PURCHASES_MODEL)
Summary = TypeVar("Summary", LifetimeSummary, LeadScoreSummary, SalesForecastSummary)


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
    yield from _model_step(context, run_customer_lifetime, lifetime_metadata,
                           lambda summary, settings: holdout_check(summary, settings.predictions_max_holdout_error))


def _model_step(context: dg.AssetExecutionContext, run: Callable[[Settings, str], Summary],
                metadata: Callable[[Summary], dict[dg.AssetKey, dict]],
                check: Callable[[Summary, Settings], dg.AssetCheckResult]):
    """A model's step as its asset runs it: the step, its line in the log, each asset's metadata, its check."""
    settings = get_settings()
    with retry_transient(context):
        summary = run(settings, context.run_id)
    context.log.info(summary.describe())
    for key, values in metadata(summary).items():
        yield dg.MaterializeResult(asset_key=key, metadata=values)
    yield check(summary, settings)


def _nan_if_none(value: float | None) -> float:
    return value if value is not None else float("nan")  # nothing was checked


def predictions_metadata(summary: PredictionsSummary) -> dict[dg.AssetKey, dict]:
    """What each model's step of a build made of its assets (`crm build` records it in Dagster)."""
    return {**lifetime_metadata(summary.lifetime), **lead_score_metadata(summary.lead_score),
            **sales_forecast_metadata(summary.sales_forecast)}


def lifetime_metadata(summary: LifetimeSummary) -> dict[dg.AssetKey, dict]:
    """What the customer lifetime step made of each of its assets (here and when `crm build` ran it)."""
    return {
        CUSTOMER_VALUE_KEY: {"customers": summary.customers_predicted, "status": summary.status},
        MODEL_PERFORMANCE_KEY: {"status": summary.status, "holdout_days": summary.holdout_days or 0,
                                "holdout_error": _nan_if_none(summary.holdout_error)},
    }


def holdout_check(summary: LifetimeSummary, max_error: float) -> dg.AssetCheckResult:
    """WARN (never blocks: predictions are advice) when the holdout error is above the limit or there was no
    holdout to check."""
    passed = summary.holdout_error is not None and summary.holdout_error <= max_error
    return dg.AssetCheckResult(
        asset_key=MODEL_PERFORMANCE_KEY, check_name=HOLDOUT_CHECK, passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"holdout_error": _nan_if_none(summary.holdout_error), "max_holdout_error": max_error,
                  "status": summary.status})


# The sales forecast (predictions/sales_forecast.py). Its accuracy rows go to predictions.model_performance, whose
# asset the customer lifetime step owns (an asset has one producer), so its check sits on its own table.
SALES_FORECAST_KEY = dg.AssetKey(["predictions", "sales_forecast"])
TREND_CHECK = "trend_forecast_beats_seasonal_naive"
SALES_FORECAST_INPUT_KEYS = [get_asset_key_for_model([dbt_models], model) for model in SALES_FORECAST_INPUTS]


@dg.multi_asset(
    name="sales_forecast",
    specs=[dg.AssetSpec(SALES_FORECAST_KEY, deps=SALES_FORECAST_INPUT_KEYS, group_name="predictions",
                        kinds={"python", "duckdb"},
                        description="Expected won revenue of the open deals by close month (win rates learned by "
                                    "stage and age, beside the seed's probabilities) and a 12-month ETS forecast "
                                    "of revenue and orders, all and by country, with 80 % and 95 % intervals; "
                                    "each backtested against a seasonal naive forecast.")],
    check_specs=[dg.AssetCheckSpec(
        TREND_CHECK, asset=SALES_FORECAST_KEY,
        description="The trend model's backtest sMAPE of all revenue is within forecast.max_trend_smape (crm.toml) "
                    "and below the seasonal naive forecast's.")],
    pool=BUILD_WAREHOUSE_POOL,
)
def sales_forecast(context: dg.AssetExecutionContext):
    yield from _model_step(context, run_sales_forecast, sales_forecast_metadata,
                           lambda summary, settings: trend_check(summary, settings.forecast_max_trend_smape))


def sales_forecast_metadata(summary: SalesForecastSummary) -> dict[dg.AssetKey, dict]:
    """What the sales forecast step made of its table (here and when `crm build` ran it)."""
    return {SALES_FORECAST_KEY: {
        "pipeline_status": summary.pipeline_status, "trend_status": summary.trend_status,
        "open_deals": summary.open_deals, "expected_won_learned": summary.expected_won_learned,
        "expected_won_seed": summary.expected_won_seed,
        "pipeline_smape_learned": _nan_if_none(summary.pipeline_smape_learned),
        "pipeline_smape_seed": _nan_if_none(summary.pipeline_smape_seed),
        "trend_smape": _nan_if_none(summary.trend_smape),
        "trend_naive_smape": _nan_if_none(summary.trend_naive_smape),
        "series_forecast": summary.series_forecast}}


def trend_check(summary: SalesForecastSummary, max_smape: float) -> dg.AssetCheckResult:
    """WARN (never blocks: forecasts are advice) when the trend of all revenue misses by more than `max_smape` in
    its backtest, does not beat seasonal naive, or could not be backtested."""
    passed = (summary.trend_smape is not None and summary.trend_smape <= max_smape
              and bool(summary.trend_beats_naive))
    return dg.AssetCheckResult(
        asset_key=SALES_FORECAST_KEY, check_name=TREND_CHECK, passed=passed, severity=dg.AssetCheckSeverity.WARN,
        metadata={"trend_smape": _nan_if_none(summary.trend_smape), "max_trend_smape": max_smape,
                  "naive_smape": _nan_if_none(summary.trend_naive_smape), "trend_status": summary.trend_status})


# The predictive lead score (predictions/lead_score.py). Its accuracy rows go to predictions.model_performance too,
# whose asset the customer lifetime step owns (an asset has one producer), so its check sits on its own table.
LEAD_SCORES_KEY = dg.AssetKey(["predictions", "lead_scores"])
LEAD_AUC_CHECK = "lead_score_holdout_auc_above_floor"
LEAD_EVENTS_KEY = get_asset_key_for_model([dbt_models], LEAD_EVENTS_MODEL)


@dg.multi_asset(
    name="lead_score",
    specs=[dg.AssetSpec(LEAD_SCORES_KEY, deps=[LEAD_EVENTS_KEY], group_name="predictions", kinds={"python", "duckdb"},
                        description="A logistic regression learned from past leads and who of them bought: each "
                                    "lead's probability of buying within the horizon, its band and top three "
                                    "reasons; accuracy on a later held-out period in model_performance.")],
    check_specs=[dg.AssetCheckSpec(
        LEAD_AUC_CHECK, asset=LEAD_SCORES_KEY,
        description="The lead score's AUC on the held-out last horizon is at least predictions.lead_min_holdout_auc "
                    "(crm.toml).")],
    pool=BUILD_WAREHOUSE_POOL,
)
def lead_score(context: dg.AssetExecutionContext):
    yield from _model_step(context, run_lead_score, lead_score_metadata,
                           lambda summary, settings: lead_auc_check(summary, settings.predictions_lead_min_holdout_auc))


def lead_score_metadata(summary: LeadScoreSummary) -> dict[dg.AssetKey, dict]:
    """What the lead score step made of its asset (here and when `crm build` ran it)."""
    return {LEAD_SCORES_KEY: {"leads": summary.leads_scored, "status": summary.status,
                              "horizon_days": summary.horizon_days, "holdout_auc": _nan_if_none(summary.holdout_auc),
                              "holdout_brier": _nan_if_none(summary.holdout_brier),
                              "top_decile_lift": _nan_if_none(summary.top_decile_lift)}}


def lead_auc_check(summary: LeadScoreSummary, min_auc: float) -> dg.AssetCheckResult:
    """WARN (never blocks: predictions are advice) when the held-out AUC is below the floor or there was no holdout
    to check."""
    passed = summary.holdout_auc is not None and summary.holdout_auc >= min_auc
    return dg.AssetCheckResult(
        asset_key=LEAD_SCORES_KEY, check_name=LEAD_AUC_CHECK, passed=passed, severity=dg.AssetCheckSeverity.WARN,
        metadata={"holdout_auc": _nan_if_none(summary.holdout_auc), "min_holdout_auc": min_auc,
                  "status": summary.status})
