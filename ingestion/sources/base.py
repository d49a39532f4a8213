"""What a source is (`SourceSpec`) and the generic readers for tabular files (CSV, JSON lines).

A reader stages the file's parsed rows in the temp table `_staged` (all text, plus `_record_number`) and the
rows it could not parse in `_quarantine`, and returns how many rows it read. DuckDB's native readers do the
parsing; Python only checks headers and transcodes non-UTF-8 files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from ingestion.checks import RowCheck
from ingestion.column_maps import column_sql, find_map
from ingestion.landing import detect_encoding, transcode_to_utf8

Reader = Callable[[duckdb.DuckDBPyConnection, Path, "ReadContext"], int]


class FileRejected(ValueError):
    """The file as a whole cannot be loaded (e.g. a required column is missing); the reason says why."""


@dataclass(frozen=True)
class ReadContext:
    default_phone_region: str = "US"
    pbx_region: str = "US"
    company_domains: tuple[str, ...] = ("acme.example", "acme.example.co.jp")
    scratch_dir: Path | None = None
    landing_dir: Path | None = None  # where users' column maps live (landing/column_maps/)

    def for_run(self, scratch_dir: Path, landing_dir: Path) -> ReadContext:
        return replace(self, scratch_dir=scratch_dir, landing_dir=landing_dir)


@dataclass(frozen=True)
class SourceSpec:
    name: str                       # `<family>__<entity>`, also the raw table's name
    family: str                     # email | web | phone | sales | surveys
    patterns: tuple[str, ...]       # globs relative to the landing folder
    reader: Reader
    email_columns: tuple[str, ...] = ()
    # phone column -> column holding an ISO country to parse it with (may be absent)
    phone_columns: dict[str, str] = field(default_factory=dict)
    # The region numbers without a country code are read in, when the whole source has one (e.g. the PBX's).
    phone_region: Callable[[ReadContext], str] | None = None
    # Records that fail a check are quarantined with its reason (ingestion/checks.py).
    row_checks: tuple[RowCheck, ...] = ()
    # The reader itself spreads one file over the cores (mbox): its files are then loaded one at a time.
    parses_in_parallel: bool = False

    @property
    def raw_table(self) -> str:
        return self.name


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rejects_to_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """insert into _quarantine
           select line, any_value(csv_line), arg_min(error_type || ': ' || error_message, column_idx)
           from _rejects group by line"""
    )


def sniff_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
    if not first.strip():
        return []
    dialect = csv.Sniffer().sniff(first, delimiters=",;\t|") if first.count(",") == 0 else csv.excel
    return [c.strip() for c in next(csv.reader(io.StringIO(first), dialect))]


def csv_reader(
    columns: tuple[str, ...],
    required: tuple[str, ...] = (),
    header: bool = True,
    entity: str | None = None,
) -> Reader:
    """A reader for a CSV export with the given columns (by header name, or by position when header=False).

    A file in another CRM's format is read through the column map (ingestion/column_maps) for `entity` that
    fits its header. Columns nothing maps are kept in `_extra` (JSON); a file with a required column missing
    and no fitting map is rejected, naming the column.
    """

    def read(con: duckdb.DuckDBPyConnection, path: Path, context: ReadContext) -> int:
        if path.stat().st_size == 0:
            con.execute(
                "create temp table _staged as select "
                + ", ".join(f"null::varchar as {_quote(c)}" for c in columns)
                + ", null::bigint as _record_number, null::json as _extra, null::varchar as _column_map limit 0"
            )
            return 0
        encoding = detect_encoding(path)
        if encoding not in ("utf-8",):
            assert context.scratch_dir is not None
            path = transcode_to_utf8(path, encoding, context.scratch_dir / f"{path.stem}.utf8.csv")
        con.execute("drop table if exists _rejects; drop table if exists _reject_scans")
        options = "all_varchar=true, store_rejects=true, rejects_table='_rejects', rejects_scan='_reject_scans'"
        column_map = None
        if header:
            file_columns = sniff_header(path, "utf-8")
            missing = [c for c in required if c not in file_columns]
            if missing:
                column_map = find_map(entity, file_columns, context.landing_dir) if entity else None
                if column_map is None:
                    raise FileRejected(
                        f"{path.name}: required column(s) missing: {', '.join(missing)} and no column map for "
                        f"{entity or 'this entity'} fits its header (found: {', '.join(file_columns)})"
                    )
            source = f"read_csv(?, header=true, {options})"
        else:
            file_columns = list(columns)
            typed = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
            source = (f"read_csv(?, header=false, columns={typed}, auto_detect=false, {options}, "
                      "quote='\"', escape='\"', delim=',')")
        if column_map is not None:
            mapped = {c: column_sql(column_map.columns[c], set(file_columns))
                      for c in columns if c in column_map.columns}
            for key in required:
                # A list without ids (a user's contact list) gets one: map name + position in this file.
                mapped.setdefault(key, f"'{column_map.map_name}-' || row_number() over ()")
            select = [f"{sql} as {_quote(c)}" for c, sql in mapped.items()]
            select += [f"null::varchar as {_quote(c)}" for c in columns if c not in mapped]
            extra = [c for c in file_columns if c not in column_map.source_columns()]
        else:
            known = [c for c in columns if c in file_columns]
            extra = [c for c in file_columns if c not in columns]
            select = [_quote(c) for c in known] + [f"null::varchar as {_quote(c)}" for c in columns if c not in known]
        map_name = f"'{column_map.map_name}'" if column_map else "null::varchar"
        extra_sql = (
            "json_object(" + ", ".join(f"'{c}', {_quote(c)}" for c in extra) + ")" if extra else "null::json"
        )
        con.execute(
            f"""create temp table _staged as
                select {", ".join(select)}, row_number() over () as _record_number, {extra_sql} as _extra,
                       {map_name} as _column_map
                from {source}""",
            [str(path)],
        )
        _rejects_to_quarantine(con)
        staged = con.execute("select count(*) from _staged").fetchall()[0][0]
        quarantined = con.execute("select count(*) from _quarantine").fetchall()[0][0]
        return staged + quarantined

    return read


_INVALID_JSON = "not valid JSON (truncated or malformed line)"


def _jsonl_lines_sql() -> str:
    """Every non-blank line of a JSON-lines file (bound parameter: the path), with its line number.

    Reading lines (not documents) keeps line numbers and the raw text of a broken line for the quarantine.
    The unit separator never occurs in valid JSON (control characters must be escaped there).
    """
    return r"""(select line_number, line
               from (select row_number() over () as line_number, line
                     from read_csv(?, columns={'line': 'VARCHAR'}, header=false, delim=chr(31),
                                   quote='', escape='', auto_detect=false))
               where line is not null and trim(line) <> '')"""


def json_lines_reader(
    fields: dict[str, str | tuple[str, ...]],
    json_fields: dict[str, str] | None = None,
    required_any_of: dict[str, tuple[str, ...]] | None = None,
) -> Reader:
    """A reader for JSON lines: `fields` are text columns from JSON paths (the first non-null of several
    paths when a tuple is given), `json_fields` are kept as JSON.

    `required_any_of` maps a purpose to fields of which at least one must be set (e.g. an identifier, a time);
    a record without any of them is quarantined with that reason.

    Every line is parsed once: all paths are extracted by one list-valued json_extract_string call (extracting
    path by path parses each line once per path, 8x slower on Segment events).
    """
    json_fields = json_fields or {}
    required_any_of = required_any_of or {}
    field_paths = {name: (paths,) if isinstance(paths, str) else tuple(paths) for name, paths in fields.items()}
    text_paths = list(dict.fromkeys(p for paths in field_paths.values() for p in paths))
    position = {path: index + 1 for index, path in enumerate(text_paths)}  # DuckDB lists are 1-based

    def field_sql(name: str) -> str:
        values = [f"_text[{position[p]}]" for p in field_paths[name]]
        return values[0] if len(values) == 1 else f"coalesce({', '.join(values)})"

    def path_list(paths: list[str]) -> str:
        return "[" + ", ".join(f"'{p}'" for p in paths) + "]"

    missing = [
        (f"no {purpose}: none of {', '.join(names)} is set", " and ".join(f"{field_sql(n)} is null" for n in names))
        for purpose, names in required_any_of.items()
    ]
    reason_sql = (
        "coalesce(" + ", ".join(f"case when {condition} then '{reason}' end" for reason, condition in missing) + ")"
        if missing else "null"
    )
    # A broken line makes the extraction fail, and try() turns that into a null list.
    reason_sql = f"case when _text is null then '{_INVALID_JSON}' else {reason_sql} end"
    columns = [f"{field_sql(name)} as {_quote(name)}" for name in field_paths]
    columns += [f"_json[{i + 1}] as {_quote(name)}" for i, name in enumerate(json_fields)]
    json_sql = f"try(json_extract(line, {path_list(list(json_fields.values()))}))" if json_fields else "null"

    def read(con: duckdb.DuckDBPyConnection, path: Path, context: ReadContext) -> int:
        if path.stat().st_size == 0:
            lines = "(select null::bigint as line_number, null::varchar as line limit 0)"
            parameters = []
        else:
            lines, parameters = _jsonl_lines_sql(), [str(path)]
        # One pass over the file; the raw text is kept only for the lines that go to the quarantine.
        con.execute(
            f"""create temp table _staged as
                select {", ".join(columns)}, line_number as _record_number,
                       _reason, case when _reason is not null then line end as _raw_line
                from (select *, {reason_sql} as _reason
                      from (select line_number, line, try(json_extract_string(line, {path_list(text_paths)})) as _text,
                                   {json_sql} as _json
                            from {lines}))""",
            parameters,
        )
        con.execute("insert into _quarantine select _record_number, _raw_line, _reason from _staged "
                    "where _reason is not null")
        con.execute("delete from _staged where _reason is not null")
        con.execute("alter table _staged drop column _reason; alter table _staged drop column _raw_line")
        staged = con.execute("select count(*) from _staged").fetchall()[0][0]
        return staged + con.execute("select count(*) from _quarantine").fetchall()[0][0]

    return read
