"""Who is this? Find customers in the published marts by email, phone number (any format) or name.

Reads the serving file only (a read-only connection the caller opens), so `crm lookup` and the dashboards'
"who is calling?" screen can run while a build is going on. What people type is normalised with the loaders' own
functions (common.normalize), so a query compares equal to the stored values exactly when the loaders would
have made them equal:
- an email: case and full-width folded; addresses of the same mailbox (Gmail dots, `+tags`) match when the
  warehouse has seen the spelling typed;
- a phone number in any format (`０９０-1234-5678`, `+81 90 1234 5678`, `(212) 555-0147`): read in `region`
  first; a number without a country code is also tried in every country the published customers live in;
- a name in Japanese or latin script, family name first or not, with or without a space, case- and
  width-insensitive, against the golden names (as written and in latin script).
Best match first: an exact email/number before a same-mailbox address, a whole name before part of one, a
primary contact point before another; then the most recently active customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime

import duckdb

from common.normalize import nfkc, normalize_email, normalize_name, normalize_phone

# What a phone number may contain besides digits; anything else makes the query a name.
_PHONE_CHARACTERS = re.compile(r"^[0-9+\-(). /]+$")
_MIN_PHONE_DIGITS = 6


class CustomerLookupUnavailable(Exception):
    """The connection has no published customer marts (nothing published yet, or an older serving file)."""


@dataclass(frozen=True)
class CustomerMatch:
    """A customer found by a lookup: how it matched, and its golden record."""

    customer_id: str
    matched_on: str  # email | phone | name
    matched_value: str  # the stored email, E.164 number or golden name that matched
    full_name: str | None
    full_name_latin: str | None
    primary_email: str | None
    primary_phone: str | None
    company_name: str | None
    job_title: str | None
    country_code: str | None
    language: str | None
    time_zone: str | None
    lifecycle_stage: str | None
    owner_email: str | None
    has_marketing_consent: bool | None
    last_seen_at: datetime | None


_GOLDEN_FIELDS = tuple(f.name for f in fields(CustomerMatch) if f.name not in ("matched_on", "matched_value"))


@dataclass(frozen=True)
class _Hit:
    customer_id: str
    matched_value: str
    strength: int  # higher is a better match


@dataclass(frozen=True)
class CustomerLookup:
    """The best matches of a lookup, and how many customers match in all (a common name matches thousands)."""

    matches: list[CustomerMatch]
    total: int


def find_customers(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 10, region: str | None = None
) -> list[CustomerMatch]:
    """Customers matching `query` (an email, a phone number or a name), best match first, at most `limit`.

    `region` (ISO country, e.g. "JP") is where a phone number without a country code is read first.
    Raises CustomerLookupUnavailable when the connection holds no published customer marts.
    """
    return lookup_customers(con, query, limit, region).matches


def lookup_customers(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 10, region: str | None = None
) -> CustomerLookup:
    """find_customers' matches with the number of customers matching in all (for "20 of 1,234 shown")."""
    text = nfkc(query)
    if not text or limit <= 0:
        return CustomerLookup([], 0)
    try:
        if "@" in text:
            matched_on, hits = "email", _email_hits(con, text)
        elif _looks_like_phone(text):
            matched_on, hits = "phone", _phone_hits(con, text, region)
        else:
            matched_on, hits = "name", _name_hits(con, text)
        best_by_customer = _best_by_customer(hits)
        return CustomerLookup(_with_golden_records(con, matched_on, best_by_customer, limit), len(best_by_customer))
    except (duckdb.CatalogException, duckdb.BinderException) as exc:  # no marts, or a layout before this code's
        raise CustomerLookupUnavailable(str(exc).splitlines()[0]) from exc


def _looks_like_phone(text: str) -> bool:
    return bool(_PHONE_CHARACTERS.match(text)) and sum(c.isdigit() for c in text) >= _MIN_PHONE_DIGITS


def _email_hits(con: duckdb.DuckDBPyConnection, text: str) -> list[_Hit]:
    email = normalize_email(text)
    if email is None:
        return []
    rows = con.execute(
        """select customer_id, email, email = $email as is_exact, is_primary
           from marts.dim_customer_emails
           where email = $email
              or email_match_key in (select email_match_key from marts.dim_customer_emails where email = $email)""",
        {"email": email},
    ).fetchall()
    return [_Hit(customer_id, stored, 2 * is_exact + is_primary) for customer_id, stored, is_exact, is_primary in rows]


def _phone_hits(con: duckdb.DuckDBPyConnection, text: str, region: str | None) -> list[_Hit]:
    # Regions to read the number in, in order of preference: the caller's, then those of the published customers
    # (a number with a country code reads the same in all of them).
    known_regions = [r for (r,) in con.execute(
        "select distinct country_code from marts.dim_customers where country_code is not null order by 1").fetchall()]
    numbers: dict[str, int] = {}  # E.164 -> preference (lower is better)
    for preference, candidate_region in enumerate([region or "US", *known_regions]):
        number = normalize_phone(text, candidate_region.upper())
        if number is not None:
            numbers.setdefault(number, preference)
    if not numbers:
        return []
    rows = con.execute(
        "select customer_id, phone_e164, is_primary from marts.dim_customer_phones where list_contains(?, phone_e164)",
        [list(numbers)],
    ).fetchall()
    # The number as read in the caller's region first; a primary number before another.
    worst = len(numbers) + 1
    return [_Hit(customer_id, number, 2 * (worst - numbers[number]) + is_primary)
            for customer_id, number, is_primary in rows]


# Candidates for a name query, filtered in SQL on dim_customers.name_search_text (every name word lower-cased and
# both names run together, each after a space): the query's first word at the start of a word and its longest word
# anywhere — what every match _name_strength scores implies, the whole name typed without a space included — plus
# the customers whose names SQL's lower() does not fold as normalize_name does (name_search_text_is_exact false).
# One query shape whatever is typed; _name_strength then scores the candidates exactly.
_NAME_CANDIDATES_SQL = """
select customer_id, full_name, first_name, last_name, full_name_latin, first_name_latin, last_name_latin
from marts.dim_customers
where coalesce(first_name, last_name, first_name_latin, last_name_latin) is not null
  and ((contains(name_search_text, ' ' || $first_word) and contains(name_search_text, $longest_word))
       or not name_search_text_is_exact)
"""


def _name_hits(con: duckdb.DuckDBPyConnection, text: str) -> list[_Hit]:
    wanted = normalize_name(text)
    if not wanted:
        return []
    wanted_tokens = wanted.split(" ")
    hits = []
    rows = con.execute(_NAME_CANDIDATES_SQL, {
        "first_word": wanted_tokens[0], "longest_word": max(wanted_tokens, key=len)}).fetchall()
    for customer_id, full_name, first, last, full_latin, first_latin, last_latin in rows:
        best = max(
            (_name_strength(wanted_tokens, first, last), full_name),
            (_name_strength(wanted_tokens, first_latin, last_latin), full_latin),
            key=lambda scored: scored[0],
        )
        if best[0]:
            hits.append(_Hit(customer_id, best[1] or "", best[0]))
    return hits


def _name_strength(wanted_tokens: list[str], given: str | None, family: str | None) -> int:
    """3: the whole name (any order, with or without a space); 2: every word typed is one of the name's words;
    1: every word typed begins one of them (`yamada t`); 0: no match."""
    given_tokens = (normalize_name(given) or "").split()
    family_tokens = (normalize_name(family) or "").split()
    name_tokens = given_tokens + family_tokens
    if not name_tokens:
        return 0
    compact = "".join(wanted_tokens)
    if sorted(wanted_tokens) == sorted(name_tokens) or compact in (
            "".join(family_tokens + given_tokens), "".join(given_tokens + family_tokens)):
        return 3
    if all(token in name_tokens for token in wanted_tokens):
        return 2
    if all(any(name_token.startswith(token) for name_token in name_tokens) for token in wanted_tokens):
        return 1
    return 0


def _best_by_customer(hits: list[_Hit]) -> dict[str, _Hit]:
    """Each matching customer's strongest hit."""
    best_by_customer: dict[str, _Hit] = {}
    for hit in hits:
        if hit.customer_id not in best_by_customer or hit.strength > best_by_customer[hit.customer_id].strength:
            best_by_customer[hit.customer_id] = hit
    return best_by_customer


def _with_golden_records(
    con: duckdb.DuckDBPyConnection, matched_on: str, best_by_customer: dict[str, _Hit], limit: int
) -> list[CustomerMatch]:
    if not best_by_customer:
        return []
    # Ranked in SQL, and only the best `limit` records fetched: a common name matches thousands of customers.
    columns = ", ".join(f"customers.{name}" for name in _GOLDEN_FIELDS)
    rows = con.execute(
        f"""with hits as (select unnest($ids) as customer_id, unnest($strengths) as strength)
            select {columns}
            from hits join marts.dim_customers as customers on customers.customer_id = hits.customer_id
            order by hits.strength desc, customers.last_seen_at desc nulls last, customers.customer_id
            limit $limit""",
        {"ids": list(best_by_customer), "strengths": [hit.strength for hit in best_by_customer.values()],
         "limit": limit},
    ).fetchall()
    return [
        CustomerMatch(matched_on=matched_on, matched_value=best_by_customer[row[0]].matched_value,
                      **dict(zip(_GOLDEN_FIELDS, row, strict=True)))
        for row in rows
    ]


