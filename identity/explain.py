"""Why a customer is one customer: its records, and the identifiers, model links and review decisions joining them.

`crm identity explain CUSTOMER_ID` reads the build warehouse (a retired id is followed to the customer it now
redirects to). Every record is listed with what it says of the person; then each identifier two or more of its
records share (the deterministic joins), each model link with its match weight and each field's contribution, and
each review decision on its records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb

from common.sql import table_exists
from identity.probabilistic import FIELD_WORDS, PAIRS_TABLE
from identity.resolve import IDENTIFIERS_TABLE, LINKS_TABLE, OUTPUT_TABLE
from identity.review import DECISIONS_TABLE
from identity.stable_ids import CUSTOMER_IDS_TABLE


class CustomerNotFound(LookupError):
    pass


@dataclass
class Explanation:
    asked_for: str
    customer_id: str
    records: list[dict] = field(default_factory=list)
    shared_identifiers: list[dict] = field(default_factory=list)
    model_links: list[dict] = field(default_factory=list)
    review_decisions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> list[dict]:
    cursor = con.execute(sql, parameters)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def explain_customer(con: duckdb.DuckDBPyConnection, customer_id: str) -> Explanation:
    if not table_exists(con, OUTPUT_TABLE):
        raise CustomerNotFound("no identity resolution in this warehouse yet: run `crm build`")
    current = customer_id
    if table_exists(con, CUSTOMER_IDS_TABLE):
        row = con.execute(f"select current_customer_id from {CUSTOMER_IDS_TABLE} where customer_id = ?",
                          [customer_id]).fetchall()
        if row and row[0][0] is None:
            raise CustomerNotFound(f"{customer_id} was retired: all its records are gone")
        if row:
            current = row[0][0]
    explanation = Explanation(customer_id, current)
    explanation.records = _rows(con, f"""
        select r.record_key, r.record_type, r.record_id,
               c.first_name, c.last_name, c.email, c.phone_e164 as phone, c.date_of_birth_raw as date_of_birth,
               c.address, c.city, c.postal_code, c.company_name
        from {OUTPUT_TABLE} r
        left join staging.stg_sales__contacts c on r.record_type = 'crm_contact' and c.contact_id = r.record_id
        where r.customer_id = ? order by r.record_key""", [current])
    if not explanation.records:
        raise CustomerNotFound(f"no customer {customer_id} in the build warehouse")
    explanation.shared_identifiers = _rows(con, f"""
        select i.identifier_type, i.identifier_value, count(*) as records, list(i.record_key order by i.record_key)
               as record_keys
        from {IDENTIFIERS_TABLE} i join {OUTPUT_TABLE} r using (record_key)
        where r.customer_id = ?
        group by all having count(*) > 1 order by records desc, identifier_type""", [current])
    if table_exists(con, LINKS_TABLE):
        explanation.model_links = _rows(con, f"""
            select l.left_key, l.right_key, l.link_source, round(l.match_weight, 2) as match_weight,
                   round(l.match_probability, 6) as match_probability, p.contributions
            from {LINKS_TABLE} l
            join {OUTPUT_TABLE} r on r.record_key = l.left_key
            left join {PAIRS_TABLE} p using (left_key, right_key)
            where r.customer_id = ? order by l.match_weight desc nulls last""", [current])
        for link in explanation.model_links:
            link["contributions"] = json.loads(link["contributions"]) if link["contributions"] else []
    if table_exists(con, DECISIONS_TABLE):
        explanation.review_decisions = _rows(con, f"""
            select d.left_key, d.right_key, d.decision, d.decided_by, d.decided_at, d.note, d.status
            from {DECISIONS_TABLE} d
            where d.left_key in (select record_key from {OUTPUT_TABLE} where customer_id = ?)
               or d.right_key in (select record_key from {OUTPUT_TABLE} where customer_id = ?)
            order by d.decided_at""", [current, current])
    return explanation


def format_contributions(contributions: list[dict]) -> str:
    return "; ".join(f"{FIELD_WORDS.get(c['field'], c['field'])}: {c['level']} ({c['weight']:+.1f})"
                     for c in contributions if c["weight"])


def format_explanation(explanation: Explanation) -> str:
    lines = [f"customer {explanation.customer_id}"
             + (f" (asked for {explanation.asked_for}, which redirects here)"
                if explanation.asked_for != explanation.customer_id else "")]
    lines.append(f"\n{len(explanation.records)} record(s):")
    for record in explanation.records:
        said = [f"{record['first_name'] or ''} {record['last_name'] or ''}".strip(), record["email"], record["phone"],
                record["date_of_birth"] and f"born {record['date_of_birth']}",
                ", ".join(v for v in (record["address"], record["city"], record["postal_code"]) if v),
                record["company_name"]]
        lines.append(f"  {record['record_key']}" + (f": {' · '.join(s for s in said if s)}" if any(said) else ""))
    if explanation.shared_identifiers:
        lines.append("\njoined by shared identifiers:")
        for identifier in explanation.shared_identifiers:
            lines.append(f"  {identifier['identifier_type']} {identifier['identifier_value']}: "
                         f"{', '.join(identifier['record_keys'])}")
    if explanation.model_links:
        lines.append("\njoined by links:")
        for link in explanation.model_links:
            if link["link_source"] == "review":
                lines.append(f"  {link['left_key']} = {link['right_key']}: a reviewer decided they are one person")
                continue
            lines.append(f"  {link['left_key']} = {link['right_key']}: match weight {link['match_weight']:+.1f} "
                         f"(probability {link['match_probability']:.4f})")
            if link["contributions"]:
                lines.append(f"    {format_contributions(link['contributions'])}")
    if explanation.review_decisions:
        lines.append("\nreview decisions:")
        for d in explanation.review_decisions:
            lines.append(f"  {d['left_key']} {d['decision']} {d['right_key']} ({d['decided_by'] or 'unknown'}, "
                         f"{d['decided_at'] or 'undated'}): {d['status']}" + (f" — {d['note']}" if d["note"] else ""))
    return "\n".join(lines)


def record_descriptions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What a reviewer reads of each CRM contact record, by identity key: name · email · date of birth · address."""
    return dict(con.execute(
        "select 'crm_contact:' || contact_id, concat_ws(' · ', nullif(concat_ws(' ', first_name, last_name), ''),"
        " email, date_of_birth_raw, concat_ws(', ', address, city, postal_code)) "
        "from staging.stg_sales__contacts").fetchall())


def possible_matches(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict]:
    """Pairs in the review band no one has decided yet, the likeliest first, with both records' key fields."""
    if not table_exists(con, PAIRS_TABLE):
        return []
    decided = (f"left join {DECISIONS_TABLE} d using (left_key, right_key)" if table_exists(con, DECISIONS_TABLE)
               else "left join (select null as left_key, null as right_key, null as decision) d using (left_key, "
                    "right_key)")
    pairs = _rows(con, f"""
        select p.left_key, p.right_key, round(p.match_probability, 4) as match_probability,
               round(p.match_weight, 2) as match_weight, p.contributions,
               lr.customer_id as left_customer_id, rr.customer_id as right_customer_id
        from {PAIRS_TABLE} p {decided}
        left join {OUTPUT_TABLE} lr on lr.record_key = p.left_key
        left join {OUTPUT_TABLE} rr on rr.record_key = p.right_key
        where p.band = 'possible' and d.decision is null
          and lr.customer_id is distinct from rr.customer_id
        order by p.match_probability desc, p.left_key, p.right_key limit ?""", [limit])
    for pair in pairs:
        pair["contributions"] = json.loads(pair["contributions"]) if pair["contributions"] else []
    return pairs
