"""Accuracy of identity resolution against the generator's ground truth (`records.parquet`).

Scope: every record the identity graph saw (`int_identity__record_identifiers_unioned`) that the ground truth assigns to
a person, except web visitors who never identified themselves: their only identifier is an anonymousId that no
record with an email, phone or contact id shares, so no method could name them without guessing (they get no
customer_id by design). They are counted in `anonymous_records`, outside the scores.

- Pairwise: a pair of records is predicted together when they share a customer_id, truly together when they
  share a person. Precision = right pairs / predicted pairs; recall = right pairs / true pairs.
- Cluster: precision = share of predicted customers whose records all belong to one person; recall = share of
  people whose records all landed in one customer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from identity.resolve import IDENTIFIERS_TABLE, OUTPUT_TABLE


@dataclass(frozen=True)
class IdentityAccuracy:
    anonymous_records: int
    records: int
    people: int
    customers: int
    pairwise_precision: float
    pairwise_recall: float
    cluster_precision: float
    cluster_recall: float

    @property
    def pairwise_f1(self) -> float:
        return _f1(self.pairwise_precision, self.pairwise_recall)

    @property
    def cluster_f1(self) -> float:
        return _f1(self.cluster_precision, self.cluster_recall)

    def as_dict(self) -> dict:
        return asdict(self) | {"pairwise_f1": self.pairwise_f1, "cluster_f1": self.cluster_f1}


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(con: duckdb.DuckDBPyConnection, truth_records: Path) -> IdentityAccuracy:
    con.execute(
        f"""create or replace temp table _evaluated as
            select t.record_key, t.person_id, r.customer_id as cluster_id
            from (select distinct record_type || ':' || record_id as record_key, person_id
                  from read_parquet(?)) t
            join (select distinct record_key from {IDENTIFIERS_TABLE}) seen using (record_key)
            left join {OUTPUT_TABLE} r using (record_key)""",
        [str(truth_records)],
    )
    anonymous = con.execute("select count(*) from _evaluated where cluster_id is null").fetchall()[0][0]
    con.execute("delete from _evaluated where cluster_id is null")
    row = con.execute(
        """with cells as (select cluster_id, person_id, count(*) as n from _evaluated group by all),
                clusters as (select cluster_id, sum(n) as n, count(*) as people from cells group by cluster_id),
                people as (select person_id, sum(n) as n, count(*) as clusters from cells group by person_id)
           select (select sum(n) from clusters),
                  (select count(*) from people),
                  (select count(*) from clusters),
                  (select sum(n * (n - 1) / 2) from cells),
                  (select sum(n * (n - 1) / 2) from clusters),
                  (select sum(n * (n - 1) / 2) from people),
                  (select avg(case when people = 1 then 1.0 else 0.0 end) from clusters),
                  (select avg(case when clusters = 1 then 1.0 else 0.0 end) from people)"""
    ).fetchall()[0]
    records, people, customers, right, predicted, true, cluster_precision, cluster_recall = row
    return IdentityAccuracy(
        anonymous_records=int(anonymous),
        records=int(records or 0), people=int(people or 0), customers=int(customers or 0),
        pairwise_precision=float(right / predicted) if predicted else 1.0,
        pairwise_recall=float(right / true) if true else 1.0,
        cluster_precision=float(cluster_precision or 0.0), cluster_recall=float(cluster_recall or 0.0),
    )
