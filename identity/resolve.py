"""Identity resolution: which source records are one person, under a customer_id that stays put.

1. Deterministic stitching. The graph is bipartite — source records on one side, identifiers (contact id,
   email, phone, web anonymousId) on the other (`int_identity__record_identifiers`, where junk identifiers are
   already kept out) — plus an edge between two records wherever the probabilistic model (Splink,
   identity/probabilistic.py) is sure enough they are one person. DuckDB numbers the nodes and scipy finds the
   connected components, so a million records resolve without a Python loop over rows.
2. A component is a customer only if it holds a CRM contact id, an email or a phone: a web visitor known only by
   an anonymousId is not (yet) a customer, and its records get no customer_id.
3. Stable ids (identity/stable_ids.py): a customer keeps the id it had in the previous build; when customers
   merge, the id issued first survives and the others redirect to it (`identity.customer_ids`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from identity.stable_ids import assign_stable_ids

log = logging.getLogger(__name__)

IDENTIFIERS_TABLE = "intermediate.int_identity__record_identifiers"
OUTPUT_SCHEMA = "identity"
OUTPUT_TABLE = f"{OUTPUT_SCHEMA}.record_customers"
KNOWN_IDENTIFIER_TYPES = ("contact_id", "email", "phone")


@dataclass(frozen=True)
class ResolutionSummary:
    records: int
    identifiers: int
    customers: int
    records_resolved: int
    candidate_pairs: int = 0       # pairs the probabilistic model scored
    probabilistic_links: int = 0   # of those, pairs at or above the match threshold
    ids_kept: int = 0              # customers that kept the id of the previous build
    ids_redirected: int = 0        # ids retired into another customer by this build


def resolve_identities(
    con: duckdb.DuckDBPyConnection,
    identifiers_table: str = IDENTIFIERS_TABLE,
    match_threshold: float | None = None,
    model_path: str | None = None,
) -> ResolutionSummary:
    """Write `identity.record_customers(record_key, record_type, record_id, customer_id)` (replaced whole) and
    bring `identity.customer_ids` up to date. Probabilistic matching runs when `match_threshold` is given."""
    candidate_pairs = links = 0
    con.execute("create or replace temp table _record_links (left_key varchar, right_key varchar)")
    if match_threshold is not None:
        from identity.probabilistic import link_records

        candidate_pairs, links = link_records(con, Path(model_path) if model_path else None, match_threshold)
    con.execute(
        f"""create or replace temp table _edges as
            select dense_rank() over (order by record_key) - 1 as record_node,
                   dense_rank() over (order by identifier_type, identifier_value) - 1 as identifier_node,
                   record_key, record_type, record_id, identifier_type
            from {identifiers_table}"""
    )
    record_nodes, identifier_nodes = con.execute(
        "select coalesce(max(record_node) + 1, 0), coalesce(max(identifier_node) + 1, 0) from _edges"
    ).fetchall()[0]
    edges = con.execute("select record_node, identifier_node from _edges").fetchnumpy()
    record_links = con.execute(
        """select l.record_node as left_node, r.record_node as right_node
           from _record_links p
           join (select distinct record_key, record_node from _edges) l on l.record_key = p.left_key
           join (select distinct record_key, record_node from _edges) r on r.record_key = p.right_key"""
    ).fetchnumpy()
    rows = np.concatenate([np.asarray(edges["record_node"], dtype=np.int64),
                           np.asarray(record_links["left_node"], dtype=np.int64)])
    cols = np.concatenate([np.asarray(edges["identifier_node"], dtype=np.int64) + record_nodes,
                           np.asarray(record_links["right_node"], dtype=np.int64)])
    size = int(record_nodes + identifier_nodes)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    con.register("_components", {"record_node": np.arange(record_nodes), "component": labels[:record_nodes]})
    known = ", ".join(f"'{t}'" for t in KNOWN_IDENTIFIER_TYPES)
    con.execute(
        f"""create or replace temp table _resolved_components as
            with records as (
                select e.record_key, any_value(e.record_type) as record_type, any_value(e.record_id) as record_id,
                       any_value(c.component) as component,
                       bool_or(e.identifier_type in ({known})) as has_known_identifier
                from _edges e join _components c using (record_node)
                group by e.record_key
            )
            select record_key, record_type, record_id, component
            from records
            where component in (select component from records group by component
                                having bool_or(has_known_identifier))"""
    )
    con.unregister("_components")
    con.execute(f"create schema if not exists {OUTPUT_SCHEMA}")
    kept, redirected = assign_stable_ids(con, "_resolved_components", OUTPUT_TABLE)
    customers, resolved = con.execute(
        f"select count(distinct customer_id), count(*) from {OUTPUT_TABLE}"
    ).fetchall()[0]
    summary = ResolutionSummary(int(record_nodes), int(identifier_nodes), int(customers), int(resolved),
                                int(candidate_pairs), int(links), kept, redirected)
    log.info("identity: %s", summary)
    return summary


def resolution_options(settings) -> dict:
    """The keyword arguments of resolve_identities that come from configuration (crm.toml [identity])."""
    return {"match_threshold": settings.match_threshold, "model_path": str(settings.match_model)}
