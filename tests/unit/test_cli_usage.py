"""What the CLI refuses before doing any work, and what it prints when there is nothing to do."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from common.settings import get_settings
from orchestration.cli import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch):
    """`crm ARGS` in this process, on a data folder of its own."""
    monkeypatch.setenv("CRM_PATHS_DATA_DIR", str(tmp_path))
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        monkeypatch.delenv(f"CRM_PATHS_{moved}", raising=False)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli, list(args))
    get_settings.cache_clear()


def _errors(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


def test_an_as_of_date_after_today_is_refused_in_one_line(run):
    zone = get_settings().business_timezone
    tomorrow = (datetime.now(ZoneInfo(zone)) + timedelta(days=1)).date().isoformat()
    result = run("build", "--as-of", tomorrow)
    assert result.exit_code == 1
    [line] = _errors(result)
    assert line.startswith(f"crm: --as-of {tomorrow} is after today (") and zone in line


def test_looking_up_nothing_is_a_usage_error(run):
    result = run("lookup", "  ")
    assert result.exit_code == 2
    assert "give an email, a phone number or a name" in result.output


def test_an_unknown_phone_region_is_a_usage_error(run):
    result = run("lookup", "090 1234 5678", "--region", "XX")
    assert result.exit_code == 2
    assert "'XX' is not a country code" in result.output


def test_a_known_region_in_lower_case_is_accepted(run):
    # Past the usage checks: nothing is published in the new data folder.
    result = run("lookup", "090 1234 5678", "--region", "jp")
    assert result.exit_code == 1 and "nothing published yet" in result.output


def test_ingest_with_nothing_new_prints_a_summary_not_a_line_per_file(run, tmp_path: Path):
    phone = tmp_path / "landing" / "phone" / "asterisk"
    phone.mkdir(parents=True)
    for day in range(1, 4):
        (phone / f"Master-2026-01-0{day}.csv").write_text(
            f'"","+81312345678","+81300000000","from-pstn","","SIP/1","","Dial","",'
            f'"2026-01-0{day} 10:00:00","2026-01-0{day} 10:00:01","2026-01-0{day} 10:01:00",60,59,"ANSWERED",'
            f'"DOCUMENTATION","170000000{day}.1",""\n', encoding="utf-8")
    first = run("ingest")
    assert first.exit_code == 0, first.output
    assert sum("Master-2026-01-0" in line for line in first.output.splitlines()) == 3  # each new file, once
    again = run("ingest")
    assert again.exit_code == 0, again.output
    assert "Master-" not in again.output
    assert "files loaded: 0, files skipped: 3, files rejected: 0" in again.output


def test_with_a_login_the_dashboards_may_listen_beyond_this_machine_and_only_the_pii_free_file_is_needed(
        run, tmp_path, monkeypatch):
    import orchestration.cli

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "https://crm.corp.test/oauth2callback"\ncookie_secret = "c"\n'
                       'client_id = "i"\nclient_secret = "s"\n'
                       'server_metadata_url = "https://id.corp.test/.well-known/openid-configuration"\n')
    monkeypatch.setenv("CRM_PATHS_DASHBOARD_SECRETS", str(secrets))
    (tmp_path / "serving").mkdir()
    (tmp_path / "serving" / "serving_bi.duckdb").touch()  # a viewers' machine: no full serving file
    started = []
    # What would start Streamlit (the dashboards themselves are tested in a browser, tests/e2e).
    monkeypatch.setattr(orchestration.cli, "_run_foreground", lambda command, env: started.append(command))
    result = run("dashboard", "--address", "0.0.0.0", "--port", "8600")
    assert result.exit_code == 0, result.output
    [command] = started
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert command[command.index("--secrets.files") + 1] == str(secrets)
    # the name users come back to from the login, so Streamlit need not look up the machine's public IP
    assert command[command.index("--browser.serverAddress") + 1] == "crm.corp.test"


def test_publish_names_both_files_it_wrote(run, tmp_path, monkeypatch):
    from datetime import UTC

    import orchestration.pipeline
    from orchestration.publish import Publication

    monkeypatch.setenv("CRM_DAGSTER_RECORD_CLI_RUNS", "false")
    full, pii_free = tmp_path / "full.duckdb", tmp_path / "no-pii.duckdb"
    published = Publication(full, "b1", {"marts.a": 1, "marts.b": 2, "bi.a": 1}, datetime.now(UTC), pii_free,
                            {"bi.a": 1})
    monkeypatch.setattr(orchestration.pipeline, "run_publish", lambda settings: published)
    result = run("publish")
    assert result.exit_code == 0, result.output
    assert f"published 3 tables to {full}" in result.output
    assert f"published 1 tables without direct PII to {pii_free}" in result.output
