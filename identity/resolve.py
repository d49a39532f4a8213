"""Identity resolution: which source records are one person, under a customer_id that stays put.

1. Deterministic stitching. The graph is bipartite — source records on one side, identifiers (contact id,
   email, phone, web anonymousId, national id, customer number) on the other
   (`int_identity__record_identifiers_unioned`, where junk identifiers are already kept out) — plus an edge between
   two records wherever the probabilistic model (Splink, identity/probabilistic.py) is sure enough they are one
   person, or a reviewer said so (identity/review.py). DuckDB numbers the nodes and scipy finds the connected
   components, so a million records resolve without a Python loop over rows.
2. A reviewer's `different` is kept: no model link joins the two records, directly or through others. Where a
   component still holds both, it is rebuilt from its identifier edges and `same` decisions, adding its model
   links strongest first and skipping any that would join two records decided apart (a few components, in Python).
3. A component is a customer only if it holds a CRM contact id, an email, a phone or a person's number: a web
   visitor known only by an anonymousId is not (yet) a customer, and its records get no customer_id.
4. Stable ids (identity/stable_ids.py): a customer keeps the id it had in the previous build; when customers
   merge, the id issued first survives and the others redirect to it (`identity.customer_ids`).

What joined each customer is kept for `crm identity explain`: the model and review links in
`identity.record_links`, the identifiers in the graph's input.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from identity.probabilistic import PAIRS_TABLE, MatchOptions, link_records
from identity.review import DECISIONS_TABLE, Decision, store_decisions
from identity.stable_ids import assign_stable_ids

log = logging.getLogger(__name__)

IDENTIFIERS_TABLE = "intermediate.int_identity__record_identifiers_unioned"
OUTPUT_SCHEMA = "identity"
OUTPUT_TABLE = f"{OUTPUT_SCHEMA}.record_customers"
LINKS_TABLE = f"{OUTPUT_SCHEMA}.record_links"
KNOWN_IDENTIFIER_TYPES = ("contact_id", "email", "phone", "national_id", "customer_number")


@dataclass(frozen=True)
class ResolutionSummary:
    records: int
    identifiers: int
    customers: int
    records_resolved: int
    candidate_pairs: int = 0       # pairs the probabilistic model scored
    probabilistic_links: int = 0   # of those, pairs at or above the match threshold
    possible_matches: int = 0      # pairs in the review band
    model_source: str = "none"     # trained | cached | prior | none
    review_links: int = 0          # `same` decisions applied
    kept_apart: int = 0            # `different` decisions that took a model link away
    review_conflicts: int = 0      # `different` decisions on records sharing an identifier
    ids_kept: int = 0              # customers that kept the id of the previous build
    ids_redirected: int = 0        # ids retired into another customer by this build
    seconds: dict = field(default_factory=dict)  # time per step
    blocking: list = field(default_factory=list)  # (rule, candidate pairs it found first)


def resolve_identities(
    con: duckdb.DuckDBPyConnection,
    identifiers_table: str = IDENTIFIERS_TABLE,
    match_options: MatchOptions | None = None,
    decisions_file: Path | None = None,
) -> ResolutionSummary:
    """Write `identity.record_customers(record_key, record_type, record_id, customer_id)` (replaced whole) and
    bring `identity.customer_ids` up to date. Probabilistic matching runs when `match_options` is given; review
    decisions apply when `decisions_file` is given."""
    started = time.perf_counter()
    con.execute(f"create schema if not exists {OUTPUT_SCHEMA}")
    con.execute("create or replace temp table _record_links (left_key varchar, right_key varchar)")
    linked = None
    if match_options is not None:
        linked = link_records(con, match_options)
    decisions = store_decisions(con, decisions_file) if decisions_file is not None else []
    con.execute(f"""create or replace table {LINKS_TABLE} as
                    select l.left_key, l.right_key, 'model' as link_source, p.match_weight, p.match_probability
                    from _record_links l left join {PAIRS_TABLE} p using (left_key, right_key)""")
    review_links, kept_apart = _apply_decisions(con, decisions)
    # Nodes numbered 0.. in no particular order (labels only name components; ids come from the records): numbering
    # the distinct keys and joining back is a hash aggregate and two hash joins, where dense_rank() sorted the
    # whole table twice (28 s against 10 s for 10.6 M identifiers at a million people).
    con.execute(
        f"""create or replace temp table _edges as
            with record_nodes as (
                select record_key, row_number() over () - 1 as record_node
                from (select distinct record_key from {identifiers_table})
            ),
            identifier_nodes as (
                select identifier_type, identifier_value, row_number() over () - 1 as identifier_node
                from (select distinct identifier_type, identifier_value from {identifiers_table})
            )
            select r.record_node, i.identifier_node, t.record_key, t.record_type, t.record_id, t.identifier_type
            from {identifiers_table} t
            join record_nodes r using (record_key)
            join identifier_nodes i using (identifier_type, identifier_value)"""
    )
    record_nodes, identifier_nodes = con.execute(
        "select coalesce(max(record_node) + 1, 0), coalesce(max(identifier_node) + 1, 0) from _edges"
    ).fetchall()[0]
    con.execute("create or replace temp table _record_nodes as select distinct record_key, record_node from _edges")
    edges = con.execute("select record_node, identifier_node from _edges").fetchnumpy()
    record_links = con.execute(
        f"""select l.record_node as left_node, r.record_node as right_node
            from {LINKS_TABLE} p
            join _record_nodes l on l.record_key = p.left_key
            join _record_nodes r on r.record_key = p.right_key"""
    ).fetchnumpy()
    rows = np.concatenate([np.asarray(edges["record_node"], dtype=np.int64),
                           np.asarray(record_links["left_node"], dtype=np.int64)])
    cols = np.concatenate([np.asarray(edges["identifier_node"], dtype=np.int64) + record_nodes,
                           np.asarray(record_links["right_node"], dtype=np.int64)])
    size = int(record_nodes + identifier_nodes)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    labels = labels[:record_nodes].astype(np.int64)
    conflicts = _keep_apart(con, labels, decisions)
    graph_done = time.perf_counter()
    con.register("_components", {"record_node": np.arange(record_nodes), "component": labels})
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
    kept, redirected = assign_stable_ids(con, "_resolved_components", OUTPUT_TABLE)
    customers, resolved = con.execute(
        f"select count(distinct customer_id), count(*) from {OUTPUT_TABLE}"
    ).fetchall()[0]
    linking = sum(linked.seconds.values()) if linked else 0.0
    seconds = {**(linked.seconds if linked else {}),
               "graph": round(graph_done - started - linking, 2),
               "stable ids": round(time.perf_counter() - graph_done, 2)}
    blocking = [(rule.name + ": " + " + ".join(rule.columns), rule.distinct_pairs)
                for rule in (linked.blocking.rules if linked and linked.blocking else ())]
    summary = ResolutionSummary(
        int(record_nodes), int(identifier_nodes), int(customers), int(resolved),
        linked.candidate_pairs if linked else 0, linked.links if linked else 0,
        linked.possible_matches if linked else 0, linked.model_source if linked else "none",
        review_links, kept_apart, conflicts, kept, redirected, seconds, blocking)
    log.info("identity: %s", summary)
    return summary


def _apply_decisions(con: duckdb.DuckDBPyConnection, decisions: list[Decision]) -> tuple[int, int]:
    """`same`: a review link. `different`: the model link between the two goes. Returns (links added, removed)."""
    same = [(d.left_key, d.right_key) for d in decisions if d.decision == "same"]
    different = [(d.left_key, d.right_key) for d in decisions if d.decision == "different"]
    removed = 0
    if different:
        con.execute("create or replace temp table _different (left_key varchar, right_key varchar)")
        con.executemany("insert into _different values (?, ?)", different)
        removed = con.execute(
            f"""delete from {LINKS_TABLE} l using _different d
                where (d.left_key = l.left_key and d.right_key = l.right_key)
                   or (d.left_key = l.right_key and d.right_key = l.left_key)""").fetchall()[0][0]
    if same:
        con.executemany(f"insert into {LINKS_TABLE} values (?, ?, 'review', null, null)", same)
    return len(same), int(removed)


class _UnionFind:
    def __init__(self, nodes) -> None:
        self.parent = {int(n): int(n) for n in nodes}

    def find(self, node: int) -> int:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _keep_apart(con: duckdb.DuckDBPyConnection, labels: np.ndarray, decisions: list[Decision]) -> int:
    """Split the components that still hold two records decided `different` (in place on `labels`) and record each
    decision's status. Returns the number of conflicts (records joined by identifiers, which no review parts)."""
    if not decisions:
        return 0
    node_of = dict(con.execute("select record_key, record_node from _record_nodes").fetchall())
    status: dict[tuple[str, str], str] = {}
    apart_by_component: dict[int, list[Decision]] = {}
    for d in decisions:
        left, right = node_of.get(d.left_key), node_of.get(d.right_key)
        if left is None or right is None:
            status[(d.left_key, d.right_key)] = "record not found"
            continue
        status[(d.left_key, d.right_key)] = "applied"
        if d.decision == "different" and labels[left] == labels[right]:
            apart_by_component.setdefault(int(labels[left]), []).append(d)
    conflicts = 0
    next_label = int(labels.max()) + 1 if len(labels) else 0
    for component, apart in apart_by_component.items():
        nodes = [int(n) for n in np.flatnonzero(labels == component)]
        sets = _UnionFind(nodes)
        node_list = ", ".join(map(str, nodes))
        # Identifier edges bind for good; then review links, then model links strongest first, skipping a link
        # that would put two records decided apart into one set.
        for (members,) in con.execute(
                f"""select list(record_node) from _edges where record_node in ({node_list})
                    group by identifier_node having count(*) > 1""").fetchall():
            for other in members[1:]:
                sets.union(members[0], other)
        pairs_apart = [(node_of[d.left_key], node_of[d.right_key]) for d in apart]
        links = con.execute(
            f"""select left_key, right_key, link_source from {LINKS_TABLE}
                where left_key in (select record_key from _record_nodes where record_node in ({node_list}))
                order by link_source = 'review' desc, match_weight desc""").fetchall()
        for left_key, right_key, source in links:
            a, b = sets.find(node_of[left_key]), sets.find(node_of[right_key])
            if a == b:
                continue
            if source == "model" and any({sets.find(x), sets.find(y)} == {a, b} for x, y in pairs_apart):
                con.execute(f"delete from {LINKS_TABLE} where left_key = ? and right_key = ?", [left_key, right_key])
                continue
            sets.union(a, b)
        new_label: dict[int, int] = {}
        for node in nodes:
            root = sets.find(node)
            if root not in new_label:  # the first set keeps the component's label, the others get new ones
                if new_label:
                    new_label[root] = next_label
                    next_label += 1
                else:
                    new_label[root] = component
            labels[node] = new_label[root]
        for d, (x, y) in zip(apart, pairs_apart, strict=True):
            if sets.find(x) == sets.find(y):
                conflicts += 1
                status[(d.left_key, d.right_key)] = "conflict: joined by a shared identifier or a `same` decision"
    con.executemany(f"update {DECISIONS_TABLE} set status = ? where left_key = ? and right_key = ?",
                    [[text, left, right] for (left, right), text in status.items()])
    return conflicts


def resolution_options(settings) -> dict:
    """The keyword arguments of resolve_identities that come from configuration (crm.toml [identity])."""
    return {"match_options": match_options(settings), "decisions_file": settings.review_decisions_file}


def match_options(settings, force_retrain: bool = False) -> MatchOptions:
    return MatchOptions(match_threshold=settings.match_threshold, review_threshold=settings.review_threshold,
                        min_records_to_train=settings.min_records_to_train, retrain_change=settings.retrain_change,
                        prior_model=settings.prior_match_model, force_retrain=force_retrain)
