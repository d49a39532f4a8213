"""Candidate pairs for the match model: several blocking rules, none of which any one field has to pass.

Scoring every pair of a million contacts is 5 × 10^11 comparisons; blocking scores only pairs that agree exactly on
something. A pair is a candidate when it agrees on any one rule — a national id, a customer number, an email user
name, a phone, the date of birth, the family name with the given initial, the given name with the postcode, the
sound of both names, all name words (catches swapped or one-field names), the house number with the postcode, the
company with the city — so a typo, a missing value or a swap in one field still leaves others to find the pair.
Splink counts a pair once, under the first rule that finds it.

How many pairs a rule makes depends on the data: the date of birth alone makes a handful of pairs among 5,000
people and 17 million among a million. Each rule's pair count is counted in DuckDB before anything is compared,
and a rule over its budget (PAIRS_PER_RECORD pairs per contact, at least MIN_RULE_BUDGET) is tightened by its next
variant (date of birth + given initial, then + family initial); a rule whose every variant is over budget, or whose
fields the data leaves empty, is not used. The total stays near-linear in contacts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

PAIRS_PER_RECORD = 6
MIN_RULE_BUDGET = 200_000

# (name, variants from loosest to tightest)
CANDIDATE_RULES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("national id", (("national_id",),)),
    ("customer number", (("customer_number",),)),
    ("email user name", (("email_local",), ("email_local", "family_initial"))),
    ("phone", (("phone",),)),
    ("date of birth", (("dob",), ("dob", "given_initial"), ("dob", "given_initial", "family_initial"))),
    ("family name + given initial", (("family_name", "given_initial"), ("family_name", "given_initial", "region"),
                                     ("family_name", "given_initial", "postal_code"))),
    ("given name + postcode", (("given_name", "postal_code"),)),
    ("sound of the names", (("family_sound", "given_sound"), ("family_sound", "given_sound", "region"),
                            ("family_sound", "given_sound", "postal_code"))),
    ("name words", (("name_key",), ("name_key", "region"), ("name_key", "postal_code"))),
    ("house number + postcode", (("postal_code", "address_number"),
                                 ("postal_code", "address_number", "family_initial"))),
    ("company + city", (("company_key", "city"),)),
)


@dataclass(frozen=True)
class Rule:
    name: str
    columns: tuple[str, ...]
    pairs: int  # pairs agreeing on it
    distinct_pairs: int | None = None  # of those, pairs no earlier rule found (counted when blocking runs)

    @property
    def sql(self) -> str:
        return " and ".join(f'l."{c}" = r."{c}"' for c in self.columns)


@dataclass(frozen=True)
class BlockingPlan:
    rules: tuple[Rule, ...]
    skipped: tuple[str, ...]   # rules not used, with why
    budget: int

    @property
    def total_pairs(self) -> int:
        """Candidate pairs: each once, under the first rule that finds it (an upper bound until counted)."""
        return sum(rule.pairs if rule.distinct_pairs is None else rule.distinct_pairs for rule in self.rules)

    def with_distinct_pairs(self, counts: list[int]) -> BlockingPlan:
        return replace(self, rules=tuple(replace(rule, distinct_pairs=count)
                                         for rule, count in zip(self.rules, counts, strict=True)))


def pair_count(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> int:
    keys = ", ".join(f'"{c}"' for c in columns)
    filled = " and ".join(f'"{c}" is not null' for c in columns)
    return int(con.execute(f"select coalesce(sum(n * (n - 1) // 2), 0) from "
                           f"(select count(*) as n from {table} where {filled} group by {keys})").fetchall()[0][0])


def plan_blocking(con: duckdb.DuckDBPyConnection, table: str, records: int) -> BlockingPlan:
    available = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    budget = max(PAIRS_PER_RECORD * records, MIN_RULE_BUDGET)
    rules, skipped = [], []
    for name, variants in CANDIDATE_RULES:
        if not all(set(variant) <= available for variant in variants):
            skipped.append(f"{name}: not in the profiles")
            continue
        if not con.execute(f'select count("{variants[0][0]}") from {table}').fetchall()[0][0]:
            skipped.append(f"{name}: empty in this data")
            continue
        for variant in variants:
            pairs = pair_count(con, table, variant)
            if pairs <= budget:
                if pairs:
                    rules.append(Rule(name, variant, pairs))
                else:
                    skipped.append(f"{name}: no pairs")
                break
        else:
            skipped.append(f"{name}: over {budget:,} pairs even as {' + '.join(variants[-1])}")
    return BlockingPlan(tuple(rules), tuple(skipped), budget)
