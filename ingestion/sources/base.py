"""What a source is (`SourceSpec`) and the generic readers for tabular files (CSV, JSON lines).

A reader stages the parsed rows of one or more files of a source in the temp table `_staged` (all text, plus
`_record_number`, counted within each file, and `_file_index`, the file's position in the list) and the rows
it could not parse in `_quarantine` (with `_file_index` too), may add what a person should know about a file to
`_read_notes` (`_file_index`, `note`), and returns how many rows it read per file.
DuckDB's native readers parse all the files in one statement; Python only checks headers and transcodes
non-UTF-8 files. A reader's `batch_key` says which files may be read together (see ingestion/load.py).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from common.sql import sql_identifier, sql_literal
from ingestion.checks import ColumnKind, FileRules, Kind, RowCheck
from ingestion.column_maps import (
    WHITESPACE,
    ColumnMapError,
    EntityMap,
    column_sql,
    find_map,
    map_named_after,
    raw_value_sql,
)
from ingestion.landing import copy_utf8_lines, detect_encoding, original_line_number, transcode_to_utf8

log = logging.getLogger(__name__)

# (connection, files, run context, each file's line count or None) -> rows read per file
Stage = Callable[[duckdb.DuckDBPyConnection, list[Path], "ReadContext", "list[int | None] | None"], list[int]]


def _alone(path: Path) -> Hashable | None:
    return None


@dataclass(frozen=True)
class Reader:
    """`stage` stages files (see the module docstring); `batch_key` gives files that may be staged by one call
    the same key, and None for a file that must be read alone (empty, needing a column map, or any file of a
    reader that reads one file at a time)."""

    stage: Stage
    batch_key: Callable[[Path], Hashable | None] = _alone
    # The fingerprint of the column map a landing file is read through (None: read without one). The loader
    # skips a file only when the same content was loaded with the same map, and loads a file read through a
    # map alone.
    map_fingerprint: Callable[[Path, ReadContext], str | None] = lambda path, context: None


class FileRejected(ValueError):
    """The file as a whole cannot be loaded (e.g. a required column is missing); the reason says why."""


@dataclass(frozen=True)
class ReadContext:
    default_phone_region: str = "US"
    pbx_region: str = "US"
    company_domains: tuple[str, ...] = ("acme.example", "acme.example.co.jp")
    scratch_dir: Path | None = None
    landing_dir: Path | None = None  # where users' column maps live (landing/column_maps/)
    # The suppression list's salt (common/suppression.py): a secret, so out of repr.
    suppression_salt: str = field(default="", repr=False)

    def for_run(self, scratch_dir: Path, landing_dir: Path) -> ReadContext:
        return replace(self, scratch_dir=scratch_dir, landing_dir=landing_dir)


# Whether a newer export appends rows or replaces rows by key, declared on each source's spec: the staging models
# apply it (macro current_rows, through dbt var `raw_load_modes`), and the loader counts per file the rows that
# replace rows an earlier load brought.
LOAD_MODES = ("append", "replace_by_key")


@dataclass(frozen=True)
class LoadMode:
    mode: str               # append | replace_by_key
    key: tuple[str, ...]    # the event id (append) or the record key (replace_by_key)
    # replace_by_key: the order (SQL, e.g. `updated_at desc nulls last`) that puts a key's newest row first, before
    # the later load and the later record of a file; None: by load and record only.
    newest_first: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in LOAD_MODES or not self.key:
            raise ValueError(f"a load mode is {' | '.join(LOAD_MODES)} with a key, not {self.mode!r} with "
                             f"{self.key!r}")


@dataclass(frozen=True)
class SourceSpec:
    name: str                       # `<family>__<entity>`, also the raw table's name
    family: str                     # email | web | phone | sales | surveys | consent | reference
    patterns: tuple[str, ...]       # globs relative to the landing folder
    reader: Reader
    load_mode: LoadMode             # whether a newer export appends rows or replaces rows by key
    email_columns: tuple[str, ...] = ()
    # phone column -> column holding an ISO country to parse it with (may be absent)
    phone_columns: dict[str, str] = field(default_factory=dict)
    # The region numbers without a country code are read in, when the whole source has one (e.g. the PBX's).
    phone_region: Callable[[ReadContext], str] | None = None
    # Records that fail a check are quarantined with its reason (ingestion/checks.py).
    row_checks: tuple[RowCheck, ...] = ()
    # What every loaded file must satisfy besides, for the raw quality suites (None: the table has none).
    file_rules: FileRules | None = None
    # A source system exporting regularly (freshness is watched), or reference data a user brings now and then.
    delivers_on_schedule: bool = True

    @property
    def raw_table(self) -> str:
        return self.name

    def declared(self, kind: Kind) -> list[ColumnKind]:
        """The columns the row checks declare of `kind` (ingestion/checks.py ColumnKind), in their order."""
        return [c.declares for c in self.row_checks if c.declares and c.declares.kind == kind]


def _rejects_to_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's rejected CSV lines (numbered within their file; `file_id` is the position in the file list)."""
    con.execute(
        """insert into _quarantine (line_number, raw_record, reason, _file_index)
           select line, any_value(csv_line), arg_min(error_type || ': ' || error_message, column_idx), file_id
           from _rejects group by file_id, line"""
    )


def _undecodable_lines_to_quarantine(con: duckdb.DuckDBPyConnection, file_index: int,
                                     lines: list[tuple[int, str]]) -> None:
    """The lines of a file read without its lines that are not UTF-8: the quarantine's other lines of it get their
    numbers in the file as it is, and the removed lines join them with theirs."""
    removed = [number for number, _ in lines]
    numbers = con.execute("select distinct line_number from _quarantine where _file_index = ?", [file_index]
                          ).fetchall()
    for (number,) in numbers:
        con.execute("update _quarantine set line_number = ? where _file_index = ? and line_number = ?",
                    [-original_line_number(number, removed), file_index, number])
    con.execute("update _quarantine set line_number = -line_number where _file_index = ? and line_number < 0",
                [file_index])
    con.executemany("insert into _quarantine (line_number, raw_record, reason, _file_index) values (?, ?, ?, ?)",
                    [[number, text, f"line {number} is not valid UTF-8 (shown with U+FFFD for each bad byte): "
                                    "re-export the file as UTF-8", file_index] for number, text in lines])


def _number_records(con: duckdb.DuckDBPyConnection) -> None:
    """Set `_record_number` of the staged rows: their position within their file, from 1.

    A reader creates `_staged` in one parallel statement from a multi-file read, which keeps the files' order
    and each file's rows in order (DuckDB's preserve_insertion_order, on for the loader's connection), so a
    freshly created table's rowid is the row's position in the read. Numbering rows in the reading statement
    instead (`row_number() over ()`) made that statement run on one core: JSON extraction 1.34 s → 0.71 s for
    226k events. tests/integration/test_record_numbers.py checks the numbers over several row groups.
    """
    con.execute("""update _staged set _record_number = _staged.rowid + 1 - f.first_rowid
                   from (select _file_index, min(rowid) as first_rowid from _staged group by all) f
                   where _staged._file_index = f._file_index""")


def _rows_read(con: duckdb.DuckDBPyConnection, files: int) -> list[int]:
    counts = dict(con.execute(
        """select _file_index, sum(n) from (select _file_index, count(*) as n from _staged group by all
                                           union all select _file_index, count(*) from _quarantine group by all)
           group by all"""
    ).fetchall())
    return [int(counts.get(index, 0)) for index in range(files)]


def _first_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.readline()


def _first_line_text(path: Path) -> str:
    """The first line of a UTF-8 (BOM or not) or Shift_JIS file, without its line end."""
    first = _first_line(path)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = first.decode("cp932", errors="replace")
    return text.rstrip("\r\n")


def split_header(first_line: str, delimiter: str | None = None) -> list[str]:
    """A header line's column names: split by `delimiter` (one character or WHITESPACE), else by the delimiter
    a comma-less line uses (`;`, tab, `|`) or by commas."""
    if not first_line.strip():
        return []
    if delimiter == WHITESPACE:
        return first_line.split()
    if delimiter is not None:
        return [c.strip() for c in next(csv.reader(io.StringIO(first_line), delimiter=delimiter))]
    dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t|") if first_line.count(",") == 0 else csv.excel
    return [c.strip() for c in next(csv.reader(io.StringIO(first_line), dialect))]


def sniff_header(path: Path, encoding: str | None = None, delimiter: str | None = None) -> list[str]:
    """The header of a CSV file (`encoding` None: UTF-8 or Shift_JIS, whichever its first line is)."""
    if encoding is None:
        return split_header(_first_line_text(path), delimiter)
    with path.open(encoding=encoding, newline="") as fh:
        return split_header(fh.readline().rstrip("\r\n"), delimiter)


def _rows_of_declared_width_sql(file_columns: tuple[str, ...], header: bool) -> str:
    """Lines split by runs of spaces or tabs (bound parameter: the path list), as `_staged` of a lines reader
    wants them: the file's columns, `_file_index`, `_reason` ('' for a blank line, dropped; a text for a line
    with another number of fields, quarantined) and `_raw_line`. Splitting happens in DuckDB, for every line at
    once; the unit separator (never in such text) keeps read_csv from splitting anything itself."""
    fields = ", ".join(f"_fields[{i + 1}] as {sql_identifier(c)}" for i, c in enumerate(file_columns))
    declared = f"{len(file_columns)} ({', '.join(file_columns)})"
    return f"""(select {fields}, _file_index, _reason, case when _reason <> '' then line end as _raw_line
               from (select *, case when _fields is null then ''
                                    when len(_fields) <> {len(file_columns)}
                                    then 'has ' || len(_fields) || ' fields; the column map declares '
                                         || {sql_literal(declared)} end as _reason
                     from (select line, file_index::integer as _file_index,
                                  case when trim(coalesce(line, ''), ' \t\r') <> ''
                                       then string_split_regex(trim(line, ' \t\r'), '[ \t]+') end as _fields
                           from read_csv(?, columns={{'line': 'VARCHAR'}}, header=false, delim=chr(31),
                                         quote='', escape='', auto_detect=false, skip={1 if header else 0}))))"""


def _whitespace_lines_to_quarantine(con: duckdb.DuckDBPyConnection, header: bool) -> None:
    """After numbering: lines of another width to the quarantine (with their line in the file), blank ones out."""
    con.execute(f"insert into _quarantine (line_number, raw_record, reason, _file_index) "
                f"select _record_number + {1 if header else 0}, _raw_line, _reason, _file_index "
                f"from _staged where _reason <> ''")
    con.execute("delete from _staged where _reason is not null")
    con.execute("alter table _staged drop column _reason; alter table _staged drop column _raw_line")


def _map_notes(con: duckdb.DuckDBPyConnection, column_map: EntityMap, file_columns: list[str],
               checked: dict[str, str]) -> list[str]:
    """What to tell about mapped project columns that came out empty in every staged row, and why.

    `checked` maps such a column to its hidden `_unmatched_…` column (boolean vocabularies: the text read where
    no true/false value matched), whose distinct values are quoted."""
    reading = [c for c, source in column_map.columns.items() if source.constant is None]
    if not reading:
        return []
    counts = con.execute(
        "select count(*), " + ", ".join(f"count({sql_identifier(c)})" for c in reading) + " from _staged"
    ).fetchall()[0]
    if not counts[0]:
        return []
    notes = []
    for project_column, filled in zip(reading, counts[1:], strict=True):
        if filled:
            continue
        source = column_map.columns[project_column]
        missing = [c for c in source.columns if c not in file_columns]
        why = f"the file's {', '.join(repr(c) for c in source.columns)} " + (
            "is empty" if len(source.columns) == 1 else "are empty")
        if len(missing) == len(source.columns):
            why = f"the file has no column {' or '.join(repr(c) for c in missing)}"
        elif project_column in checked:
            seen = [r[0] for r in con.execute(
                f"select distinct {sql_identifier(checked[project_column])} as v from _staged "
                f"where v is not null order by v limit 5").fetchall()]
            if seen:
                why = (f"no value matched true_values [{', '.join(source.true_values)}] or false_values "
                       f"[{', '.join(source.false_values)}]; values seen: {', '.join(repr(v) for v in seen)}")
        notes.append(f"{project_column} came out empty in every row: {why}")
    return notes


def csv_reader(
    columns: tuple[str, ...],
    required: tuple[str, ...] = (),
    header: bool = True,
    entity: str | None = None,
) -> Reader:
    """A reader for a CSV export with the given columns (by header name, or by position when header=False).

    A file in another shape is read through a column map (ingestion/column_maps) for `entity`: the map named
    after the file if there is one, else the first map whose detect columns the header has (when the header
    lacks a required column). Columns nothing maps are kept in `_extra` (JSON); a file with a required column
    missing and no fitting map is rejected, naming the column. `_column_map` and `_timezone` say which map read
    a row and the zone its local times are in (NULL: the loader's own format). Files with the same header
    columns are read together; a file read through a map is read alone.
    """

    def file_layout(path: Path, landing_dir: Path | None) -> tuple[list[str], EntityMap | None]:
        """A landing file's columns and the column map it is read through (None: read by the loader's names)."""
        try:
            named = map_named_after(path, entity, landing_dir) if entity else None
            if named is not None:
                file_columns = (sniff_header(path, delimiter=named.delimiter) if named.header
                                else list(named.file_columns))
                if named.header and not named.fits(file_columns):
                    raise FileRejected(
                        f"{path.name}: its column map {named.source_file.name if named.source_file else ''} needs "
                        f"column(s) {', '.join(c for c in named.detect if c not in file_columns)} "
                        f"(found: {', '.join(file_columns)})")
                return file_columns, named
            if not header:
                return list(columns), None
            file_columns = sniff_header(path)
            missing = [c for c in required if c not in file_columns]
            if not missing:
                return file_columns, None
            column_map = find_map(entity, file_columns, landing_dir) if entity else None
        except ColumnMapError as exc:
            raise FileRejected(f"{path.name}: {exc}") from exc
        if column_map is None:
            raise FileRejected(
                f"{path.name}: required column(s) missing: {', '.join(missing)} and no column map for "
                f"{entity or 'this entity'} fits its header (found: {', '.join(file_columns)})"
            )
        return file_columns, column_map

    def map_fingerprint(path: Path, context: ReadContext) -> str | None:
        if not entity or path.stat().st_size == 0:
            return None
        try:
            column_map = file_layout(path, context.landing_dir)[1]
        except FileRejected:
            return None  # loading it says why
        return column_map.fingerprint if column_map else None

    def batch_key(path: Path) -> Hashable | None:
        text = _first_line_text(path)
        if not text.strip():
            return None
        if not header:
            return "no header"
        names = tuple(c.strip() for c in next(csv.reader(io.StringIO(text), csv.excel))) if "," in text else ()
        if any(c not in names for c in required):
            return None  # another delimiter, a column map or a rejection: alone
        # Line ends may differ: DuckDB reads each file's rows as it would alone (the Japanese exports end lines
        # with CRLF; tests/integration/test_batch_load.py compares batched and one-by-one loads).
        return names

    def stage(con: duckdb.DuckDBPyConnection, paths: list[Path], context: ReadContext,
              line_counts: list[int | None] | None = None) -> list[int]:
        if len(paths) == 1 and paths[0].stat().st_size == 0:
            con.execute(
                "create temp table _staged as select "
                + ", ".join(f"null::varchar as {sql_identifier(c)}" for c in columns)
                + ", null::bigint as _record_number, null::json as _extra, null::varchar as _column_map, "
                  "null::varchar as _timezone, null::integer as _file_index limit 0"
            )
            return [0]
        layouts = [file_layout(path, context.landing_dir) for path in paths]
        if any(layout != layouts[0] for layout in layouts):  # batch_key prevents it; else the loader reads them alone
            raise ValueError(f"files read together must share one header: {', '.join(p.name for p in paths)}")
        file_columns, column_map = layouts[0]
        readable = []
        undecodable: dict[int, list[tuple[int, str]]] = {}  # file index -> its lines that are not UTF-8
        for index, path in enumerate(paths):
            try:
                encoding = detect_encoding(path)
            except UnicodeDecodeError:
                # Mostly UTF-8 with a few broken lines: those go to quarantine, the rest loads.
                assert context.scratch_dir is not None
                copy = context.scratch_dir / f"{index}-{path.stem}.utf8-lines.csv"
                undecodable[index] = copy_utf8_lines(path, copy)
                path, encoding = copy, "utf-8"
            if encoding not in ("utf-8",):
                assert context.scratch_dir is not None
                path = transcode_to_utf8(path, encoding, context.scratch_dir / f"{index}-{path.stem}.utf8.csv")
            readable.append(str(path))
        con.execute("drop table if exists _rejects; drop table if exists _reject_scans")
        options = "all_varchar=true, store_rejects=true, rejects_table='_rejects', rejects_scan='_reject_scans'"
        has_header = column_map.header if column_map else header
        delimiter = column_map.delimiter if column_map else None
        by_whitespace = delimiter == WHITESPACE
        if by_whitespace:
            source = _rows_of_declared_width_sql(tuple(file_columns), has_header)
        elif has_header:
            delim = f", delim={sql_literal(delimiter)}" if delimiter else ""
            source = f"read_csv(?, header=true{delim}, {options})"
        else:
            typed = "{" + ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in file_columns) + "}"
            source = (f"read_csv(?, header=false, columns={typed}, auto_detect=false, {options}, "
                      f"quote='\"', escape='\"', delim={sql_literal(delimiter or ',')})")
        checked: dict[str, str] = {}  # boolean project column -> its hidden column of unmatched text
        if column_map is not None:
            unknown = [c for c in column_map.columns if c not in columns]
            if unknown:
                raise FileRejected(f"{paths[0].name}: column map {column_map.map_name} maps {', '.join(unknown)}, "
                                   f"not column(s) of {entity} (those are: {', '.join(columns)})")
            names = set(file_columns)
            mapped = {c: column_sql(column_map.columns[c], names, c) for c in columns if c in column_map.columns}
            select = [f"{sql} as {sql_identifier(c)}" for c, sql in mapped.items()]
            select += [f"null::varchar as {sql_identifier(c)}" for c in columns if c not in mapped]
            for c, source_of_c in column_map.columns.items():
                if source_of_c.is_boolean and source_of_c.columns:
                    checked[c] = f"_unmatched_{len(checked)}"
                    select.append(f"case when {mapped[c]} is null then {raw_value_sql(source_of_c, names)} end "
                                  f"as {checked[c]}")
            extra = [c for c in file_columns if c not in column_map.source_columns()]
            lineage = (f"{sql_literal(column_map.map_name)} as _column_map, "
                       f"{sql_literal(column_map.timezone) if column_map.timezone else 'null::varchar'} as _timezone")
        else:
            known = [c for c in columns if c in file_columns]
            extra = [c for c in file_columns if c not in columns]
            select = [sql_identifier(c) for c in known]
            select += [f"null::varchar as {sql_identifier(c)}" for c in columns if c not in known]
            lineage = "null::varchar as _column_map, null::varchar as _timezone"
        extra_sql = ("json_object(" + ", ".join(f"{sql_literal(c)}, {sql_identifier(c)}" for c in extra) + ")"
                     if extra else "null::json")
        file_index = "_file_index, _reason, _raw_line" if by_whitespace else "file_index::integer as _file_index"
        con.execute(
            f"""create temp table _staged as
                select {", ".join(select)}, null::bigint as _record_number, {extra_sql} as _extra,
                       {lineage}, {file_index}
                from {source}""",
            [readable],
        )
        _number_records(con)
        if by_whitespace:
            _whitespace_lines_to_quarantine(con, has_header)
        else:
            _rejects_to_quarantine(con)
        for index, lines in undecodable.items():
            _undecodable_lines_to_quarantine(con, index, lines)
        if column_map is not None:
            for key in required:
                if key not in column_map.columns:
                    # A list without ids (a user's contact list) gets one: the landing file's name + the record's
                    # position in it. The file's name, not the map's: two lists read with one map are two lists,
                    # and ids of one must not replace the other's.
                    con.execute(f"update _staged set {sql_identifier(key)} = "
                                f"{sql_literal(paths[0].stem + '-')} || _record_number")
            notes = _map_notes(con, column_map, file_columns, checked)
            if notes:
                con.executemany("insert into _read_notes values (?, ?)", [[0, note] for note in notes])
            for hidden in checked.values():
                con.execute(f"alter table _staged drop column {hidden}")
        return _rows_read(con, len(paths))

    return Reader(stage, batch_key, map_fingerprint)


_INVALID_JSON = "not valid JSON (truncated or malformed line)"
MAX_JSON_LINE_BYTES = 64 * 2**20


def _jsonl_lines_sql() -> str:
    """Every line of the JSON-lines files (bound parameter: the path list), in order, with its file's index.

    Reading lines (not documents) keeps line numbers and the raw text of a broken line for the quarantine.
    The unit separator never occurs in valid JSON (control characters must be escaped there). Blank lines
    are kept here (they count for line numbers) and dropped once the lines are numbered within their file.
    """
    return r"""(select line, file_index::integer as _file_index
               from read_csv(?, columns={'line': 'VARCHAR'}, header=false, delim=chr(31),
                             quote='', escape='', auto_detect=false))"""


_SIMPLE_JSON_PATH = re.compile(r"\$(\.[A-Za-z_][A-Za-z0-9_]*)+")


def _split_top_key(path: str) -> tuple[str, str]:
    """`$.context.page.url` -> ("context", "$.page.url"); `$.event` -> ("event", "$")."""
    key, _, rest = path[2:].partition(".")
    return key, "$." + rest if rest else "$"


def json_lines_reader(
    fields: dict[str, str | tuple[str, ...]],
    json_fields: dict[str, str] | None = None,
    required_any_of: dict[str, tuple[str, ...]] | None = None,
) -> Reader:
    """A reader for JSON lines: `fields` are text columns from JSON paths (the first non-null of several
    paths when a tuple is given), `json_fields` are kept as JSON.

    `required_any_of` maps a purpose to fields of which at least one must be set (e.g. an identifier, a time);
    a record without any of them is quarantined with that reason.

    Two ways to read, with the same rows as the result. Most batches are read by DuckDB's JSON reader with the
    top-level keys the paths need as columns (text, or JSON for a key with deeper paths): half the time of
    reading lines and extracting paths from each. That reader skips blank lines, stops at the first broken line
    and cannot give a quarantined record's raw text, so a batch with any of these (its rows differ from its line
    count, it raises, or a record lacks a required field) is read again line by line: every line parsed once,
    all paths extracted by one list-valued json_extract_string call (path by path was 8x slower), a broken line
    quarantined with its text and line number. tests/integration/test_json_lines_reader.py compares the two.
    """
    json_fields = json_fields or {}
    required_any_of = required_any_of or {}
    field_paths = {name: (paths,) if isinstance(paths, str) else tuple(paths) for name, paths in fields.items()}
    text_paths = list(dict.fromkeys(p for paths in field_paths.values() for p in paths))
    position = {path: index + 1 for index, path in enumerate(text_paths)}  # DuckDB lists are 1-based

    def line_text(path: str) -> str:
        return f"_text[{position[path]}]"

    def field_sql(name: str, text_of: Callable[[str], str] = line_text) -> str:
        values = [text_of(p) for p in field_paths[name]]
        return values[0] if len(values) == 1 else f"coalesce({', '.join(values)})"

    def path_list(paths: list[str]) -> str:
        return "[" + ", ".join(f"'{p}'" for p in paths) + "]"

    def missing_sql(text_of: Callable[[str], str] = line_text) -> str:
        """The first `required_any_of` purpose none of whose fields is set, as a reason, else NULL."""
        reasons = [f"case when {' and '.join(f'{field_sql(n, text_of)} is null' for n in names)} "
                   f"then 'no {purpose}: none of {', '.join(names)} is set' end"
                   for purpose, names in required_any_of.items()]
        return f"coalesce({', '.join(reasons)})" if reasons else "null"
    # A broken line makes the extraction fail, and try() turns that into a null list. A blank line gets the
    # empty reason: not a record, dropped without a quarantine row.
    line_reason_sql = (f"case when line is null or trim(line) = '' then '' when _text is null then '{_INVALID_JSON}' "
                       f"else {missing_sql()} end")
    columns = [f"{field_sql(name)} as {sql_identifier(name)}" for name in field_paths]
    # An explicit JSON null is a missing value (SQL NULL), as DuckDB's JSON reader gives it.
    columns += [f"nullif(_json[{i + 1}], 'null') as {sql_identifier(name)}" for i, name in enumerate(json_fields)]
    json_sql = f"try(json_extract(line, {path_list(list(json_fields.values()))}))" if json_fields else "null"
    whole_document_read = _whole_document_read(text_paths, list(json_fields.values()))

    def batch_key(path: Path) -> Hashable | None:
        return "lines" if path.stat().st_size else None

    def stage_documents(con: duckdb.DuckDBPyConnection, paths: list[Path], line_counts: list[int]) -> bool:
        """Stage the files with DuckDB's JSON reader; False (nothing staged) if the batch must be read by lines."""
        read, extractions, text_of, json_of = whole_document_read
        document_columns = [f"{field_sql(name, text_of)} as {sql_identifier(name)}" for name in field_paths]
        document_columns += [f"{json_of(path)} as {sql_identifier(name)}" for name, path in json_fields.items()]
        try:
            con.execute(
                f"""create temp table _staged as
                    select {", ".join(document_columns)}, null::bigint as _record_number, _file_index,
                           {missing_sql(text_of)} as _reason
                    from (select *, file_index::integer as _file_index, {extractions} from {read})""",
                [[str(path) for path in paths]],
            )
        except duckdb.Error as exc:  # a broken line, a duplicate key, a line that is not an object
            log.debug("reading by lines: %s", str(exc).splitlines()[0][:200])
            return False
        rows = dict(con.execute("select _file_index, count(*) from _staged group by all").fetchall())
        if any(rows.get(index, 0) != count for index, count in enumerate(line_counts)) or con.execute(
                "select exists (select 1 from _staged where _reason is not null)").fetchall()[0][0]:
            con.execute("drop table _staged")
            return False
        _number_records(con)
        con.execute("alter table _staged drop column _reason")
        return True

    def stage(con: duckdb.DuckDBPyConnection, paths: list[Path], context: ReadContext,
              line_counts: list[int | None] | None = None) -> list[int]:
        if (whole_document_read and line_counts and all(count for count in line_counts)
                and stage_documents(con, paths, line_counts)):
            return _rows_read(con, len(paths))
        if len(paths) == 1 and paths[0].stat().st_size == 0:
            lines = "(select null::varchar as line, null::integer as _file_index limit 0)"
            parameters = []
        else:
            lines, parameters = _jsonl_lines_sql(), [[str(path) for path in paths]]
        # One pass over the files; the raw text is kept only for the lines that go to the quarantine.
        con.execute(
            f"""create temp table _staged as
                select {", ".join(columns)}, null::bigint as _record_number, _file_index,
                       _reason, case when _reason <> '' then line end as _raw_line
                from (select *, {line_reason_sql} as _reason
                      from (select line, _file_index,
                                   try(json_extract_string(line, {path_list(text_paths)})) as _text,
                                   {json_sql} as _json
                            from {lines}))""",
            parameters,
        )
        _number_records(con)
        con.execute("insert into _quarantine (line_number, raw_record, reason, _file_index) "
                    "select _record_number, _raw_line, _reason, _file_index from _staged where _reason <> ''")
        con.execute("delete from _staged where _reason is not null")
        con.execute("alter table _staged drop column _reason; alter table _staged drop column _raw_line")
        return _rows_read(con, len(paths))

    return Reader(stage, batch_key)


def _whole_document_read(text_paths: list[str], json_paths: list[str]) \
        -> tuple[str, str, Callable[[str], str], Callable[[str], str]] | None:
    """For DuckDB's JSON reader: the read (bound parameter: the path list) with each top-level key the paths
    start from as a column; the extractions to select next to it (one per key with deeper text paths, so that
    key's document is parsed once); and the SQL of a text path's and a JSON path's value over those columns.
    None if a path is not plain `$.key.key...` (quoted keys, array indexes): such a source reads by lines.

    A key read as text gives what json_extract_string gives (a number's or an object's JSON text for
    non-strings); a key with deeper paths is read as JSON.
    """
    if not all(_SIMPLE_JSON_PATH.fullmatch(p) for p in text_paths + json_paths):
        return None
    as_json = {_split_top_key(p)[0] for p in json_paths} | {
        key for key, rest in map(_split_top_key, text_paths) if rest != "$"}
    keys = list(dict.fromkeys(_split_top_key(p)[0] for p in text_paths + json_paths))
    read_columns = ", ".join(f"'{k}': '{'JSON' if k in as_json else 'VARCHAR'}'" for k in keys)
    read = (f"read_json(?, format='newline_delimited', columns={{{read_columns}}}, "
            f"maximum_object_size={MAX_JSON_LINE_BYTES})")
    rests_by_key: dict[str, list[str]] = {}
    for key, rest in map(_split_top_key, text_paths):
        if key in as_json:
            rests_by_key.setdefault(key, []).append(rest)
    extractions = ", ".join(
        f"json_extract_string({sql_identifier(key)}, [{', '.join(repr(r) for r in rests)}]) "
        f"as {sql_identifier('_text_' + key)}"
        for key, rests in rests_by_key.items()) or "null as _no_extraction"

    def text_of(path: str) -> str:
        key, rest = _split_top_key(path)
        if key not in as_json:
            return sql_identifier(key)
        return f"{sql_identifier('_text_' + key)}[{rests_by_key[key].index(rest) + 1}]"

    def json_of(path: str) -> str:
        key, rest = _split_top_key(path)
        return sql_identifier(key) if rest == "$" else f"json_extract({sql_identifier(key)}, '{rest}')"

    return read, extractions, text_of, json_of
