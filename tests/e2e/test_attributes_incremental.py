"""The customer attribute models built incrementally (one customer at a time, macros/customer_attributes.sql) equal
the same models rebuilt whole, after the changes later loads bring.

On a copy of the end-to-end run's warehouse, the inputs change the way loads and identity resolution change them: a
CRM contact exported again under another name, a company exported again under another name and owner (every contact
of it states them), a campaign exported again under another name (the first touch of the web visits naming either
name), a new web visit's identify call and a new email for a customer, identity resolution moving one record to
another customer and merging a third customer into that one (the third keeps no row). Both models are then built
incrementally on that copy and whole on a second copy; both must hold the same rows (EXCEPT ALL both ways, all
columns but `_changed_at`), and the incremental build must have rewritten only the customers concerned.
"""

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt import run_dbt
from tests.warehouse import copy_settings, one_row

pytestmark = pytest.mark.slow  # two dbt runs on copies of the end-to-end warehouse

MODELS = ("intermediate.int_customer__attribute_candidates_unioned", "intermediate.int_customer__ranked_attributes")
CHANGED_AT = "now()::timestamptz"


def _settings(warehouse: Path):
    # Only what this test loads is new (the run's own loads are minutes old).
    return copy_settings(warehouse, {"CRM_BUILD_INCREMENTAL_LOOKBACK_DAYS": "0"})


def _customers_of(con: duckdb.DuckDBPyConnection, record_type: str, record_id: str) -> set[str]:
    return {r[0] for r in con.execute("select customer_id from identity.record_customers "
                                      "where record_type = ? and record_id = ?", [record_type, record_id]).fetchall()}


def _change_inputs(con: duckdb.DuckDBPyConnection) -> tuple[set[str], str]:
    """The changes above; the customers whose attributes they change, and the customer merged into another."""
    def one(sql: str, params=None):
        return one_row(con, sql, params)

    def a_record(record_type: str) -> tuple[str, str]:
        """A record of the type (its id and customer) of a customer no change so far concerns."""
        return one(f"""select record_id, customer_id from identity.record_customers
                       where record_type = '{record_type}' and customer_id not in (select unnest(?::varchar[]))
                       order by record_id limit 1""", [sorted(touched)])

    touched: set[str] = set()
    candidates = MODELS[0]
    # A contact exported again, renamed (a later updated_at: the newest version wins).
    contact_id = one("""select record_id from identity.record_customers where record_type = 'crm_contact'
                        order by record_id limit 1""")[0]
    con.execute(f"""insert into raw.sales__contacts
                    select * replace ('Renamed' as first_name, '2099-01-01 00:00:00' as updated_at,
                                      {CHANGED_AT} as _loaded_at, 'test-load-contact' as _load_id)
                    from raw.sales__contacts where contact_id = ? order by _loaded_at desc limit 1""", [contact_id])
    touched |= _customers_of(con, "crm_contact", contact_id)

    # A company exported again under another name and owner: every contact of it says so.
    company_id = one("""select company_id from staging.stg_sales__contacts where company_id is not null
                        and contact_id <> ? group by 1 order by count(*) desc, 1 limit 1""", [contact_id])[0]
    con.execute(f"""insert into raw.sales__companies
                    select * replace ('Renamed Company KK' as company_name, 'new.owner@acme.example' as owner_email,
                                      {CHANGED_AT} as _loaded_at, 'test-load-company' as _load_id)
                    from raw.sales__companies where company_id = ? order by _loaded_at desc limit 1""", [company_id])
    for (member,) in con.execute("select contact_id from staging.stg_sales__contacts where company_id = ?",
                                 [company_id]).fetchall():
        touched |= _customers_of(con, "crm_contact", member)

    # A campaign exported again under another name: the visits naming the old name lose its id and channel, those
    # naming the new one (none yet: it is new) would gain them.
    campaign_id, campaign_name = one(f"""select detail_3, any_value(detail_2) from {candidates}
                                         where attribute = 'acquisition' and source = 'web_utm'
                                           and detail_3 is not null
                                         group by 1 order by count(distinct customer_id), 1 limit 1""")
    con.execute(f"""insert into raw.sales__campaigns
                    select * replace ('Renamed campaign' as campaign_name, {CHANGED_AT} as _loaded_at,
                                      'test-load-campaign' as _load_id)
                    from raw.sales__campaigns where campaign_id = ? order by _loaded_at desc limit 1""",
                [campaign_id])
    touched |= {r[0] for r in con.execute(f"""select customer_id from {candidates}
                                              where attribute = 'acquisition' and detail_3 = ?""",
                                          [campaign_id]).fetchall()}
    assert campaign_name

    # A new web visit identifies a known visitor under a new name and email, and a new email reaches a customer.
    anonymous_id, web_customer = a_record("web_anonymous")
    con.execute(f"""insert into staging.stg_web__segment_events
                    select * replace ('test-event-1' as event_id, 'identify' as event_type,
                                      'Brand New Name' as person_name, 'brand.new@example.org' as email,
                                      'brand.new@example.org' as email_match_key, {CHANGED_AT} as _loaded_at)
                    from staging.stg_web__segment_events where coalesce(anonymous_id, previous_id) = ?
                    order by event_id limit 1""", [anonymous_id])
    touched.add(web_customer)
    message_id, mail_customer = a_record("email_message")
    con.execute(f"""insert into staging.stg_email__messages
                    select * replace ('<new-message@test>' as message_id, 'Another Display Name' as counterpart_name,
                                      {CHANGED_AT} as _loaded_at)
                    from staging.stg_email__messages where message_id = ?""", [message_id])
    con.execute("""insert into identity.record_customers
                   values ('email_message:<new-message@test>', 'email_message', '<new-message@test>', ?)""",
                [mail_customer])
    touched.add(mail_customer)

    # Identity resolution moves a record to another customer and merges a third customer into that one.
    with_records = """select customer_id from identity.record_customers where customer_id not in
                        (select unnest(?::varchar[]))
                      group by 1 having count(*) >= 2 order by 1 limit 3"""
    donor, receiver, vanishing = (r[0] for r in con.execute(with_records, [sorted(touched)]).fetchall())
    moved = one("select record_key from identity.record_customers where customer_id = ? order by record_key limit 1",
                [donor])[0]
    con.execute("update identity.record_customers set customer_id = ? where record_key = ?", [receiver, moved])
    con.execute("update identity.record_customers set customer_id = ? where customer_id = ?", [receiver, vanishing])
    touched |= {donor, receiver, vanishing}
    return touched, vanishing


def test_incremental_attributes_equal_the_attributes_rebuilt_whole(pipeline, tmp_path):
    incremental = tmp_path / "incremental" / "build.duckdb"
    whole = tmp_path / "whole" / "build.duckdb"
    incremental.parent.mkdir()
    whole.parent.mkdir()
    shutil.copyfile(pipeline["build_db"], incremental)
    con = duckdb.connect(str(incremental))
    try:
        before = con.execute(f"select count(distinct customer_id) from {MODELS[0]}").fetchone()[0]
        touched, vanishing = _change_inputs(con)
    finally:
        con.close()
    shutil.copyfile(incremental, whole)

    selected = ["-s", "int_customer__attribute_candidates_unioned", "int_customer__ranked_attributes"]
    run_dbt(_settings(incremental), ["run", *selected])
    run_dbt(_settings(whole), ["run", *selected, "--full-refresh"])

    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental}' as incremental (read_only)")
        con.execute(f"attach '{whole}' as whole (read_only)")
        rewritten = {}
        for model in MODELS:
            columns = ", ".join(c for (c,) in con.execute(
                """select column_name from information_schema.columns where table_catalog = 'whole'
                   and table_schema || '.' || table_name = ? and column_name <> '_changed_at'
                   order by ordinal_position""", [model]).fetchall())
            for first, second in (("incremental", "whole"), ("whole", "incremental")):
                missing = con.execute(f"""select {columns} from {first}.{model} except all
                                          select {columns} from {second}.{model}""").fetchall()
                assert missing == [], f"{model}: in {first} only: {missing[:5]}"
            rewritten[model] = {r[0] for r in con.execute(
                f"""select distinct customer_id from incremental.{model}
                    where _changed_at = (select max(_changed_at) from incremental.{model})""").fetchall()}
            leftover = con.execute(f"select count(*) from incremental.{model} where customer_id = ?",
                                   [vanishing]).fetchone()[0]
            assert leftover == 0, f"{model} keeps rows of the customer merged away"
        helper_tables = con.execute("""select count(*) from information_schema.tables
                                       where table_catalog = 'incremental'
                                         and (table_name like '%customers_to_rebuild'
                                              or table_name like '%_changed')""").fetchone()[0]
        # The mapping kept for the next build is today's (brought up to date from the changes, not copied).
        mapping_differences = con.execute("""
            select count(*) from (
                (select record_key, customer_id from incremental.identity.record_customers
                 except all
                 select record_key, customer_id
                 from incremental.intermediate.int_customer__attribute_candidates_unioned__record_customers)
                union all
                (select record_key, customer_id
                 from incremental.intermediate.int_customer__attribute_candidates_unioned__record_customers
                 except all
                 select record_key, customer_id from incremental.identity.record_customers))""").fetchone()[0]
    finally:
        con.close()
    assert mapping_differences == 0
    assert helper_tables == 0
    # Exactly the customers the changes concern were rewritten (all but the merged one keep rows), not everyone.
    for model in MODELS:
        assert rewritten[model] == touched - {vanishing}, model
    assert len(touched) < before / 4
