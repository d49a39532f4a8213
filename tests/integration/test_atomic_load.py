"""A loader killed in the middle of a file leaves no partial rows, and the next run loads the file."""

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import duckdb
    from ingestion.load import ingest
    from ingestion.sources import all_sources

    con = duckdb.connect(sys.argv[2])
    specs = [s for s in all_sources() if s.name == "web__segment_events"]
    ingest(con, specs, Path(sys.argv[1]), progress=lambda r: print("done", r.source_file, flush=True))
    """
)


def _events(path: Path, first: int, count: int) -> None:
    with path.open("w") as fh:
        for i in range(first, first + count):
            fh.write(json.dumps({"type": "page", "messageId": f"m{i}", "anonymousId": f"a{i % 97}",
                                 "timestamp": "2026-01-01T00:00:00Z", "context": {"page": {"path": f"/p{i}"}}}))
            fh.write("\n")


def test_killed_load_leaves_nothing_and_is_loaded_next_time(tmp_path: Path):
    landing, db = tmp_path / "landing", tmp_path / "build.duckdb"
    (landing / "web").mkdir(parents=True)
    _events(landing / "web" / "a-small.jsonl", 0, 10)
    _events(landing / "web" / "b-large.jsonl", 10, 400_000)

    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(landing), str(db)], stdout=subprocess.PIPE,
                              text=True)
    assert worker.stdout.readline().split() == ["done", "web/a-small.jsonl"]
    time.sleep(0.5)  # the large file is being loaded now
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)

    con = duckdb.connect(str(db))
    assert con.execute("select count(*) from raw.web__segment_events").fetchall() == [(10,)]
    assert con.execute("select source_file, status from audit.loads").fetchall() == [("web/a-small.jsonl", "loaded")]
    con.close()

    rerun = subprocess.run([sys.executable, "-c", WORKER, str(landing), str(db)], capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*), count(distinct message_id) from raw.web__segment_events").fetchall() == [
        (400_010, 400_010)]
    assert con.execute("select source_file, rows_read, rows_loaded from audit.loads order by 1").fetchall() == [
        ("web/a-small.jsonl", 10, 10), ("web/b-large.jsonl", 400_000, 400_000)]
    con.close()
