"""customer_ids survive rebuilds: kept, merged with a redirect, split, never reissued (identity/stable_ids.py)."""

import hashlib

import duckdb
import pytest

from identity.stable_ids import assign_stable_ids


def md5_id(record_key: str) -> str:  # the documented rule, computed here independently
    return "cus_" + hashlib.md5(record_key.encode()).hexdigest()[:16]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema identity")
    return con


def build(con, components: dict[int, list[str]]) -> tuple[dict[str, str], tuple[int, int]]:
    rows = [(key, key.split(":")[0], key.split(":")[1], component)
            for component, keys in components.items() for key in keys]
    con.execute("create or replace table _components (record_key varchar, record_type varchar, record_id varchar, "
                "component bigint)")
    con.executemany("insert into _components values (?, ?, ?, ?)", rows)
    counts = assign_stable_ids(con, "_components", "identity.record_customers")
    return dict(con.execute("select record_key, customer_id from identity.record_customers").fetchall()), counts


def redirects(con) -> dict[str, tuple]:
    return {r[0]: (r[1], r[2]) for r in con.execute(
        "select customer_id, current_customer_id, retired_because from identity.customer_ids").fetchall()}


def test_first_build_ids_come_from_the_smallest_record_key(con):
    ids, counts = build(con, {0: ["crm_contact:B", "order:A"], 1: ["crm_contact:C"]})
    assert ids == {"crm_contact:B": md5_id("crm_contact:B"), "order:A": md5_id("crm_contact:B"),
                   "crm_contact:C": md5_id("crm_contact:C")}
    assert counts == (0, 0)


def test_a_new_record_joins_and_the_id_stays(con):
    build(con, {0: ["crm_contact:A"]})
    ids, counts = build(con, {7: ["crm_contact:A", "order:0-earlier-key"]})  # smaller key, but the id is kept
    assert set(ids.values()) == {md5_id("crm_contact:A")}
    assert counts == (1, 0)


def test_a_merge_keeps_the_id_issued_first_and_redirects_the_other(con):
    build(con, {0: ["crm_contact:A"]})
    build(con, {0: ["crm_contact:A"], 1: ["crm_contact:B"]})  # B's id is issued in a later build
    ids, counts = build(con, {0: ["crm_contact:A", "crm_contact:B", "order:X"]})
    older, newer = md5_id("crm_contact:A"), md5_id("crm_contact:B")
    assert set(ids.values()) == {older}
    assert counts == (1, 1)
    assert redirects(con)[newer] == (older, "merged")
    assert redirects(con)[older] == (older, None)


def test_redirects_stay_flat_when_the_survivor_merges_again(con):
    build(con, {0: ["crm_contact:A"]})
    build(con, {0: ["crm_contact:A"], 1: ["crm_contact:B"]})
    build(con, {0: ["crm_contact:A"], 1: ["crm_contact:B"], 2: ["crm_contact:C"]})
    build(con, {0: ["crm_contact:B", "crm_contact:C"], 1: ["crm_contact:A"]})  # C's id retired into B's
    build(con, {0: ["crm_contact:A", "crm_contact:B", "crm_contact:C"]})  # B's into A's: C's must follow
    a = md5_id("crm_contact:A")
    assert {k: v[0] for k, v in redirects(con).items()} == {a: a, md5_id("crm_contact:B"): a,
                                                           md5_id("crm_contact:C"): a}


def test_a_split_leaves_the_id_with_most_records_and_never_reissues_one(con):
    build(con, {0: ["crm_contact:A", "order:1", "order:2", "crm_contact:B"]})
    ids, _ = build(con, {0: ["crm_contact:A"], 1: ["crm_contact:B", "order:1", "order:2"]})
    first = md5_id("crm_contact:A")
    assert ids["order:1"] == first  # the larger part keeps the id
    assert ids["crm_contact:A"] not in (first, md5_id("crm_contact:A"))  # a new id, not the one in use
    assert ids["crm_contact:A"] == "cus_" + hashlib.md5(b"crm_contact:A#1").hexdigest()[:16]


def test_an_id_whose_records_are_gone_is_retired_without_successor(con):
    build(con, {0: ["crm_contact:A"], 1: ["crm_contact:B"]})
    _, counts = build(con, {0: ["crm_contact:A"]})
    assert counts == (1, 1)
    assert redirects(con)[md5_id("crm_contact:B")] == (None, "records_gone")
