"""Loading landing files into `raw.*` tables: one transaction per file, audited, nothing lost.

For every file: the source's reader stages the parsed rows in a temporary table `_staged` and the rows it
could not parse in `_quarantine` (line number, raw text, reason). The loader then checks that
rows read = rows staged + rows quarantined, adds lineage and normalised identifier columns, appends to
the raw table, writes `audit.quarantine` and `audit.loads`, and commits — or rolls everything back.
A file whose content hash was loaded before (under any name) is skipped.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import phonenumbers

from ingestion.landing import LandingFile, discover
from ingestion.load_modes import declared_load_modes
from ingestion.normalize import normalize_email, normalize_phone, simple_email_sql
from ingestion.sources.base import FileRejected, ReadContext, SourceSpec

log = logging.getLogger(__name__)

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.loads (
    load_id varchar primary key,
    source varchar not null,
    source_file varchar not null,
    file_hash varchar not null,
    file_size_bytes bigint,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    status varchar not null,          -- loaded | rejected (unusable content) | failed (worth retrying)
    error varchar,
    started_at timestamptz not null,
    finished_at timestamptz
);
-- Added after the first release: columns a newer export brought that no loader column takes (kept in _extra).
alter table audit.loads add column if not exists extra_columns varchar;
-- Rows of a replace_by_key source whose key an earlier load already brought (staging keeps the newest).
alter table audit.loads add column if not exists rows_replacing_earlier bigint;
create table if not exists audit.quarantine (
    load_id varchar not null,
    source varchar not null,
    source_file varchar not null,
    line_number bigint,
    raw_record varchar,
    reason varchar not null,
    quarantined_at timestamptz not null
);
"""


# Files of one source loaded at once (see _load_source); the machine this is tuned on has two cores.
FILE_WORKERS = min(os.cpu_count() or 1, 4)
# How much committed data may wait in the WAL during an ingest run (see _deferred_checkpoints).
WAL_CHECKPOINT_THRESHOLD = "1GB"


class RowCountMismatch(RuntimeError):
    """A reader lost rows: rows read != rows loaded + rows quarantined. The file is not loaded."""


@dataclass
class FileResult:
    source: str
    source_file: str
    status: str  # loaded | skipped | rejected | failed | would_load
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    extra_columns: tuple[str, ...] = ()
    rows_replacing_earlier: int = 0


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {
            "files_loaded": sum(f.status == "loaded" for f in self.files),
            "files_skipped": sum(f.status == "skipped" for f in self.files),
            "files_rejected": sum(f.status in {"rejected", "failed"} for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }


def ensure_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)


def _loaded_hashes(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    rows = con.execute(
        "select file_hash from audit.loads where source = ? and status = 'loaded'", [source]
    ).fetchall()
    return {r[0] for r in rows}


def _finish_staging(con: duckdb.DuckDBPyConnection, spec: SourceSpec, context: ReadContext, relative_path: str,
                    content_hash: str, load_id: str, loaded_at: datetime) -> None:
    """Add `<col>_normalized` (emails), `<col>_e164` (phones) and the lineage columns to `_staged`.

    Python (email-validator, libphonenumber) sees each distinct value once; DuckDB joins the results back and
    adds lineage in a single pass over the staged rows.
    """
    staged_columns = {r[0] for r in con.execute("describe _staged").fetchall()}
    source_region = spec.phone_region(context) if spec.phone_region else context.default_phone_region
    joins, new_columns = [], []
    for column in (c for c in spec.email_columns if c in staged_columns):
        alias = f"_m{len(joins)}"
        con.execute(f"""create or replace temp table {alias} as
                        select raw, {simple_email_sql('raw')} as normalized
                        from (select distinct "{column}" as raw from _staged where "{column}" is not null)""")
        unusual = [r[0] for r in con.execute(f"select raw from {alias} where normalized is null").fetchall()]
        if unusual:
            con.register("_unusual_emails", pd.DataFrame(
                {"raw": unusual, "normalized": [normalize_email(v) for v in unusual]}, dtype="string"))
            con.execute(f"update {alias} set normalized = u.normalized from _unusual_emails u "
                        f"where {alias}.raw = u.raw")
            con.unregister("_unusual_emails")
        joins.append(f'left join {alias} on {alias}.raw = s."{column}"')
        new_columns.append(f'{alias}.normalized as "{column}_normalized"')
    for column, region_column in spec.phone_columns.items():
        if column not in staged_columns:
            continue
        has_region = region_column in staged_columns
        region_sql = f'"{region_column}"' if has_region else "null"
        pairs = con.execute(f'select distinct "{column}", {region_sql} from _staged').fetchall()
        mapping = pd.DataFrame(
            {"raw": [p[0] for p in pairs], "region": [p[1] for p in pairs],
             "normalized": [normalize_phone(p[0], _region(p[1], source_region)) for p in pairs]},
            dtype="string",
        )
        alias = f"_m{len(joins)}"
        _mapping_table(con, alias, mapping)
        region_match = f' and {alias}.region is not distinct from s."{region_column}"' if has_region else ""
        joins.append(f'left join {alias} on {alias}.raw = s."{column}"{region_match}')
        new_columns.append(f'{alias}.normalized as "{column}_e164"')
    lineage = [f"{_literal(spec.family)} as _source", f"{_literal(relative_path)} as _source_file",
               f"{_literal(content_hash)} as _file_hash", f"{_literal(load_id)} as _load_id",
               f"{_literal(loaded_at.isoformat())}::timestamptz as _loaded_at"]
    # A view, not a table: the raw insert reads it directly, saving a full copy of the staged rows.
    con.execute(f"create or replace temp view _final as select s.*, {', '.join(new_columns + lineage)} "
                f"from _staged s {' '.join(joins)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _mapping_table(con: duckdb.DuckDBPyConnection, name: str, mapping: pd.DataFrame) -> None:
    con.register("_mapping_frame", mapping)
    con.execute(f"create or replace temp table {name} as select distinct * from _mapping_frame")
    con.unregister("_mapping_frame")


def _region(hint: str | None, fallback: str) -> str:
    """An ISO country from a country column (`JP`) or a locale (`ja-JP`, `en_GB`), else the fallback."""
    country = (hint or "").strip().replace("_", "-").split("-")[-1].upper()
    return country if country in phonenumbers.SUPPORTED_REGIONS else fallback


def _append_to_raw(con: duckdb.DuckDBPyConnection, raw_table: str) -> None:
    """Append `_final` to the raw table, creating it or adding columns a newer export brought."""
    if not _raw_table_exists(con, raw_table):
        con.execute(f'create table raw."{raw_table}" as select * from _final')
        return
    existing = {r[0] for r in con.execute(f'describe raw."{raw_table}"').fetchall()}
    for name, dtype, *_ in con.execute("describe _final").fetchall():
        if name not in existing:
            log.warning("raw.%s: new column %s (%s) added", raw_table, name, dtype)
            con.execute(f'alter table raw."{raw_table}" add column "{name}" {dtype}')
    con.execute(f'insert into raw."{raw_table}" by name select * from _final')


def _rows_replacing_earlier(con: duckdb.DuckDBPyConnection, raw_table: str) -> int:
    """For a replace_by_key source: how many of this file's rows carry a key an earlier load brought."""
    load_mode = declared_load_modes().get(raw_table)
    if load_mode is None or load_mode.mode != "replace_by_key" or not _raw_table_exists(con, raw_table):
        return 0
    key = ", ".join(f'"{column}"' for column in load_mode.key)
    return con.execute(
        f'select count(*) from _final where ({key}) in (select ({key}) from raw."{raw_table}")'
    ).fetchall()[0][0]


def _extra_columns(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Schema drift: the names of the columns a file brought that went into `_extra`."""
    if "_extra" not in {r[0] for r in con.execute("describe _staged").fetchall()}:
        return ()
    rows = con.execute(
        "select distinct unnest(json_keys(_extra)) from _staged where _extra is not null order by 1"
    ).fetchall()
    return tuple(r[0] for r in rows)


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
        f"when coalesce({c.bad_when}, false) then '{c.reason.replace(chr(39), chr(39) * 2)}'" for c in spec.row_checks
    ) + " end"
    con.execute(f"insert into _quarantine select _record_number, to_json(s), {reason} from _staged s where {any_bad}")
    con.execute(f"delete from _staged where {any_bad}")


def _raw_table_exists(con: duckdb.DuckDBPyConnection, raw_table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [raw_table],
    ).fetchall()[0][0] > 0


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec], context: ReadContext) -> None:
    """Create an empty raw table for every source that has no file yet, so the dbt project always builds.

    The schema comes from running the source's own reader over an empty file: it is defined in one place.
    """
    assert context.scratch_dir is not None
    for spec in specs:
        if _raw_table_exists(con, spec.raw_table):
            continue
        suffix = Path(spec.patterns[0]).suffix or ".txt"
        empty = context.scratch_dir / f"empty-{spec.name}{suffix}"
        empty.touch()
        con.execute("begin transaction")
        try:
            con.execute("drop table if exists _staged; drop table if exists _quarantine")
            con.execute("create temp table _quarantine (line_number bigint, raw_record varchar, reason varchar)")
            spec.reader(con, empty, context)
            _finish_staging(con, spec, context, "", "", "", datetime.now(UTC))
            con.execute(f'create table raw."{spec.raw_table}" as select * from _final limit 0')
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise


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
    load_id = str(uuid.uuid4())
    started_at = datetime.now(UTC)
    result = FileResult(spec.name, landing_file.relative_path, "loaded")
    con.execute("begin transaction")
    try:
        con.execute("drop table if exists _staged; drop table if exists _quarantine")
        con.execute(
            "create temp table _quarantine (line_number bigint, raw_record varchar, reason varchar)"
        )
        rows_read = spec.reader(con, landing_file.path, context)
        _apply_row_checks(con, spec)
        rows_loaded = con.execute("select count(*) from _staged").fetchall()[0][0]
        rows_quarantined = con.execute("select count(*) from _quarantine").fetchall()[0][0]
        if rows_read != rows_loaded + rows_quarantined:
            raise RowCountMismatch(
                f"{landing_file.relative_path}: read {rows_read} rows but staged {rows_loaded} "
                f"and quarantined {rows_quarantined}"
            )
        result.rows_read, result.rows_loaded, result.rows_quarantined = rows_read, rows_loaded, rows_quarantined
        result.extra_columns = _extra_columns(con)
        if result.extra_columns:
            log.warning("%s: columns kept in _extra (no loader column takes them): %s",
                        landing_file.relative_path, ", ".join(result.extra_columns))
        if dry_run:
            con.execute("rollback")
            result.status = "would_load"
            return result
        _finish_staging(con, spec, context, landing_file.relative_path, landing_file.content_hash, load_id,
                        started_at)
        result.rows_replacing_earlier = _rows_replacing_earlier(con, spec.raw_table)
        _append_to_raw(con, spec.raw_table)
        con.execute(
            """insert into audit.quarantine
               select ?, ?, ?, line_number, raw_record, reason, ? from _quarantine""",
            [load_id, spec.name, landing_file.relative_path, started_at],
        )
        _record_load(con, load_id, spec, landing_file, result, started_at)
        if before_commit:
            before_commit(con)
        con.execute("commit")
    except Exception as exc:
        con.execute("rollback")
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise
        if isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower():
            raise  # another connection of this run changed the raw table: the caller retries the file
        # rejected: the file's content is unusable as it is (fix and re-export); failed: worth retrying.
        result.status = "rejected" if isinstance(exc, (FileRejected, UnicodeDecodeError)) else "failed"
        result.error = str(exc).splitlines()[0][:500]
        log.error("%s: %s %s", landing_file.relative_path, result.status, result.error)
        if not dry_run:
            con.execute("begin transaction")
            _record_load(con, load_id, spec, landing_file, result, started_at)
            con.execute("commit")
    return result


def _record_load(con, load_id, spec, landing_file, result, started_at) -> None:
    con.execute(
        """insert into audit.loads (load_id, source, source_file, file_hash, file_size_bytes, rows_read, rows_loaded,
                                    rows_quarantined, status, error, started_at, finished_at, extra_columns,
                                    rows_replacing_earlier)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            load_id, spec.name, landing_file.relative_path, landing_file.content_hash, landing_file.size_bytes,
            result.rows_read, result.rows_loaded, result.rows_quarantined, result.status, result.error,
            started_at, datetime.now(UTC), ", ".join(result.extra_columns) or None, result.rows_replacing_earlier,
        ],
    )


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
    finally:
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
) -> IngestReport:
    """Load every new file of every source (or those `file_filter` keeps). Safe to re-run: loaded content hashes
    are skipped."""
    ensure_audit_tables(con)
    declared_load_modes()  # a broken declaration stops the run here rather than failing every file
    report = IngestReport()
    with tempfile.TemporaryDirectory(prefix="crm-ingest-") as scratch, _deferred_checkpoints(con):
        context = (context or ReadContext()).for_run(Path(scratch), landing_dir)
        for spec in specs:
            files = [f for f in discover(landing_dir, spec.patterns) if file_filter is None or file_filter(f)]
            for result in _load_source(con, spec, files, context, dry_run):
                report.files.append(result)
                if progress:
                    progress(result)
        if not dry_run:
            ensure_raw_tables(con, specs, context)
    return report


def _load_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: list[LandingFile], context: ReadContext,
                 dry_run: bool) -> Iterator[FileResult]:
    """Load a source's new files, in discovery order as far as results go.

    A file of up to ~120k rows fills less than one DuckDB row group, so its queries run on one core; loading
    FILE_WORKERS files at once, each on its own connection and in its own transaction, keeps both cores busy.
    The first file loads alone (it may create the raw table), as do copies of a file seen earlier in the run
    and files whose commit met a concurrent schema change (a new column) — those are retried one by one.
    """
    done = _loaded_hashes(con, spec.name)
    claimed: set[str] = set()
    parallel: list[LandingFile] = []
    for landing_file in files:
        if landing_file.content_hash in done:
            yield FileResult(spec.name, landing_file.relative_path, "skipped")
        elif landing_file.content_hash in claimed or not parallel and not _raw_table_exists(con, spec.raw_table):
            # Serial: a copy of a file already queued, or the file that creates the raw table.
            yield from _load_serially(con, spec, landing_file, context, dry_run, done, parallel)
        else:
            claimed.add(landing_file.content_hash)
            parallel.append(landing_file)
    yield from _load_in_parallel(con, spec, parallel, context, dry_run, done)


def _load_serially(con, spec, landing_file, context, dry_run, done, queued) -> Iterator[FileResult]:
    """A file that must wait for the queued ones: load them first, then it (or skip it as a copy)."""
    yield from _load_in_parallel(con, spec, list(queued), context, dry_run, done)
    queued.clear()
    if landing_file.content_hash in done:
        yield FileResult(spec.name, landing_file.relative_path, "skipped")
        return
    result = load_file(con, spec, landing_file, context, dry_run=dry_run)
    if result.status == "loaded":
        done.add(landing_file.content_hash)
    yield result


def _load_in_parallel(con, spec, files, context, dry_run, done) -> Iterator[FileResult]:
    if not files:
        return
    workers = 1 if spec.parses_in_parallel else min(FILE_WORKERS, len(files))

    def load_on_own_connection(landing_file: LandingFile) -> FileResult | LandingFile:
        cursor = con.cursor()
        try:
            return load_file(cursor, spec, landing_file, context, dry_run=dry_run)
        except duckdb.TransactionException:
            return landing_file  # a concurrent commit changed the table's schema: retried below
        finally:
            cursor.close()

    def finish(result: FileResult) -> FileResult:
        if result.status == "loaded":
            done.add(next(f.content_hash for f in files if f.relative_path == result.source_file))
        return result

    if workers == 1:
        for landing_file in files:
            yield finish(load_file(con, spec, landing_file, context, dry_run=dry_run))
        return
    conflicted = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for outcome in pool.map(load_on_own_connection, files):
            if isinstance(outcome, LandingFile):
                conflicted.append(outcome)
            else:
                yield finish(outcome)
    for landing_file in conflicted:  # alone now, so nothing can conflict
        log.info("%s: retried alone after a concurrent schema change", landing_file.relative_path)
        yield finish(load_file(con, spec, landing_file, context, dry_run=dry_run))
