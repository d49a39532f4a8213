"""Rows naming a person found generically in any DuckDB table, and the file rewritten without their bytes."""

from datetime import UTC, datetime

import duckdb
import pytest

import orchestration.erasure
from orchestration.erasure import People, erase_from_database, published_as_built, republish, rewrite_duckdb_file
from orchestration.publish import publish

ANN = People(customer_ids={"cus_00000000000000aa"}, record_keys={"crm_contact:K-777777"}, record_ids={"K-777777"},
             emails={"ann.lee@example.com"}, phones={"+12125550199"}, ids={"K-777777"},
             written={"Ann.Lee@Example.COM", "(212) 555-0199"})


@pytest.mark.parametrize("group", [500, 1])
def test_rows_are_found_by_any_text_column_and_their_bytes_leave_the_file(tmp_path, monkeypatch, group):
    # group 1: each value in a regular expression of its own, as many values are split into several
    monkeypatch.setattr(orchestration.erasure, "ALTERNATION_GROUP", group)
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema audit")
    con.execute("create table marts.customers (customer_id varchar, revenue decimal(10, 2))")
    con.execute("insert into marts.customers values ('cus_00000000000000aa', 10), ('cus_00000000000000bb', 20)")
    con.execute("create table marts.kpis (month varchar, revenue decimal(10, 2))")  # nobody's row
    con.execute("insert into marts.kpis values ('2026-01', 30)")
    con.execute("create table audit.quarantine (raw_record varchar, reason varchar)")
    con.execute("""insert into audit.quarantine values
                   ('O-9,K-777777,,not a date', 'bad date'),        -- their contact id, as a word
                   ('O-10,K-7777770,,not a date', 'bad date'),      -- someone else's longer id
                   ('x,call me at (212) 555-0199', 'too few'),      -- their number as written
                   ('y,ANN.LEE@EXAMPLE.COM', 'too few')""")
    con.execute("create table marts.messages (message_id varchar, cc varchar[])")
    con.execute("insert into marts.messages values ('m1', ['bob@example.org', 'ann.lee@example.com']), "
                "('m2', ['bob@example.org'])")
    con.close()
    con = duckdb.connect()
    con.execute(f"attach '{path}' as w")
    removed = erase_from_database(con, "w", ANN)
    assert removed == {"marts.customers": 1, "audit.quarantine": 3, "marts.messages": 1}
    assert con.execute("select raw_record from w.audit.quarantine").fetchall() == [("O-10,K-7777770,,not a date",)]
    assert con.execute("select count(*) from w.marts.kpis").fetchall() == [(1,)]
    con.close()
    assert b"ann.lee@example.com" in path.read_bytes()  # deleted, yet still in the file: why it is rewritten
    rewrite_duckdb_file(path)
    data = path.read_bytes()
    for value in (b"ann.lee@example.com", b"ANN.LEE@EXAMPLE.COM", b"(212) 555-0199", b"cus_00000000000000aa"):
        assert value not in data
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select customer_id from marts.customers").fetchall() == [("cus_00000000000000bb",)]


def test_the_build_is_copied_without_their_rows_and_untouched_until_the_copy_replaces_it(tmp_path):
    # As `crm forget` copies the build file: the rows found are left out of the copy, the original is not written
    # to (a failure before the replace leaves it whole), and views and every other row come along.
    from orchestration.erasure import COPY_NAME, find_rows, finish_copy, start_copy

    path = tmp_path / "build.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema bi")
    con.execute("create table marts.customers (customer_id varchar, email varchar, revenue decimal(10, 2))")
    con.execute("insert into marts.customers values ('cus_00000000000000aa', 'ann.lee@example.com', 10), "
                "('cus_00000000000000bb', 'bob@example.org', 20), ('cus_00000000000000cc', null, 5)")
    con.execute("create table marts.kpis (month varchar, revenue decimal(10, 2))")
    con.execute("insert into marts.kpis values ('2026-01', 35)")
    con.execute("create view bi.customers as select customer_id, revenue from marts.customers")
    con.close()
    before = path.read_bytes()
    con = duckdb.connect(str(path))
    find_rows(con, "build", ANN)
    assert start_copy(con, "build", path, found=True) == {"marts.customers": 1}
    assert con.execute(f"select count(*) from {COPY_NAME}.marts.customers").fetchall() == [(2,)]
    assert path.read_bytes() == before
    finish_copy(con, path)
    con.close()
    assert b"ann.lee@example.com" not in path.read_bytes()
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select customer_id, revenue from bi.customers order by 1").fetchall() == [
        ("cus_00000000000000bb", 20), ("cus_00000000000000cc", 5)]
    assert con.execute("select * from marts.kpis").fetchall() == [("2026-01", 35)]


def test_text_files_are_redacted_and_the_byte_search_names_what_is_left(tmp_path):
    from orchestration.erasure import files_holding, redact_text_file

    docs = tmp_path / "quality" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<td>unexpected: ANN.LEE@example.com, (212) 555-0199, bob@example.org</td>", encoding="utf-8")
    other = tmp_path / "export.bin"
    other.write_bytes(b"\x00+12125550199\x00")
    assert redact_text_file(docs, ANN) == 2
    assert docs.read_text(encoding="utf-8") == "<td>unexpected: [erased], [erased], bob@example.org</td>"
    assert files_holding([tmp_path], ANN) == [other]


def test_the_byte_search_finds_a_value_across_the_borders_of_the_blocks_it_reads(tmp_path, monkeypatch):
    from orchestration.erasure import files_holding

    monkeypatch.setattr(orchestration.erasure, "SEARCH_BLOCK", 16)  # blocks of 16 bytes, read 64 at a time
    needle = b"+12125550199"  # 12 bytes
    for name, at in (("in-a-block.bin", 2), ("across-blocks.bin", 10), ("across-reads.bin", 64 * 16 - 5),
                     ("at-the-end.bin", 3000 - 12)):
        (tmp_path / name).write_bytes(b"x" * at + needle + b"x" * (3000 - 12 - at))
    (tmp_path / "cut.bin").write_bytes(b"x" * 1019 + needle[:6] + b"-" + needle[6:] + b"x" * 1000)
    assert [p.name for p in files_holding([tmp_path], ANN)] == [
        "across-blocks.bin", "across-reads.bin", "at-the-end.bin", "in-a-block.bin"]


def test_a_name_rows_left_after_the_erasure_still_carry_is_a_namesakes_and_not_searched_for():
    """Two contacts named Yoichi Kobayashi, one of them forgotten: his rows are gone, the other's stay and still
    write the name, so the name is a namesake's. So is a name the remaining rows hold in a mail header or a
    quarantined line. A name only the forgotten person's rows carried is not shared, nor one a longer name holds."""
    from orchestration.erasure import names_of_others

    con = duckdb.connect()
    con.execute("create schema raw; create schema audit; create schema marts")
    con.execute("create table raw.sales__contacts (contact_id varchar, first_name varchar, last_name varchar)")
    con.execute("insert into raw.sales__contacts values ('K-1', 'Yoichi', 'Kobayashi'), ('K-2', 'Hana', 'Sato')")
    con.execute("create table raw.web__segment_events (message_id varchar, type varchar, person_name varchar)")
    con.execute("insert into raw.web__segment_events values ('w1', 'identify', '  ann lee ')")
    con.execute("create table raw.email__messages (message_id varchar, to_addresses varchar[])")
    con.execute("""insert into raw.email__messages values
                   ('m1', ['"Nanami Sasaki" <nanamisasaki30@gmail.com>']),
                   ('m2', ['"Brian Stephenson" <bs@may.co.uk>'])""")
    con.execute("create table audit.quarantine (raw_record varchar, reason varchar)")
    con.execute("insert into audit.quarantine values ('K-3,佐々木七夏様,bad date', 'bad date')")
    con.execute("create table marts.dim_customers (customer_id varchar, full_name varchar)")  # derived: not read
    con.execute("insert into marts.dim_customers values ('cus_1', 'Julie Moreau')")
    # What remains after the forgotten people's own rows (K-9, Yoichi Kobayashi; ...) were deleted.
    shared = names_of_others(con, "memory", {"Yoichi Kobayashi", "Kobayashi Yoichi", "Ann Lee", "Julie Moreau",
                                             "NANAMI SASAKI", "Brian Stephens", "佐々木七夏"})
    assert shared == {"Yoichi Kobayashi", "Ann Lee", "NANAMI SASAKI", "佐々木七夏"}


def test_the_byte_search_finds_a_name_only_whole(tmp_path):
    from orchestration.erasure import files_holding

    brian = People(names={"Brian Stephens"})
    (tmp_path / "longer.jsonl").write_bytes(b'{"name":"Brian Stephenson"}\n')
    (tmp_path / "whole.jsonl").write_bytes(b'{"name":"Brian Stephens"}\n')
    (tmp_path / "at-the-start.txt").write_bytes(b"Brian Stephens, CEO")
    (tmp_path / "joined.txt").write_bytes(b"xBrian Stephens")
    assert [p.name for p in files_holding([tmp_path], brian)] == ["at-the-start.txt", "whole.jsonl"]


def _published_build(tmp_path):
    """A build warehouse with one finished build, published, and a connection to it as `crm forget` holds one."""
    build_db, serving_db = tmp_path / "build.duckdb", tmp_path / "serving.duckdb"
    con = duckdb.connect(str(build_db))
    con.execute("create schema marts; create schema audit; create schema bi")
    con.execute("create table audit.builds (build_id varchar, started_at timestamptz, finished_at timestamptz, "
                "customers integer, records_resolved integer)")
    con.execute("insert into audit.builds values ('b1', '2026-11-01 08:00+00', '2026-11-01 08:30+00', 2, 2)")
    con.execute("create table marts.dim_customers (customer_id varchar, email varchar)")
    con.execute("insert into marts.dim_customers values ('cus_00000000000000aa', 'ann.lee@example.com'), "
                "('cus_00000000000000bb', 'bob@example.org')")
    con.execute("create view bi.dim_customers as select customer_id from marts.dim_customers")
    con.close()
    published_at = datetime(2026, 11, 1, 9, tzinfo=UTC)
    publish(build_db, serving_db, "b1", published_at=published_at)
    return build_db, serving_db, published_at


def test_a_serving_file_of_the_latest_build_is_republished_from_it_without_their_rows(tmp_path):
    build_db, serving_db, published_at = _published_build(tmp_path)
    con = duckdb.connect(str(build_db))
    republication = published_as_built(con, "build", serving_db, pii_free=False)
    assert republication is not None and republication.build_id == "b1"
    con.execute("delete from marts.dim_customers where customer_id = 'cus_00000000000000aa'")
    con.close()
    # Two rows fewer: the person's customer row, and the same row through the bi view materialized on publish.
    assert republish(build_db, republication) == {"marts.dim_customers": 1, "bi.dim_customers": 1}
    assert b"ann.lee@example.com" not in serving_db.read_bytes()
    con = duckdb.connect(str(serving_db), read_only=True)
    assert con.execute("select customer_id from marts.dim_customers").fetchall() == [("cus_00000000000000bb",)]
    assert con.execute("select build_id, published_at from meta.publication").fetchall() == [("b1", published_at)]


def test_a_serving_file_of_another_build_or_other_rows_is_not_republished(tmp_path):
    build_db, serving_db, _ = _published_build(tmp_path)
    con = duckdb.connect(str(build_db))
    con.execute("insert into marts.dim_customers values ('cus_00000000000000cc', 'cy@example.net')")
    assert published_as_built(con, "build", serving_db, pii_free=False) is None  # a row the file does not have
    con.execute("delete from marts.dim_customers where customer_id = 'cus_00000000000000cc'")
    assert published_as_built(con, "build", serving_db, pii_free=False) is not None
    # A newer build (which failed its checks, say): the published file holds the older one.
    con.execute("insert into audit.builds values ('b2', '2026-11-02 08:00+00', '2026-11-02 08:30+00', 2, 2)")
    assert published_as_built(con, "build", serving_db, pii_free=False) is None
    con.close()


def test_a_file_copied_from_its_open_connection_keeps_every_table(tmp_path):
    # As `crm forget` copies the build file: from the connection that deleted the rows, which then closes without
    # a checkpoint. A small table's rows go to a log beside the copy first; the copy must hold them itself.
    path = tmp_path / "build.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema audit; create table audit.loads (file_hash varchar, rows_loaded integer)")
    con.execute("insert into audit.loads values ('h1', 3), ('h2', 4)")
    con.execute("create table people (email varchar)")
    con.execute("insert into people values ('ann.lee@example.com'), ('bob@example.org')")
    con.execute("checkpoint")
    con.execute("delete from people where email = 'ann.lee@example.com'")
    orchestration.erasure.replace_with_copy(con, "build", path)
    con.execute("pragma disable_checkpoint_on_shutdown")
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb"]
    assert b"ann.lee@example.com" not in path.read_bytes()
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select * from audit.loads order by 1").fetchall() == [("h1", 3), ("h2", 4)]
    assert con.execute("select email from people").fetchall() == [("bob@example.org",)]
