"""The journey's stage events built incrementally (one customer at a time, macros/funnel.sql) equal the same model
rebuilt whole, after the changes later builds bring.

On a copy of the end-to-end run's warehouse, the model's inputs change the way a later build changes them: an
interaction moves to another customer (fct_interactions' change feed stamps it), a page view staged again now names
a pricing page (its interaction row unchanged), a completed order is added and another cancelled, a customer becomes
a lead, and a third customer is merged into another (its interactions and orders move, its dim_customers row goes).
The model is then built incrementally on that copy and whole on a second copy; both must hold the same rows (EXCEPT
ALL both ways, all columns but `_changed_at`), and the incremental build must have rewritten only the customers
concerned.
"""

import shutil

import duckdb
import pytest

from orchestration.dbt import run_dbt
from tests.warehouse import copy_settings, one_row

pytestmark = pytest.mark.slow  # two dbt runs on copies of the end-to-end warehouse

MODEL = "intermediate.int_funnel__stage_events_unioned"
CHANGED_AT = "now()::timestamptz"


def _change_inputs(con: duckdb.DuckDBPyConnection) -> tuple[set[str], str, str]:
    """The changes above; the customers whose stage events they change, the customer merged away, and the customer
    whose page view now marks consideration."""
    touched: set[str] = set()

    def a_customer(condition: str) -> str:
        """A customer with stage events no change so far concerns, meeting `condition` (on dim_customers)."""
        return one_row(con, f"""select customer_id from marts.dim_customers
                                where customer_id in (select customer_id from {MODEL})
                                  and customer_id not in (select unnest(?::varchar[])) and {condition}
                                order by customer_id limit 1""", [sorted(touched)])[0]

    # An inbound interaction moves to another customer.
    donor = a_customer(f"customer_id in (select customer_id from {MODEL} where event_id like 'email_message:%')")
    touched.add(donor)
    receiver = a_customer("true")
    touched.add(receiver)
    interaction_id = one_row(con, f"""select event_id from {MODEL} where customer_id = ?
                                      and event_id like 'email_message:%' order by event_id limit 1""", [donor])[0]
    con.execute(f"update marts.fct_interactions set customer_id = ?, _changed_at = {CHANGED_AT} "
                "where interaction_id = ?", [receiver, interaction_id])

    # A page view that marked awareness alone is staged again with a pricing page: now consideration too.
    page_event, browser = one_row(con, f"""
        select split_part(events.event_id, ':', 2), events.customer_id
        from {MODEL} as events
        inner join staging.stg_web__segment_events as staged
            on 'web_event:' || staged.event_id = events.event_id
        where events.event_kind = 'web_page' and staged.page_path not like '%/pricing%'
          and staged.page_path not like '%/product/%'
          and events.customer_id not in (select unnest(?::varchar[]))
        group by 1, 2 having count(*) = 1 order by 1 limit 1""", [sorted(touched)])
    con.execute(f"update staging.stg_web__segment_events set page_path = '/ja/pricing', _loaded_at = {CHANGED_AT} "
                "where event_id = ?", [page_event])
    touched.add(browser)

    # A new completed order for one customer; another customer's completed order cancelled.
    buyer = a_customer("customer_id in (select customer_id from marts.fct_orders where is_completed)")
    con.execute("""insert into marts.fct_orders
                   select * replace ('test-order-1' as order_id, ordered_at + interval 1 day as ordered_at)
                   from marts.fct_orders where customer_id = ? and is_completed order by order_id limit 1""", [buyer])
    touched.add(buyer)
    canceller = a_customer("customer_id in (select customer_id from marts.fct_orders where is_completed)")
    con.execute("""update marts.fct_orders set is_completed = false where order_id =
                   (select min(order_id) from marts.fct_orders where customer_id = ? and is_completed)""",
                [canceller])
    touched.add(canceller)

    # A customer becomes a lead.
    lead = a_customer("became_lead_at is null")
    con.execute("update marts.dim_customers set became_lead_at = timestamp '2026-01-15 09:00:00' "
                "where customer_id = ?", [lead])
    touched.add(lead)

    # A customer merged into another: its interactions and orders move, its row goes.
    vanishing = a_customer("customer_id in (select customer_id from marts.fct_orders where is_completed)")
    con.execute(f"update marts.fct_interactions set customer_id = ?, _changed_at = {CHANGED_AT} "
                "where customer_id = ?", [receiver, vanishing])
    con.execute("update marts.fct_orders set customer_id = ? where customer_id = ?", [receiver, vanishing])
    con.execute("delete from marts.dim_customers where customer_id = ?", [vanishing])
    touched.add(vanishing)
    return touched, vanishing, browser


def test_incremental_stage_events_equal_the_stage_events_rebuilt_whole(pipeline, tmp_path):
    incremental = tmp_path / "incremental" / "build.duckdb"
    whole = tmp_path / "whole" / "build.duckdb"
    incremental.parent.mkdir()
    whole.parent.mkdir()
    shutil.copyfile(pipeline["build_db"], incremental)
    con = duckdb.connect(str(incremental))
    try:
        before = con.execute(f"select count(distinct customer_id) from {MODEL}").fetchone()[0]
        touched, vanishing, browser = _change_inputs(con)
    finally:
        con.close()
    shutil.copyfile(incremental, whole)

    # Only what this test changed is new (the run's own loads are minutes old).
    lookback = {"CRM_BUILD_INCREMENTAL_LOOKBACK_DAYS": "0"}
    run_dbt(copy_settings(incremental, lookback), ["run", "-s", "int_funnel__stage_events_unioned"])
    run_dbt(copy_settings(whole, lookback), ["run", "-s", "int_funnel__stage_events_unioned", "--full-refresh"])

    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental}' as incremental (read_only)")
        con.execute(f"attach '{whole}' as whole (read_only)")
        columns = "customer_id, stage, event_kind, event_id, occurred_at"
        for first, second in (("incremental", "whole"), ("whole", "incremental")):
            missing = con.execute(f"""select {columns} from {first}.{MODEL} except all
                                      select {columns} from {second}.{MODEL}""").fetchall()
            assert missing == [], f"in {first} only: {missing[:5]}"
        rewritten = {r[0] for r in con.execute(
            f"""select distinct customer_id from incremental.{MODEL}
                where _changed_at = (select max(_changed_at) from incremental.{MODEL})""").fetchall()}
        leftover = con.execute(f"select count(*) from incremental.{MODEL} where customer_id = ?",
                               [vanishing]).fetchone()[0]
        considered = con.execute(f"""select count(*) from incremental.{MODEL} where customer_id = ?
                                     and stage = 'consideration' and event_kind = 'web_page'""",
                                 [browser]).fetchone()[0]
        helper_tables = con.execute("""select count(*) from information_schema.tables
                                       where table_catalog = 'incremental'
                                         and table_name like '%customers_to_rebuild'""").fetchone()[0]
    finally:
        con.close()
    assert leftover == 0, "the customer merged away keeps stage events"
    assert considered >= 1, "the page view staged again did not reach the incremental build"
    assert helper_tables == 0
    # Exactly the customers the changes concern were rewritten (all but the merged one keep rows), not everyone.
    assert rewritten == touched - {vanishing}
    assert len(touched) < before / 4

