"""Loading landing files into `raw.*` tables: one transaction per file, audited, nothing lost.

For every file: the source's reader stages the parsed rows in a temporary table `_staged` and the rows it
could not parse in `_quarantine` (line number, raw text, reason). The loader then checks that
rows read = rows staged + rows quarantined, adds lineage and normalised identifier columns, appends to
the raw table, writes `audit.quarantine` and `audit.loads`, and commits — or rolls everything back.
A file whose content hash was loaded before (under any name) is skipped.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import phonenumbers

from ingestion.landing import LandingFile, discover
from ingestion.normalize import normalize_email, normalize_phone
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


def _add_normalized_columns(con: duckdb.DuckDBPyConnection, spec: SourceSpec, context: ReadContext) -> None:
    """Add `<col>_normalized` (emails) and `<col>_e164` (phones) to `_staged`, one Python call per distinct value."""
    staged_columns = {r[0] for r in con.execute("describe _staged").fetchall()}
    for column in spec.email_columns:
        if column not in staged_columns:
            continue
        distinct = [r[0] for r in con.execute(f'select distinct "{column}" from _staged').fetchall()]
        mapping = pd.DataFrame(
            {"raw": distinct, "normalized": [normalize_email(v) for v in distinct]}, dtype="string"
        )
        _join_mapping(con, mapping, f'"{column}"', f"{column}_normalized")
    source_region = spec.phone_region(context) if spec.phone_region else context.default_phone_region
    for column, region_column in spec.phone_columns.items():
        if column not in staged_columns:
            continue
        region_sql = f'"{region_column}"' if region_column in staged_columns else "null"
        pairs = con.execute(f'select distinct "{column}", {region_sql} from _staged').fetchall()
        mapping = pd.DataFrame(
            {
                "raw": [p[0] for p in pairs],
                "region": [p[1] for p in pairs],
                "normalized": [normalize_phone(p[0], _region(p[1], source_region)) for p in pairs],
            },
            dtype="string",
        )
        _join_mapping(con, mapping, f'"{column}"', f"{column}_e164", region_sql)


def _region(hint: str | None, fallback: str) -> str:
    """An ISO country from a country column (`JP`) or a locale (`ja-JP`, `en_GB`), else the fallback."""
    country = (hint or "").strip().replace("_", "-").split("-")[-1].upper()
    return country if country in phonenumbers.SUPPORTED_REGIONS else fallback


def _join_mapping(
    con: duckdb.DuckDBPyConnection, mapping: pd.DataFrame, raw_sql: str, new_column: str, region_sql: str = ""
) -> None:
    con.register("_mapping", mapping)
    region_match = f" and m.region is not distinct from s.{region_sql}" if region_sql and region_sql != "null" else ""
    con.execute(
        f"""create or replace temp table _staged as
            select s.*, m.normalized as "{new_column}"
            from _staged s
            left join (select distinct * from _mapping) m
              on m.raw is not distinct from s.{raw_sql}{region_match}
            order by s._record_number"""
    )
    con.unregister("_mapping")


def _append_to_raw(con: duckdb.DuckDBPyConnection, raw_table: str) -> None:
    """Append `_staged` to the raw table, creating it or adding columns a newer export brought."""
    if not _raw_table_exists(con, raw_table):
        con.execute(f'create table raw."{raw_table}" as select * from _staged')
        return
    existing = {r[0] for r in con.execute(f'describe raw."{raw_table}"').fetchall()}
    for name, dtype, *_ in con.execute("describe _staged").fetchall():
        if name not in existing:
            log.warning("raw.%s: new column %s (%s) added", raw_table, name, dtype)
            con.execute(f'alter table raw."{raw_table}" add column "{name}" {dtype}')
    con.execute(f'insert into raw."{raw_table}" by name select * from _staged')


def _apply_row_checks(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Move rows failing a check from `_staged` to `_quarantine` (first failing check gives the reason)."""
    for check in spec.row_checks:
        con.execute(
            f"""insert into _quarantine
                select _record_number, to_json(s), ? from _staged s where coalesce({check.bad_when}, false)""",
            [check.reason],
        )
        con.execute(f"delete from _staged where coalesce({check.bad_when}, false)")


def _stage_lineage(con: duckdb.DuckDBPyConnection, spec: SourceSpec, relative_path: str, content_hash: str,
                   load_id: str, loaded_at: datetime) -> None:
    con.execute(
        """create or replace temp table _staged as
           select *, ? as _source, ? as _source_file, ? as _file_hash, ? as _load_id,
                  ?::timestamptz as _loaded_at
           from _staged""",
        [spec.family, relative_path, content_hash, load_id, loaded_at],
    )


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
            _add_normalized_columns(con, spec, context)
            _stage_lineage(con, spec, "", "", "", datetime.now(UTC))
            con.execute(f'create table raw."{spec.raw_table}" as select * from _staged limit 0')
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
) -> FileResult:
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
        if dry_run:
            con.execute("rollback")
            result.status = "would_load"
            return result
        _add_normalized_columns(con, spec, context)
        _stage_lineage(con, spec, landing_file.relative_path, landing_file.content_hash, load_id, started_at)
        _append_to_raw(con, spec.raw_table)
        con.execute(
            """insert into audit.quarantine
               select ?, ?, ?, line_number, raw_record, reason, ? from _quarantine""",
            [load_id, spec.name, landing_file.relative_path, started_at],
        )
        _record_load(con, load_id, spec, landing_file, result, started_at)
        con.execute("commit")
    except Exception as exc:
        con.execute("rollback")
        if isinstance(exc, (duckdb.IOException,)) and "lock" in str(exc).lower():
            raise
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
        "insert into audit.loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id, spec.name, landing_file.relative_path, landing_file.content_hash, landing_file.size_bytes,
            result.rows_read, result.rows_loaded, result.rows_quarantined, result.status, result.error,
            started_at, datetime.now(UTC),
        ],
    )


def ingest(
    con: duckdb.DuckDBPyConnection,
    specs: list[SourceSpec],
    landing_dir: Path,
    context: ReadContext | None = None,
    dry_run: bool = False,
    progress: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Load every new file of every source. Safe to re-run: loaded content hashes are skipped."""
    ensure_audit_tables(con)
    report = IngestReport()
    with tempfile.TemporaryDirectory(prefix="crm-ingest-") as scratch:
        context = (context or ReadContext()).for_run(Path(scratch), landing_dir)
        for spec in specs:
            done = _loaded_hashes(con, spec.name)
            for landing_file in discover(landing_dir, spec.patterns):
                if landing_file.content_hash in done:
                    result = FileResult(spec.name, landing_file.relative_path, "skipped")
                else:
                    result = load_file(con, spec, landing_file, context, dry_run=dry_run)
                    if result.status == "loaded":
                        done.add(landing_file.content_hash)
                report.files.append(result)
                if progress:
                    progress(result)
        if not dry_run:
            ensure_raw_tables(con, specs, context)
    return report
