"""Loading landing files into `raw.*` tables: every file loads whole or not at all, audited, nothing lost.

For a batch of files of one source (often a single file): the source's reader stages the parsed rows in a
temporary table `_staged` and the rows it could not parse in `_quarantine` (line number, raw text, reason),
both tagged with the file's index in the batch. The loader then checks per file that
rows read = rows staged + rows quarantined, adds lineage and normalised identifier columns, appends to
the raw table, writes `audit.quarantine` and one `audit.loads` row per file, and commits — or rolls
everything back. A file whose content was loaded before (under any name) through the same column map (or
none) is skipped; the same content read through a changed map loads again and supersedes the earlier load.

Why a batch of files in one transaction keeps each file atomic (the design asks for one transaction per file):
the guarantee that matters is that a file's rows land completely, with their audit row, or not at all, and
that a file's failure costs no other file. A committed batch lands every one of its files completely; a
killed process loses the whole open transaction, so no file of the batch has rows or an audit row and the
next run loads them all (content hashes are only recorded with the rows). When anything in a batch fails
(a rejected file, a lost row, an I/O error), the batch is rolled back and its files are loaded one by one,
each in its own transaction as before: the bad file is reported alone and the others load. Only when the
storage refuses the write (a full disk, a file size limit, permission denied), which every later write would
meet too, does the run stop there: the files committed before stay loaded, and the report names the cause and
every file not loaded. The per-file figures (rows read, loaded, quarantined, replacing earlier rows, extra
columns) and lineage columns are computed per file inside the batch and equal those of loading the file alone
(tested). What a batch buys: one multi-file read, one pass of checks and normalisation, one insert and one
commit instead of one per file — a file of under ~120k rows fills less than one DuckDB row group and ran on
one core.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from common.audit import ensure_audit_tables
from common.normalize import (
    normalize_email,
    normalize_phone,
    phone_region,
    phone_region_sql,
    simple_email_sql,
    simple_phone_sql,
)
from common.sql import sql_identifier, sql_literal, table_exists
from common.storage_errors import storage_failure
from common.suppression import SUPPRESSIONS_TABLE, MissingSalt, has_suppressions, hash_sql
from common.transactions import transaction
from ingestion.landing import LandingFile, discover
from ingestion.sources.base import FileRejected, ReadContext, SourceSpec

log = logging.getLogger(__name__)

# Bounds of a batch of files loaded in one transaction (see _load_source). At 100k people the 24 monthly
# Segment files (10-60 MB each) make 2 batches of ~0.5M events: several DuckDB row groups each, so every
# statement uses both cores. Each batch after the first appends to the raw table, which cost DuckDB about as much
# again as writing it (appends and the checkpoint): 4 batches of 256 MB took 10.9 s, 2 of 512 MB 8.3 s, at a peak
# of 1.4 and 2.0 GB. Staged rows beyond DuckDB's memory limit spill (tests/integration/test_memory_bound).
BATCH_MAX_FILES = 64
BATCH_MAX_BYTES = 512 * 2**20
# How much committed data may wait in the WAL during an ingest run (see _deferred_checkpoints).
WAL_CHECKPOINT_THRESHOLD = "1GB"


class RowCountMismatch(RuntimeError):
    """A reader lost rows: rows read != rows loaded + rows quarantined. The file is not loaded."""


@dataclass
class FileResult:
    source: str
    source_file: str
    # loaded | skipped | rejected | failed | would_load | not_loaded (the storage stopped the run before it loaded)
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    extra_columns: tuple[str, ...] = ()
    rows_replacing_earlier: int = 0
    load_id: str | None = None
    map_fingerprint: str | None = None
    # The most frequent quarantine reasons with their counts, most frequent first.
    quarantine_reasons: tuple[tuple[str, int], ...] = ()
    # What the reader has to say about the file (e.g. a mapped column that came out empty, and why).
    notes: tuple[str, ...] = ()
    # Earlier loads of the same content (read through another column map) this load superseded, and the raw
    # rows they had brought.
    superseded_loads: tuple[str, ...] = ()
    rows_superseded: int = 0
    # Rows dropped because they name a person on the suppression list (`crm forget`); not in rows_loaded.
    rows_suppressed: int = 0


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    # Why the run stopped before every file was loaded: the storage refused a write (one line naming the cause and
    # the file). The files it did not load are `not_loaded`.
    stopped_by: str | None = None

    def totals(self) -> dict[str, int]:
        totals = {
            "files_loaded": sum(f.status == "loaded" for f in self.files),
            "files_skipped": sum(f.status == "skipped" for f in self.files),
            "files_rejected": sum(f.status in {"rejected", "failed"} for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
            "rows_suppressed": sum(f.rows_suppressed for f in self.files),
        }
        if self.stopped_by:
            totals["files_not_loaded"] = sum(f.status == "not_loaded" for f in self.files)
        return totals


# A file's content hash and the fingerprint of the column map it is read through (None: no map).
ReadKey = tuple[str, str | None]
QUARANTINE_REASONS_REPORTED = 5


def _loaded_reads(con: duckdb.DuckDBPyConnection, source: str) -> set[ReadKey]:
    rows = con.execute(
        "select file_hash, map_fingerprint from audit.loads where source = ? and status = 'loaded'", [source]
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


def _finish_staging(con: duckdb.DuckDBPyConnection, spec: SourceSpec, context: ReadContext,
                    files: list[tuple[str, str, str]], loaded_at: datetime) -> None:
    """Add `<col>_normalized` (emails), `<col>_e164` (phones) and the lineage columns to `_staged`.

    `files` gives each staged file's (relative path, content hash, load id), by `_file_index`. Python
    (email-validator, libphonenumber) sees each distinct value once; DuckDB joins the results back and adds
    lineage in a single pass over the staged rows.
    """
    staged_columns = {r[0] for r in con.execute("describe _staged").fetchall()}
    source_region = spec.phone_region(context) if spec.phone_region else context.default_phone_region
    joins, new_columns = [], []
    for column in (c for c in spec.email_columns if c in staged_columns):
        alias = f"_m{len(joins)}"
        con.execute(f"""create or replace temp table {alias} as
                        select raw, {simple_email_sql('raw')} as normalized
                        from (select distinct "{column}" as raw from _staged where "{column}" is not null)""")
        _normalize_the_rest_in_python(con, alias, ["raw"], normalize_email)
        joins.append(f'left join {alias} on {alias}.raw = s."{column}"')
        new_columns.append(f'{alias}.normalized as "{column}_normalized"')
    for column, region_column in spec.phone_columns.items():
        if column not in staged_columns:
            continue
        has_region = region_column in staged_columns
        region_sql = f'"{region_column}"' if has_region else "null::varchar"
        alias = f"_m{len(joins)}"
        # Numbers in a common shape are normalised by DuckDB for all rows at once, the rest by libphonenumber
        # (once per distinct number and region hint), as for emails above.
        con.execute(f"""create or replace temp table {alias} as
                        select raw, region, case when _region is not null then {simple_phone_sql('raw', '_region')}
                                            end as normalized
                        from (select raw, region, {phone_region_sql('region', source_region)} as _region
                              from (select distinct "{column}" as raw, {region_sql} as region from _staged
                                    where "{column}" is not null))""")
        _normalize_the_rest_in_python(con, alias, ["raw", "region"],
                                      lambda raw, region: normalize_phone(raw, phone_region(region, source_region)))
        region_match = f' and {alias}.region is not distinct from s."{region_column}"' if has_region else ""
        joins.append(f'left join {alias} on {alias}.raw = s."{column}"{region_match}')
        new_columns.append(f'{alias}.normalized as "{column}_e164"')
    con.execute("create or replace temp table _batch_files "
                "(_file_index integer, _source_file varchar, _file_hash varchar, _load_id varchar)")
    if files:
        con.executemany("insert into _batch_files values (?, ?, ?, ?)",
                        [[index, *file] for index, file in enumerate(files)])
    lineage = [f"{sql_literal(spec.family)} as _source", "b._source_file", "b._file_hash", "b._load_id",
               f"{sql_literal(loaded_at.isoformat())}::timestamptz as _loaded_at"]
    # A view, not a table: the raw insert reads it directly, saving a full copy of the staged rows.
    con.execute(f"create or replace temp view _final as "
                f"select s.* exclude (_file_index), {', '.join(new_columns + lineage)} "
                f"from _staged s join _batch_files b on b._file_index = s._file_index {' '.join(joins)}")


def _normalize_the_rest_in_python(con: duckdb.DuckDBPyConnection, mapping_table: str, keys: list[str],
                                  normalize: Callable[..., str | None]) -> None:
    """Fill in `normalized` where the SQL fast path left it NULL: `normalize(*keys)` (email-validator,
    libphonenumber) once per such row of the mapping table."""
    rows = con.execute(f"select {', '.join(keys)} from {mapping_table} where normalized is null").fetchall()
    if not rows:
        return
    # The values go back as list parameters, unnested by DuckDB: no DataFrame to build (a pandas frame of
    # string columns cost 15-30 ms per call, most of a small source's Python time).
    values = [*zip(*rows, strict=True), [normalize(*row) for row in rows]]
    columns = ", ".join(f"unnest(?::varchar[]) as {name}" for name in [*keys, "normalized"])
    match = " and ".join(f"{mapping_table}.{key} is not distinct from u.{key}" for key in keys)
    con.execute(f"update {mapping_table} set normalized = u.normalized from (select {columns}) u where {match}",
                [list(v) for v in values])


def _append_to_raw(con: duckdb.DuckDBPyConnection, raw_table: str) -> None:
    """Append `_final` to the raw table, creating it or adding columns a newer export brought."""
    if not table_exists(con, f"raw.{raw_table}"):
        con.execute(f'create table raw."{raw_table}" as select * from _final')
        return
    _add_missing_columns(con, raw_table)
    con.execute(f'insert into raw."{raw_table}" by name select * from _final')


def _add_missing_columns(con: duckdb.DuckDBPyConnection, raw_table: str) -> None:
    """Add the columns of `_final` the raw table lacks (NULL in its existing rows)."""
    existing = {r[0] for r in con.execute(f"describe raw.{sql_identifier(raw_table)}").fetchall()}
    for name, dtype, *_ in con.execute("describe _final").fetchall():
        if name not in existing:
            log.warning("raw.%s: new column %s (%s) added", raw_table, name, dtype)
            con.execute(f"alter table raw.{sql_identifier(raw_table)} add column {sql_identifier(name)} {dtype}")


def _by_file(con: duckdb.DuckDBPyConnection, query: str, files: int, default):
    """A `select _file_index, value ... group by` query's values as a list by file index."""
    values = dict(con.execute(query).fetchall())
    return [values.get(index, default) for index in range(files)]


def _rows_replacing_earlier(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: int) -> list[int]:
    """For a replace_by_key source: per file, how many rows carry a key an earlier load brought — an earlier
    load is a committed one or an earlier file of this batch, as when the files are loaded one by one."""
    load_mode, raw_table = spec.load_mode, spec.raw_table
    if load_mode.mode != "replace_by_key":
        return [0] * files
    key = ", ".join(f'"{column}"' for column in load_mode.key)
    in_raw = f'({key}) in (select ({key}) from raw."{raw_table}")' if table_exists(con, f"raw.{raw_table}") else "false"
    key_present = " and ".join(f'"{column}" is not null' for column in load_mode.key)
    return _by_file(con, f"""select _file_index, count(*) from (
                                 select _file_index, {in_raw} as in_raw,
                                        {key_present} and min(_file_index) over (partition by {key}) < _file_index
                                            as in_earlier_file
                                 from _staged)
                             where in_raw or in_earlier_file group by all""", files, 0)


def _extra_columns(con: duckdb.DuckDBPyConnection, files: int) -> list[tuple[str, ...]]:
    """Schema drift: per file, the names of the columns it brought that went into `_extra`."""
    if "_extra" not in {r[0] for r in con.execute("describe _staged").fetchall()}:
        return [()] * files
    names = _by_file(con, """select _file_index, list(distinct name order by name)
                             from (select _file_index, unnest(json_keys(_extra)) as name
                                   from _staged where _extra is not null)
                             group by all""", files, [])
    return [tuple(n) for n in names]


def _apply_row_checks(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Move rows failing a check from `_staged` to `_quarantine` (the first failing check gives the reason).

    Almost every file passes every check, so one read-only scan decides whether anything must move; rewriting
    the staged rows per check doubled the load time of wide sources such as web events.
    """
    if not spec.row_checks:
        return
    any_bad = " or ".join(f"coalesce({c.bad_when}, false)" for c in spec.row_checks)
    if not con.execute(f"select exists (select 1 from _staged where {any_bad})").fetchall()[0][0]:
        return
    reason = "case " + " ".join(
        f"when coalesce({c.bad_when}, false) then {sql_literal(c.reason)}" for c in spec.row_checks
    ) + " end"
    # The record as staged, without the batch's file index: the same text as when the file loads alone.
    record = "{" + ", ".join(
        f"{sql_literal(name)}: s.{sql_identifier(name)}"
        for name, *_ in con.execute("describe _staged").fetchall() if name != "_file_index"
    ) + "}"
    con.execute(f"insert into _quarantine (line_number, raw_record, reason, _file_index) "
                f"select _record_number, to_json({record}), {reason}, _file_index from _staged s where {any_bad}")
    con.execute(f"delete from _staged where {any_bad}")


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec], context: ReadContext) -> None:
    """Give every source a raw table with every column its loader writes, so the dbt project always builds:
    an empty table for a source without files yet, and the missing columns (NULL in existing rows) for a table
    an older release created, as appending a newer file would add them.

    The schema comes from running the source's own reader over an empty file: it is defined in one place.
    """
    assert context.scratch_dir is not None
    for spec in specs:
        suffix = Path(spec.patterns[0]).suffix or ".txt"
        empty = context.scratch_dir / f"empty-{spec.name}{suffix}"
        empty.touch()
        with transaction(con):
            _start_staging(con)
            spec.reader.stage(con, [empty], context)
            _finish_staging(con, spec, context, [], datetime.now(UTC))
            if table_exists(con, f"raw.{spec.raw_table}"):
                _add_missing_columns(con, spec.raw_table)
            else:
                con.execute(f"create table raw.{sql_identifier(spec.raw_table)} as select * from _final limit 0")


def _start_staging(con: duckdb.DuckDBPyConnection) -> None:
    # Staged rows keep the order they were read in: their record numbers come from it (_number_records).
    con.execute("set preserve_insertion_order = true")
    con.execute("drop table if exists _staged; drop table if exists _quarantine; drop table if exists _read_notes")
    con.execute("create temp table _quarantine "
                "(line_number bigint, raw_record varchar, reason varchar, _file_index integer)")
    con.execute("create temp table _read_notes (_file_index integer, note varchar)")


def load_file(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    landing_file: LandingFile,
    context: ReadContext,
    dry_run: bool = False,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> FileResult:
    """Load one file in one transaction. `before_commit` runs inside it (e.g. to advance an IMAP cursor, so the
    cursor moves if and only if the rows land)."""
    started_at = datetime.now(UTC)
    try:
        return _load_together(con, spec, [landing_file], context, dry_run, before_commit)[0]
    except Exception as exc:
        if _must_stop_the_run(exc, [landing_file]):
            raise
        # rejected: the file's content is unusable as it is (fix and re-export); failed: worth retrying.
        result = FileResult(spec.name, landing_file.relative_path,
                            "rejected" if isinstance(exc, (FileRejected, UnicodeDecodeError)) else "failed",
                            error=str(exc).splitlines()[0][:500], load_id=str(uuid.uuid4()),
                            map_fingerprint=spec.reader.map_fingerprint(landing_file.path, context))
        log.error("%s: %s %s", landing_file.relative_path, result.status, result.error)
        if not dry_run:
            with transaction(con):
                _record_load(con, spec, landing_file, result, started_at)
        return result


def load_batch(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: list[LandingFile], context: ReadContext,
               dry_run: bool = False) -> list[FileResult]:
    """Load files of one source in one transaction; if anything fails, roll back and load them one by one
    (see the module docstring for why each file stays atomic)."""
    if len(files) == 1:
        return [load_file(con, spec, files[0], context, dry_run=dry_run)]
    try:
        return _load_together(con, spec, files, context, dry_run)
    except Exception as exc:
        if _must_stop_the_run(exc, files):
            raise
        log.info("%s: %d files loaded together failed (%s); loading them one by one", spec.name, len(files),
                 str(exc).splitlines()[0][:200])
        return [load_file(con, spec, landing_file, context, dry_run=dry_run) for landing_file in files]


def _must_stop_the_run(exc: Exception, files: list[LandingFile]) -> bool:
    """No file can load, so none is tried alone or recorded as failed: another process holds the warehouse, or the
    storage refuses a write (a full disk, permission denied: every later write would fail alike). A landing file
    the loader may not read is that file's failure alone."""
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return True
    refused = storage_failure(exc)
    return refused is not None and refused.path not in {str(f.path) for f in files}


def _load_together(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: list[LandingFile],
                   context: ReadContext, dry_run: bool,
                   before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> list[FileResult]:
    """Load files in one transaction, all or none; raise (after rolling back) if any file cannot load."""
    load_ids = [str(uuid.uuid4()) for _ in files]
    started_at = datetime.now(UTC)
    results = [FileResult(spec.name, f.relative_path, "loaded", load_id=load_id,
                          map_fingerprint=spec.reader.map_fingerprint(f.path, context))
               for f, load_id in zip(files, load_ids, strict=True)]
    # Staging, the row checks and the counts touch only this connection's temp tables, so they run before the
    # transaction: inside one, DuckDB held a mailbox's staged rows (inserted a chunk of messages at a time) in memory
    # past memory_limit, +1.2 MB per 1,000 messages; committed as they come, they spill to disk like any table.
    _start_staging(con)
    rows_read = spec.reader.stage(con, [f.path for f in files], context, [f.line_count for f in files])
    _apply_row_checks(con, spec)
    count = "select _file_index, count(*) from {} group by all"
    rows_loaded = _by_file(con, count.format("_staged"), len(files), 0)
    rows_quarantined = _by_file(con, count.format("_quarantine"), len(files), 0)
    for result, landing_file, read, loaded, quarantined, extra, reasons, notes in zip(
            results, files, rows_read, rows_loaded, rows_quarantined, _extra_columns(con, len(files)),
            _quarantine_reasons(con, len(files)), _notes(con, len(files)), strict=True):
        if read != loaded + quarantined:
            raise RowCountMismatch(f"{landing_file.relative_path}: read {read} rows but staged {loaded} "
                                   f"and quarantined {quarantined}")
        result.rows_read, result.rows_loaded, result.rows_quarantined = read, loaded, quarantined
        result.extra_columns, result.quarantine_reasons, result.notes = extra, reasons, notes
        for note in notes:  # often expected (an export without an optional column): `crm import` shows them
            log.info("%s: %s", landing_file.relative_path, note)
        if extra:
            log.warning("%s: columns kept in _extra (no loader column takes them): %s",
                        landing_file.relative_path, ", ".join(extra))
    if dry_run:
        for result in results:
            result.status = "would_load"
        return results
    with transaction(con):
        for result, (loads, rows) in zip(results, _supersede_earlier_loads(con, spec, files, load_ids), strict=True):
            result.superseded_loads, result.rows_superseded = loads, rows
        lineage = [(f.relative_path, f.content_hash, load_id) for f, load_id in zip(files, load_ids, strict=True)]
        _finish_staging(con, spec, context, lineage, started_at)
        for result, suppressed in zip(results, _drop_suppressed_rows(con, spec, context, len(files)), strict=True):
            result.rows_loaded -= suppressed
            result.rows_suppressed = suppressed
        for result, replacing in zip(results, _rows_replacing_earlier(con, spec, len(files)), strict=True):
            result.rows_replacing_earlier = replacing
        _append_to_raw(con, spec.raw_table)
        con.execute(
            """insert into audit.quarantine
               select b._load_id, ?, b._source_file, q.line_number, q.raw_record, q.reason, ?
               from _quarantine q join _batch_files b on b._file_index = q._file_index""",
            [spec.name, started_at],
        )
        for result, landing_file in zip(results, files, strict=True):
            _record_load(con, spec, landing_file, result, started_at)
        if before_commit:
            before_commit(con)
    return results


# Besides a source's normalised emails and phones and its key: the columns that name a person or one of their
# records in any source that has them (an erased person's record ids are on the suppression list too).
PERSON_ID_COLUMNS = ("contact_id", "user_id", "anonymous_id", "previous_id", "deal_id", "order_id")


def _drop_suppressed_rows(con: duckdb.DuckDBPyConnection, spec: SourceSpec, context: ReadContext,
                          files: int) -> list[int]:
    """Drop the staged rows whose normalised email, phone or id hashes to an entry of the suppression list; return
    how many per file. Runs on `_final` (after normalisation), so an address written in any case or a number in any
    format is recognised as the loader itself would store it."""
    if not has_suppressions(con):
        return [0] * files
    if not context.suppression_salt:
        raise MissingSalt("the suppression list (crm forget) needs CRM_SUPPRESSION_SALT in the environment: "
                          "nothing is loaded without it, or erased people would come back")
    columns = {r[0] for r in con.execute("describe _final").fetchall()}
    checked = [f"{c}_normalized" for c in spec.email_columns] + [f"{c}_e164" for c in spec.phone_columns]
    checked += [*spec.load_mode.key, *PERSON_ID_COLUMNS]
    checked = [c for c in dict.fromkeys(checked) if c in columns]
    if not checked:
        return [0] * files
    matches = " or ".join(f"{hash_sql(f'f.{sql_identifier(c)}')} in (select identifier_hash from {SUPPRESSIONS_TABLE})"
                          for c in checked)
    con.execute(f"""create or replace temp table _suppressed as
                    select b._file_index, f._record_number
                    from _final f join _batch_files b on b._load_id = f._load_id
                    where {matches}""", [context.suppression_salt] * len(checked))
    counts = _by_file(con, "select _file_index, count(*) from _suppressed group by all", files, 0)
    if any(counts):
        con.execute("""delete from _staged using _suppressed s
                       where _staged._file_index = s._file_index and _staged._record_number = s._record_number""")
    return counts


def _record_load(con, spec, landing_file, result, started_at) -> None:
    con.execute(
        """insert into audit.loads (load_id, source, source_file, file_hash, file_size_bytes, rows_read, rows_loaded,
                                    rows_quarantined, status, error, started_at, finished_at, extra_columns,
                                    rows_replacing_earlier, map_fingerprint, rows_suppressed)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            result.load_id, spec.name, landing_file.relative_path, landing_file.content_hash,
            landing_file.size_bytes, result.rows_read, result.rows_loaded, result.rows_quarantined, result.status,
            result.error, started_at, datetime.now(UTC), ", ".join(result.extra_columns) or None,
            result.rows_replacing_earlier, result.map_fingerprint, result.rows_suppressed,
        ],
    )


def _supersede_earlier_loads(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: list[LandingFile],
                             load_ids: list[str]) -> list[tuple[tuple[str, ...], int]]:
    """Inside the load's transaction: earlier loads of these files' content (read through another column map,
    or the file would have been skipped) are replaced. Their rows leave the raw table and audit.quarantine, and
    their audit.loads rows become `superseded`, naming the load that replaced them. Returns per file the loads
    superseded and the raw rows removed."""
    superseded: list[tuple[tuple[str, ...], int]] = [((), 0)] * len(files)
    load_of_hash = {f.content_hash: (index, load_id)
                    for index, (f, load_id) in enumerate(zip(files, load_ids, strict=True))}
    earlier = con.execute(
        "select load_id, file_hash from audit.loads where source = ? and status = 'loaded' "
        "and file_hash in (select unnest(?::varchar[]))", [spec.name, list(load_of_hash)]).fetchall()
    if not earlier:
        return superseded
    has_raw = table_exists(con, f"raw.{spec.raw_table}")
    for earlier_load_id, file_hash in earlier:
        index, load_id = load_of_hash[file_hash]
        removed = con.execute(f"delete from raw.{sql_identifier(spec.raw_table)} where _load_id = ?",
                              [earlier_load_id]).fetchall()[0][0] if has_raw else 0
        loads, rows = superseded[index]
        superseded[index] = ((*loads, earlier_load_id), rows + removed)
        con.execute("delete from audit.quarantine where load_id = ?", [earlier_load_id])
        con.execute("update audit.loads set status = 'superseded', superseded_by = ? where load_id = ?",
                    [load_id, earlier_load_id])
        log.info("%s: load %s of the same content superseded by %s", files[index].relative_path, earlier_load_id,
                 load_id)
    return superseded


def _quarantine_reasons(con: duckdb.DuckDBPyConnection, files: int) -> list[tuple[tuple[str, int], ...]]:
    """Per file: the most frequent reasons its records were quarantined for, with their counts."""
    reasons: list[list[tuple[str, int]]] = [[] for _ in range(files)]
    for file_index, reason, count in con.execute(
            """select _file_index, reason, n from (
                   select _file_index, reason, n,
                          row_number() over (partition by _file_index order by n desc, reason) as rank
                   from (select _file_index, reason, count(*) as n from _quarantine group by _file_index, reason))
               where rank <= ? order by _file_index, rank""", [QUARANTINE_REASONS_REPORTED]).fetchall():
        reasons[file_index].append((reason, count))
    return [tuple(r) for r in reasons]


def _notes(con: duckdb.DuckDBPyConnection, files: int) -> list[tuple[str, ...]]:
    notes: list[list[str]] = [[] for _ in range(files)]
    for file_index, note in con.execute("select _file_index, note from _read_notes order by rowid").fetchall():
        notes[file_index].append(note)
    return [tuple(n) for n in notes]


@contextmanager
def _deferred_checkpoints(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Checkpoint once after the run instead of after (nearly) every file's commit.

    With DuckDB's default 16 MB WAL threshold each file's commit also checkpointed, recompressing the raw
    table's partly filled row groups every time: 43% of a web-events load. Commits stay durable through the WAL.
    """
    threshold = con.execute("select current_setting('checkpoint_threshold')").fetchall()[0][0]
    con.execute(f"set checkpoint_threshold = '{WAL_CHECKPOINT_THRESHOLD}'")
    try:
        yield
    except BaseException:
        # The run's own error goes on: after a write the storage refused, the database may refuse this statement
        # too, and a checkpoint would only fail again and hide it. The committed files wait in the WAL.
        with contextlib.suppress(duckdb.Error):
            con.execute(f"set checkpoint_threshold = '{threshold}'")
        raise
    con.execute(f"set checkpoint_threshold = '{threshold}'")
    con.execute("checkpoint")


def ingest(
    con: duckdb.DuckDBPyConnection,
    specs: list[SourceSpec],
    landing_dir: Path,
    context: ReadContext | None = None,
    dry_run: bool = False,
    progress: Callable[[FileResult], None] | None = None,
    file_filter: Callable[[LandingFile], bool] | None = None,
    table_specs: list[SourceSpec] | None = None,
) -> IngestReport:
    """Load every new file of every source (or those `file_filter` keeps). Safe to re-run: content loaded with
    the same column map (or none) is skipped. Afterwards every source of `table_specs` (default: `specs`) has
    its raw table, whichever families loaded. Should the storage refuse a write, the run stops: the report says
    why (`stopped_by`) and still gives every file an outcome."""
    report = IngestReport()
    # What each source loaded before, read up front: should the storage stop the run, the files it did not reach
    # are still told apart (loaded before, or not loaded) without asking a database that may refuse every query.
    done: dict[str, set[ReadKey]] = {}
    discovered: dict[str, list[LandingFile]] = {}

    def files_of(spec: SourceSpec) -> list[LandingFile]:
        if spec.name not in discovered:
            discovered[spec.name] = [f for f in discover(landing_dir, spec.patterns)
                                     if file_filter is None or file_filter(f)]
        return discovered[spec.name]

    def tell(result: FileResult) -> None:
        report.files.append(result)
        if progress:
            progress(result)

    with tempfile.TemporaryDirectory(prefix="crm-ingest-") as scratch:
        context = (context or ReadContext()).for_run(Path(scratch), landing_dir)
        try:
            ensure_audit_tables(con)
            done.update((spec.name, _loaded_reads(con, spec.name)) for spec in specs)
            with _deferred_checkpoints(con):
                for spec in specs:
                    for result in _load_source(con, spec, files_of(spec), context, dry_run, done[spec.name]):
                        tell(result)
                if not dry_run:
                    ensure_raw_tables(con, specs if table_specs is None else table_specs, context)
        except Exception as exc:
            refused = storage_failure(exc)
            if refused is None:
                raise
            # The files committed before stay loaded; the batch being written and every file after it are not.
            log.info("ingestion stopped: %s", refused)  # the report says it, with every file's outcome
            report.stopped_by = refused.message
            told = {(r.source, r.source_file) for r in report.files}
            for spec in specs:
                for landing_file in files_of(spec):
                    if (spec.name, landing_file.relative_path) in told:
                        continue
                    fingerprint = spec.reader.map_fingerprint(landing_file.path, context)
                    loaded_before = (landing_file.content_hash, fingerprint) in done.get(spec.name, set())
                    tell(FileResult(spec.name, landing_file.relative_path, "skipped" if loaded_before else "not_loaded",
                                    error=None if loaded_before else f"not loaded: {refused}",
                                    map_fingerprint=fingerprint))
    return report


def _load_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: list[LandingFile], context: ReadContext,
                 dry_run: bool, done: set[ReadKey]) -> Iterator[FileResult]:
    """Load a source's new files in discovery order, consecutive files with the same batch key together (up to
    BATCH_MAX_FILES files and BATCH_MAX_BYTES bytes, so a batch's staged rows stay bounded).

    A file its reader cannot read with others (an empty file, one needing a column map, a mailbox) loads alone;
    a copy of a file earlier in the run waits for that file's result and is then skipped or loaded. `done` holds
    the source's reads loaded before; the files this run loads are added to it.
    """
    batch: list[LandingFile] = []
    batch_key = None

    def load(landing_files: list[LandingFile]) -> list[FileResult]:
        results = load_batch(con, spec, landing_files, context, dry_run)
        done.update((f.content_hash, r.map_fingerprint)
                    for f, r in zip(landing_files, results, strict=True) if r.status == "loaded")
        return results

    for landing_file in files:
        fingerprint = spec.reader.map_fingerprint(landing_file.path, context)
        read = (landing_file.content_hash, fingerprint)
        if read in done:
            yield FileResult(spec.name, landing_file.relative_path, "skipped", map_fingerprint=fingerprint)
            continue
        # A file read through a column map loads alone (its map may number its rows, and supersede an earlier
        # load of the same content).
        key = None if fingerprint else spec.reader.batch_key(landing_file.path)
        if (batch and key is not None and key == batch_key and len(batch) < BATCH_MAX_FILES
                and sum(f.size_bytes for f in batch) + landing_file.size_bytes <= BATCH_MAX_BYTES
                and all(f.content_hash != landing_file.content_hash for f in batch)):
            batch.append(landing_file)
            continue
        if batch:
            yield from load(batch)
            batch = []
        if read in done:  # a copy of a file just loaded
            yield FileResult(spec.name, landing_file.relative_path, "skipped", map_fingerprint=fingerprint)
        elif key is None:
            yield from load([landing_file])
        else:
            batch, batch_key = [landing_file], key
    if batch:
        yield from load(batch)
