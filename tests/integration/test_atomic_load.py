"""A loader killed in the middle of a file, or of a batch of files loaded together, leaves no partial rows of
any file, and the next run loads them all. The kill comes at a fixed point, inside the transaction after the rows
went into the raw table (a kill after a fixed delay missed the load once loading got faster).

The files are just large enough for more than one DuckDB row group (122,880 rows) to be written uncommitted, and
the worker's DuckDB spills beyond 300 MB: with 400,000 rows and no limit it peaked at 560 MB, and on a busy machine
a worker that ends before reaching the fixed point (three runs in five, elsewhere) leaves nothing to read. Its
exit status and error output are in the message if it ever does again."""

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
    con = duckdb.connect(sys.argv[2], config={"memory_limit": "300MB"})
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


@pytest.mark.parametrize("large_files", [{"b-large.jsonl": 150_000},  # one file
                                         {"b.jsonl": 50_000, "c.jsonl": 50_000, "d.jsonl": 50_000}],  # a batch
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

    errors = tmp_path / "worker.stderr"
    with errors.open("w") as error_output:
        worker = subprocess.Popen([sys.executable, "-c", WORKER, str(landing), str(db), "pause"],
                                  stdout=subprocess.PIPE, stderr=error_output, text=True)
    try:
        lines = [worker.stdout.readline().strip() for _ in range(3)]
        if lines[-1] == "":  # the worker ended before the fixed point: say how
            worker.wait(timeout=30)
        assert lines == ["ready", "done web/a-small.jsonl", "rows inserted, not committed"], (
            f"worker exit status {worker.poll()}: {errors.read_text()[-3000:]}")  # a-small: skipped
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        assert worker.stdout.read().splitlines() == []  # no large file finished
    finally:
        worker.kill()
        worker.wait(timeout=30)

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
