"""A build killed or failed on the way is never checked or published under the previous build's name."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT, load_settings
from orchestration.pipeline import (
    BuildUnfinished,
    record_build_finished,
    record_build_started,
    run_check,
    run_publish,
)

CHECKED_AND_PUBLISHABLE = "11111111-aaaa-4bbb-8ccc-000000000001"
KILLED = "22222222-aaaa-4bbb-8ccc-000000000002"


@pytest.fixture
def settings(tmp_path: Path):
    """A warehouse whose last finished build passed its checks, then a build that started and never finished."""
    environ = {**os.environ, "CRM_PATHS_DATA_DIR": str(tmp_path)}
    for moved in ("LANDING_DIR", "GROUND_TRUTH_DIR", "BUILD_DB", "SERVING_DB", "DAGSTER_HOME"):
        environ.pop(f"CRM_PATHS_{moved}", None)
    settings = load_settings(PROJECT_ROOT / "crm.toml", environ=environ)
    settings.build_db.parent.mkdir(parents=True)
    earlier = datetime.now(UTC) - timedelta(hours=2)
    record_build_started(settings, CHECKED_AND_PUBLISHABLE, earlier)
    record_build_finished(settings, CHECKED_AND_PUBLISHABLE)
    con = duckdb.connect(str(settings.build_db))
    con.execute("create table audit.dq_results (run_id varchar, build_id varchar, severity varchar, "
                "success boolean, checked_at timestamptz)")
    con.execute("insert into audit.dq_results values ('r1', ?, 'block', true, ?)", [CHECKED_AND_PUBLISHABLE, earlier])
    con.close()
    record_build_started(settings, KILLED, datetime.now(UTC) - timedelta(minutes=5))
    return settings, environ


def test_publish_refuses_a_build_that_did_not_finish(settings):
    settings, _ = settings
    with pytest.raises(BuildUnfinished, match=r"^build 22222222 \(started .* UTC\) did not finish.*nothing to "
                                              r"publish until `crm build` finishes; the published build stays$"):
        run_publish(settings)
    assert not settings.serving_db.exists()


def test_check_refuses_it_too_rather_than_label_it_with_the_previous_build(settings):
    settings, _ = settings
    with pytest.raises(BuildUnfinished, match="nothing to check until `crm build` finishes"):
        run_check(settings)
    con = duckdb.connect(str(settings.build_db), read_only=True)
    assert con.execute("select count(*) from audit.dq_results").fetchall() == [(1,)]
    con.close()


def test_the_command_says_so_in_one_line(settings):
    _, environ = settings
    result = subprocess.run([str(Path(sys.executable).parent / "crm"), "publish"], cwd=PROJECT_ROOT, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("▶")]
    assert line.startswith("crm: build 22222222") and "did not finish" in line


def test_once_the_build_finishes_it_is_the_one_checked(settings):
    settings, _ = settings
    record_build_finished(settings)  # as Dagster's quality gate does: the latest build started
    con = duckdb.connect(str(settings.build_db), read_only=True)
    finished = dict(con.execute("select build_id, finished_at is not null from audit.builds").fetchall())
    con.close()
    assert finished == {CHECKED_AND_PUBLISHABLE: True, KILLED: True}
