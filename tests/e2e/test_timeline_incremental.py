"""fct_customer_timeline built incrementally (one customer at a time, macros/timeline.sql) equals the same model
rebuilt whole, after the changes that move, remove or renumber touchpoints.

On a copy of the end-to-end run's warehouse, its inputs are changed the way later loads change them: identity
resolution moves an interaction to another customer and merges a third customer into that one (the third keeps no
touchpoint), a late email lands before a customer's first touchpoint (renumbering the rest), an order export no
longer holds an order (its web checkout comes back, the order's touchpoint goes), an invoice is withdrawn (a
customer who only loses touchpoints), and a rep's name changes (every summary naming them). The timeline is then
built incrementally on that copy and whole on a second copy of it; both must hold the same rows (EXCEPT ALL both
ways, all columns but `_changed_at`), and the incremental build must have rewritten only the customers concerned.
Published from the file published before the changes, the serving files take only the changed rows of the timeline
and of fct_interactions and hold what a fresh publication of the same build holds.
"""

import shutil
from pathlib import Path

import duckdb

from orchestration.dbt import run_dbt
from orchestration.publish import publish
from tests.warehouse import copy_settings, one_row

COLUMNS = ("customer_id, touch_sequence, touchpoint_id, occurred_at, occurred_date, channel, touchpoint_type, "
           "direction, summary, amount, currency, source_record_key")


def _change_inputs(con: duckdb.DuckDBPyConnection) -> tuple[set[str], str]:
    """The changes above; the customers whose timeline they change, and the customer merged into another."""
    def one(sql: str, params=None):
        return one_row(con, sql, params)

    touched: set[str] = set()
    changed_now = "now()::timestamptz"
    # Identity resolution moves one of a customer's interactions to another, and finds a third customer to be
    # the second: every record of the third (contact, deals, orders, interactions) now belongs to the second, and
    # the third keeps no touchpoint.
    with_interactions = """select customer_id from marts.fct_interactions where customer_id is not null
                           group by 1 having count(*) >= 2 order by 1 limit 3"""
    donor, receiver, vanishing = (r[0] for r in con.execute(with_interactions).fetchall())
    moved = one("select interaction_id from marts.fct_interactions where customer_id = ? order by interaction_id "
                "limit 1", [donor])[0]
    con.execute(f"update marts.fct_interactions set customer_id = ?, _changed_at = {changed_now} "
                "where interaction_id = ?", [receiver, moved])
    con.execute(f"update marts.fct_interactions set customer_id = ?, _changed_at = {changed_now} "
                "where customer_id = ?", [receiver, vanishing])
    con.execute("update identity.record_customers set customer_id = ? where customer_id = ?", [receiver, vanishing])
    con.execute("update marts.fct_orders set customer_id = ? where customer_id = ?", [receiver, vanishing])
    touched |= {donor, receiver, vanishing}

    # A late email, a year before the customer's first touchpoint.
    late_customer, first_at = one("""select customer_id, min(occurred_at) from marts.fct_customer_timeline
                                     where customer_id not in (?, ?, ?) group by 1 order by 1 desc limit 1""",
                                  [donor, receiver, vanishing])
    con.execute(f"""insert into marts.fct_interactions by name
                    select 'email_message:<late@test>' as interaction_id, ? as customer_id, 'email' as channel,
                           'sales_email' as interaction_type, 'inbound' as direction,
                           ?::timestamptz - interval 365 day as occurred_at,
                           cast(?::timestamptz - interval 365 day as date) as occurred_date,
                           'Inbound sales email: late' as summary, 'email_message:<late@test>' as source_record_key,
                           {changed_now} as _loaded_at, {changed_now} as _changed_at""",
                [late_customer, first_at, first_at])
    touched.add(late_customer)

    # An order with a web checkout leaves the order table: the checkout shows again.
    order_id, order_customer = one("""
        select orders.order_id, orders.customer_id from marts.fct_orders as orders
        inner join staging.stg_web__segment_events as web on web.order_id = orders.order_id
        where web.event_type = 'track' and web.event_name = 'Order Completed' and orders.customer_id is not null
        order by orders.order_id limit 1""")
    checkout_customer = one("""select interactions.customer_id from marts.fct_interactions as interactions
                               inner join staging.stg_web__segment_events as web
                                 on interactions.interaction_id = 'web_event:' || web.event_id
                               where web.order_id = ? and web.event_name = 'Order Completed'""", [order_id])[0]
    con.execute("delete from marts.fct_orders where order_id = ?", [order_id])
    touched |= {order_customer, checkout_customer}

    # An invoice withdrawn from the CRM (the only change for its customer): its two touchpoints go.
    invoice_id, invoice_customer = one("""
        select split_part(touchpoint_id, ':', 2), customer_id from marts.fct_customer_timeline
        where touchpoint_type = 'invoice_paid' and customer_id not in (select unnest(?::varchar[]))
        order by 1 limit 1""", [sorted(touched)])
    con.execute("delete from raw.sales__invoices where invoice_id = ?", [invoice_id])
    touched.add(invoice_customer)

    # A rep renamed in the CRM's user export: every contact they own and deal stage they moved says so.
    owner, name = one("""select contacts.owner_email, users.full_name from staging.stg_sales__contacts as contacts
                         inner join staging.stg_sales__users as users on users.email = contacts.owner_email
                         group by 1, 2 order by count(*), 1 limit 1""")
    con.execute("update raw.sales__users set full_name = 'Renamed Rep' where email = ?", [owner])
    touched |= {r[0] for r in con.execute(
        "select customer_id from marts.fct_customer_timeline where contains(summary, ?)", [name]).fetchall()}
    return touched - {None}, vanishing


def test_an_incremental_timeline_equals_the_timeline_rebuilt_whole(pipeline, tmp_path):
    incremental = tmp_path / "incremental" / "build.duckdb"
    whole = tmp_path / "whole" / "build.duckdb"
    incremental.parent.mkdir()
    whole.parent.mkdir()
    shutil.copyfile(pipeline["build_db"], incremental)
    published, published_pii_free = tmp_path / "serving.duckdb", tmp_path / "serving_bi.duckdb"
    publish(incremental, published, "before", published_pii_free)
    con = duckdb.connect(str(incremental))
    try:
        before = con.execute("select count(distinct customer_id) from marts.fct_customer_timeline").fetchone()[0]
        touched, vanishing = _change_inputs(con)
    finally:
        con.close()
    shutil.copyfile(incremental, whole)

    run_dbt(copy_settings(incremental), ["run", "-s", "fct_customer_timeline"])
    run_dbt(copy_settings(whole), ["run", "-s", "fct_customer_timeline", "--full-refresh"])

    con = duckdb.connect()
    try:
        con.execute(f"attach '{incremental}' as incremental (read_only)")
        con.execute(f"attach '{whole}' as whole (read_only)")
        for first, second in (("incremental", "whole"), ("whole", "incremental")):
            missing = con.execute(f"""select {COLUMNS} from {first}.marts.fct_customer_timeline except all
                                      select {COLUMNS} from {second}.marts.fct_customer_timeline""").fetchall()
            assert missing == [], f"in {first} only: {missing[:5]}"
        rewritten = {r[0] for r in con.execute(
            """select distinct customer_id from incremental.marts.fct_customer_timeline
               where _changed_at = (select max(_changed_at)
                                    from incremental.marts.fct_customer_timeline)""").fetchall()}
        # The merged customer keeps no row.
        leftover = con.execute("select count(*) from incremental.marts.fct_customer_timeline where customer_id = ?",
                               [vanishing]).fetchone()[0]
        helper_tables = con.execute("""select count(*) from information_schema.tables
                                       where table_catalog = 'incremental'
                                         and table_name like '%customers_to_rebuild'""").fetchone()[0]
    finally:
        con.close()
    assert leftover == 0
    assert helper_tables == 0
    # Only the customers the changes concern were rewritten (all but the merged one have rows), not everyone.
    assert rewritten <= touched and len(rewritten) == len(touched) - 1
    assert len(rewritten) < before / 4
    _assert_published_from_the_last_publication_as_afresh(incremental, published, published_pii_free, tmp_path)


def _assert_published_from_the_last_publication_as_afresh(build: Path, published: Path, published_pii_free: Path,
                                                          tmp_path: Path) -> None:
    con = duckdb.connect()
    try:
        # The rows changed since the publication: those stamped after its newest _changed_at.
        con.execute(f"attach '{build}' as build (read_only)")
        con.execute(f"attach '{published}' as before (read_only)")
        changed = {table: con.execute(f"""select count(*) from build.{table}
                                          where _changed_at > (select max(_changed_at) from before.{table})""")
                   .fetchone()[0] for table in ("marts.fct_customer_timeline", "marts.fct_interactions")}
        con.execute("detach before")
    finally:
        con.close()
    assert all(changed.values())
    publication = publish(build, published, "after", published_pii_free, from_published=True)
    afresh, afresh_pii_free = tmp_path / "afresh.duckdb", tmp_path / "afresh_bi.duckdb"
    publish(build, afresh, "after", afresh_pii_free)
    con = duckdb.connect()
    try:
        for ours, theirs in ((published, afresh), (published_pii_free, afresh_pii_free)):
            con.execute(f"attach '{ours}' as ours (read_only)")
            con.execute(f"attach '{theirs}' as theirs (read_only)")
            names = [n for (n,) in con.execute("""select schema_name || '.' || table_name from duckdb_tables()
                                                  where database_name = 'theirs' and schema_name <> 'meta'
                                                  order by 1""").fetchall()]
            assert names and names == [n for (n,) in con.execute(
                """select schema_name || '.' || table_name from duckdb_tables()
                   where database_name = 'ours' and schema_name <> 'meta' order by 1""").fetchall()]
            for name in names:
                for first, second in (("ours", "theirs"), ("theirs", "ours")):
                    extra = con.execute(f"select * from {first}.{name} except all select * from {second}.{name}"
                                        ).fetchall()
                    assert extra == [], f"{name} in {first} only: {extra[:3]}"
            con.execute("detach ours")
            con.execute("detach theirs")
    finally:
        con.close()
    # The rows the changes rewrote, and no more, in the marts and in their bi tables.
    assert publication.tables_updated == {
        "marts.fct_customer_timeline": changed["marts.fct_customer_timeline"],
        "bi.fct_customer_timeline": changed["marts.fct_customer_timeline"],
        "marts.fct_interactions": changed["marts.fct_interactions"],
        "bi.fct_interactions": changed["marts.fct_interactions"],
    }
    assert publication.pii_free_tables_updated == {
        "bi.fct_customer_timeline": changed["marts.fct_customer_timeline"],
        "bi.fct_interactions": changed["marts.fct_interactions"],
    }
