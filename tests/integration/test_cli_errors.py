"""Expected failures print one line and exit 1, without a Python traceback."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from common.settings import PROJECT_ROOT

CRM = str(Path(sys.executable).parent / "crm")


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


def test_missing_landing_folder(tmp_path: Path):
    result = _crm("ingest", env={"CRM_PATHS_LANDING_DIR": str(tmp_path / "nowhere"),
                                 "CRM_PATHS_BUILD_DB": str(tmp_path / "build.duckdb")})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
    assert len(error_lines) == 1 and "landing folder" in error_lines[0] and "does not exist" in error_lines[0]


def test_locked_build_warehouse(tmp_path: Path):
    build_db = tmp_path / "build.duckdb"
    (tmp_path / "landing").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(build_db)!r})
            print("holding", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        result = _crm("ingest", env={"CRM_PATHS_LANDING_DIR": str(tmp_path / "landing"),
                                     "CRM_PATHS_BUILD_DB": str(build_db)})
    finally:
        holder.communicate("done\n", timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "locked by another process" in result.stderr


def test_publish_before_any_build(tmp_path: Path):
    result = _crm("publish", env={"CRM_PATHS_BUILD_DB": str(tmp_path / "build.duckdb"),
                                  "CRM_PATHS_SERVING_DB": str(tmp_path / "serving.duckdb")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "run `crm ingest` and `crm build` first" in result.stderr


def test_the_dashboards_refuse_to_listen_beyond_this_machine_without_a_login(tmp_path: Path):
    # A serving file is there: the refusal is about the address, not about nothing being published.
    serving_db = tmp_path / "serving.duckdb"
    serving_db.touch()
    env = {"CRM_PATHS_SERVING_DB": str(serving_db), "CRM_PATHS_DASHBOARD_SECRETS": str(tmp_path / "none.toml")}
    for address in ("0.0.0.0", "192.0.2.10", "dashboards.example"):
        result = _crm("dashboard", "--address", address, env=env)
        assert result.returncode == 1, address
        assert "Traceback" not in result.stderr
        error_lines = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
        assert len(error_lines) == 1 and f"refusing to listen on {address} without a login" in error_lines[0]


def test_a_half_configured_login_is_an_error_naming_the_missing_keys_not_the_values(tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback"\n'
                       'client_secret = "s3cret-value-never-shown"\n')
    (tmp_path / "serving.duckdb").touch()
    result = _crm("dashboard", "--address", "0.0.0.0", env={
        "CRM_PATHS_SERVING_DB": str(tmp_path / "serving.duckdb"), "CRM_PATHS_DASHBOARD_SECRETS": str(secrets)})
    assert result.returncode == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
    assert len(error_lines) == 1
    assert "cookie_secret" in error_lines[0] and "client_id" in error_lines[0]
    assert "server_metadata_url" in error_lines[0]
    assert "s3cret-value-never-shown" not in result.stderr + result.stdout
