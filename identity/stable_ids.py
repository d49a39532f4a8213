"""customer_ids that outlive rebuilds: BI users and exports store them, so they must keep resolving.

Rules (applied in this order, each previous customer_id to at most one new customer and back):
- A customer keeps the id of the previous build whose records it holds. When it holds records of several
  previous customers (a merge), the id issued first survives; ties go to the id with more of its records, then
  to the smaller id. When a previous customer's records split over several customers, the one holding most of
  them keeps the id.
- An id that no customer keeps is retired into the customer now holding most of its records
  (`identity.customer_ids.current_customer_id`); redirects are kept flat, so one lookup always gives the
  living id. An id whose records are all gone is retired with no successor.
- A new customer gets 'cus_' + the first 16 hex digits of md5(its smallest record key): the same data gives the
  same ids, also on a fresh warehouse.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb
import pandas as pd

from common.sql import table_exists
from common.transactions import transaction

CUSTOMER_IDS_TABLE = "identity.customer_ids"
CUSTOMER_IDS_DDL = f"""
create table if not exists {CUSTOMER_IDS_TABLE} (
    customer_id varchar primary key,
    current_customer_id varchar,   -- itself while it lives; its successor once retired; null if its records are gone
    issued_at timestamptz not null,
    retired_at timestamptz,
    retired_because varchar        -- merged | records_gone
)
"""


def new_customer_id(smallest_record_key: str, attempt: int = 0) -> str:
    seed = smallest_record_key if attempt == 0 else f"{smallest_record_key}#{attempt}"
    return "cus_" + hashlib.md5(seed.encode("utf-8")).hexdigest()[:16]


def assign_stable_ids(con: duckdb.DuckDBPyConnection, components_table: str, output_table: str) -> tuple[int, int]:
    """Replace `output_table` (record_key, record_type, record_id, customer_id) from `components_table`
    (record_key, record_type, record_id, component) and update identity.customer_ids.

    Returns (customers that kept their previous id, ids retired into another customer by this build).
    """
    now = datetime.now(UTC)
    con.execute(CUSTOMER_IDS_DDL)
    overlaps = []
    if table_exists(con, output_table):
        overlaps = con.execute(
            f"""select c.component, p.customer_id, count(*) as shared_records
                from {components_table} c
                join {output_table} p using (record_key)
                join {CUSTOMER_IDS_TABLE} i on i.customer_id = p.customer_id
                group by c.component, p.customer_id, i.issued_at
                order by i.issued_at, shared_records desc, p.customer_id, min(c.record_key)"""
        ).fetchall()
    kept: dict[int, str] = {}
    kept_ids: set[str] = set()
    for component, previous_id, _ in overlaps:
        if component not in kept and previous_id not in kept_ids:
            kept[component] = previous_id
            kept_ids.add(previous_id)

    components = con.execute(
        f"select component, min(record_key) from {components_table} group by component order by 2"
    ).fetchall()
    taken = {r[0] for r in con.execute(f"select customer_id from {CUSTOMER_IDS_TABLE}").fetchall()} | kept_ids
    assigned, issued = dict(kept), []
    for component, smallest_key in components:
        if component in assigned:
            continue
        attempt, candidate = 0, new_customer_id(smallest_key)
        while candidate in taken:  # an id once issued is never issued again, even after its customer is gone
            attempt += 1
            candidate = new_customer_id(smallest_key, attempt)
        taken.add(candidate)
        assigned[component] = candidate
        issued.append(candidate)

    # Previous ids nobody kept: retired into the customer holding most of their records (first in `overlaps`).
    successor: dict[str, str] = {}
    for component, previous_id, _ in sorted(overlaps, key=lambda o: -o[2]):
        if previous_id not in kept_ids and previous_id not in successor:
            successor[previous_id] = assigned[component]
    living = {r[0] for r in con.execute(
        f"select customer_id from {CUSTOMER_IDS_TABLE} where current_customer_id = customer_id").fetchall()}
    gone = living - kept_ids - set(successor)

    con.register("_assigned", pd.DataFrame({"component": list(assigned), "customer_id": list(assigned.values())}))
    con.register("_issued", pd.DataFrame({"customer_id": issued}, dtype="string"))
    con.register("_successors", pd.DataFrame(
        {"customer_id": list(successor) + sorted(gone),
         "successor_id": list(successor.values()) + [None] * len(gone)}, dtype="string"))
    try:
        with transaction(con):
            con.execute(f"insert into {CUSTOMER_IDS_TABLE} (customer_id, current_customer_id, issued_at) "
                        "select customer_id, customer_id, ? from _issued", [now])
            # Flat redirects: ids that pointed at a now retired id point at its successor.
            con.execute(
                f"""update {CUSTOMER_IDS_TABLE} as ids
                    set current_customer_id = s.successor_id,
                        retired_at = coalesce(ids.retired_at, ?),
                        retired_because = coalesce(
                            ids.retired_because, case when s.successor_id is null then 'records_gone' else 'merged' end)
                    from _successors s
                    where ids.current_customer_id = s.customer_id""",
                [now],
            )
            con.execute(
                f"""create or replace table {output_table} as
                    select c.record_key, c.record_type, c.record_id, a.customer_id
                    from {components_table} c join _assigned a using (component)"""
            )
    finally:
        for name in ("_assigned", "_issued", "_successors"):
            con.unregister(name)
    return len(kept), len(successor) + len(gone)
