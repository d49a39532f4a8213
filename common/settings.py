"""One place for configuration: `crm.toml` at the project root, overridden by `CRM_<SECTION>_<KEY>`."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from common.consent import validated_consent_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE_ENV = "CRM_CONFIG"
# Written at the start of a path in crm.toml ("{data_dir}/landing"): the path follows paths.data_dir.
DATA_DIR_PLACEHOLDER = "{data_dir}"
# A secret, so never in crm.toml (like the IMAP passwords): the bi schema's hash salt comes from the environment only.
BI_HASH_SALT_ENV = "CRM_BI_HASH_SALT"
# The suppression list's salt (common/suppression.py), a secret of its own: the bi salt may be rotated (every bi hash
# changes, harmlessly), while changing this one would silently stop honouring every erasure made before.
SUPPRESSION_SALT_ENV = "CRM_SUPPRESSION_SALT"


def _end_date(value: str) -> date:
    """`today` (the demo's default): the sample data runs up to the end of yesterday (UTC), so what is relative to
    now — hot leads of the last days, overdue invoices, the current month — has data; an ISO date pins it."""
    return datetime.now(UTC).date() if value.strip().lower() == "today" else date.fromisoformat(value)


def _days_or_auto(value: Any) -> int | str:
    """A number of days, or "auto": learned from the data."""
    text = str(value).strip().lower()
    return "auto" if text == "auto" else int(text)


def _size_bands(bands: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Company size bands, smallest first: each a band name and its inclusive upper bound, the last without one."""
    checked = []
    for position, band in enumerate(bands):
        last = position == len(bands) - 1
        if "band" not in band or ("max_employees" in band) == last:
            raise ValueError("segments.company_size_bands: each band needs a name (band) and max_employees, "
                             "except the last, which has none")
        checked.append({"band": str(band["band"]), **({} if last else {"max_employees": int(band["max_employees"])})})
    return tuple(checked)


def _lead_score_thresholds(sales: dict[str, Any]) -> tuple[float, float]:
    """The rules-based lead score's (hot, warm) minimums: a warm minimum above the hot one would leave no lead warm."""
    hot, warm = float(sales["lead_score_hot_min"]), float(sales["lead_score_warm_min"])
    if warm > hot:
        raise ValueError(f"sales.lead_score_warm_min ({warm:g}) is above sales.lead_score_hot_min ({hot:g}): "
                         "no lead could be warm")
    return hot, warm


def _prediction_settings(predictions: dict[str, Any]) -> tuple[int, float, float, float]:
    """(holdout_days, high_risk_below, medium_risk_below, max_holdout_error), refused when they cannot work: the risk
    bands cut a probability, so both cuts lie strictly inside (0, 1) and high comes below medium, or a band is empty."""
    holdout_days = int(predictions["holdout_days"])
    high, medium = float(predictions["high_risk_below"]), float(predictions["medium_risk_below"])
    max_error = float(predictions["max_holdout_error"])
    for key, value in (("high_risk_below", high), ("medium_risk_below", medium)):
        if not 0 < value < 1:
            raise ValueError(f"predictions.{key} ({value:g}) must lie between 0 and 1: it cuts a probability")
    if high >= medium:
        raise ValueError(f"predictions.high_risk_below ({high:g}) must be below predictions.medium_risk_below "
                         f"({medium:g}): no customer could be medium risk")
    if holdout_days < 1:
        raise ValueError(f"predictions.holdout_days ({holdout_days}) must be at least 1: nothing would be held out")
    if max_error <= 0:
        raise ValueError(f"predictions.max_holdout_error ({max_error:g}) must be above 0: every prediction would fail")
    return holdout_days, high, medium, max_error


def _forecast_settings(forecast: dict[str, Any]) -> dict[str, Any]:
    """The [forecast] keys as Settings fields, refused when they cannot work."""
    buckets = tuple(int(day) for day in forecast["pipeline_age_buckets"])
    if any(day < 0 for day in buckets) or list(buckets) != sorted(set(buckets)):
        raise ValueError(f"forecast.pipeline_age_buckets ({list(buckets)}) must be ascending days of age, each once")
    checked = {
        "forecast_pipeline_age_buckets": buckets,
        "forecast_win_rate_prior_deals": float(forecast["win_rate_prior_deals"]),
        "forecast_pipeline_backtest_origins": int(forecast["pipeline_backtest_origins"]),
        "forecast_pipeline_min_closed_share": float(forecast["pipeline_min_closed_share"]),
        "forecast_horizon_months": int(forecast["horizon_months"]),
        "forecast_trend_backtest_origins": int(forecast["trend_backtest_origins"]),
        "forecast_min_history_months": int(forecast["min_history_months"]),
        "forecast_country_revenue_share": float(forecast["country_revenue_share"]),
        "forecast_max_countries": int(forecast["max_countries"]),
        "forecast_max_trend_smape": float(forecast["max_trend_smape"]),
    }
    if checked["forecast_win_rate_prior_deals"] < 0:
        raise ValueError("forecast.win_rate_prior_deals must be 0 or more: it counts deals")
    for key in ("pipeline_min_closed_share", "country_revenue_share"):
        if not 0 < checked[f"forecast_{key}"] <= 1:
            raise ValueError(f"forecast.{key} ({checked[f'forecast_{key}']:g}) must lie in (0, 1]: it is a share")
    for key in ("pipeline_backtest_origins", "horizon_months", "trend_backtest_origins", "max_countries"):
        if checked[f"forecast_{key}"] < 1:
            raise ValueError(f"forecast.{key} ({checked[f'forecast_{key}']}) must be at least 1")
    if checked["forecast_min_history_months"] < 4:
        raise ValueError(f"forecast.min_history_months ({checked['forecast_min_history_months']}) must be at least "
                         "4: ETS cannot be fitted on fewer months")
    if checked["forecast_max_trend_smape"] <= 0:
        raise ValueError("forecast.max_trend_smape must be above 0: every forecast would fail its check")
    return checked


def _lead_prediction_settings(predictions: dict[str, Any]) -> tuple[int, int, float, float, int, float]:
    """(lead_horizon_days, lead_scoring_interval_days, lead_hot_min_probability, lead_warm_min_probability,
    lead_max_training_rows, lead_min_holdout_auc), refused when they cannot work: the bands cut a probability, so
    both cuts lie strictly inside (0, 1) with warm at most hot; the AUC floor is an AUC, between 0 and 1."""
    horizon, interval = int(predictions["lead_horizon_days"]), int(predictions["lead_scoring_interval_days"])
    hot, warm = float(predictions["lead_hot_min_probability"]), float(predictions["lead_warm_min_probability"])
    max_rows, min_auc = int(predictions["lead_max_training_rows"]), float(predictions["lead_min_holdout_auc"])
    for key, value in (("lead_horizon_days", horizon), ("lead_scoring_interval_days", interval)):
        if value < 1:
            raise ValueError(f"predictions.{key} ({value}) must be at least 1 day")
    for key, value in (("lead_hot_min_probability", hot), ("lead_warm_min_probability", warm)):
        if not 0 < value < 1:
            raise ValueError(f"predictions.{key} ({value:g}) must lie between 0 and 1: it cuts a probability")
    if warm > hot:
        raise ValueError(f"predictions.lead_warm_min_probability ({warm:g}) is above "
                         f"predictions.lead_hot_min_probability ({hot:g}): no lead could be warm")
    if max_rows < 1:
        raise ValueError(f"predictions.lead_max_training_rows ({max_rows}) must be at least 1")
    if not 0 <= min_auc <= 1:
        raise ValueError(f"predictions.lead_min_holdout_auc ({min_auc:g}) must lie between 0 and 1: it is an AUC")
    return horizon, interval, hot, warm, max_rows, min_auc


def _coerce(raw: str, default: Any) -> Any:
    """Environment variables are strings: give them the type of the value they override."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        # Not a number: left as text for the key's own check ("auto" where a key takes days or "auto").
        return int(raw) if raw.strip().lstrip("-").isdigit() else raw
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        return json.loads(raw) if raw.strip().startswith("[") else [v.strip() for v in raw.split(",") if v]
    return raw


def _load_raw(config_file: Path, environ: dict[str, str]) -> dict[str, dict[str, Any]]:
    with config_file.open("rb") as fh:
        data = tomllib.load(fh)
    for section, values in data.items():
        for key, default in values.items():
            env_name = f"CRM_{section}_{key}".upper()
            if env_name in environ:
                values[key] = _coerce(environ[env_name], default)
    return data


@dataclass(frozen=True)
class Settings:
    root: Path
    data_dir: Path
    landing_dir: Path
    ground_truth_dir: Path
    build_db: Path
    serving_db: Path
    dagster_home: Path
    reporting_currency: str
    business_timezone: str
    generate_scale: int
    generate_seed: int
    generate_end_date: date
    generate_chunk_people: int
    company_domains: tuple[str, ...]
    imap_accounts: tuple[dict, ...]
    source_patterns: dict[str, tuple[str, ...]]
    ingest_memory_limit: str
    build_memory_limit: str
    incremental_lookback_days: int
    default_phone_region: str
    pbx_region: str
    pbx_timezone: str
    max_contacts_per_identifier: int
    shared_mailbox_local_parts: tuple[str, ...]
    placeholder_values: tuple[str, ...]
    prior_match_model: Path
    match_threshold: float
    review_threshold: float
    min_records_to_train: int
    retrain_change: float
    min_customers_per_contact: float
    row_count_tolerance: float
    earliest_plausible_date: date
    # source name -> hours within which it is expected to deliver new data
    source_expected_every_hours: dict[str, float]
    failure_webhook_url: str
    dashboard_port: int
    bi_serving_db: Path
    dashboard_secrets: Path
    analyst_emails: tuple[str, ...]
    dagster_port: int
    daily_build_cron: str
    event_partitions_start: date
    landing_sensor_interval_seconds: int
    record_cli_runs_in_dagster: bool
    # Business rules of the marts (crm.toml [segments], [funnel], [sales], [service], [kpis], [retention],
    # [attribution]); dbt reads them as vars (orchestration.dbt.dbt_vars).
    segment_premium_min_frequency_score: int
    segment_premium_min_monetary_score: int
    segment_loyal_min_frequency_score: int
    segment_loyal_max_monetary_score: int
    segment_prospect_engagement_days: int
    company_size_bands: tuple[dict[str, Any], ...]
    funnel_conversion_window_days: int
    # file name suffix -> time zone of the CRM instance's exported local times
    crm_instance_timezones: tuple[dict[str, str], ...]
    crm_default_timezone: str
    stalled_after_days: int
    decision_maker_title_words: tuple[str, ...]
    decision_maker_title_substrings: tuple[str, ...]
    hot_lead_window_days: int
    hot_lead_contact_hours: int
    hot_lead_page_words: tuple[str, ...]
    lead_score_hot_min: float
    lead_score_warm_min: float
    company_recent_touches_kept: int
    ticket_resolution_quiet_days: int
    support_call_retry_hours: int
    csat_satisfied_min_score: int
    kpi_baseline_start: date
    kpi_baseline_end: date
    goal_at_risk_tolerance: float
    churn_inactivity_days: int | str  # a number of days, or "auto"
    churn_min_gaps_to_learn: int
    at_risk_watch_value_tiers: tuple[str, ...]
    at_risk_watch_segments: tuple[str, ...]
    rfm_segment_health_order: tuple[str, ...]
    # Consent per purpose ([consent] in crm.toml; common/consent.py): defaults, web keys, profiling objections.
    consent: dict[str, Any]
    attribution_window_days: int
    # The sales forecast ([forecast] in crm.toml; predictions/sales_forecast.py)
    forecast_pipeline_age_buckets: tuple[int, ...]
    forecast_win_rate_prior_deals: float
    forecast_pipeline_backtest_origins: int
    forecast_pipeline_min_closed_share: float
    forecast_horizon_months: int
    forecast_trend_backtest_origins: int
    forecast_min_history_months: int
    forecast_country_revenue_share: float
    forecast_max_countries: int
    forecast_max_trend_smape: float
    predictions_holdout_days: int
    predictions_high_risk_below: float
    predictions_medium_risk_below: float
    predictions_max_holdout_error: float
    predictions_lead_horizon_days: int
    predictions_lead_scoring_interval_days: int
    predictions_lead_hot_min_probability: float
    predictions_lead_warm_min_probability: float
    predictions_lead_max_training_rows: int
    predictions_lead_min_holdout_auc: float
    # Salt of the bi schema's hashes of emails and phones; kept out of repr so printing settings never shows it.
    bi_hash_salt: str = field(default="", repr=False)
    # Salt of the suppression list's hashes (`crm forget`); out of repr for the same reason.
    suppression_salt: str = field(default="", repr=False)
    # Set for an as-of build (`crm build --as-of`): every model as it would have looked at the end of that day.
    as_of: date | None = None

    @property
    def health_db(self) -> Path:
        """The latest quality results and source freshness, next to the serving file and rewritten after every
        check, even when publishing is refused: the serving file keeps the last good build, this one says why."""
        return self.serving_db.with_name("health.duckdb")

    @property
    def quality_dir(self) -> Path:
        """Great Expectations' project: stored validation results and the Data Docs site, next to the warehouse
        they are about."""
        return self.build_db.parent / "quality"

    @property
    def review_decisions_file(self) -> Path:
        """Clerical review of possible matches: one row per decision (`crm identity review` appends to it)."""
        return self.landing_dir / "identity" / "review_decisions.csv"

    @property
    def dbt_project_dir(self) -> Path:
        return self.root / "dbt_project"

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt process: profiles.yml reads the warehouse and its memory from these (dbt run by
        hand falls back to the defaults written there). The models' settings reach dbt as vars instead
        (orchestration.dbt.dbt_vars); the bi hash salt, a secret, only here: dbt and Dagster log a command's vars."""
        return {
            BI_HASH_SALT_ENV: self.bi_hash_salt,
            "CRM_BUILD_DB": str(self.build_db),
            "CRM_BUILD_MEMORY_LIMIT": self.build_memory_limit,
            "DBT_PROFILES_DIR": str(self.dbt_project_dir),
        }


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    config_file = config_file or Path(environ.get(CONFIG_FILE_ENV, PROJECT_ROOT / "crm.toml"))
    raw = _load_raw(config_file, environ)
    config_dir = config_file.resolve().parent

    def path(key: str, data_dir: Path | None = None) -> Path:
        text = str(raw["paths"][key])
        if data_dir is not None:
            # Derived paths are written "{data_dir}/…": moving the data folder moves them.
            text = text.replace(DATA_DIR_PLACEHOLDER, str(data_dir))
        elif DATA_DIR_PLACEHOLDER in text:
            raise ValueError(f"{config_file}: paths.{key} cannot refer to {DATA_DIR_PLACEHOLDER} itself")
        value = Path(text).expanduser()
        return value if value.is_absolute() else config_dir / value

    data_dir = path("data_dir")
    lead_score_hot_min, lead_score_warm_min = _lead_score_thresholds(raw["sales"])
    holdout_days, high_risk_below, medium_risk_below, max_holdout_error = _prediction_settings(raw["predictions"])
    (lead_horizon_days, lead_scoring_interval_days, lead_hot_min_probability, lead_warm_min_probability,
     lead_max_training_rows, lead_min_holdout_auc) = _lead_prediction_settings(raw["predictions"])

    return Settings(
        root=PROJECT_ROOT,
        data_dir=data_dir,
        landing_dir=path("landing_dir", data_dir),
        ground_truth_dir=path("ground_truth_dir", data_dir),
        build_db=path("build_db", data_dir),
        serving_db=path("serving_db", data_dir),
        dagster_home=path("dagster_home", data_dir),
        reporting_currency=raw["business"]["reporting_currency"].upper(),
        business_timezone=raw["business"]["business_timezone"],
        generate_scale=int(raw["generate"]["scale"]),
        generate_seed=int(raw["generate"]["seed"]),
        generate_end_date=_end_date(str(raw["generate"]["end_date"])),
        generate_chunk_people=int(raw["generate"]["chunk_people"]),
        company_domains=tuple(d.lower() for d in raw["email"]["company_domains"]),
        imap_accounts=tuple(raw.get("imap", {}).get("accounts", [])),
        source_patterns={name: tuple(globs) for name, globs in raw.get("sources", {}).items()},
        ingest_memory_limit=str(raw["ingest"]["memory_limit"]),
        build_memory_limit=str(raw["build"]["memory_limit"]),
        incremental_lookback_days=int(raw["build"]["incremental_lookback_days"]),
        default_phone_region=raw["phone"]["default_region"].upper(),
        pbx_region=raw["phone"]["pbx_region"].upper(),
        pbx_timezone=raw["phone"]["pbx_timezone"],
        max_contacts_per_identifier=int(raw["identity"]["max_contacts_per_identifier"]),
        shared_mailbox_local_parts=tuple(raw["identity"]["shared_mailbox_local_parts"]),
        placeholder_values=tuple(v.lower() for v in raw["identity"]["placeholder_values"]),
        prior_match_model=PROJECT_ROOT / raw["identity"]["prior_match_model"],  # ships with the code
        match_threshold=float(raw["identity"]["match_threshold"]),
        review_threshold=float(raw["identity"]["review_threshold"]),
        min_records_to_train=int(raw["identity"]["min_records_to_train"]),
        retrain_change=float(raw["identity"]["retrain_change"]),
        min_customers_per_contact=float(raw["quality"]["min_customers_per_contact"]),
        row_count_tolerance=float(raw["quality"]["row_count_tolerance"]),
        earliest_plausible_date=date.fromisoformat(str(raw["quality"]["earliest_plausible_date"])),
        source_expected_every_hours={name: float(hours) for name, hours in raw.get("freshness", {}).items()},
        failure_webhook_url=str(raw.get("alerts", {}).get("failure_webhook_url", "")),
        dashboard_port=int(raw["dashboard"]["port"]),
        bi_serving_db=path("bi_serving_db", data_dir),
        dashboard_secrets=path("dashboard_secrets"),
        analyst_emails=tuple(e.strip().lower() for e in raw["dashboard"]["analyst_emails"]),
        dagster_port=int(raw["dagster"]["port"]),
        daily_build_cron=raw["dagster"]["daily_build_cron"],
        event_partitions_start=date.fromisoformat(str(raw["dagster"]["event_partitions_start"])),
        landing_sensor_interval_seconds=int(raw["dagster"]["landing_sensor_interval_seconds"]),
        record_cli_runs_in_dagster=bool(raw["dagster"]["record_cli_runs"]),
        segment_premium_min_frequency_score=int(raw["segments"]["premium_min_frequency_score"]),
        segment_premium_min_monetary_score=int(raw["segments"]["premium_min_monetary_score"]),
        segment_loyal_min_frequency_score=int(raw["segments"]["loyal_min_frequency_score"]),
        segment_loyal_max_monetary_score=int(raw["segments"]["loyal_max_monetary_score"]),
        segment_prospect_engagement_days=int(raw["segments"]["prospect_engagement_days"]),
        company_size_bands=_size_bands(raw["segments"]["company_size_bands"]),
        funnel_conversion_window_days=int(raw["funnel"]["conversion_window_days"]),
        crm_instance_timezones=tuple({"file_suffix": str(i["file_suffix"]), "timezone": str(i["timezone"])}
                                     for i in raw["sales"]["instance_timezones"]),
        crm_default_timezone=raw["sales"]["default_timezone"],
        stalled_after_days=int(raw["sales"]["stalled_after_days"]),
        decision_maker_title_words=tuple(raw["sales"]["decision_maker_title_words"]),
        decision_maker_title_substrings=tuple(raw["sales"]["decision_maker_title_substrings"]),
        hot_lead_window_days=int(raw["sales"]["hot_lead_window_days"]),
        hot_lead_contact_hours=int(raw["sales"]["hot_lead_contact_hours"]),
        hot_lead_page_words=tuple(raw["sales"]["hot_lead_page_words"]),
        lead_score_hot_min=lead_score_hot_min,
        lead_score_warm_min=lead_score_warm_min,
        company_recent_touches_kept=int(raw["sales"]["company_recent_touches_kept"]),
        ticket_resolution_quiet_days=int(raw["service"]["ticket_resolution_quiet_days"]),
        support_call_retry_hours=int(raw["service"]["support_call_retry_hours"]),
        csat_satisfied_min_score=int(raw["service"]["csat_satisfied_min_score"]),
        kpi_baseline_start=date.fromisoformat(str(raw["kpis"]["baseline_start"])),
        kpi_baseline_end=date.fromisoformat(str(raw["kpis"]["baseline_end"])),
        goal_at_risk_tolerance=float(raw["kpis"]["goal_at_risk_tolerance"]),
        churn_inactivity_days=_days_or_auto(raw["retention"]["churn_inactivity_days"]),
        churn_min_gaps_to_learn=int(raw["retention"]["churn_min_gaps_to_learn"]),
        at_risk_watch_value_tiers=tuple(raw["retention"]["at_risk_watch_value_tiers"]),
        at_risk_watch_segments=tuple(raw["retention"]["at_risk_watch_segments"]),
        rfm_segment_health_order=tuple(raw["retention"]["rfm_segment_health_order"]),
        consent=validated_consent_settings(raw["consent"]),
        attribution_window_days=int(raw["attribution"]["window_days"]),
        **_forecast_settings(raw["forecast"]),
        predictions_holdout_days=holdout_days,
        predictions_high_risk_below=high_risk_below,
        predictions_medium_risk_below=medium_risk_below,
        predictions_max_holdout_error=max_holdout_error,
        predictions_lead_horizon_days=lead_horizon_days,
        predictions_lead_scoring_interval_days=lead_scoring_interval_days,
        predictions_lead_hot_min_probability=lead_hot_min_probability,
        predictions_lead_warm_min_probability=lead_warm_min_probability,
        predictions_lead_max_training_rows=lead_max_training_rows,
        predictions_lead_min_holdout_auc=lead_min_holdout_auc,
        bi_hash_salt=environ.get(BI_HASH_SALT_ENV, ""),
        suppression_salt=environ.get(SUPPRESSION_SALT_ENV, ""),
    )


@cache
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own with `load_settings`)."""
    return load_settings()
