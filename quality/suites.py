"""The expectation suites, as code: raw (per loaded file), staging and marts.

Each expectation carries `meta.severity`: `block` stops publishing (quality/gate.py), `warn` is recorded and shown
but lets the build through. GX validates pandas DataFrames read from DuckDB (GX's SQL data source fails on DuckDB).
To stay fast on big tables, a suite validates the smallest frame that still decides its expectations exactly:
raw tables as one profile row per loaded file (counts and min/max computed by DuckDB), referential integrity
over distinct keys, row counts as one row per build. Key uniqueness needs the key column itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import duckdb

from common.sql import sql_identifier, sql_literal
from ingestion.sources import all_sources

# A practical address check (the loaders already validated with email-validator; this guards the marts).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
E164_PATTERN = r"^\+[1-9][0-9]{5,14}$"
BLOCK, WARN = {"severity": "block"}, {"severity": "warn"}
# Loaders quarantine times more than two days ahead (ingestion/checks.py); a build sees them a little later.
MAX_FUTURE = timedelta(days=3)
# What to do when a file's earliest time is before the configured earliest plausible date: it may be real history.
# `{lowest}` is filled in with the earliest time found (quality/run.py).
EARLIEST_DATE_ADVICE = ("times before quality.earliest_plausible_date ({earliest}) are taken for a broken export; "
                        "if the earliest found, {{lowest}}, is real history, set quality.earliest_plausible_date in "
                        "crm.toml (or the environment variable CRM_QUALITY_EARLIEST_PLAUSIBLE_DATE) to that day or "
                        "earlier")


@dataclass(frozen=True)
class SuiteSpec:
    name: str          # suite name in audit.dq_results and Data Docs
    layer: str         # raw | staging | marts
    table: str         # the warehouse table the suite guards (a Dagster asset)
    query: str         # the frame GX validates
    expectations: list  # of gx.expectations.Expectation


def fx_currencies(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The currencies that convert to the reporting currency in some month: the seed's, those of the user's rates
    files, and the reporting currency itself (dbt model int_fx__rates_converted_to_reporting)."""
    return tuple(r[0] for r in con.execute(
        "select distinct currency from intermediate.int_fx__rates_converted_to_reporting order by currency").fetchall())


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()}


def raw_suites(con: duckdb.DuckDBPyConnection, earliest: date, now: datetime) -> list[SuiteSpec]:
    """Per raw table with file rules on its source spec: the columns it has, and one profile row per loaded file
    with the counts and time range its expectations need (computed by DuckDB, so a table of millions of rows is a
    frame of a few hundred). The keys, times and numbers are those the spec's row checks declare, and its file
    rules' own."""
    import great_expectations as gx

    ex = gx.expectations
    currencies = fx_currencies(con)
    suites = []
    for spec in (s for s in all_sources() if s.file_rules):
        rules, name = spec.file_rules, spec.raw_table
        present = _columns(con, "raw", name)
        if not present:
            continue  # nothing of this source loaded yet (freshness reports it)
        table = f"raw.{sql_identifier(name)}"
        suites.append(SuiteSpec(
            f"raw.{name}.columns", "raw", f"raw.{name}", f"select * from {table} limit 0",
            [ex.ExpectTableColumnsToMatchSet(column_set=list(rules.columns), exact_match=False, meta=BLOCK)]))
        identifiers = [*(d.column for d in spec.declared("identifier")), *rules.identifiers]
        timestamps = {d.column: d.parse_sql for d in spec.declared("timestamp")}
        numbers = [*(d.column for d in spec.declared("number")), *rules.numbers]
        value_sets = {**{c: (currencies, "block") for c in rules.converted_currencies}, **rules.value_sets}
        measures, expectations = ["count(*) as rows_loaded"], []
        for column in (c for c in identifiers if c in present):
            measures.append(
                f"count(*) filter (where nullif(trim({sql_identifier(column)}), '') is null) "
                f"as {sql_identifier(column + '__null')}")
            expectations.append(ex.ExpectColumnValuesToBeBetween(column=f"{column}__null", min_value=0, max_value=0,
                                                                 meta=BLOCK))
        for column, parse_sql in ((c, p) for c, p in timestamps.items() if c in present):
            parsed = f"({parse_sql})::timestamptz"
            measures += [
                f"count(*) filter (where nullif(trim({sql_identifier(column)}), '') is not null and {parsed} is null) "
                f"as {sql_identifier(column + '__unparsed')}",
                f"min({parsed}) as {sql_identifier(column + '__min')}",
                f"max({parsed}) as {sql_identifier(column + '__max')}",
            ]
            expectations += [
                ex.ExpectColumnValuesToBeBetween(column=f"{column}__unparsed", min_value=0, max_value=0, meta=BLOCK),
                ex.ExpectColumnValuesToBeBetween(
                    column=f"{column}__min", min_value=datetime.combine(earliest, time(), now.tzinfo),
                    meta={**BLOCK, "advice": EARLIEST_DATE_ADVICE.format(earliest=earliest.isoformat())}),
                ex.ExpectColumnValuesToBeBetween(column=f"{column}__max", max_value=now + MAX_FUTURE, meta=BLOCK),
            ]
        for column in (c for c in numbers if c in present):
            measures.append(
                f"count(*) filter (where nullif(trim({sql_identifier(column)}), '') is not null and "
                f"try_cast(replace(trim({sql_identifier(column)}), ',', '') as double) is null) "
                f"as {sql_identifier(column + '__not_number')}")
            expectations.append(ex.ExpectColumnValuesToBeBetween(column=f"{column}__not_number", min_value=0,
                                                                 max_value=0, meta=BLOCK))
        for column, (allowed, severity) in ((c, v) for c, v in value_sets.items() if c in present):
            values = ", ".join(sql_literal(v.lower()) for v in allowed)
            # An empty value is a missing one, not a new code (an order without a status is completed).
            measures.append(f"count(*) filter (where nullif(lower(trim({sql_identifier(column)})), '') "
                            f"not in ({values})) as {sql_identifier(column + '__outside_set')}")
            expectations.append(ex.ExpectColumnValuesToBeBetween(column=f"{column}__outside_set", min_value=0,
                                                                 max_value=0, meta={"severity": severity}))
        expectations.append(ex.ExpectColumnValuesToBeBetween(column="rows_loaded", min_value=1, meta=WARN))
        suites.append(SuiteSpec(
            f"raw.{name}.files", "raw", f"raw.{name}",
            f"select _source_file, {', '.join(measures)} from {table} group by _source_file order by _source_file",
            expectations))
    return suites


# staging model -> its key (unique, not null)
STAGING_KEYS = {
    "stg_sales__contacts": "contact_id", "stg_sales__companies": "company_id", "stg_sales__deals": "deal_id",
    "stg_sales__orders": "order_id", "stg_sales__invoices": "invoice_id",
    "stg_email__messages": "message_id", "stg_email__campaign_events": "event_id",
    "stg_web__segment_events": "event_id", "stg_phone__asterisk_cdr": "call_id",
    "stg_phone__twilio_calls": "call_id", "stg_surveys__responses": "response_id",
}


def staging_suites(con: duckdb.DuckDBPyConnection) -> list[SuiteSpec]:
    import great_expectations as gx

    ex = gx.expectations
    suites = []
    for model, key in STAGING_KEYS.items():
        if key not in _columns(con, "staging", model):
            continue
        suites.append(SuiteSpec(
            f"staging.{model}", "staging", f"staging.{model}",
            f"select {sql_identifier(key)} from staging.{sql_identifier(model)}",
            [ex.ExpectColumnValuesToNotBeNull(column=key, meta=BLOCK),
             ex.ExpectColumnValuesToBeUnique(column=key, meta=BLOCK)]))
    orders = _columns(con, "staging", "stg_sales__orders")
    if {"ordered_at", "amount", "currency"} <= orders:
        fx = list(fx_currencies(con))
        suites.append(SuiteSpec(
            "staging.stg_sales__orders.values", "staging", "staging.stg_sales__orders",
            "select ordered_at, amount, currency from staging.stg_sales__orders",
            [ex.ExpectColumnValuesToNotBeNull(column="ordered_at", meta=BLOCK),
             ex.ExpectColumnValuesToBeBetween(column="amount", min_value=0, meta=BLOCK),
             ex.ExpectColumnValuesToBeInSet(column="currency", value_set=fx, meta=BLOCK)]))
    return suites


def dim_customers_suite(con: duckdb.DuckDBPyConnection, min_customers_per_contact: float) -> SuiteSpec:
    """Keys unique and present, emails and phones well-formed, row count within what the sources allow.

    Bounds: at least `min_customers_per_contact` × distinct CRM contacts (fewer means merges ran wild or a
    load was lost); at most the number of records that carry an identifier (every record its own person).
    """
    import great_expectations as gx

    contacts = con.execute("select count(distinct contact_id) from staging.stg_sales__contacts").fetchall()[0][0]
    records = con.execute(
        "select count(distinct record_key) from intermediate.int_identity__record_identifiers_unioned"
    ).fetchall()[0][0]
    ex = gx.expectations
    return SuiteSpec(
        name="dim_customers",
        layer="marts",
        table="marts.dim_customers",
        query="select customer_id, primary_email, primary_phone, lifetime_revenue_reporting from marts.dim_customers",
        expectations=[
            ex.ExpectColumnValuesToNotBeNull(column="customer_id", meta=BLOCK),
            ex.ExpectColumnValuesToBeUnique(column="customer_id", meta=BLOCK),
            ex.ExpectColumnValuesToMatchRegex(column="primary_email", regex=EMAIL_PATTERN, meta=BLOCK),
            ex.ExpectColumnValuesToMatchRegex(column="primary_phone", regex=E164_PATTERN, meta=BLOCK),
            ex.ExpectTableRowCountToBeBetween(
                min_value=int(contacts * min_customers_per_contact), max_value=max(int(records), 1), meta=BLOCK
            ),
            ex.ExpectColumnValuesToNotBeNull(column="primary_email", mostly=0.8, meta=WARN),
            ex.ExpectColumnValuesToBeBetween(column="lifetime_revenue_reporting", min_value=0, meta=BLOCK),
        ],
    )


# mart -> its key (unique, not null)
MART_KEYS = {
    "fct_orders": "order_id", "fct_deals": "deal_id", "dim_companies": "company_id",
    "mart_customer_segments": "customer_id", "mart_executive_kpis_daily": "date_day",
}
# marts whose customer_id must name a customer of dim_customers
CUSTOMER_FACTS = ("fct_orders", "fct_deals", "fct_interactions", "fct_customer_timeline", "mart_customer_segments")
# KPI columns of mart_executive_kpis_daily -> (min, max)
KPI_RANGES = {
    "revenue_reporting": (0, None), "orders_completed": (0, None), "new_customers": (0, None),
    "new_leads": (0, None), "web_visitors": (0, None), "nps_responses": (0, None),
    "average_order_value_reporting": (0, None),
}


def marts_suites(con: duckdb.DuckDBPyConnection, min_customers_per_contact: float, build_id: str | None,
                 row_count_tolerance: float) -> list[SuiteSpec]:
    import great_expectations as gx

    ex = gx.expectations
    suites = [dim_customers_suite(con, min_customers_per_contact)]
    for mart, key in MART_KEYS.items():
        if key in _columns(con, "marts", mart):
            suites.append(SuiteSpec(
                f"marts.{mart}", "marts", f"marts.{mart}",
                f"select {sql_identifier(key)} from marts.{sql_identifier(mart)}",
                [ex.ExpectColumnValuesToNotBeNull(column=key, meta=BLOCK),
                 ex.ExpectColumnValuesToBeUnique(column=key, meta=BLOCK)]))
    for mart in CUSTOMER_FACTS:
        if "customer_id" in _columns(con, "marts", mart):
            # Distinct ids only: the timeline has many rows per customer, the question is per customer.
            suites.append(SuiteSpec(
                f"marts.{mart}.customers", "marts", f"marts.{mart}",
                f"""select f.customer_id, d.customer_id is not null as in_dim_customers
                    from (select distinct customer_id from marts.{sql_identifier(mart)} where customer_id is not null) f
                    left join marts.dim_customers d on d.customer_id = f.customer_id""",
                [ex.ExpectColumnValuesToBeInSet(column="in_dim_customers", value_set=[True], meta=BLOCK)]))
    kpis = _columns(con, "marts", "mart_executive_kpis_daily")
    ranges = {c: r for c, r in KPI_RANGES.items() if c in kpis}
    if ranges:
        expectations = [ex.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high, meta=BLOCK)
                        for c, (low, high) in ranges.items()]
        if {"nps_promoters", "nps_detractors", "nps_responses"} <= kpis:
            expectations.append(ex.ExpectColumnValuesToBeBetween(column="nps_parts_over_responses", max_value=0,
                                                                 meta=BLOCK))
        suites.append(SuiteSpec(
            "marts.mart_executive_kpis_daily.ranges", "marts", "marts.mart_executive_kpis_daily",
            f"select {', '.join(sql_identifier(c) for c in ranges)}"
            + (", nps_promoters + nps_detractors - nps_responses as nps_parts_over_responses"
               if {"nps_promoters", "nps_detractors", "nps_responses"} <= kpis else "")
            + " from marts.mart_executive_kpis_daily",
            expectations))
    suites += _row_count_suites(con, build_id, row_count_tolerance)
    suites.append(_freshness_suite(con))
    return suites


def _row_count_suites(con: duckdb.DuckDBPyConnection, build_id: str | None, tolerance: float) -> list[SuiteSpec]:
    """Each mart's rows within ±tolerance of the previous build's (audit.mart_row_counts, written by the check).

    One frame of one row, a column per mart: one validation for every mart (each expectation names its table)."""
    import great_expectations as gx

    previous = dict(con.execute(
        """select table_name, row_count from audit.mart_row_counts
           where build_id = (select build_id from audit.mart_row_counts where build_id is distinct from ?
                             order by counted_at desc limit 1)""", [build_id]).fetchall())
    current = dict(con.execute(
        "select table_name, row_count from audit.mart_row_counts where build_id is not distinct from ?",
        [build_id]).fetchall())
    compared = sorted(set(previous) & set(current))
    if not compared:
        return []  # the first build: nothing to compare with
    return [SuiteSpec(
        "marts.row_counts", "marts", "marts",
        "select " + ", ".join(f"{int(current[t])}::bigint as {sql_identifier(t)}" for t in compared),
        [gx.expectations.ExpectColumnValuesToBeBetween(
            column=t, min_value=int(previous[t] * (1 - tolerance)),
            max_value=int(previous[t] * (1 + tolerance)) if previous[t] else None,
            meta={**WARN, "table": t}) for t in compared])]


def _freshness_suite(con: duckdb.DuckDBPyConnection) -> SuiteSpec:
    """The marts are built from everything loaded (no load finished after the build started), and every
    source delivered within its expected interval (audit.source_freshness, written by the check)."""
    import great_expectations as gx

    ex = gx.expectations
    return SuiteSpec(
        "marts.freshness", "marts", "marts.dim_customers",
        """select f.source, f.status,
                  (select count(*) from audit.loads l where l.status = 'loaded'
                     and l.finished_at > (select max(started_at) from audit.builds)) as files_loaded_after_build
           from audit.source_freshness f""",
        [ex.ExpectColumnValuesToBeInSet(column="status", value_set=["fresh"], meta=WARN),
         ex.ExpectColumnValuesToBeBetween(column="files_loaded_after_build", max_value=0, meta=WARN)])
