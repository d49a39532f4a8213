"""Customer lookup (identity/lookup.py, `crm lookup`) against a tiny serving file built by hand."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT
from identity.lookup import CustomerLookupUnavailable, find_customers

CUSTOMERS = [
    # customer_id, full_name, first, last, full_latin, first_latin, last_latin, email, phone, company, country, tz,
    # last_seen_at, name_search_text, name_search_text_is_exact (as dim_customers derives them from the names)
    ("cus_taro", "山田 太郎", "太郎", "山田", "Taro Yamada", "Taro", "Yamada", "taro.yamada@example.co.jp",
     "+819012345678", "株式会社山田商事", "JP", "Asia/Tokyo", datetime(2026, 10, 1, tzinfo=UTC),
     " 太郎 山田 taro yamada 山田太郎 太郎山田 yamadataro taroyamada", True),
    ("cus_hanako", "山田 花子", "花子", "山田", None, None, None, None, "+819087654321", None, "JP", "Asia/Tokyo",
     datetime(2026, 1, 1, tzinfo=UTC), " 花子 山田   山田花子 花子山田  ", True),
    ("cus_robert_nyc", "Robert Smith", "Robert", "Smith", "Robert Smith", "Robert", "Smith",
     "robert.smith@example.com", "+12125550147", "Dillon Group", "US", None, datetime(2026, 9, 1, tzinfo=UTC),
     " robert smith robert smith smithrobert robertsmith smithrobert robertsmith", True),
    ("cus_robert_ldn", "Robert Smith", "Robert", "Smith", "Robert Smith", "Robert", "Smith", "rsmith@example.co.uk",
     "+442079460958", None, "GB", "Europe/London", datetime(2026, 10, 15, tzinfo=UTC),
     " robert smith robert smith smithrobert robertsmith smithrobert robertsmith", True),
    # ß case-folds to "ss", which SQL's lower() does not do: always a candidate, scored in Python.
    ("cus_juergen", "Jürgen Geißler", "Jürgen", "Geißler", "Jürgen Geißler", "Jürgen", "Geißler", None, None, None,
     "DE", "Europe/Berlin", datetime(2026, 3, 1, tzinfo=UTC),
     " jürgen geißler jürgen geißler geißlerjürgen jürgengeißler geißlerjürgen jürgengeißler", False),
]
EMAILS = [
    ("cus_taro", "taro.yamada@example.co.jp", "taro.yamada@example.co.jp", True),
    ("cus_taro", "taro.yamada@gmail.com", "taroyamada@gmail.com", False),
    ("cus_taro", "taroyamada@gmail.com", "taroyamada@gmail.com", False),
    ("cus_robert_nyc", "robert.smith@example.com", "robert.smith@example.com", True),
    ("cus_robert_ldn", "rsmith@example.co.uk", "rsmith@example.co.uk", True),
]
PHONES = [
    ("cus_taro", "+819012345678", True),
    ("cus_hanako", "+819087654321", True),
    ("cus_robert_nyc", "+12125550147", True),
    ("cus_robert_ldn", "+442079460958", True),
    ("cus_robert_ldn", "+447700900123", False),
]


@pytest.fixture(scope="module")
def serving_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serving") / "serving.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.dim_customers (
        customer_id varchar, full_name varchar, first_name varchar, last_name varchar, full_name_latin varchar,
        first_name_latin varchar, last_name_latin varchar, primary_email varchar, primary_phone varchar,
        company_name varchar, country_code varchar, time_zone varchar, last_seen_at timestamptz,
        job_title varchar, language varchar, lifecycle_stage varchar, owner_email varchar,
        has_marketing_consent boolean, name_search_text varchar, name_search_text_is_exact boolean)""")
    con.executemany("""insert into marts.dim_customers (customer_id, full_name, first_name, last_name, full_name_latin,
        first_name_latin, last_name_latin, primary_email, primary_phone, company_name, country_code, time_zone,
        last_seen_at, name_search_text, name_search_text_is_exact)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", CUSTOMERS)
    con.execute("create table marts.dim_customer_emails (customer_id varchar, email varchar, email_match_key varchar, "
                "is_primary boolean)")
    con.executemany("insert into marts.dim_customer_emails values (?, ?, ?, ?)", EMAILS)
    con.execute("create table marts.dim_customer_phones (customer_id varchar, phone_e164 varchar, is_primary boolean)")
    con.executemany("insert into marts.dim_customer_phones values (?, ?, ?)", PHONES)
    con.close()
    return path


@pytest.fixture
def con(serving_db: Path):
    connection = duckdb.connect(str(serving_db), read_only=True)
    yield connection
    connection.close()


def _ids(matches) -> list[str]:
    return [m.customer_id for m in matches]


@pytest.mark.parametrize("query", ["Taro.Yamada@EXAMPLE.co.jp", "ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ"])
def test_email_in_any_case_or_width(con, query):
    matches = find_customers(con, query)
    assert _ids(matches) == ["cus_taro"]
    assert (matches[0].matched_on, matches[0].matched_value) == ("email", "taro.yamada@example.co.jp")
    assert matches[0].full_name == "山田 太郎" and matches[0].primary_phone == "+819012345678"


def test_another_spelling_of_the_same_gmail_mailbox_finds_the_customer(con):
    matches = find_customers(con, "TaroYamada@gmail.com")
    assert _ids(matches) == ["cus_taro"]
    assert matches[0].matched_value == "taroyamada@gmail.com"  # the exact spelling ranks first


@pytest.mark.parametrize(
    ("query", "region", "expected"),
    [
        ("０９０-1234-5678", "JP", "cus_taro"),  # full-width digits, national format
        ("+81 90 1234 5678", None, "cus_taro"),  # international format, any region
        ("090 1234 5678", None, "cus_taro"),  # national format without a region: tried in the customers' countries
        ("(212) 555-0147", "US", "cus_robert_nyc"),
        ("+1 212 555 0147", "JP", "cus_robert_nyc"),
        ("07700 900123", "GB", "cus_robert_ldn"),  # a number that is not the primary one
    ],
)
def test_phone_in_any_format(con, query, region, expected):
    matches = find_customers(con, query, region=region)
    assert _ids(matches) == [expected]
    assert matches[0].matched_on == "phone"


@pytest.mark.parametrize(
    "query",
    ["山田太郎", "山田 太郎", "山田　太郎", "太郎 山田", "yamada taro", "Taro Yamada", "ＴＡＲＯ　ＹＡＭＡＤＡ"],
)
def test_whole_name_in_either_script_and_order(con, query):
    matches = find_customers(con, query)
    assert _ids(matches)[0] == "cus_taro"
    assert matches[0].matched_on == "name"


def test_a_family_name_finds_everyone_in_the_family_most_recently_seen_first(con):
    assert _ids(find_customers(con, "山田")) == ["cus_taro", "cus_hanako"]


def test_whole_name_ranks_before_part_of_a_name(con):
    assert _ids(find_customers(con, "山田 花子")) == ["cus_hanako"]
    assert _ids(find_customers(con, "yamada t")) == ["cus_taro"]


def test_a_name_two_people_share_returns_both(con):
    matches = find_customers(con, "robert smith")
    assert _ids(matches) == ["cus_robert_ldn", "cus_robert_nyc"]  # London was seen more recently
    assert {m.country_code for m in matches} == {"GB", "US"}


@pytest.mark.parametrize("query", ["Geissler", "GEISSLER jürgen", "geißler", "Jurgen Geissler"])
def test_a_name_lower_does_not_fold_is_still_found_as_unicode_case_folding_reads_it(con, query):
    # "Jurgen" without the umlaut is another word (NFKC keeps the ü): that query matches no one.
    matches = find_customers(con, query)
    assert [(m.customer_id, m.matched_value) for m in matches] == (
        [] if query == "Jurgen Geissler" else [("cus_juergen", "Jürgen Geißler")])


def test_limit_and_no_match(con):
    assert len(find_customers(con, "Smith", limit=1)) == 1
    assert find_customers(con, "Nobody Known") == []
    assert find_customers(con, "not-an-email@") == []
    assert find_customers(con, "   ") == []


def test_a_serving_file_without_customer_marts_is_reported(tmp_path: Path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    con = duckdb.connect(str(empty), read_only=True)
    try:
        with pytest.raises(CustomerLookupUnavailable):
            find_customers(con, "taro@example.com")
    finally:
        con.close()


def test_a_serving_file_published_before_the_name_search_columns_is_reported(tmp_path: Path):
    older = tmp_path / "older.duckdb"
    with duckdb.connect(str(older)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_customers (customer_id varchar, first_name varchar, last_name varchar, "
                    "first_name_latin varchar, last_name_latin varchar)")
    con = duckdb.connect(str(older), read_only=True)
    try:
        with pytest.raises(CustomerLookupUnavailable, match="name_search_text"):
            find_customers(con, "Taro Yamada")
    finally:
        con.close()


CRM = str(Path(sys.executable).parent / "crm")


def _crm_lookup(*args: str, serving_db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CRM, "lookup", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CRM_PATHS_SERVING_DB": str(serving_db)})


def test_crm_lookup_prints_the_customer(serving_db: Path):
    result = _crm_lookup("０９０-1234-5678", "--region", "JP", serving_db=serving_db)
    assert result.returncode == 0, result.stderr
    assert "山田 太郎 (Taro Yamada)" in result.stdout and "cus_taro" in result.stdout


def test_crm_lookup_before_anything_is_published(tmp_path: Path):
    result = _crm_lookup("taro@example.com", serving_db=tmp_path / "serving.duckdb")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("crm:")] == [
        f"crm: nothing published yet at {tmp_path / 'serving.duckdb'}: run `crm run` first"]
