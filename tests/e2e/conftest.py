"""One run of the whole pipeline at a small scale, shared by every end-to-end test (pipeline, dashboards, browser)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT

SCALE = 400
END_DATE = "2026-11-01"


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("crm")
    env = {
        **os.environ,
        "CRM_PATHS_DATA_DIR": str(data),
        "CRM_PATHS_LANDING_DIR": str(data / "landing"),
        "CRM_PATHS_GROUND_TRUTH_DIR": str(data / "ground_truth"),
        "CRM_PATHS_BUILD_DB": str(data / "warehouse" / "build.duckdb"),
        "CRM_PATHS_SERVING_DB": str(data / "serving" / "serving.duckdb"),
        "CRM_PATHS_DAGSTER_HOME": str(data / "dagster_home"),
        "CRM_GENERATE_END_DATE": END_DATE,  # the same data on any day the tests run
        "CRM_DAGSTER_RECORD_CLI_RUNS": "true",  # what tests/e2e/test_dagster_record.py checks
    }
    crm = str(Path(sys.executable).parent / "crm")
    result = subprocess.run([crm, "run", "--scale", str(SCALE), "--seed", "7"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {
        "env": env, "stdout": result.stdout, "stderr": result.stderr, "data": data,
        "build_db": data / "warehouse" / "build.duckdb", "serving_db": data / "serving" / "serving.duckdb",
        "bi_serving_db": data / "serving" / "serving_bi.duckdb",  # crm.toml's default, under the data folder
        "truth": json.loads((data / "ground_truth" / "truth.json").read_text()),
        "records": data / "ground_truth" / "records.parquet",
    }


