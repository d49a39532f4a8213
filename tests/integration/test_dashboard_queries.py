"""The dashboards' queries on tiny serving files: a new publication is seen by the next query, a missing
table is reported as not ready, and input only ever fills parameters."""

import os
from pathlib import Path

import duckdb
import pytest

from dashboards.queries.customer_360 import search_companies
from dashboards.queries.data_health import loads_by_source
from dashboards.queries.overview import goal_progress
from dashboards.queries.serving import WarehouseNotReady, published_version, run_query


def _publish(target: Path, companies: list[tuple[str, str]]) -> None:
    """Write a serving file with marts.dim_companies and swap it in the way `crm publish` does (os.replace)."""
    staging = target.with_suffix(".new")
    staging.unlink(missing_ok=True)
    con = duckdb.connect(str(staging))
    con.execute("create schema marts")
    con.execute("create table marts.dim_companies (company_id varchar, company_name varchar, domain varchar, "
                "country_code varchar, city varchar, contact_count integer, open_deal_count integer)")
    if companies:
        con.executemany("insert into marts.dim_companies values (?, ?, null, 'JP', null, 1, 0)", companies)
    con.close()
    os.replace(staging, target)


def test_a_new_publication_is_seen_by_the_next_query(tmp_path: Path):
    serving = tmp_path / "serving.duckdb"
    _publish(serving, [("CO-1", "Acme Japan")])
    assert list(search_companies(serving, "acme")["company_name"]) == ["Acme Japan"]
    before = published_version(serving)
    _publish(serving, [("CO-1", "Acme Japan"), ("CO-2", "Acme Europe")])
    if published_version(serving) == before:  # same mtime granularity tick: make the change visible
        os.utime(serving, ns=(before + 1, before + 1))
    assert sorted(search_companies(serving, "acme")["company_name"]) == ["Acme Europe", "Acme Japan"]


def test_a_missing_file_or_table_is_reported_as_not_ready(tmp_path: Path):
    with pytest.raises(WarehouseNotReady, match="No published warehouse"):
        goal_progress(tmp_path / "nothing.duckdb")
    serving = tmp_path / "serving.duckdb"
    _publish(serving, [])
    with pytest.raises(WarehouseNotReady, match="mart_goal_progress"):
        goal_progress(serving)
    # A Python variable named like a missing table is never read in its place.
    mart_goal_progress = [("not", "a table")]  # noqa: F841
    with pytest.raises(WarehouseNotReady):
        goal_progress(serving)


@pytest.mark.parametrize("text", ["%", "_", "' or 1=1 --", "'; drop table marts.dim_companies; --", "Acme%"])
def test_search_text_is_a_value_never_sql(tmp_path: Path, text: str):
    serving = tmp_path / "serving.duckdb"
    _publish(serving, [("CO-1", "Acme Japan"), ("CO-2", "100% Pure")])
    found = search_companies(serving, text)
    assert list(found["company_name"]) == (["100% Pure"] if text == "%" else [])
    assert len(search_companies(serving, "")) == 2  # every name contains the empty string
    assert len(run_query(serving, "select * from marts.dim_companies")) == 2


def test_loads_by_source_leaves_superseded_loads_out(tmp_path: Path):
    """A load superseded by a later load of the same content (through a fixed column map) has no rows left in the
    warehouse: it is neither a file nor rows on the data-health page, and not a failure."""
    serving = tmp_path / "serving.duckdb"
    con = duckdb.connect(str(serving))
    con.execute("create schema audit")
    con.execute("create table audit.loads (source varchar, status varchar, rows_read bigint, rows_loaded bigint, "
                "rows_quarantined bigint, rows_suppressed bigint, finished_at timestamptz)")
    con.execute("""insert into audit.loads values
        ('sales__orders', 'superseded', 2, 0, 2, 0, '2026-01-01 10:00:00+00'),
        ('sales__orders', 'loaded', 3, 2, 0, 1, '2026-01-01 11:00:00+00'),
        ('sales__orders', 'rejected', 0, 0, 0, 0, '2026-01-01 09:00:00+00')""")
    con.close()
    row = loads_by_source(serving).iloc[0]
    assert (row["files"], row["rows_read"], row["rows_loaded"], row["rows_quarantined"], row["rows_suppressed"],
            row["files_failed"], row["last_status"]) == (2, 3, 2, 0, 1, 1, "loaded")


def test_on_the_file_without_pii_the_marts_names_read_the_bi_tables_with_the_withheld_columns_empty(tmp_path):
    from orchestration.publish import publish

    build_db, pii_free_db = tmp_path / "build.duckdb", tmp_path / "s_bi.duckdb"
    con = duckdb.connect(str(build_db))
    con.execute("create schema marts")
    con.execute("create schema bi")
    con.execute("create table marts.dim_customers as select 'c1' as customer_id, 'Ines Oyelaran' as full_name, "
                "42::integer as street_number, 'Porto' as city")
    con.execute("create table marts.mart_segment_members as select 'c1' as customer_id, 'Ines Oyelaran' as full_name")
    con.execute("create view bi.dim_customers as select customer_id, city from marts.dim_customers")
    con.close()
    publish(build_db, tmp_path / "s.duckdb", build_id="b9", pii_free_db=pii_free_db)

    rows = run_query(pii_free_db, "select customer_id, full_name, street_number, city from marts.dim_customers")
    assert rows.to_dict("records") == [{"customer_id": "c1", "full_name": None, "street_number": None, "city": "Porto"}]
    assert run_query(pii_free_db, "select build_id from meta.publication")["build_id"].tolist() == ["b9"]
    with pytest.raises(WarehouseNotReady):  # no bi counterpart: not there at all
        run_query(pii_free_db, "select full_name from marts.mart_segment_members")
