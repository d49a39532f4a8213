"""Rows naming a person found generically in any DuckDB table, and the file rewritten without their bytes."""

import duckdb
import pytest

import orchestration.erasure
from orchestration.erasure import People, erase_from_database, rewrite_duckdb_file

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
    write the name, so the name is a namesake's. A name only the forgotten person's rows carried is not shared."""
    from ingestion.sources import all_sources
    from orchestration.erasure import names_of_others

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.sales__contacts (contact_id varchar, first_name varchar, last_name varchar)")
    con.execute("insert into raw.sales__contacts values ('K-1', 'Yoichi', 'Kobayashi'), ('K-2', 'Hana', 'Sato')")
    con.execute("create table raw.web__segment_events (message_id varchar, type varchar, person_name varchar)")
    con.execute("insert into raw.web__segment_events values ('w1', 'identify', '  ann lee ')")
    # What remains after the forgotten person's own rows (K-9, Yoichi Kobayashi) were deleted.
    shared = names_of_others(con, {"Yoichi Kobayashi", "Kobayashi Yoichi", "Ann Lee", "Julie Moreau"},
                             all_sources())
    assert shared == {"Yoichi Kobayashi", "Ann Lee"}
