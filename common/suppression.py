"""The suppression list: salted hashes of the identifiers of people `crm forget` erased, honoured by every load.

A value is hashed as sha256(salt || value) in hex, the same in Python (`identifier_hash`) and in DuckDB
(`hash_sql`), over the normalised form the loader stores next to the raw one (emails lower-cased and validated,
phones in E.164) or an id as written (contact id, record id, anonymousId). The salt is a secret, read from the
environment only (Settings.suppression_salt), bound as a query parameter so it never appears in SQL text, logs or
the warehouse: without it the hash of an email address could be recomputed by anyone with a list of addresses.
"""

from __future__ import annotations

import hashlib

import duckdb

SUPPRESSIONS_TABLE = "audit.suppressions"

SUPPRESSION_DDL = f"""
create schema if not exists audit;
create table if not exists {SUPPRESSIONS_TABLE} (
    identifier_hash varchar primary key,
    request_id varchar not null,
    added_at timestamptz not null
);
"""


class MissingSalt(RuntimeError):
    """The suppression list cannot be written or honoured without its salt."""


def identifier_hash(salt: str, value: str) -> str:
    return hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def hash_sql(value_sql: str) -> str:
    """SQL hashing `value_sql` as identifier_hash does; the salt is the statement's first `?` parameter."""
    return f"sha256(?::varchar || {value_sql})"


def has_suppressions(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(f"select exists (select 1 from {SUPPRESSIONS_TABLE})").fetchall()[0][0]
