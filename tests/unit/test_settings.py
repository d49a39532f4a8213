import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from common.settings import PROJECT_ROOT, load_settings
from orchestration.dbt import dbt_vars


def test_defaults_resolve_relative_to_the_config_file(tmp_path: Path):
    config = tmp_path / "crm.toml"
    config.write_text((PROJECT_ROOT / "crm.toml").read_text())
    settings = load_settings(config, environ={})
    assert settings.landing_dir == tmp_path / "data" / "landing"
    assert settings.dbt_project_dir == PROJECT_ROOT / "dbt_project"
    assert settings.reporting_currency == "USD"


def test_environment_overrides_with_types(tmp_path: Path):
    settings = load_settings(
        PROJECT_ROOT / "crm.toml",
        environ={
            "CRM_PATHS_SERVING_DB": str(tmp_path / "s.duckdb"),
            "CRM_BUSINESS_REPORTING_CURRENCY": "eur",
            "CRM_GENERATE_SCALE": "250",
            "CRM_EMAIL_COMPANY_DOMAINS": "a.example, b.example",
        },
    )
    assert settings.serving_db == tmp_path / "s.duckdb"
    assert settings.reporting_currency == "EUR"
    assert settings.generate_scale == 250
    assert settings.company_domains == ("a.example", "b.example")
    assert dbt_vars(settings)["reporting_currency"] == "EUR"


def test_source_patterns_come_from_the_config_file(tmp_path: Path):
    import pytest

    from orchestration.errors import CrmError
    from orchestration.pipeline import configured_sources

    config = tmp_path / "crm.toml"
    config.write_text((PROJECT_ROOT / "crm.toml").read_text().replace(
        "[sources]\n", '[sources]\nsales__contacts = ["hubspot/contacts-*.csv"]\n'))
    sources = {s.name: s.patterns for s in configured_sources(load_settings(config, environ={}))}
    assert sources["sales__contacts"] == ("hubspot/contacts-*.csv",)
    assert sources["sales__orders"] == ("sales/orders.csv", "sales/orders_*.csv")  # defaults elsewhere

    config.write_text((PROJECT_ROOT / "crm.toml").read_text().replace(
        "[sources]\n", '[sources]\nsales__contact = ["x.csv"]\n'))
    with pytest.raises(CrmError, match="unknown source.*sales__contact;"):
        configured_sources(load_settings(config, environ={}))


def test_generate_end_date_is_today_by_default_or_a_pinned_day():
    from datetime import UTC, date, datetime

    default = load_settings(PROJECT_ROOT / "crm.toml", environ={})
    assert default.generate_end_date == datetime.now(UTC).date()
    pinned = load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_GENERATE_END_DATE": "2026-11-01"})
    assert pinned.generate_end_date == date(2026, 11, 1)


def test_the_data_dir_moves_every_path_derived_from_it(tmp_path: Path):
    data = tmp_path / "elsewhere"
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_PATHS_DATA_DIR": str(data)})
    assert settings.data_dir == data
    assert settings.landing_dir == data / "landing"
    assert settings.ground_truth_dir == data / "ground_truth"
    assert settings.build_db == data / "warehouse" / "build.duckdb"
    assert settings.serving_db == data / "serving" / "serving.duckdb"
    assert settings.dagster_home == data / "dagster_home"
    assert settings.health_db == data / "serving" / "health.duckdb"
    assert settings.quality_dir == data / "warehouse" / "quality"


def test_a_path_set_on_its_own_stays_where_it_is_set(tmp_path: Path):
    data, exports = tmp_path / "data", tmp_path / "exports"
    by_variable = load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_DATA_DIR": str(data), "CRM_PATHS_LANDING_DIR": str(exports)})
    assert by_variable.landing_dir == exports
    assert by_variable.build_db == data / "warehouse" / "build.duckdb"

    config = tmp_path / "crm.toml"
    config.write_text((PROJECT_ROOT / "crm.toml").read_text().replace(
        '\nserving_db = "{data_dir}/serving/serving.duckdb"', '\nserving_db = "/srv/bi/serving.duckdb"'))
    by_file = load_settings(config, environ={"CRM_PATHS_DATA_DIR": str(data)})
    assert by_file.serving_db == Path("/srv/bi/serving.duckdb")
    assert by_file.landing_dir == data / "landing"


# crm.toml key -> (a value written in the file, the same value as its CRM_<SECTION>_<KEY> variable, the Settings
# attribute it sets, what that attribute then holds): the settings the models read, which dbt gets as vars.
MODEL_SETTINGS = {
    "business.business_timezone": ('"Europe/Berlin"', "Europe/Berlin", "business_timezone", "Europe/Berlin"),
    "phone.pbx_timezone": ('"UTC"', "UTC", "pbx_timezone", "UTC"),
    "identity.max_contacts_per_identifier": ("5", "5", "max_contacts_per_identifier", 5),
    "identity.shared_mailbox_local_parts": ('["info"]', "info", "shared_mailbox_local_parts", ("info",)),
    "identity.placeholder_values": ('["N/A"]', '["N/A"]', "placeholder_values", ("n/a",)),
    "segments.premium_min_frequency_score": ("5", "5", "segment_premium_min_frequency_score", 5),
    "segments.premium_min_monetary_score": ("5", "5", "segment_premium_min_monetary_score", 5),
    "segments.loyal_min_frequency_score": ("2", "2", "segment_loyal_min_frequency_score", 2),
    "segments.loyal_max_monetary_score": ("2", "2", "segment_loyal_max_monetary_score", 2),
    "segments.prospect_engagement_days": ("30", "30", "segment_prospect_engagement_days", 30),
    "segments.company_size_bands": ('[{ band = "small", max_employees = 9 }, { band = "large" }]',
                                    '[{"band": "small", "max_employees": 9}, {"band": "large"}]', "company_size_bands",
                                    ({"band": "small", "max_employees": 9}, {"band": "large"})),
    "funnel.conversion_window_days": ("30", "30", "funnel_conversion_window_days", 30),
    "sales.instance_timezones": ('[{ file_suffix = "_us.csv", timezone = "America/New_York" }]',
                                 '[{"file_suffix": "_us.csv", "timezone": "America/New_York"}]',
                                 "crm_instance_timezones",
                                 ({"file_suffix": "_us.csv", "timezone": "America/New_York"},)),
    "sales.default_timezone": ('"Asia/Tokyo"', "Asia/Tokyo", "crm_default_timezone", "Asia/Tokyo"),
    "sales.stalled_after_days": ("45", "45", "stalled_after_days", 45),
    "sales.decision_maker_title_words": ('["owner"]', "owner", "decision_maker_title_words", ("owner",)),
    "sales.decision_maker_title_substrings": ('["課長"]', "課長", "decision_maker_title_substrings", ("課長",)),
    "sales.hot_lead_window_days": ("7", "7", "hot_lead_window_days", 7),
    "sales.hot_lead_contact_hours": ("24", "24", "hot_lead_contact_hours", 24),
    "sales.hot_lead_page_words": ('["pricing", "demo"]', "pricing,demo", "hot_lead_page_words", ("pricing", "demo")),
    "sales.lead_score_hot_min": ("50", "50", "lead_score_hot_min", 50.0),
    "sales.lead_score_warm_min": ("12.5", "12.5", "lead_score_warm_min", 12.5),
    "sales.company_recent_touches_kept": ("5", "5", "company_recent_touches_kept", 5),
    "service.ticket_resolution_quiet_days": ("3", "3", "ticket_resolution_quiet_days", 3),
    "service.support_call_retry_hours": ("12", "12", "support_call_retry_hours", 12),
    "service.csat_satisfied_min_score": ("5", "5", "csat_satisfied_min_score", 5),
    "kpis.baseline_start": ('"2025-01-01"', "2025-01-01", "kpi_baseline_start", date(2025, 1, 1)),
    "kpis.baseline_end": ('"2025-06-30"', "2025-06-30", "kpi_baseline_end", date(2025, 6, 30)),
    "kpis.goal_at_risk_tolerance": ("0.2", "0.2", "goal_at_risk_tolerance", 0.2),
    "retention.churn_inactivity_days": ("120", "120", "churn_inactivity_days", 120),
    "retention.churn_min_gaps_to_learn": ("10", "10", "churn_min_gaps_to_learn", 10),
    "retention.at_risk_watch_value_tiers": ('["premium"]', "premium", "at_risk_watch_value_tiers", ("premium",)),
    "retention.at_risk_watch_segments": ('["champions"]', "champions", "at_risk_watch_segments", ("champions",)),
    "retention.rfm_segment_health_order": ('["champions", "lost"]', "champions,lost", "rfm_segment_health_order",
                                           ("champions", "lost")),
    "attribution.window_days": ("30", "30", "attribution_window_days", 30),
    "forecast.pipeline_age_buckets": ("[14, 60]", "[14, 60]", "forecast_pipeline_age_buckets", (14, 60)),
    "forecast.win_rate_prior_deals": ("4", "4", "forecast_win_rate_prior_deals", 4.0),
    "forecast.pipeline_backtest_origins": ("3", "3", "forecast_pipeline_backtest_origins", 3),
    "forecast.pipeline_min_closed_share": ("0.8", "0.8", "forecast_pipeline_min_closed_share", 0.8),
    "forecast.horizon_months": ("6", "6", "forecast_horizon_months", 6),
    "forecast.trend_backtest_origins": ("24", "24", "forecast_trend_backtest_origins", 24),
    "forecast.min_history_months": ("18", "18", "forecast_min_history_months", 18),
    "forecast.country_revenue_share": ("0.95", "0.95", "forecast_country_revenue_share", 0.95),
    "forecast.max_countries": ("8", "8", "forecast_max_countries", 8),
    "forecast.max_trend_smape": ("0.4", "0.4", "forecast_max_trend_smape", 0.4),
    "predictions.holdout_days": ("60", "60", "predictions_holdout_days", 60),
    "predictions.high_risk_below": ("0.2", "0.2", "predictions_high_risk_below", 0.2),
    "predictions.medium_risk_below": ("0.6", "0.6", "predictions_medium_risk_below", 0.6),
    "predictions.max_holdout_error": ("0.5", "0.5", "predictions_max_holdout_error", 0.5),
    "predictions.lead_horizon_days": ("30", "30", "predictions_lead_horizon_days", 30),
    "predictions.lead_scoring_interval_days": ("7", "7", "predictions_lead_scoring_interval_days", 7),
    "predictions.lead_hot_min_probability": ("0.4", "0.4", "predictions_lead_hot_min_probability", 0.4),
    "predictions.lead_warm_min_probability": ("0.05", "0.05", "predictions_lead_warm_min_probability", 0.05),
    "predictions.lead_max_training_rows": ("1000", "1000", "predictions_lead_max_training_rows", 1000),
    "predictions.lead_min_holdout_auc": ("0.7", "0.7", "predictions_lead_min_holdout_auc", 0.7),
}


def _with_value(config: Path, section: str, key: str, value: str) -> Path:
    """A copy of crm.toml with one key's value replaced (a value may span lines, as the lists do)."""
    text = (PROJECT_ROOT / "crm.toml").read_text(encoding="utf-8")
    section_start = text.index(f"\n[{section}]\n")
    section_end = text.find("\n[", section_start + 1)
    body = text[section_start:section_end]
    replaced = re.sub(rf"\n{key} = (\[.*?\]|[^\n#]*?)(?=\s*(#[^\n]*)?\n)", lambda _: f"\n{key} = {value}", body,
                      count=1, flags=re.S)
    assert replaced != body, f"{section}.{key} not found in crm.toml"
    config.write_text(text[:section_start] + replaced + text[section_end:], encoding="utf-8")
    return config


@pytest.mark.parametrize("setting", MODEL_SETTINGS)
def test_each_model_setting_comes_from_crm_toml_and_its_variable(tmp_path: Path, setting: str):
    section, key = setting.split(".")
    in_file, in_variable, attribute, expected = MODEL_SETTINGS[setting]
    default = getattr(load_settings(PROJECT_ROOT / "crm.toml", environ={}), attribute)
    assert default != expected

    from_file = load_settings(_with_value(tmp_path / "crm.toml", section, key, in_file), environ={})
    assert getattr(from_file, attribute) == expected
    from_variable = load_settings(PROJECT_ROOT / "crm.toml",
                                  environ={f"CRM_{section}_{key}".upper(): in_variable})
    assert getattr(from_variable, attribute) == expected


def test_churn_inactivity_days_is_learned_or_a_number_of_days():
    assert load_settings(PROJECT_ROOT / "crm.toml", environ={}).churn_inactivity_days == "auto"
    assert load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_RETENTION_CHURN_INACTIVITY_DAYS": "AUTO"}).churn_inactivity_days == "auto"
    with pytest.raises(ValueError):
        load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_RETENTION_CHURN_INACTIVITY_DAYS": "soon"})


def test_company_size_bands_end_with_one_open_band(tmp_path: Path):
    config = _with_value(tmp_path / "crm.toml", "segments", "company_size_bands",
                         '[{ band = "small", max_employees = 9 }, { band = "large", max_employees = 99 }]')
    with pytest.raises(ValueError, match="company_size_bands"):
        load_settings(config, environ={})


def test_a_warm_lead_score_above_the_hot_one_is_refused(tmp_path: Path):
    config = _with_value(tmp_path / "crm.toml", "sales", "lead_score_warm_min", "60")  # hot_min is 40
    with pytest.raises(ValueError, match="lead_score_warm_min"):
        load_settings(config, environ={})


@pytest.mark.parametrize("high, medium", [("0.7", "0.3"), ("0.5", "0.5")])
def test_a_high_risk_cut_not_below_the_medium_one_is_refused(high: str, medium: str):
    environ = {"CRM_PREDICTIONS_HIGH_RISK_BELOW": high, "CRM_PREDICTIONS_MEDIUM_RISK_BELOW": medium}
    with pytest.raises(ValueError, match="high_risk_below.*below predictions.medium_risk_below"):
        load_settings(PROJECT_ROOT / "crm.toml", environ=environ)


@pytest.mark.parametrize("key, value", [("high_risk_below", "0"), ("high_risk_below", "-0.1"),
                                        ("medium_risk_below", "1"), ("medium_risk_below", "1.5")])
def test_a_risk_cut_outside_zero_to_one_is_refused(key: str, value: str):
    with pytest.raises(ValueError, match=f"predictions.{key} .*between 0 and 1"):
        load_settings(PROJECT_ROOT / "crm.toml", environ={f"CRM_PREDICTIONS_{key.upper()}": value})


@pytest.mark.parametrize("days", ["0", "-5"])
def test_a_holdout_of_no_days_is_refused(days: str):
    with pytest.raises(ValueError, match="predictions.holdout_days"):
        load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_PREDICTIONS_HOLDOUT_DAYS": days})


@pytest.mark.parametrize("error", ["0", "-0.25"])
def test_a_max_holdout_error_of_zero_or_less_is_refused(error: str):
    with pytest.raises(ValueError, match="predictions.max_holdout_error"):
        load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_PREDICTIONS_MAX_HOLDOUT_ERROR": error})


def test_consistent_prediction_settings_are_kept():
    environ = {"CRM_PREDICTIONS_HIGH_RISK_BELOW": "0.01", "CRM_PREDICTIONS_MEDIUM_RISK_BELOW": "0.99",
               "CRM_PREDICTIONS_HOLDOUT_DAYS": "1", "CRM_PREDICTIONS_MAX_HOLDOUT_ERROR": "0.001"}
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ=environ)
    assert (settings.predictions_high_risk_below, settings.predictions_medium_risk_below,
            settings.predictions_holdout_days, settings.predictions_max_holdout_error) == (0.01, 0.99, 1, 0.001)


@pytest.mark.parametrize("key, value, message", [
    ("PIPELINE_AGE_BUCKETS", "[90, 30]", "ascending"), ("PIPELINE_AGE_BUCKETS", "[30, 30]", "ascending"),
    ("WIN_RATE_PRIOR_DEALS", "-1", "prior_deals"), ("PIPELINE_MIN_CLOSED_SHARE", "0", "min_closed_share"),
    ("COUNTRY_REVENUE_SHARE", "1.5", "country_revenue_share"), ("HORIZON_MONTHS", "0", "horizon_months"),
    ("MAX_COUNTRIES", "0", "max_countries"), ("MIN_HISTORY_MONTHS", "3", "min_history_months"),
    ("MAX_TREND_SMAPE", "0", "max_trend_smape")])
def test_forecast_settings_that_cannot_work_are_refused(key: str, value: str, message: str):
    with pytest.raises(ValueError, match=f"forecast.*{message}"):
        load_settings(PROJECT_ROOT / "crm.toml", environ={f"CRM_FORECAST_{key}": value})


@pytest.mark.parametrize("key, value, words", [
    ("lead_horizon_days", "0", "at least 1 day"), ("lead_scoring_interval_days", "-7", "at least 1 day"),
    ("lead_hot_min_probability", "1", "between 0 and 1"), ("lead_warm_min_probability", "0", "between 0 and 1"),
    ("lead_warm_min_probability", "0.5", "no lead could be warm"),  # hot is 0.3
    ("lead_max_training_rows", "0", "at least 1"), ("lead_min_holdout_auc", "1.2", "it is an AUC")])
def test_lead_prediction_settings_that_cannot_work_are_refused(key: str, value: str, words: str):
    with pytest.raises(ValueError, match=f"predictions.{key} .*{words}"):
        load_settings(PROJECT_ROOT / "crm.toml", environ={f"CRM_PREDICTIONS_{key.upper()}": value})


def test_equal_hot_and_warm_lead_probabilities_are_kept():
    environ = {"CRM_PREDICTIONS_LEAD_HOT_MIN_PROBABILITY": "0.2", "CRM_PREDICTIONS_LEAD_WARM_MIN_PROBABILITY": "0.2"}
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ=environ)
    assert (settings.predictions_lead_hot_min_probability, settings.predictions_lead_warm_min_probability) == (0.2, 0.2)


def test_the_bi_hash_salt_comes_from_the_environment_only_and_is_never_shown():
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_BI_HASH_SALT": "pepper-123"})
    assert settings.dbt_env()["CRM_BI_HASH_SALT"] == "pepper-123"
    assert "pepper-123" not in repr(settings)
    assert "pepper-123" not in json.dumps(dbt_vars(settings))
    assert load_settings(PROJECT_ROOT / "crm.toml", environ={}).dbt_env()["CRM_BI_HASH_SALT"] == ""


def test_dbt_vars_carry_the_as_of_day_and_the_load_modes():
    from dataclasses import replace

    from ingestion.sources import declared_load_modes

    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={})
    assert dbt_vars(settings)["as_of"] == ""
    assert dbt_vars(replace(settings, as_of=date(2026, 3, 31)))["as_of"] == "2026-03-31"
    load_modes = dbt_vars(settings)["raw_load_modes"]
    assert set(load_modes) == set(declared_load_modes())
    assert load_modes["sales__contacts"] == {"load_mode": "replace_by_key", "key": ["contact_id"],
                                             "newest_first": "updated_at desc nulls last"}
    assert load_modes["email__messages"] == {"load_mode": "append", "key": ["message_id"]}


def test_dbt_vars_hold_every_var_the_dbt_project_reads():
    project = PROJECT_ROOT / "dbt_project"
    used = set()
    for pattern in ("models/**/*", "macros/**/*", "tests/**/*", "seeds/**/*.yml", "*.yml"):
        for file in project.glob(pattern):
            if file.suffix in {".sql", ".yml", ".md"} and "target" not in file.parts:
                used |= set(re.findall(r"""\bvar\(\s*['"](\w+)['"]""", file.read_text(encoding="utf-8")))
    assert len(used) > 30  # the pattern still finds them
    in_project_yml = set(yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["vars"])
    given = set(dbt_vars(load_settings(PROJECT_ROOT / "crm.toml", environ={})))
    assert used - given <= in_project_yml, "read by dbt but neither in dbt_vars nor dbt_project.yml"
    # One home per setting: dbt_project.yml keeps only engine facts.
    assert not in_project_yml & given


@pytest.mark.slow  # builds a warehouse
def test_a_value_changed_in_crm_toml_reaches_the_dbt_models(tmp_path: Path):
    """dbt compiles a model with the value crm.toml holds, not a default of its own."""
    import os

    from orchestration.dbt import run_dbt

    config = _with_value(tmp_path / "crm.toml", "sales", "company_recent_touches_kept", "7")
    settings = load_settings(config, environ={**os.environ, "CRM_PATHS_DATA_DIR": str(tmp_path / "data")})
    target = tmp_path / "target"
    run_dbt(settings, ["compile", "--quiet", "--select", "mart_company_recent_touches", "--target-path", str(target)])
    compiled = next(target.rglob("mart_company_recent_touches.sql")).read_text(encoding="utf-8")
    assert "touch_rank <= 7" in compiled


def test_the_suppression_salt_comes_from_the_environment_only_and_reaches_neither_dbt_nor_a_repr():
    from orchestration.pipeline import read_context

    settings = load_settings(PROJECT_ROOT / "crm.toml", environ={"CRM_SUPPRESSION_SALT": "pepper-456"})
    assert settings.suppression_salt == "pepper-456"
    context = read_context(settings)
    assert context.suppression_salt == "pepper-456"
    for shown in (repr(settings), repr(context), json.dumps(dbt_vars(settings)), json.dumps(settings.dbt_env())):
        assert "pepper-456" not in shown


def test_dbt_sends_no_usage_events():
    """dbt reports every invocation to dbt Labs unless the project says not to (checked by hand: with the flag, dbt's
    debug log has no 'Sending event' line)."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["flags"]["send_anonymous_usage_stats"] is False
