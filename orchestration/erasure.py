"""`crm forget`: erase people everywhere the product keeps them, and keep them out of every later load.

1. Resolve (`resolve_people`): each email, phone, contact id or customer id given is looked up in the identity
   graph's input (`int_identity__record_identifiers_unioned`) and `identity.record_customers`; the people are their
   whole identity clusters: every record of theirs and every identifier those records carry. The raw rows of those
   records (and rows anywhere that carry one of their emails or phones, such as a message they were copied on) give
   the identifiers as written (an address in its original case, a phone in its original format, the name).
2. Every DuckDB file under the data folder (the build warehouse, the serving and health files, as-of copies) loses
   every row that names them (`erase_duckdb_file`), found generically, table by table: a text column equal to one
   of their ids, record ids, record keys, customer ids, emails or phones, or containing one of their emails or
   phones. Derived layers are not rebuilt: their rows about the person carry the customer id or a record key, and
   aggregates (KPIs by period) hold nobody's data; the next `crm build` re-derives them without the person.
   Each file is then copied into a new file (`COPY FROM DATABASE`) and atomically put in place of the old one:
   DuckDB leaves deleted rows' bytes in a file until their blocks are reused, so a DELETE alone erases nothing.
   The build file is copied from the connection that deleted the rows. A serving file (and the one without PII)
   that holds the build's latest build as the build has it (`published_as_built`) is not searched: it is
   republished from the rewritten build by `crm publish`'s own code (`republish`), a new file that never held
   their bytes, reported as "<file> (republished)" with the rows fewer per table.
3. Landing files are rewritten without the person's records, each in its own format (`landing_rewrite.py`; a
   process per core when there are many), and
   `audit.loads` takes the new content hash, so the rewritten file counts as loaded (its rows are exactly the raw
   rows left) and is not loaded again.
4. Other text files under the data folder (Great Expectations' validation results and Data Docs, exports) have
   each occurrence of their identifiers replaced by `[erased]`.
5. The suppression list (common/suppression.py) gets the salted hashes of their identifiers and of the keys of the
   raw rows removed; `audit.erasures` records the request without personal data: when, the request id, the
   hashes, the rows removed per place and the command.
6. Every file under the data and landing folders is searched, as bytes, for every identifier and name: a file
   still holding one is reported (`remaining`), never silently passed.

Rerunning is safe: a person already forgotten is found nowhere, and everything removes 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from common.audit import ensure_audit_tables
from common.normalize import normalize_email, normalize_phone
from common.settings import SUPPRESSION_SALT_ENV, Settings
from common.sql import sql_identifier, sql_literal, table_exists
from common.suppression import SUPPRESSIONS_TABLE, identifier_hash
from ingestion.sources import SourceSpec, all_sources
from orchestration.errors import CrmError
from orchestration.warehouse import connect_build

IDENTIFIERS_TABLE = "intermediate.int_identity__record_identifiers_unioned"
RECORD_CUSTOMERS_TABLE = "identity.record_customers"
CUSTOMER_IDS_TABLE = "identity.customer_ids"
ERASURES_TABLE = "audit.erasures"
ERASURES_DDL = f"""
create table if not exists {ERASURES_TABLE} (
    request_id varchar primary key,
    erased_at timestamptz not null,
    command varchar not null,           -- the command, with the people it named replaced by their hashes
    identifier_hashes varchar[] not null,
    removed json not null               -- rows, lines or messages removed per place (table or file)
)
"""
# Raw columns holding a person's name as written, with the column that must be theirs for the name to be theirs
# (None: any row of theirs; a caller id is the caller's, who may be a colleague calling them). Names are searched
# for after the erasure, never used to find rows: a name does not single out one person. A mail's display name is
# not among them: it is often a company's or a team's name, which other people's records hold too.
NAME_COLUMNS = {"first_name": None, "last_name": None, "full_name": None, "person_name": None,
                "caller_name": "from_e164", "clid": "src_e164"}
# Rows whose name column names something else: of Segment events only an identify call's traits are the person's
# (a group call's name is the company's, a track event's properties.name often a product's).
NOT_A_PERSONS_NAME = {"person_name": "type is distinct from 'identify'"}
# A value shorter than this is too common to match on (an id "4711" equals amounts and quantities elsewhere) or to
# search for.
MIN_SEARCH_LENGTH = 6
REDACTED = "[erased]"
TEXT_SUFFIXES = (".html", ".json", ".csv", ".txt", ".log", ".yml", ".yaml", ".jsonl")


class ForgetError(CrmError):
    """Bad input or a missing prerequisite: one line, nothing changed."""


@dataclass
class People:
    """What the warehouse knows of the people to forget. Never printed or logged: it is their personal data."""

    customer_ids: set[str] = field(default_factory=set)
    record_keys: set[str] = field(default_factory=set)
    record_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)        # normalised (lower case)
    phones: set[str] = field(default_factory=set)        # E.164
    ids: set[str] = field(default_factory=set)           # contact ids, anonymousIds, national ids, customer numbers
    written: set[str] = field(default_factory=set)       # emails and phones as the sources wrote them
    names: set[str] = field(default_factory=set)         # names as written: searched for, never matched on
    row_keys: set[str] = field(default_factory=set)      # keys of the raw rows removed (for the suppression list)

    def exact(self) -> set[str]:
        """Values a text cell equal to (case-insensitively) names one of them."""
        values = (self.customer_ids | self.record_keys | self.record_ids | self.emails | self.phones | self.ids
                  | self.written)
        return {v.lower() for v in values if v and len(v) >= MIN_SEARCH_LENGTH}

    def contained(self) -> set[str]:
        """Values that name one of them wherever they occur in a text (a body, a list of recipients)."""
        values = self.emails | self.phones | self.written
        return {v.lower() for v in values if v and len(v) >= MIN_SEARCH_LENGTH}

    def searched(self) -> set[str]:
        """Everything the final byte search looks for: identifiers and names as written."""
        return {v for v in self.emails | self.phones | self.written | self.names if len(v) >= MIN_SEARCH_LENGTH}

    def hashes(self, salt: str) -> set[str]:
        # Customer ids too: a rerun naming the person by customer id finds them forgotten.
        return {identifier_hash(salt, v) for v in self.emails | self.phones | self.ids | self.record_ids
                | self.row_keys | self.customer_ids if v}


# --- 1. whom to forget ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    kind: str   # email | phone | contact_id | customer_id
    value: str  # normalised
    given: str  # as typed (told back only to the one who typed it)


def parse_targets(values: Iterable[str], default_region: str) -> list[Target]:
    targets = []
    for given in (v.strip() for v in values):
        if not given or given.startswith("#"):
            continue
        if given.startswith("cus_"):
            targets.append(Target("customer_id", given, given))
        elif "@" in given:
            email = normalize_email(given)
            if email is None:
                raise ForgetError(f"{given!r} is not a valid email address: nothing was erased")
            targets.append(Target("email", email, given))
        elif re.fullmatch(r"[+()\d][\d\s().\-/]*", given):
            phone = normalize_phone(given, default_region)
            if phone is None:
                raise ForgetError(f"{given!r} is not a phone number (read in region {default_region}; write it "
                                  "with its country code, +81 …): nothing was erased")
            targets.append(Target("phone", phone, given))
        else:
            targets.append(Target("contact_id", given, given))
    if not targets:
        raise ForgetError("no one to forget: give emails, phones, contact ids or customer ids")
    return targets


def email_match_key_sql(column: str) -> str:
    # The identity graph stores an email as its match key (dbt macro email_match_key: Gmail ignores dots and
    # +tags); a given address is compared in the same form.
    return (f"case when {column} like '%@gmail.com' or {column} like '%@googlemail.com' then "
            f"replace(split_part(split_part({column}, '@', 1), '+', 1), '.', '') || '@gmail.com' else {column} end")


def _suppressed(con: duckdb.DuckDBPyConnection) -> set[str]:
    if not table_exists(con, SUPPRESSIONS_TABLE):
        return set()
    return {r[0] for r in con.execute(f"select identifier_hash from {SUPPRESSIONS_TABLE}").fetchall()}


def resolve_people(con: duckdb.DuckDBPyConnection, targets: list[Target], specs: list[SourceSpec],
                   salt: str) -> People:
    """The identity clusters of the targets, with every identifier of theirs (see the module docstring). A target
    found nowhere but on the suppression list was forgotten before: it adds no one, so a rerun removes nothing."""
    if not table_exists(con, RECORD_CUSTOMERS_TABLE) or not table_exists(con, IDENTIFIERS_TABLE):
        raise ForgetError("the warehouse has no identity resolution yet: run `crm build` first")
    people = People()
    con.execute("create or replace temp table _targets (kind varchar, value varchar, position integer)")
    con.executemany("insert into _targets values (?, ?, ?)",
                    [[t.kind, t.value, i] for i, t in enumerate(targets)])
    found = con.execute(f"""
        select t.position, rc.customer_id, i.record_key
        from _targets t
        join {IDENTIFIERS_TABLE} i
          on (t.kind = 'email' and i.identifier_type = 'email'
              and i.identifier_value = {email_match_key_sql('t.value')})
          or (t.kind = i.identifier_type and t.value = i.identifier_value)
        left join {RECORD_CUSTOMERS_TABLE} rc on rc.record_key = i.record_key
        union all
        select t.position, coalesce(c.current_customer_id, t.value), null
        from _targets t left join {CUSTOMER_IDS_TABLE} c on c.customer_id = t.value
        where t.kind = 'customer_id'
          and coalesce(c.current_customer_id, t.value) in (select customer_id from {RECORD_CUSTOMERS_TABLE})
    """).fetchall()
    missing = [targets[i] for i in sorted(set(range(len(targets))) - {position for position, _, _ in found})]
    unknown = [t for t in missing if identifier_hash(salt, t.value) not in _suppressed(con)]
    if unknown:
        shared = (" (an address shared by several people, such as info@…, is no one's identifier: give the "
                  "customer id)") if any(t.kind == "email" for t in unknown) else ""
        raise ForgetError(f"no record in the warehouse has {', '.join(repr(t.given) for t in unknown)} and it was "
                          f"never forgotten before: nothing was erased{shared}")
    people.customer_ids = {c for _, c, _ in found if c}
    people.record_keys = {k for _, _, k in found if k}
    people.record_keys |= {r[0] for r in con.execute(
        f"select record_key from {RECORD_CUSTOMERS_TABLE} where customer_id in (select unnest(?::varchar[]))",
        [sorted(people.customer_ids)]).fetchall()}
    # Customer ids retired into theirs are theirs too.
    people.customer_ids |= {r[0] for r in con.execute(
        f"select customer_id from {CUSTOMER_IDS_TABLE} where current_customer_id in (select unnest(?::varchar[]))",
        [sorted(people.customer_ids)]).fetchall()} if table_exists(con, CUSTOMER_IDS_TABLE) else set()
    for record_id, kind, value in con.execute(
            f"select record_id, identifier_type, identifier_value from {IDENTIFIERS_TABLE} "
            "where record_key in (select unnest(?::varchar[]))", [sorted(people.record_keys)]).fetchall():
        people.record_ids.add(record_id)
        if kind == "phone":
            people.phones.add(value)
        elif kind != "email":  # emails come normalised from the raw rows below (the graph holds match keys)
            people.ids.add(value)
    match_keys = {v for (v,) in con.execute(
        f"select identifier_value from {IDENTIFIERS_TABLE} where identifier_type = 'email' "
        "and record_key in (select unnest(?::varchar[]))", [sorted(people.record_keys)]).fetchall()}
    people.emails |= {t.value for t in targets if t.kind == "email"}
    people.phones |= {t.value for t in targets if t.kind == "phone"}
    for spec in specs:
        _collect_from_raw(con, spec, people, match_keys)
    return people


def _collect_from_raw(con: duckdb.DuckDBPyConnection, spec: SourceSpec, people: People, match_keys: set[str]) -> None:
    """Add what the person's raw rows of one source say of them: emails normalised and as written, phones as
    written, names as written."""
    table = f"raw.{sql_identifier(spec.raw_table)}"
    if not table_exists(con, f"raw.{spec.raw_table}"):
        return
    columns = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    emails = [c for c in spec.email_columns if f"{c}_normalized" in columns]
    phones = [c for c in spec.phone_columns if f"{c}_e164" in columns]
    for column in emails:  # an address whose match key is theirs (Gmail dots, +tags) is theirs
        normalized = sql_identifier(f"{column}_normalized")
        people.emails |= {r[0] for r in con.execute(
            f"select distinct {normalized} from {table} where {email_match_key_sql(normalized)} "
            "in (select unnest(?::varchar[]))", [sorted(match_keys | people.emails)]).fetchall()}
    ids = [c for c in (*spec.load_mode.key, "contact_id", "user_id", "anonymous_id", "previous_id") if c in columns]
    conditions = [f"{sql_identifier(c + '_normalized')} in (select unnest($emails))" for c in emails]
    conditions += [f"{sql_identifier(c + '_e164')} in (select unnest($phones))" for c in phones]
    conditions += [f"{sql_identifier(c)} in (select unnest($ids))" for c in ids]
    if not conditions:
        return
    parameters = {name: values for name, values, used in (
        ("emails", sorted(people.emails), emails), ("phones", sorted(people.phones), phones),
        ("ids", sorted(people.ids | people.record_ids), ids)) if used}
    # (column as written, the column that must be theirs for it to be theirs), for addresses, numbers and names
    written = [(c, f"{c}_normalized") for c in emails] + [(c, f"{c}_e164") for c in phones]
    named = [(c, owner) for c, owner in NAME_COLUMNS.items() if c in columns and (owner is None or owner in columns)]
    pairs = written + named
    if not pairs:
        return
    def owner_sql(column: str, owner: str | None) -> str:
        if column in NOT_A_PERSONS_NAME:
            return f"case when {NOT_A_PERSONS_NAME[column]} then '' end"  # '' is no one's identifier
        return sql_identifier(owner) if owner else "null"

    select = ", ".join(f"{sql_identifier(c)}, {owner_sql(c, owner)}" for c, owner in pairs)
    rows = con.execute(
        f"select {select} from {table} where {' or '.join(conditions)}", parameters).fetchall()
    theirs = people.emails | people.phones
    if "first_name" in columns and "last_name" in columns:
        people.names |= {r[0] for r in con.execute(
            f"select distinct trim(concat_ws(' ', first_name, last_name)) from {table} "
            f"where {' or '.join(conditions)}",
            parameters).fetchall() if r[0]}
    for row in rows:
        for index, (column, owner) in enumerate(pairs):
            value, owner_value = row[2 * index], row[2 * index + 1]
            if not value or not value.strip() or (owner is not None and owner_value not in theirs) \
                    or owner_value == "":
                continue
            if index < len(written):
                people.written.add(value.strip())
            elif column in ("first_name", "last_name"):
                continue  # a first or a last name alone is many people's: the full name is taken below
            else:
                # A caller id ("Name" <number>) is searched for by its name part.
                name = value.split("<")[0].strip().strip('"').strip() if column == "clid" else value.strip()
                if name and not name.isdigit():
                    people.names.add(name)


def names_of_others(con: duckdb.DuckDBPyConnection, database: str, names: set[str]) -> set[str]:
    """Of their names as written, those the raw and quarantined rows (audit.quarantine) of the attached
    database (their own rows gone) still hold anywhere in a text, as a whole name and case aside
    (`name_patterns`): in a name column, a mail header's display name, a JSON payload. Each is another person's, a
    namesake: searching the files for it would find the namesake and fail every erasure of a common name;
    redacting it would erase someone else's name."""
    if not names:
        return set()
    lowered = sorted({n.lower() for n in names})
    found: set[str] = set()
    for place, columns in _text_columns(con, database).items():
        if place.split(".")[0] != "raw" and place != "audit.quarantine":
            continue
        table = f"{sql_identifier(database)}.{'.'.join(sql_identifier(p) for p in place.split('.', 1))}"
        cells = ", ".join(f"cast({sql_identifier(c)} as varchar)" for c in columns)
        if "first_name" in columns and "last_name" in columns:  # a full name as `_collect_from_raw` takes it
            cells += ", concat_ws(' ', first_name, last_name)"
        text = f"concat_ws(chr({ord(CELL_SEPARATOR)}), {cells})"
        # Rows holding a name anywhere first (a plain alternation RE2 runs fastest, ignoring case itself); the
        # whole names in those few.
        for anywhere, whole in zip(text_alternations(lowered), name_patterns(lowered), strict=True):
            found |= {r[0] for r in con.execute(
                f"select distinct unnest(regexp_extract_all(lower(text), $whole, 1)) "
                f"from (select {text} as text from {table}) where regexp_matches(text, $anywhere, 'i')",
                {"anywhere": anywhere, "whole": whole}).fetchall()}
    return {n for n in names if n.lower() in found}


# A name is found whole: not inside a longer word ("Ann Lee" is not in "Ann Leeds"). Letters and digits of other
# scripts do not count as the word going on, so a Japanese name, written without spaces, is found inside a text.
NAME_BORDER = "[^a-z0-9]"


def name_patterns(names: Iterable[str]) -> list[str]:
    """Regular expressions (RE2) together matching any of the (lower-case) names as a whole name, its first group
    the name."""
    return [f"(?:^|{NAME_BORDER})({group})(?:$|{NAME_BORDER})" for group in text_alternations(names)]


# --- 2. DuckDB files -----------------------------------------------------------------------------------------


def alternation(values: Iterable[str]) -> str:
    """A regular expression (RE2, as DuckDB reads it) matching any of the values, longest first."""
    return "|".join(re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", v) for v in sorted(values, key=len, reverse=True))


# RE2 (Arrow's, like DuckDB's) runs a regular expression as a fast automaton only within a memory budget: an
# alternation of a few thousand values leaves it and takes minutes on a large file; a few hundred stay fast.
ALTERNATION_GROUP = 500


def text_alternations(values: Iterable[str]) -> list[str]:
    """Regular expressions (RE2) together matching any of the values."""
    ordered = sorted(set(values))
    return [alternation(ordered[i:i + ALTERNATION_GROUP]) for i in range(0, len(ordered), ALTERNATION_GROUP)]


def _text_columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """The text columns (text, JSON, lists of text) of every table of a database, by schema.table."""
    columns: dict[str, list[str]] = {}
    for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = ? "
            "and (data_type in ('VARCHAR', 'JSON') or data_type like '%VARCHAR[]') order by all",
            [database]).fetchall():
        columns.setdefault(f"{schema}.{table}", []).append(column)
    return columns


# Columns holding a whole source record as text (a quarantined line): an id of theirs counts there too, as a word.
RECORD_TEXT_COLUMNS = ("raw_record",)
# Joins a row's text cells into one text for the containment test; no value searched for holds it
# (_prepare_matching), so no match spans two cells.
CELL_SEPARATOR = "\x01"
FOUND_TABLE = "_erase_found"


def _rows_naming_them(database: str, schema: str, table: str, columns: list[str],
                      patterns: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """A query of the rowids of the table's rows naming them, with its parameters: a cell of its text `columns`
    equal to one of `_erase_exact` (`_prepare_matching`) or containing one of `patterns`' contained values, or a
    RECORD_TEXT_COLUMNS cell holding one of their ids as a word (each a list of regular expressions: see
    ALTERNATION_GROUP).

    Each test reads the table once, however many text columns it has: the cells, lower-cased, as one list joined
    to the exact values (one hash join), and the row's cells joined into one text for the regular expression, which
    ignores case itself (lower-casing that text first took a third longer). (A condition per column, the exact ones
    as IN subqueries, took ten times as long: each IN became a join.)"""
    name = f"{sql_identifier(database)}.{sql_identifier(schema)}.{sql_identifier(table)}"
    cells = [f"cast({sql_identifier(c)} as varchar)" for c in columns]
    queries = [f"select rid from (select rowid as rid, unnest([{', '.join(f'lower({c})' for c in cells)}]) as v "
               f"from {name}) where v in (select v from _erase_exact)"]
    row_text = f"concat_ws(chr({ord(CELL_SEPARATOR)}), {', '.join(cells)})"
    records = [c for column, c in zip(columns, cells, strict=True) if column in RECORD_TEXT_COLUMNS]
    tests, parameters = [], {}
    for kind, texts in (("contained", [row_text]), ("ids", records)):
        for i, pattern in enumerate(patterns[kind] if texts else []):
            parameters[f"{kind}{i}"] = pattern
            tests += [f"regexp_matches({text}, ${kind}{i}, 'i')" for text in texts]
    if tests:
        queries.append(f"select rowid from {name} where {' or '.join(tests)}")
    return " union ".join(queries), parameters


def _prepare_matching(con: duckdb.DuckDBPyConnection, people: People) -> dict[str, list[str]]:
    con.execute("create or replace temp table _erase_exact as select unnest(?::varchar[]) as v",
                [sorted(people.exact())])
    ids = {v.lower() for v in people.ids | people.record_ids | people.customer_ids if len(v) >= MIN_SEARCH_LENGTH}
    # A value holding the separator could only be found across two cells; the exact test still finds it whole.
    contained = {v for v in people.contained() if CELL_SEPARATOR not in v}
    return {"contained": text_alternations(contained),
            "ids": [f"(^|[^a-z0-9_-])({group})($|[^a-z0-9_-])" for group in text_alternations(ids)]}


def find_rows(con: duckdb.DuckDBPyConnection, database: str, people: People) -> list[str]:
    """Find the rows naming them in every table of an attached database, one pass per table, deleting nothing
    yet: their rowids go into the temp table FOUND_TABLE (place, rid). Returns the tables searched (schema.table)."""
    patterns = _prepare_matching(con, people)
    con.execute(f"create or replace temp table {FOUND_TABLE} (place varchar, rid bigint)")
    searched = []
    text_columns = _text_columns(con, database)
    for schema, table in con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                                     "order by all", [database]).fetchall():
        place = f"{schema}.{table}"
        if place not in text_columns:
            continue
        query, parameters = _rows_naming_them(database, schema, table, text_columns[place], patterns)
        con.execute(f"insert into {FOUND_TABLE} select {sql_literal(place)}, rid from ({query}) as found(rid)",
                    parameters)
        searched.append(place)
    return searched


def delete_rows(con: duckdb.DuckDBPyConnection, database: str, searched: list[str]) -> dict[str, int]:
    """Delete the rows `find_rows` found; return the count per table (tables losing none left out)."""
    removed = {}
    for (place,) in con.execute(f"select distinct place from {FOUND_TABLE} order by place").fetchall():
        if place not in searched:
            continue
        schema, table = place.split(".", 1)
        name = f"{sql_identifier(database)}.{sql_identifier(schema)}.{sql_identifier(table)}"
        removed[place] = con.execute(
            f"delete from {name} where rowid in (select rid from {FOUND_TABLE} where place = ?)", [place]
        ).fetchall()[0][0]
    return removed


def erase_from_database(con: duckdb.DuckDBPyConnection, database: str, people: People) -> dict[str, int]:
    """Delete, in every table of an attached database, the rows naming the people; return the count per table."""
    return delete_rows(con, database, find_rows(con, database, people))


def collect_row_keys(con: duckdb.DuckDBPyConnection, database: str, people: People, specs: list[SourceSpec]) -> None:
    """Between `find_rows` and `delete_rows`: the single-column keys of every raw row found (a message they were
    only copied on, a call they made), so a later load of that record is suppressed too."""
    text_columns = _text_columns(con, database)
    for spec in specs:
        place = f"raw.{spec.raw_table}"
        columns = set(text_columns.get(place, ()))
        table = f"{sql_identifier(database)}.raw.{sql_identifier(spec.raw_table)}"
        for key in (k for k in spec.load_mode.key if k in columns):
            people.row_keys |= {r[0] for r in con.execute(
                f"select distinct {sql_identifier(key)} from {table} "
                f"where rowid in (select rid from {FOUND_TABLE} where place = ?)", [place]).fetchall() if r[0]}


def erase_from_parquet(path: Path, people: People) -> int:
    """Rewrite a Parquet file (the sample generator's ground truth, an export) without the rows naming them."""
    con = duckdb.connect()
    try:
        con.execute("create table rows as select * from read_parquet(?)", [str(path)])
        count = sum(erase_from_database(con, "memory", people).values())
        if count:
            fresh = path.with_name(f".{path.name}.erasing")
            con.execute("copy rows to ? (format parquet)", [str(fresh)])
            _fsync(fresh)
            os.replace(fresh, path)
            _fsync_dir(path.parent)
    finally:
        con.close()
    return count


def rewrite_duckdb_file(path: Path) -> None:
    """Copy the database into a new file and put it in place of the old one, so no deleted row's bytes remain."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as old (read_only)", [str(path)])
        replace_with_copy(con, "old", path)
    finally:
        con.close()


def replace_with_copy(con: duckdb.DuckDBPyConnection, database: str, path: Path) -> None:
    """Copy the database attached as `database` (the file at `path`) into a new file and put it in place of the old
    one (`start_copy`, `finish_copy`)."""
    start_copy(con, database, path)
    finish_copy(con, path)


COPY_NAME = "_erasure_copy"


def start_copy(con: duckdb.DuckDBPyConnection, database: str, path: Path, found: bool = False) -> dict[str, int]:
    """Copy the database attached as `database` (the file at `path`) into a new file next to it, attached as
    COPY_NAME; with `found`, without the rows `find_rows` found, and return their count per table (tables losing
    none left out). The original is not written to: until `finish_copy` puts the copy in its place, a failure
    leaves it whole, and a rerun finds the people in it again."""
    fresh = path.with_name(f".{path.name}.erasing")
    fresh.unlink(missing_ok=True)
    Path(f"{fresh}.wal").unlink(missing_ok=True)
    name = sql_identifier(database)
    con.execute("attach ? as " + COPY_NAME, [str(fresh)])
    if not found:
        con.execute(f"copy from database {name} to {COPY_NAME}")
        return {}
    removed = dict(con.execute(f"select place, count(distinct rid) from {FOUND_TABLE} group by place").fetchall())
    # Schemas, tables, views, macros first; then each table's rows but theirs, as COPY FROM DATABASE copies them.
    con.execute(f"copy from database {name} to {COPY_NAME} (schema)")
    for schema, table in con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                                     "order by all", [database]).fetchall():
        qualified = f"{sql_identifier(schema)}.{sql_identifier(table)}"
        place = f"{schema}.{table}"
        theirs = f" where rowid not in (select rid from {FOUND_TABLE} where place = ?)" if place in removed else ""
        con.execute(f"insert into {COPY_NAME}.{qualified} select * from {name}.{qualified}{theirs}",
                    [place] if theirs else [])
    return removed


def finish_copy(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Put the copy `start_copy` made in place of the file at `path`: made durable, then renamed over it (same
    file system: the replace is atomic); a reader holding the old file keeps its view until it reopens."""
    fresh = path.with_name(f".{path.name}.erasing")
    # All of it into the file itself: small tables' rows are first written to a log beside it, which the rename
    # would leave behind (and a connection told not to checkpoint on closing does not on detaching either).
    con.execute(f"checkpoint {COPY_NAME}")
    con.execute(f"detach {COPY_NAME}")
    if Path(f"{fresh}.wal").exists():
        raise RuntimeError(f"the copy of {path.name} left a log beside it: the file was not replaced")
    _fsync(fresh)
    os.replace(fresh, path)
    Path(f"{path}.wal").unlink(missing_ok=True)  # the old file's log: its content is in the copy
    _fsync_dir(path.parent)


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(path: Path, content: bytes | None) -> None:
    """Write `content` to a new file and put it in place of `path` (None: delete `path`)."""
    if content is None:
        path.unlink()
    else:
        fresh = path.with_name(f".{path.name}.erasing")
        with fresh.open("wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(fresh, path)
    _fsync_dir(path.parent)


# --- 4. other text files -------------------------------------------------------------------------------------


def redact_text_file(path: Path, people: People) -> int:
    """Replace every occurrence of their identifiers and names in a text file; return how many were replaced."""
    values = people.searched() | people.contained()
    if not values:
        return 0
    data = path.read_bytes()
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)).encode(),
                         re.IGNORECASE)
    redacted, count = pattern.subn(REDACTED.encode(), data)
    if count:
        replace_file(path, redacted)
    return count


def byte_alternations(needles: Iterable[bytes]) -> list[str]:
    """Regular expressions, for RE2 on binary data (Latin-1: a pattern's character is a byte), together matching
    any of the needles: every byte but a letter or digit written as an escape."""
    escaped = ["".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else f"\\x{b:02x}" for b in needle)
               for needle in sorted(set(needles), key=len, reverse=True)]
    return ["|".join(escaped[i:i + ALTERNATION_GROUP]) for i in range(0, len(escaped), ALTERNATION_GROUP)]


def matching(array: pa.Array, alternations: list[str], ignore_case: bool = False) -> pa.BooleanArray:
    """Which elements of a string or binary array hold a match of any of the alternations."""
    found = pa.array([False] * len(array))
    for pattern in alternations:
        found = pc.or_(found, pc.fill_null(pc.match_substring_regex(array, pattern, ignore_case=ignore_case), False))
    return found


SEARCH_BLOCK = 1 << 20


def files_holding(folders: Iterable[Path], people: People) -> list[Path]:
    """Files under the folders whose bytes contain any of their identifiers or names (UTF-8 and, for the
    Japanese CRM's exports, Shift_JIS). Each file is read in blocks searched by RE2 through Arrow, several at a
    time (Python's own regular expressions would try every value at every position: minutes for the data folder
    of 100,000 people); consecutive blocks overlap by the longest needle, so none is missed at a border. A name
    counts only whole, as `names_of_others` finds one (NAME_BORDER): "Brian Stephens" is not in "Brian Stephenson"."""
    def encoded(values: set[str]) -> set[bytes]:
        needles = {v.encode("utf-8") for v in values}
        for value in values:
            with contextlib.suppress(UnicodeEncodeError):
                needles.add(value.encode("cp932"))
        return needles

    searched = people.searched()
    names = encoded({v for v in searched if v in people.names})
    needles = encoded(searched - people.names)
    if not needles | names:
        return []
    # Blocks holding a value anywhere first (plain alternations, which RE2 runs fastest); in those few, the
    # names whole.
    anywhere = byte_alternations(needles | names)
    border = NAME_BORDER.replace("a-z", "A-Za-z")  # the bytes are searched as they are, not lower-cased
    whole = byte_alternations(needles) + [f"(?:^|{border})(?:{group})(?:$|{border})"
                                          for group in byte_alternations(names)]
    overlap = max(map(len, needles | names))  # a name's border character included

    def holds(path: Path) -> bool:
        with path.open("rb") as fh:
            tail = b""
            while block := fh.read(64 * SEARCH_BLOCK):
                data = tail + block
                blocks = [data[i:i + SEARCH_BLOCK + overlap] for i in range(0, max(len(data) - overlap, 1),
                                                                           SEARCH_BLOCK)]
                array = pa.array(blocks, pa.binary())
                suspects = pc.filter(array, matching(array, anywhere))
                if len(suspects) and pc.any(matching(suspects, whole)).as_py():
                    return True
                tail = data[-overlap:] if overlap else b""
        return False

    paths = [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # Arrow's RE2 leaves the GIL
        return [path for path, held in zip(paths, pool.map(holds, paths), strict=True) if held]


# --- 2b. the serving files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Republication:
    """A serving file that is republished from the build after the erasure instead of searched and copied."""

    path: Path
    pii_free: bool                  # the file without direct PII (`publish_pii_free`), else the serving file
    build_id: str
    published_at: datetime
    rows: dict[str, int]            # rows per table before the erasure


def published_as_built(con: duckdb.DuckDBPyConnection, build: str, path: Path, pii_free: bool) -> Republication | None:
    """Whether the serving file at `path` holds the build warehouse's latest finished build as the build has it now
    (read before the build loses any row): its publication names that build, and it holds the same published tables
    with the same row counts. Such a file is written afresh by `crm publish`'s own code once the build has lost their
    rows (`republish`): a new file that never held their bytes, instead of a search of every table and a copy of the
    whole file. Any other (an older build kept published because a newer one failed its checks, a build changed
    since) is searched like every DuckDB file."""
    from orchestration.publish import PUBLISHED_SCHEMAS

    schemas = ("bi",) if pii_free else PUBLISHED_SCHEMAS
    name = sql_identifier(build)
    con.execute("attach ? as _published (read_only)", [str(path)])
    try:
        if not (table_exists(con, "_published.meta.publication") and table_exists(con, f"{build}.audit.builds")):
            return None
        publication = con.execute("select build_id, published_at from _published.meta.publication").fetchall()
        latest = con.execute(f"select build_id, finished_at from {name}.audit.builds "
                             "order by started_at desc limit 1").fetchall()
        if len(publication) != 1 or not latest or latest[0][1] is None or publication[0][0] != latest[0][0]:
            return None

        def counts(database: str, where: str) -> dict[str, int]:
            tables = [f"{s}.{t}" for s, t in con.execute(
                f"select table_schema, table_name from information_schema.tables where table_catalog = ? {where}",
                [database]).fetchall()]
            return {t: con.execute(f"select count(*) from {sql_identifier(database)}.{t}").fetchall()[0][0]
                    for t in tables}

        in_schemas = f"and table_schema in ({', '.join(sql_literal(s) for s in schemas)})"
        rows = counts("_published", "and table_schema <> 'meta'")
        if {t: n for t, n in rows.items() if t.split(".")[0] in schemas} != counts(build, in_schemas):
            return None
        return Republication(path, pii_free, publication[0][0], publication[0][1], rows)
    finally:
        con.execute("detach _published")


def republish(build_db: Path, republication: Republication) -> dict[str, int]:
    """Write the serving file afresh from the build (which has lost their rows) as `crm publish` does, under its
    first publication's build id and time, and put it in place of the old one; return the rows fewer per table."""
    from orchestration.publish import publish, publish_pii_free

    path, build_id, published_at = republication.path, republication.build_id, republication.published_at
    if republication.pii_free:
        tables = publish_pii_free(build_db, path, build_id, published_at)
    else:
        tables = publish(build_db, path, build_id, published_at=published_at).tables
    _fsync_dir(path.parent)
    fewer = {table: republication.rows.get(table, 0) - count for table, count in tables.items()}
    return {table: count for table, count in fewer.items() if count > 0}


# --- the whole request ---------------------------------------------------------------------------------------


@dataclass
class ForgetReport:
    request_id: str
    customers: int
    records: int
    removed: dict[str, int]                  # place -> rows, lines or messages removed (0 included)
    suppressed_hashes: int
    remaining: list[Path] = field(default_factory=list)  # files still holding an identifier (should be none)
    # Their names that other people carry too (namesakes): neither redacted nor searched for afterwards.
    names_shared: int = 0


def duckdb_files(settings: Settings) -> list[Path]:
    """Every DuckDB file under the data folder, the build warehouse first (it is read to resolve the people)."""
    found = {p for p in settings.data_dir.rglob("*.duckdb") if p.is_file()}
    found |= {p for p in (settings.build_db, settings.serving_db, settings.bi_serving_db, settings.health_db)
              if p.exists()}
    return sorted(found, key=lambda p: (p != settings.build_db, str(p)))


def forget(settings: Settings, values: list[str], command: str) -> ForgetReport:
    from orchestration.landing_rewrite import rewrite_landing_files

    if not settings.suppression_salt:
        raise ForgetError(f"set {SUPPRESSION_SALT_ENV} (a secret kept like CRM_BI_HASH_SALT, the same on every "
                          "later run) first: without it the people could not be kept out of later loads")
    if not settings.build_db.exists():
        raise ForgetError(f"no warehouse at {settings.build_db}: nothing to forget from")
    targets = parse_targets(values, settings.default_phone_region)
    specs = all_sources()
    request_id = str(uuid.uuid4())
    removed: dict[str, int] = {}
    con = connect_build(settings.build_db)  # a warehouse another process holds is one line, not a traceback
    try:
        people = resolve_people(con, targets, specs, settings.suppression_salt)
        ensure_audit_tables(con)  # before the rows are found: rowids must stay as found until they are deleted
        con.execute(ERASURES_DDL)
        build = con.execute("select current_database()").fetchall()[0][0]
        find_rows(con, build, people)
        collect_row_keys(con, build, people, specs)  # the raw rows' keys, before the rows go
        hashes = people.hashes(settings.suppression_salt)
        # The list first: should anything below fail, a rerun finds the person again, and meanwhile no load
        # brings them back.
        now = datetime.now(UTC)
        # One statement: executemany inserts row by row (30 s for the 8,000 hashes of 100 people).
        con.execute(f"insert or ignore into {SUPPRESSIONS_TABLE} select unnest(?::varchar[]), ?, ?",
                    [sorted(hashes), request_id, now])
        con.execute("checkpoint")
        republished = {path: found for path, pii_free in ((settings.serving_db, False), (settings.bi_serving_db, True))
                       if path.exists() and (found := published_as_built(con, build, path, pii_free))}
        # The landing files are rewritten (in worker processes: pure Python) while DuckDB copies the build file
        # without their rows, the old file untouched until the copy replaces it, after the landing files: a rerun
        # after a failure before then still finds the person in the warehouse, and with them what the files hold.
        hash_changes: dict[str, str | None] = {}
        with ThreadPoolExecutor(max_workers=1) as landing_pool:
            landing = landing_pool.submit(rewrite_landing_files, settings.landing_dir, people, hash_changes)
            # (Should the copy fail, leaving the pool waits for the landing files, then the error is raised.)
            by_path = {settings.build_db: start_copy(con, build, settings.build_db, found=True)}
            # Their records are gone: a name the raw rows left still carry is a namesake's (another person's).
            shared_names = names_of_others(con, COPY_NAME, people.names)
            for place, count in landing.result().items():
                removed[f"landing/{place}"] = count
        people.names -= shared_names
        if hash_changes:
            con.executemany(f"update {COPY_NAME}.audit.loads set file_hash = ? where file_hash = ?",
                            [[new, old] for old, new in hash_changes.items() if new])
        finish_copy(con, settings.build_db)
    finally:
        con.close()
    # The serving files are republished from the rewritten build side by side, and meanwhile the other files are
    # searched: a file written alone leaves a core idle much of the time.
    with ThreadPoolExecutor(max_workers=max(len(republished), 1)) as pool:
        republishing = {path: pool.submit(republish, settings.build_db, found) for path, found in republished.items()}
        for path in duckdb_files(settings):
            place = str(path.relative_to(settings.data_dir)) if path.is_relative_to(settings.data_dir) else str(path)
            if path in republishing:
                counts = republishing[path].result()
                place += " (republished)"
            else:
                if path != settings.build_db:  # (the build file was copied above)
                    con = duckdb.connect()
                    try:
                        con.execute("attach ? as target", [str(path)])
                        by_path[path] = erase_from_database(con, "target", people)
                        con.execute("detach target")
                    finally:
                        con.close()
                    rewrite_duckdb_file(path)
                counts = by_path[path]
            removed |= {f"{place}: {table}": count for table, count in counts.items()}
            removed.setdefault(place, sum(counts.values()))
    for path in sorted(p for p in settings.data_dir.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES
                       and not p.is_relative_to(settings.landing_dir)):
        count = redact_text_file(path, people)
        if count:
            removed[f"{path.relative_to(settings.data_dir)} (occurrences redacted)"] = count
    for path in sorted(settings.data_dir.rglob("*.parquet")):
        count = erase_from_parquet(path, people)
        if count:
            removed[str(path.relative_to(settings.data_dir))] = count
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute(ERASURES_DDL)
        con.execute(f"insert into {ERASURES_TABLE} values (?, ?, ?, ?, ?)",
                    [request_id, datetime.now(UTC), _without_people(command, targets, settings.suppression_salt),
                     sorted(hashes), json.dumps(removed, sort_keys=True)])
    folders = [settings.data_dir] + ([] if settings.landing_dir.is_relative_to(settings.data_dir)
                                     else [settings.landing_dir])
    remaining = files_holding(folders, people)
    return ForgetReport(request_id, len(people.customer_ids), len(people.record_keys), removed, len(hashes),
                        remaining, len(shared_names))


def _without_people(command: str, targets: list[Target], salt: str) -> str:
    """The command as logged: each person given replaced by the hash of their identifier."""
    for target in sorted(targets, key=lambda t: len(t.given), reverse=True):
        command = command.replace(target.given, f"<{identifier_hash(salt, target.value)[:12]}>")
    return command
