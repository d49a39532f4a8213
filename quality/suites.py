"""The expectation suites, as code. Each expectation carries `meta.severity`: `block` stops publishing, `warn`
is recorded and shown but lets the build through.

GX validates pandas DataFrames read from DuckDB: GX's SQL data source fails on DuckDB (STACK.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# A practical address check (the loaders already validated with email-validator; this guards the marts).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
E164_PATTERN = r"^\+[1-9][0-9]{5,14}$"


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    table: str
    expectations: list  # of gx.expectations.Expectation


def dim_customers_suite(con: duckdb.DuckDBPyConnection, min_customers_per_contact: float) -> SuiteSpec:
    """Keys unique and present, emails and phones well-formed, row count within what the sources allow.

    Bounds: at least `min_customers_per_contact` × distinct CRM contacts (fewer means merges ran wild or a
    load was lost); at most the number of records that carry an identifier (every record its own person).
    """
    import great_expectations as gx

    contacts = con.execute("select count(distinct contact_id) from staging.stg_sales__contacts").fetchall()[0][0]
    records = con.execute(
        "select count(distinct record_key) from intermediate.int_identity__record_identifiers"
    ).fetchall()[0][0]
    block, warn = {"severity": "block"}, {"severity": "warn"}
    ex = gx.expectations
    return SuiteSpec(
        name="dim_customers",
        table="marts.dim_customers",
        expectations=[
            ex.ExpectColumnValuesToNotBeNull(column="customer_id", meta=block),
            ex.ExpectColumnValuesToBeUnique(column="customer_id", meta=block),
            ex.ExpectColumnValuesToMatchRegex(column="primary_email", regex=EMAIL_PATTERN, meta=block),
            ex.ExpectColumnValuesToMatchRegex(column="primary_phone", regex=E164_PATTERN, meta=block),
            ex.ExpectTableRowCountToBeBetween(
                min_value=int(contacts * min_customers_per_contact), max_value=max(int(records), 1), meta=block
            ),
            ex.ExpectColumnValuesToNotBeNull(column="primary_email", mostly=0.8, meta=warn),
            ex.ExpectColumnValuesToBeBetween(column="lifetime_revenue_reporting", min_value=0, meta=block),
        ],
    )
