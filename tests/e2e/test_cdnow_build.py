"""The public CDNOW sample (tests/fixtures/cdnow/README.md) imported as a user would and built as of the end of
the paper's calibration period: the lifetime models the build fits are the published ones.

`crm build --as-of 1997-09-30` must make its predictions from what had happened by that day only, so its fit
is the paper's 39-week calibration fit: Fader, Hardie & Lee (2005) give BG/NBD r 0.243, α 4.414 (weeks),
a 0.793, b 2.426, log-likelihood −9,582.4, and Gamma-Gamma p 6.25, q 3.74, γ 15.44. The build measures time in
days: α in days is 7 × α in weeks, and each repeat purchase's density is 7 times thinner, so the log-likelihood
in days is the one in weeks minus ln 7 per repeat purchase (counted here from the file)."""

import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from common.settings import PROJECT_ROOT
from tests.warehouse import query

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CRM = str(Path(sys.executable).parent / "crm")
CDNOW = PROJECT_ROOT / "tests" / "fixtures" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)
# The sample as published: master id, sample id, date, CDs, dollars; aligned by spaces, no header.
CDNOW_MAP = """name: cdnow
entities:
  orders:
    header: false
    file_columns: [master_id, sample_id, date, cds, spend]
    delimiter: whitespace
    columns:
      contact_id: master_id
      order_date: {column: date, formats: ["%Y%m%d"]}
      amount: spend
      currency: {value: USD}
"""
PUBLISHED_BG_NBD = {"r": 0.2426, "alpha": 4.4136 * 7, "a": 0.7929, "b": 2.4259}
PUBLISHED_LOG_LIKELIHOOD_IN_WEEKS = -9582.43
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _repeat_purchases_in_calibration() -> int:
    """Purchase days after each customer's first, up to the calibration end, counted from the file."""
    days: dict[str, set[str]] = {}
    for line in CDNOW.read_text().splitlines():
        customer, _, day, _, _ = line.split()
        if day <= CALIBRATION_END.strftime("%Y%m%d"):
            days.setdefault(customer, set()).add(day)
    return sum(len(d) - 1 for d in days.values())


@pytest.fixture(scope="module")
def performance(tmp_path_factory) -> dict[str, float]:
    data = tmp_path_factory.mktemp("cdnow")
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data), "CRM_BUSINESS_BUSINESS_TIMEZONE": "America/New_York"}
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        env.pop(f"CRM_PATHS_{moved}", None)  # every path follows the data folder
    column_map = data.parent / f"{data.name}-cdnow.yml"
    column_map.write_text(CDNOW_MAP, encoding="utf-8")
    for args in (("import", str(CDNOW), "--map", str(column_map)), ("ingest",),
                 ("build", "--as-of", CALIBRATION_END.isoformat())):
        done = subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    db = data / "warehouse" / f"as-of-{CALIBRATION_END.isoformat()}.duckdb"
    rows = query(db, "select metric, value from marts.mart_model_performance "
                     "where model = 'customer_lifetime' and segment = 'all' and value is not null")
    return dict(rows)


def test_the_as_of_build_fits_the_published_bg_nbd(performance):
    assert performance["bg_nbd_customers"] == 2357
    for name, published in PUBLISHED_BG_NBD.items():
        assert performance[f"bg_nbd_{name}"] == pytest.approx(published, rel=0.01), name
    in_weeks = performance["bg_nbd_log_likelihood"] + math.log(7) * _repeat_purchases_in_calibration()
    assert in_weeks == pytest.approx(PUBLISHED_LOG_LIKELIHOOD_IN_WEEKS, rel=0.01)


def test_the_as_of_build_fits_the_published_gamma_gamma(performance):
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert performance[f"gamma_gamma_{name}"] == pytest.approx(published, rel=0.01), name
