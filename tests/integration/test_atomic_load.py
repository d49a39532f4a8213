"""A loader killed in the middle of a file, or of a batch of files loaded together, leaves no partial rows of
any file, and the next run loads them all. The kill comes at a fixed point, inside the transaction after the rows
went into the raw table (a kill after a fixed delay missed the load once loading got faster)."""

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import duckdb
    from ingestion.load import ingest
    from ingestion.sources import all_sources

    import time
    import ingestion.load

    if sys.argv[3:] == ["pause"]:
        # Stop inside the transaction, after the rows went into the raw table and before the commit, where a
        # kill leaves the most behind: audit rows are written just before the commit.
        record_load = ingestion.load._record_load

        def record_load_then_pause(*args, **kwargs):
            record_load(*args, **kwargs)
            print("rows inserted, not committed", flush=True)
            time.sleep(600)

        ingestion.load._record_load = record_load_then_pause
    con = duckdb.connect(sys.argv[2])
    specs = [s for s in all_sources() if s.name == "web__segment_events"]
    print("ready", flush=True)
    ingest(con, specs, Path(sys.argv[1]), progress=lambda r: print("done", r.source_file, flush=True))
    """
)


def _events(path: Path, first: int, count: int) -> None:
    with path.open("w") as fh:
        for i in range(first, first + count):
            fh.write(json.dumps({"type": "page", "messageId": f"m{i}", "anonymousId": f"a{i % 97}",
                                 "timestamp": "2026-01-01T00:00:00Z", "context": {"page": {"path": f"/p{i}"}}}))
            fh.write("\n")


def _run(landing: Path, db: Path) -> None:
    run = subprocess.run([sys.executable, "-c", WORKER, str(landing), str(db)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("large_files", [{"b-large.jsonl": 400_000},  # one file
                                         {"b.jsonl": 100_000, "c.jsonl": 100_000, "d.jsonl": 100_000}],  # a batch
                         ids=["mid-file", "mid-batch"])
def test_killed_load_leaves_nothing_and_is_loaded_next_time(tmp_path: Path, large_files: dict[str, int]):
    landing, db = tmp_path / "landing", tmp_path / "build.duckdb"
    (landing / "web").mkdir(parents=True)
    _events(landing / "web" / "a-small.jsonl", 0, 10)
    _run(landing, db)  # a committed file the killed run must not touch
    first = 10
    for name, count in large_files.items():
        _events(landing / "web" / name, first, count)
        first += count

    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(landing), str(db), "pause"],
                              stdout=subprocess.PIPE, text=True)
    assert worker.stdout.readline().split() == ["ready"]
    assert worker.stdout.readline().strip() == "done web/a-small.jsonl"  # skipped
    assert worker.stdout.readline().strip() == "rows inserted, not committed"
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.stdout.read().splitlines() == []  # no large file finished

    con = duckdb.connect(str(db))
    assert con.execute("select count(*) from raw.web__segment_events").fetchall() == [(10,)]
    assert con.execute("select source_file, status from audit.loads").fetchall() == [("web/a-small.jsonl", "loaded")]
    assert con.execute("select count(*) from audit.quarantine").fetchall() == [(0,)]
    con.close()

    _run(landing, db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*), count(distinct message_id) from raw.web__segment_events").fetchall() == [
        (first, first)]
    assert con.execute("select source_file, rows_read, rows_loaded from audit.loads order by 1").fetchall() == [
        ("web/a-small.jsonl", 10, 10), *[(f"web/{name}", count, count) for name, count in large_files.items()]]
    # The files of the rerun were loaded together: one batch, one start time.
    assert con.execute("select count(distinct started_at) from audit.loads where source_file <> 'web/a-small.jsonl'"
                       ).fetchall() == [(1,)]
    con.close()
