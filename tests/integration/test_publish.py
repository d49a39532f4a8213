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

    def failing_copy(con, names, updated):  # the file without PII fails; the serving file is written in full
        if not any(name.startswith("marts.") for name in names):
            raise duckdb.IOException("disk full")
        return copy_tables(con, names, updated)

    monkeypatch.setattr(publishing, "_copy_tables", failing_copy)
    with pytest.raises(duckdb.IOException, match="disk full"):
        publish(build_db, serving_db, build_id="b2", pii_free_db=pii_free_db)
    for path in (serving_db, pii_free_db):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("select build_id from meta.publication").fetchall() == [("b1",)]


def _interactions_build(build_db: Path) -> None:
    """A build with a mart that keeps _changed_at (fct_interactions), its bi view, and a mart that does not."""
    with duckdb.connect(str(build_db)) as con:
        con.execute("create schema marts")
        con.execute("create schema bi")
        con.execute("""create table marts.fct_interactions as
                       select 'i' || range as interaction_id, 'c' || (range % 7) as customer_id,
                              'summary ' || range as summary, timestamptz '2026-01-01 00:00:00+00' as _changed_at
                       from range(100)""")
        con.execute("create view bi.fct_interactions as "
                    "select interaction_id, customer_id, _changed_at from marts.fct_interactions")
        con.execute("create table marts.dim_customers as select 'c' || range as customer_id from range(7)")


def _tables(path: Path) -> dict[str, set[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [n for (n,) in con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                                           "where schema_name <> 'meta'").fetchall()]
        return {name: set(con.execute(f"select * from {name}").fetchall()) for name in names}


def test_a_publication_from_the_published_file_takes_only_the_changed_rows(tmp_path: Path):
    build_db, serving_db, pii_free_db = tmp_path / "build.duckdb", tmp_path / "s.duckdb", tmp_path / "s_bi.duckdb"
    fresh_db, fresh_pii_free_db = tmp_path / "fresh.duckdb", tmp_path / "fresh_bi.duckdb"
    _interactions_build(build_db)
    first = publish(build_db, serving_db, "b1", pii_free_db, from_published=True)  # no file yet: a fresh one
    assert first.tables_updated == {} and first.tables["marts.fct_interactions"] == 100

    # The next build: a row changed (new summary), one moved to another customer, one removed, two added, a mart
    # rebuilt whole, and one left the build.
    with duckdb.connect(str(build_db)) as con:
        later = "timestamptz '2026-01-02 00:00:00+00'"
        con.execute(f"update marts.fct_interactions set summary = 'changed', _changed_at = {later} "
                    "where interaction_id = 'i1'")
        con.execute(f"update marts.fct_interactions set customer_id = 'c6', _changed_at = {later} "
                    "where interaction_id = 'i2'")
        con.execute("delete from marts.fct_interactions where interaction_id = 'i3'")
        con.execute(f"insert into marts.fct_interactions values ('i100', 'c0', 'new', {later}), "
                    f"('i101', 'c1', 'new', {later})")
        con.execute("create or replace table marts.dim_customers as select 'c' || range as customer_id from range(8)")
        con.execute("create table marts.mart_new as select 1 as n")

    second = publish(build_db, serving_db, "b2", pii_free_db, from_published=True)
    publish(build_db, fresh_db, "b2", fresh_pii_free_db)  # the same build written afresh

    # Two changed rows and two new ones written, in both files; the rest of the table kept as it was.
    assert second.tables_updated == {"marts.fct_interactions": 4, "bi.fct_interactions": 4}
    assert second.pii_free_tables_updated == {"bi.fct_interactions": 4}
    assert second.tables["marts.fct_interactions"] == 101
    assert _tables(serving_db) == _tables(fresh_db)
    assert _tables(pii_free_db) == _tables(fresh_pii_free_db)
    with duckdb.connect(str(serving_db), read_only=True) as con:
        assert con.execute("select summary from marts.fct_interactions where interaction_id = 'i1'").fetchall() == [
            ("changed",)]
        assert con.execute("select build_id from meta.publication").fetchall() == [("b2",)]

    # The mart leaves the build: its table leaves the file.
    with duckdb.connect(str(build_db)) as con:
        con.execute("drop table marts.mart_new")
    publish(build_db, serving_db, "b3", from_published=True)
    assert "marts.mart_new" not in _tables(serving_db)


def test_a_publication_from_another_builds_file_still_equals_the_build(tmp_path: Path):
    """The published file came from another warehouse (a restored one, say): rows of the same key with another
    _changed_at are replaced, rows it lacks are added, whatever their time — only a (key, _changed_at) pair both hold
    is kept."""
    build_db, other_db = tmp_path / "build.duckdb", tmp_path / "other.duckdb"
    serving_db, fresh_db = tmp_path / "s.duckdb", tmp_path / "fresh.duckdb"
    _interactions_build(build_db)
    _interactions_build(other_db)
    with duckdb.connect(str(other_db)) as con:
        # older and newer times than the build's, other content under them
        con.execute("update marts.fct_interactions set summary = 'other', _changed_at = timestamptz "
                    "'2025-06-01 00:00:00+00' where interaction_id in ('i1', 'i2')")
        con.execute("update marts.fct_interactions set summary = 'other', _changed_at = timestamptz "
                    "'2027-01-01 00:00:00+00' where interaction_id = 'i4'")
        con.execute("delete from marts.fct_interactions where interaction_id = 'i5'")
        con.execute("insert into marts.fct_interactions values ('x1', 'c1', 'only there', "
                    "timestamptz '2026-01-01 00:00:00+00')")
    publish(other_db, serving_db, "other")

    publication = publish(build_db, serving_db, "b1", from_published=True)
    publish(build_db, fresh_db, "b1")
    assert publication.tables_updated["marts.fct_interactions"] == 4  # i1, i2, i4 and i5
    assert _tables(serving_db) == _tables(fresh_db)


def test_a_publication_copies_whole_what_it_cannot_bring_up_to_date(tmp_path: Path):
    """Columns that changed, or most rows changed (a full refresh): the table is copied whole, the same rows."""
    build_db, serving_db, fresh_db = tmp_path / "build.duckdb", tmp_path / "s.duckdb", tmp_path / "fresh.duckdb"
    _interactions_build(build_db)
    publish(build_db, serving_db, "b1")

    with duckdb.connect(str(build_db)) as con:
        con.execute("update marts.fct_interactions set _changed_at = timestamptz '2026-01-02 00:00:00+00' "
                    "where interaction_id < 'i6'")  # more than half of the rows
        con.execute("create or replace view bi.fct_interactions as "
                    "select interaction_id, customer_id, summary, _changed_at from marts.fct_interactions")
    publication = publish(build_db, serving_db, "b2", from_published=True)
    publish(build_db, fresh_db, "b2")
    assert publication.tables_updated == {}
    assert _tables(serving_db) == _tables(fresh_db)


def test_a_published_file_that_cannot_be_opened_is_written_afresh(tmp_path: Path, caplog):
    build_db, serving_db = tmp_path / "build.duckdb", tmp_path / "s.duckdb"
    _interactions_build(build_db)
    serving_db.write_bytes(b"not a database file" * 1000)
    publication = publish(build_db, serving_db, "b1", from_published=True)
    assert publication.tables["marts.fct_interactions"] == 100 and publication.tables_updated == {}
    assert "writing it afresh" in caplog.text
