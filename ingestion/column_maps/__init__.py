"""Column maps: how a CSV export or list maps onto the project's entities (contacts, companies, deals, orders, …).

A map is YAML (see hubspot.yml, salesforce.yml). Per entity, how to read the file and, per project column, where
its value comes from:

    name: my_shop                     # optional; default: the map file's name. A file without ids gets
                                      #   `<file name>-<n>`, n its record's position (its line, for `whitespace`)
    entities:
      orders:
        detect: [Customer, Date]      # header columns that identify the export (default: those of the first
                                      #   mapped column that reads columns)
        timezone: America/New_York    # the zone the file's local times are in (default: UTC, Japan time for
                                      #   *_jp.csv); a date without a time is a day in the business time zone
        header: false                 # the file has no header line (default: true) …
        file_columns: [customer_id, date, quantity, spend]   # … so its columns are named here, by position
        delimiter: whitespace         # runs of spaces or tabs, leading blanks ignored; or any one character
                                      #   (default: detected for a file with a header, `,` without)
        columns:
          contact_id: customer_id                       one column of the file (a plain string is always a
                                                        column name; a column the file lacks gives NULL)
          phone: {first_of: [Phone, Mobile Phone]}      the first non-empty of several columns
          address: [Street number, Street]              the non-empty values joined with one space …
          address: {join: [Street, Suburb], separator: ", "}   … or with another separator
          currency: {value: USD}                        a constant
          order_date: {column: date, formats: ["%Y%m%d"]}   dates rewritten: a format without a time part
                                                        (%H %I %M %S %p) gives YYYY-MM-DD, one with a time
                                                        YYYY-MM-DD HH:MM:SS; text no format reads is kept as
                                                        it is (the loader's date check quarantines it)
          stage: {column: Deal Stage, values: {Closed won: closed_won}}   values translated (others kept)
          marketing_consent: {column: Opted in, true_values: [yes], false_values: [no]}   others: NULL

`formats`, `values`, `true_values` and `false_values` also apply to `first_of` and `join`. Every value in a map
is text exactly as written: `yes`, `no`, `on`, `01` and `1.0` are never turned into booleans or numbers. Columns
of the file that no project column reads are kept, as JSON, in the raw table's `_extra`.

Which map reads a file: a map in the landing folder's `column_maps/` named after the file (`orders_shop.yml`
for `sales/orders_shop.csv`; `crm import` keeps the map given to it so) is that file's map; a file without one
that lacks the loader's own columns is read by the first map whose `detect` columns its header has (users' maps
in `column_maps/` first, then the shipped ones). A file without a header can only be read by a map named after
it (or given to `crm import`). Each entity map has a fingerprint, a hash of its definition as read: content
loaded through one map is loaded again through a changed one, replacing the earlier load (ingestion/load.py).

The mapping becomes SQL over DuckDB's read of the file: no row-by-row Python.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from common.sql import sql_identifier, sql_literal

BUILTIN_DIR = Path(__file__).parent
USER_MAPS_FOLDER = "column_maps"  # inside the landing folder
WHITESPACE = "whitespace"         # `delimiter: whitespace`: fields separated by runs of spaces or tabs

# strftime directives that carry a time of day: a format without any of them describes a date alone.
_TIME_DIRECTIVES = set("HIMSpTRXcfg")
_DIRECTIVE = re.compile(r"%(.)")
_ENTITY_KEYS = {"detect", "columns", "timezone", "header", "file_columns", "delimiter"}
_SOURCE_KEYS = {"column", "first_of", "join", "separator", "value", "formats", "values", "true_values",
                "false_values"}
_BOOLEAN_TEXT = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


class ColumnMapError(ValueError):
    """A map is malformed or does not fit the file; the message says what to fix."""


@dataclass(frozen=True)
class ColumnSource:
    """Where one project column's value comes from: columns of the file, or a constant."""

    columns: tuple[str, ...] = ()
    joined: bool = False              # False: the first non-empty column; True: the non-empty ones joined
    separator: str = " "
    constant: str | None = None
    formats: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()

    @property
    def is_boolean(self) -> bool:
        return bool(self.true_values or self.false_values)


@dataclass(frozen=True)
class EntityMap:
    map_name: str
    entity: str
    detect: tuple[str, ...]
    columns: dict[str, ColumnSource]
    # A hash of the entity's definition as read: a file is loaded again when the map that reads it changes.
    fingerprint: str = ""
    timezone: str | None = None
    header: bool = True
    file_columns: tuple[str, ...] = ()   # the columns' names by position, for a file without a header
    delimiter: str | None = None          # one character, WHITESPACE, or None (detected; `,` without a header)
    source_file: Path | None = field(default=None, compare=False)

    def fits(self, header: list[str]) -> bool:
        """Whether a file with this header is this map's export (a map for files without a header fits none)."""
        return self.header and all(column in header for column in self.detect)

    def source_columns(self) -> set[str]:
        return {c for source in self.columns.values() for c in source.columns}

    def missing_columns(self, file_columns: list[str]) -> list[tuple[str, str]]:
        """(project column, file column) for every column the map reads that the file does not have."""
        return [(project_column, column) for project_column, source in self.columns.items()
                for column in source.columns if column not in file_columns]


def _text_list(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ColumnMapError(f"{what} must be a name or a list of names")


def _reject_unknown_keys(mapping: dict, known: set[str], where: str) -> None:
    """A misspelt key (`true_value`) would be ignored silently: name it instead."""
    unknown = set(mapping) - known
    if unknown:
        raise ColumnMapError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: "
                             f"{', '.join(sorted(known))}")


def _source(project_column: str, spec: Any, where: str) -> ColumnSource:
    what = f"{where}: column {project_column}"
    if isinstance(spec, str):
        return ColumnSource((spec,))
    if isinstance(spec, list):
        return ColumnSource(_text_list(spec, what), joined=True)
    if not isinstance(spec, dict):
        raise ColumnMapError(f"{what} must be a column name, a list of names to join, or a mapping")
    _reject_unknown_keys(spec, _SOURCE_KEYS, what)
    kinds = [k for k in ("column", "first_of", "join", "value") if k in spec]
    if len(kinds) != 1:
        raise ColumnMapError(f"{what} needs exactly one of column, first_of, join, value (has "
                             f"{', '.join(kinds) or 'none'})")
    kind = kinds[0]
    if kind == "value":
        if set(spec) != {"value"} or not isinstance(spec["value"], str):
            raise ColumnMapError(f"{what}: {{value: …}} is a constant text and takes no other key")
        return ColumnSource(constant=spec["value"])
    if kind == "column" and not isinstance(spec["column"], str):
        raise ColumnMapError(f"{what}: `column` takes one name; for several write {{first_of: [a, b]}} (the "
                             f"first non-empty) or {{join: [a, b]}} (joined)")
    if "separator" in spec and kind != "join":
        raise ColumnMapError(f"{what}: `separator` goes with `join`")
    values = spec.get("values") or {}
    if not isinstance(values, dict):
        raise ColumnMapError(f"{what}: `values` must map exported values to project values")
    return ColumnSource(
        columns=_text_list(spec[kind], what),
        joined=kind == "join",
        separator=str(spec.get("separator", " ")),
        formats=_text_list(spec.get("formats") or [], f"{what}: formats"),
        values=tuple((str(k), str(v)) for k, v in values.items()),
        true_values=_text_list(spec.get("true_values") or [], f"{what}: true_values"),
        false_values=_text_list(spec.get("false_values") or [], f"{what}: false_values"),
    )


def _flag(value: Any, what: str) -> bool:
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[value.strip().lower()]
    raise ColumnMapError(f"{what} must be true or false (found {value!r})")


def _timezone(value: Any, what: str) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ColumnMapError(f"{what}: unknown time zone {value!r} (an IANA name such as America/New_York, "
                             f"Europe/London, Asia/Tokyo, UTC)") from None
    return str(value)


def _fingerprint(name: str, entity: str, body: dict) -> str:
    text = json.dumps({"name": name, "entity": entity, "definition": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _entity_map(name: str, entity: str, body: Any, path: Path) -> EntityMap:
    where = f"{path.name}: entity {entity}"
    if not isinstance(body, dict):
        raise ColumnMapError(f"{where} must be a mapping with `columns:`")
    _reject_unknown_keys(body, _ENTITY_KEYS, where)
    raw_columns = body.get("columns") or {}
    if not isinstance(raw_columns, dict) or not raw_columns:
        raise ColumnMapError(f"{where} maps no columns")
    columns = {col: _source(col, spec, where) for col, spec in raw_columns.items()}
    header = _flag(body.get("header", "true"), f"{where}: header")
    file_columns = _text_list(body.get("file_columns") or [], f"{where}: file_columns")
    if header and file_columns:
        raise ColumnMapError(f"{where}: file_columns names the columns of a file without a header: add "
                             f"`header: false`")
    if not header and not file_columns:
        raise ColumnMapError(f"{where}: a file without a header needs file_columns: [its columns, in order]")
    if len(set(file_columns)) != len(file_columns):
        raise ColumnMapError(f"{where}: file_columns names a column twice")
    delimiter = body.get("delimiter")
    if delimiter is not None and delimiter != WHITESPACE and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ColumnMapError(f"{where}: delimiter must be one character or `{WHITESPACE}` (found {delimiter!r})")
    timezone = _timezone(body["timezone"], where) if body.get("timezone") else None
    reading = [source.columns for source in columns.values() if source.columns]
    detect = _text_list(body["detect"], f"{where}: detect") if body.get("detect") else (
        reading[0] if reading else ())
    return EntityMap(name, entity, detect, columns, _fingerprint(name, entity, body), timezone, header,
                     file_columns, delimiter, path)


def load_map(path: Path) -> list[EntityMap]:
    stat = path.stat()
    return _load_map(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _load_map(path: Path, mtime_ns: int, size: int) -> list[EntityMap]:
    """Read once per version of the file: every file of an ingest run asks which map reads it."""
    try:
        # BaseLoader: every scalar stays the text written (YAML 1.1 would read `yes` as true, `01` as 1).
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as exc:
        raise ColumnMapError(f"{path.name} is not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(document, dict):
        raise ColumnMapError(f"{path.name}: a column map is a mapping with `entities:`")
    name = document.get("name") or path.stem
    entities = document.get("entities")
    if not isinstance(entities, dict) or not entities:
        raise ColumnMapError(f"{path.name}: no `entities:` section")
    return [_entity_map(name, entity, body, path) for entity, body in entities.items()]


def available_maps(landing_dir: Path | None) -> list[EntityMap]:
    """The user's maps first (they may refine a shipped one), then the shipped maps."""
    paths = sorted(landing_dir.joinpath(USER_MAPS_FOLDER).glob("*.y*ml")) if landing_dir else []
    paths += sorted(BUILTIN_DIR.glob("*.yml"))
    return [m for path in paths for m in load_map(path)]


def map_named_after(file: Path, entity: str, landing_dir: Path | None) -> EntityMap | None:
    """The map in the landing folder's column_maps/ named after the file (same stem), for this entity."""
    if landing_dir is None:
        return None
    for suffix in (".yml", ".yaml"):
        path = landing_dir / USER_MAPS_FOLDER / f"{file.stem}{suffix}"
        if path.is_file():
            return next((m for m in load_map(path) if m.entity == entity), None)
    return None


def find_map(entity: str, header: list[str], landing_dir: Path | None) -> EntityMap | None:
    return next((m for m in available_maps(landing_dir) if m.entity == entity and m.fits(header)), None)


def has_time_of_day(date_format: str) -> bool:
    return any(directive in _TIME_DIRECTIVES for directive in _DIRECTIVE.findall(date_format.replace("%%", "")))


_DATE_PART_PATTERNS = {"Y": r"(\d{4})", "m": r"(\d{1,2})", "d": r"(\d{1,2})"}


def _parts_in_date_order_sql(sql: str, date_format: str) -> str | None:
    """SQL rewriting text shaped like a date-only `date_format` made of %Y, %m and %d (and literal separators) into
    `YYYY-MM-DD` by position, valid date or not; None for other formats."""
    pieces = re.split(r"(%[A-Za-z%])", date_format)
    directives = [p[1] for p in pieces if p.startswith("%") and len(p) == 2]
    if sorted(directives) != ["Y", "d", "m"]:
        return None
    pattern = "".join(_DATE_PART_PATTERNS[p[1]] if p.startswith("%") and len(p) == 2 else re.escape(p)
                      for p in pieces if p)
    group = {directive: index + 1 for index, directive in enumerate(directives)}
    literal = sql_literal(pattern)

    def part(directive: str, width: int) -> str:
        return f"lpad(regexp_extract({sql}, {literal}, {group[directive]}), {width}, '0')"

    return (f"case when regexp_full_match({sql}, {literal}) then "
            f"{part('Y', 4)} || '-' || {part('m', 2)} || '-' || {part('d', 2)} end")


def raw_value_sql(source: ColumnSource, file_columns: set[str]) -> str:
    """SQL for the text a source reads from the file's columns (all text), before formats and vocabularies.
    Exports leave optional properties out, so columns the file lacks are skipped; with none present, NULL."""
    if source.constant is not None:
        return sql_literal(source.constant)
    values = [f"nullif(trim({sql_identifier(c)}), '')" for c in source.columns if c in file_columns]
    if not values:
        return "null::varchar"
    if len(values) == 1:
        return values[0]
    if source.joined:  # concat_ws skips NULLs: "12" + NULL + "High St" -> "12 High St"
        return f"nullif(concat_ws({sql_literal(source.separator)}, {', '.join(values)}), '')"
    return f"coalesce({', '.join(values)})"


# Project columns whose impossible dates are worth keeping in year-month-day order (see column_sql).
DATES_KEPT_IN_ORDER = ("date_of_birth",)


def column_sql(source: ColumnSource, file_columns: set[str], project_column: str = "") -> str:
    """SQL for one project column's text value from the file's columns (all text)."""
    sql = raw_value_sql(source, file_columns)
    if source.formats:
        parsed = [f"strftime(try_strptime({sql}, {sql_literal(f)}), "
                  f"{sql_literal('%Y-%m-%d %H:%M:%S' if has_time_of_day(f) else '%Y-%m-%d')})"
                  for f in source.formats]
        # A value no format parses is kept as written, so the loader's date check quarantines it showing the file's
        # text. A date of birth has no such check: an impossible one (27/13/1977) is rewritten year-month-day when a
        # date-only format's shape fits it ("1977-13-27"), since a mistyped date of birth is still evidence for
        # identity when its parts are in the order of every other record's.
        reordered = [r for r in (_parts_in_date_order_sql(sql, f) for f in source.formats) if r] \
            if project_column in DATES_KEPT_IN_ORDER else []
        sql = f"coalesce({', '.join(parsed + reordered)}, {sql})"
    if source.values:
        cases = " ".join(f"when {sql_literal(k)} then {sql_literal(v)}" for k, v in source.values)
        sql = f"case {sql} {cases} else {sql} end"
    if source.is_boolean:
        trues = ", ".join(sql_literal(v.lower()) for v in source.true_values) or "null"
        falses = ", ".join(sql_literal(v.lower()) for v in source.false_values) or "null"
        sql = f"case when lower({sql}) in ({trues}) then 'true' when lower({sql}) in ({falses}) then 'false' end"
    return sql
