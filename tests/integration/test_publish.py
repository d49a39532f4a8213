"""Publishing swaps the serving file atomically: a reader holding it open is neither broken nor blocking."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

import orchestration.publish as publishing
from orchestration.publish import publish

READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)   # held open for the whole rebuild
    print("ready", flush=True)
    seen, deadline = set(), time.time() + float(sys.argv[2])
    while time.time() < deadline:
        seen.add(con.execute("select max(version) from marts.dim_customers").fetchall()[0][0])
        time.sleep(0.01)
    print("versions", sorted(seen), flush=True)
    """
)


def _build(build_db: Path, version: int, rows: int = 50_000) -> None:
    con = duckdb.connect(str(build_db))
    con.execute("create schema if not exists marts")
    con.execute(
        f"create or replace table marts.dim_customers as "
        f"select range as customer_id, {version} as version from range({rows})"
    )
    con.close()


def test_reader_holding_the_published_file_survives_a_rebuild(tmp_path: Path):
    build_db, serving_db = tmp_path / "build.duckdb", tmp_path / "serving.duckdb"
    _build(build_db, version=1)
    publish(build_db, serving_db, build_id="b1")

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving_db), "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"

    started = time.perf_counter()
    _build(build_db, version=2)  # the build warehouse is a different file: no lock conflict with the reader
    publication = publish(build_db, serving_db, build_id="b2")
    rebuild_seconds = time.perf_counter() - started

    out, err = reader.communicate(timeout=30)
    assert reader.returncode == 0, err
    # The reader kept answering from the file it opened, without an error, while the new one was swapped in.
    assert "versions [1]" in out
    assert rebuild_seconds < 5, "the rebuild must not wait for the reader"
    assert publication.tables == {"marts.dim_customers": 50_000}

    fresh = duckdb.connect(str(serving_db), read_only=True)
    assert fresh.execute("select max(version), count(*) from marts.dim_customers").fetchall() == [(2, 50_000)]
    assert fresh.execute("select build_id from meta.publication").fetchall() == [("b2",)]
    fresh.close()
    assert not serving_db.with_name(serving_db.name + ".tmp").exists()


def test_the_pii_free_file_holds_the_bi_views_as_tables_and_no_marts(tmp_path: Path):
    build_db, serving_db, pii_free_db = tmp_path / "build.duckdb", tmp_path / "s.duckdb", tmp_path / "s_bi.duckdb"
    con = duckdb.connect(str(build_db))
    con.execute("create schema marts")
    con.execute("create schema bi")
    con.execute("create table marts.dim_customers as select 'c1' as customer_id, 'Ursula Quint' as full_name, "
                "'ursula.q@mailbox.test' as primary_email, 'Lisbon' as city")
    # as dbt builds the bi schema: views over the marts, leaving the PII columns out
    con.execute("create view bi.dim_customers as select customer_id, city from marts.dim_customers")
    con.close()

    publish(build_db, serving_db, build_id="b7", pii_free_db=pii_free_db)

    published = duckdb.connect(str(pii_free_db), read_only=True)
    assert published.execute(
        "select table_schema, table_name, table_type from information_schema.tables order by 1, 2"
    ).fetchall() == [
        ("bi", "dim_customers", "BASE TABLE"),
        ("meta", "publication", "BASE TABLE"),
        ("meta", "withheld_columns", "BASE TABLE"),
    ]
    assert published.execute("select * from bi.dim_customers").fetchall() == [("c1", "Lisbon")]
    assert published.execute("select build_id from meta.publication").fetchall() == [("b7",)]
    assert published.execute("select table_name, column_name from meta.withheld_columns order by 2").fetchall() == [
        ("dim_customers", "full_name"), ("dim_customers", "primary_email"),
    ]
    published.close()
    content = pii_free_db.read_bytes()
    assert b"Ursula Quint" not in content and b"ursula.q@mailbox.test" not in content
    assert b"Ursula Quint" in serving_db.read_bytes()  # the search finds what is there


def test_a_failure_writing_either_file_leaves_both_as_published(tmp_path: Path, monkeypatch):
    """The two files are written side by side and swapped in only when both are written: a reader never finds the
    file without PII a build ahead of the serving file, or behind it."""
    build_db, serving_db, pii_free_db = tmp_path / "build.duckdb", tmp_path / "s.duckdb", tmp_path / "s_bi.duckdb"
    _build(build_db, version=1, rows=10)
    with duckdb.connect(str(build_db)) as con:
        con.execute("create schema bi")
        con.execute("create view bi.dim_customers as select customer_id from marts.dim_customers")
    publish(build_db, serving_db, build_id="b1", pii_free_db=pii_free_db)

    copy_tables = publishing._copy_tables

    def failing_copy(con, names):  # the file without PII fails; the serving file is written in full
        if not any(name.startswith("marts.") for name in names):
            raise duckdb.IOException("disk full")
        return copy_tables(con, names)

    monkeypatch.setattr(publishing, "_copy_tables", failing_copy)
    with pytest.raises(duckdb.IOException, match="disk full"):
        publish(build_db, serving_db, build_id="b2", pii_free_db=pii_free_db)
    for path in (serving_db, pii_free_db):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("select build_id from meta.publication").fetchall() == [("b1",)]
