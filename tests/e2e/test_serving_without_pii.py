"""Access: the serving file without direct PII that `crm publish` writes next to the full one."""

from pathlib import Path

import duckdb

SAMPLE = 40  # customers whose personal data is searched for


def _sample_pii(serving_db: Path) -> list[str]:
    """Names, every email and every phone number (E.164) of a sample of customers, from the full serving file."""
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        ids = [i for (i,) in con.execute(
            "select customer_id from marts.dim_customers where full_name is not null "
            f"order by md5(customer_id) limit {SAMPLE}").fetchall()]
        values = con.execute(
            """select full_name from marts.dim_customers where customer_id in (select unnest($ids))
               union select email from marts.dim_customer_emails where customer_id in (select unnest($ids))
               union select phone_e164 from marts.dim_customer_phones where customer_id in (select unnest($ids))""",
            {"ids": ids},
        ).fetchall()
    finally:
        con.close()
    return sorted(v for (v,) in values if v)


def found_in(path: Path, values: list[str]) -> list[str]:
    content = path.read_bytes()
    return [v for v in values if v.encode() in content]


def test_the_pii_free_serving_file_holds_no_name_email_or_phone_of_a_sample_of_customers(pipeline):
    serving_db, pii_free_db = pipeline["serving_db"], pipeline["bi_serving_db"]
    pii = _sample_pii(serving_db)
    assert len(pii) > 2 * SAMPLE  # a name and at least one email or phone each, on the whole
    # The search finds them where they are: the full file stores these strings as they are written.
    assert found_in(serving_db, pii) == pii
    assert found_in(pii_free_db, pii) == []

    con = duckdb.connect(str(pii_free_db), read_only=True)
    try:
        schemas = {s for (s,) in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
        assert schemas == {"bi", "meta", "audit"}
        # Of the audit tables, only when each build ran: load errors and check results can quote a source row.
        assert con.execute("select table_name from information_schema.tables where table_schema = 'audit'"
                           ).fetchall() == [("builds",)]
        # Tables, not views: the file answers on its own, without the marts.
        assert con.execute("select count(*) from bi.dim_customers").fetchall()[0][0] > SAMPLE
        assert con.execute(
            "select count(*) from information_schema.tables where table_type <> 'BASE TABLE'").fetchall() == [(0,)]
    finally:
        con.close()
