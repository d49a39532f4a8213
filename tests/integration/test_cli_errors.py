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
