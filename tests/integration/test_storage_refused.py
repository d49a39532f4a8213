"""A full disk or an unwritable warehouse: `crm ingest` and `crm check` say so in one line naming the cause and the
file, exit 1, and `crm ingest` tells every landing file's outcome; the files committed before stay loaded.

A full disk is simulated without root by a file size limit on the command's process (RLIMIT_FSIZE: a write past it
fails with EFBIG, "File too large", where a full disk fails with ENOSPC; both reach the same code), and a warehouse
folder without write permission by chmod (as root, which ignores permissions, the command runs as `nobody`)."""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT
from tests.warehouse import query

CRM = str(Path(sys.executable).parent / "crm")
TWILIO_HEADER = ("sid,account_sid,from,to,from_formatted,to_formatted,direction,status,start_time,end_time,duration,"
                 "price,price_unit,caller_name\n")
# Small enough for the first landing file's load and the warehouse's first blocks, far too small for the second
# file's ~50,000 calls (several MB).
FILE_SIZE_LIMIT = 1_000_000
NOBODY = 65534


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _landing(root: Path) -> dict[str, str]:
    """Three files of three sources, loaded in this order (web, phone, surveys); returns each one's path."""
    files = {"small": "web/segment-2026-01.jsonl", "large": "phone/twilio/calls-2026-01.csv",
             "after": "surveys/responses.csv"}
    _write(root, files["small"], "".join(
        json.dumps({"type": "page", "messageId": f"m{i}", "anonymousId": "a1", "timestamp": "2026-01-01T00:00:00Z"})
        + "\n" for i in range(10)) + "not json\n")
    _write(root, files["large"], TWILIO_HEADER + "".join(
        f'CA{i:032x},AC1,+14155550100,+18885550123,,,inbound,completed,"Mon, 29 Sep 2025 03:55:51 +0000",,60,,USD,'
        f"Caller {i * 7919:x}\n" for i in range(50_000)))
    _write(root, files["after"], "response_id,survey_type,email,contact_id,submitted_at,score,comment,channel,"
           "ticket_ref\nR1,nps,a@example.com,,2026-01-01 00:00:00,10,,email,\n")
    return files


def _crm(args: list[str], data: Path, before_exec: Callable[[], None] | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CRM_PATHS_DATA_DIR": str(data), **(env or {})}
    return subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                          timeout=180, preexec_fn=before_exec)


def _limit_file_size() -> None:
    # Without SIGXFSZ ignored, the kernel kills the process at the limit; ignored, the write fails with EFBIG.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def _error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("crm:")]


def _assert_one_line_failure(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "cannot rollback" not in result.stderr, result.stderr
    lines = _error_lines(result)
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_full_disk_stops_ingest_in_one_line_and_every_files_outcome_is_told(tmp_path: Path):
    files = _landing(tmp_path / "landing")
    warehouse = tmp_path / "warehouse" / "build.duckdb"

    result = _crm(["ingest"], tmp_path, _limit_file_size)

    line = _assert_one_line_failure(result)
    assert line.startswith(f"crm: file size limit reached writing {warehouse}"), line
    assert line.endswith("ingestion stopped: 1 file(s) loaded before it, 2 not loaded"), line
    outcomes = {path: next((out for out in result.stderr.splitlines() if f" {path}: " in out), None)
                for path in files.values()}
    assert outcomes[files["small"]].strip() == f"+ {files['small']}: 10 rows, 1 quarantined"
    for path in (files["large"], files["after"]):
        assert outcomes[path].strip().startswith(f"! {path}: not loaded: file size limit reached writing {warehouse}")
    # What was committed before the failure is loaded (DuckDB replays its WAL on the next open); nothing else is.
    assert query(warehouse, "select source_file, status from audit.loads") == [(files["small"], "loaded")]
    assert query(warehouse, "select count(*) from raw.web__segment_events") == [(10,)]

    again = _crm(["ingest"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "files loaded: 2, files skipped: 1" in again.stdout


@pytest.fixture
def shared_tmp():
    """A folder the user `nobody` can enter (pytest's own are private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="crm-storage-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def _as_unprivileged_user() -> Callable[[], None] | None:
    """Root ignores file permissions: run the command as `nobody` then."""
    if os.geteuid() != 0:
        return None

    def become_nobody() -> None:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    return become_nobody


@pytest.mark.parametrize("warehouse_file_exists", [False, True], ids=["new warehouse", "existing warehouse"])
def test_an_unwritable_warehouse_folder_is_named_in_one_line(shared_tmp: Path, warehouse_file_exists: bool):
    files = _landing(shared_tmp / "landing")
    warehouse = shared_tmp / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir()
    if warehouse_file_exists:
        duckdb.connect(str(warehouse)).close()
        warehouse.chmod(0o666)  # the file may be written, but not its write-ahead log next to it
    warehouse.parent.chmod(0o555)

    result = _crm(["ingest"], shared_tmp, _as_unprivileged_user(), env={"HOME": str(shared_tmp)})

    line = _assert_one_line_failure(result)
    if warehouse_file_exists:
        assert line.startswith(f"crm: permission denied: {warehouse}.wal; ingestion stopped: 0 file(s) loaded "
                               "before it, 3 not loaded"), line
        for path in files.values():
            assert f"! {path}: not loaded: permission denied: {warehouse}.wal" in result.stderr
    else:
        assert line == f"crm: permission denied: {warehouse}; no landing file was loaded", line


def test_a_full_disk_fails_crm_check_in_one_line(tmp_path: Path):
    """`crm check` writes its results into the warehouse first: the first write meets the full disk."""
    from orchestration.pipeline import BUILDS_DDL

    warehouse = tmp_path / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir()
    con = duckdb.connect(str(warehouse))
    now = datetime.now(UTC)
    con.execute(BUILDS_DDL)
    con.execute("insert into audit.builds values ('b1', ?, ?, 0, 0)", [now, now])  # a finished build
    con.close()

    def no_room_left() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    result = _crm(["check"], tmp_path, no_room_left)

    line = _assert_one_line_failure(result)
    assert line.startswith(f"crm: file size limit reached writing {warehouse}"), line
