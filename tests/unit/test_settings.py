from pathlib import Path

from common.settings import PROJECT_ROOT, load_settings


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
    assert settings.dbt_env()["CRM_REPORTING_CURRENCY"] == "EUR"


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
