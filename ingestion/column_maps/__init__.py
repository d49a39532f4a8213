"""Column maps: how a CRM's CSV export maps onto the project's entities (contacts, companies, deals, …).

A map is YAML (see hubspot.yml, salesforce.yml): per entity, the header columns that identify the export
(`detect`) and, per project column, where its value comes from —

    email: Email                                  one source column
    phone: [Phone Number, Mobile Phone Number]    the first non-empty of several
    created_at: {column: Create Date, formats: ["%m/%d/%Y %H:%M"]}   dates rewritten as YYYY-MM-DD HH:MM:SS
    stage: {column: Deal Stage, values: {Closed won: closed_won}}    values translated
    marketing_consent: {column: Opted out, true_values: ["false"], false_values: ["true"]}

Maps ship in this folder; users add theirs to the landing folder's `column_maps/` (or with `crm import`).
The mapping becomes SQL over DuckDB's read of the file: no row-by-row Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ingestion.sql import sql_identifier, sql_literal

BUILTIN_DIR = Path(__file__).parent
USER_MAPS_FOLDER = "column_maps"  # inside the landing folder


class ColumnMapError(ValueError):
    """A map is malformed or does not fit the file; the message says what to fix."""


@dataclass(frozen=True)
class ColumnSource:
    columns: tuple[str, ...]
    formats: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityMap:
    map_name: str
    entity: str
    detect: tuple[str, ...]
    columns: dict[str, ColumnSource]

    def fits(self, header: list[str]) -> bool:
        return all(column in header for column in self.detect)

    def source_columns(self) -> set[str]:
        return {c for source in self.columns.values() for c in source.columns}


def _source(project_column: str, spec: Any, map_name: str) -> ColumnSource:
    if isinstance(spec, str):
        return ColumnSource((spec,))
    if isinstance(spec, list) and all(isinstance(c, str) for c in spec):
        return ColumnSource(tuple(spec))
    if isinstance(spec, dict) and "column" in spec:
        columns = spec["column"]
        return ColumnSource(
            columns=(columns,) if isinstance(columns, str) else tuple(columns),
            formats=tuple(spec.get("formats", ())),
            values=tuple((str(k), str(v)) for k, v in (spec.get("values") or {}).items()),
            true_values=tuple(str(v) for v in spec.get("true_values", ())),
            false_values=tuple(str(v) for v in spec.get("false_values", ())),
        )
    raise ColumnMapError(f"map {map_name}: {project_column} must be a column name, a list of names, or "
                         f"{{column: …, formats/values/true_values/false_values: …}}")


def load_map(path: Path) -> list[EntityMap]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ColumnMapError(f"{path.name} is not valid YAML: {exc}") from exc
    name = document.get("name") or path.stem
    entities = document.get("entities")
    if not isinstance(entities, dict) or not entities:
        raise ColumnMapError(f"{path.name}: no `entities:` section")
    maps = []
    for entity, body in entities.items():
        columns = {col: _source(col, spec, name) for col, spec in (body.get("columns") or {}).items()}
        if not columns:
            raise ColumnMapError(f"{path.name}: entity {entity} maps no columns")
        detect = tuple(body.get("detect") or next(iter(columns.values())).columns)
        maps.append(EntityMap(name, entity, detect, columns))
    return maps


def available_maps(landing_dir: Path | None) -> list[EntityMap]:
    """The user's maps first (they may refine a shipped one), then the shipped maps."""
    paths = sorted(landing_dir.joinpath(USER_MAPS_FOLDER).glob("*.y*ml")) if landing_dir else []
    paths += sorted(BUILTIN_DIR.glob("*.yml"))
    return [m for path in paths for m in load_map(path)]


def find_map(entity: str, header: list[str], landing_dir: Path | None) -> EntityMap | None:
    return next((m for m in available_maps(landing_dir) if m.entity == entity and m.fits(header)), None)


def column_sql(source: ColumnSource, file_columns: set[str]) -> str:
    """SQL for one project column's text value from the file's columns (all text). Exports leave optional
    properties out, so source columns the file lacks are skipped; with none present the value is NULL."""
    values = [f"nullif(trim({sql_identifier(c)}), '')" for c in source.columns if c in file_columns]
    if not values:
        return "null::varchar"
    sql = values[0] if len(values) == 1 else f"coalesce({', '.join(values)})"
    if source.formats:
        formats = "[" + ", ".join(sql_literal(f) for f in source.formats) + "]"
        # Unparseable text is kept as it is, so the loader's date check quarantines it with a reason.
        sql = f"coalesce(strftime(try_strptime({sql}, {formats}), '%Y-%m-%d %H:%M:%S'), {sql})"
    if source.values:
        cases = " ".join(f"when {sql_literal(k)} then {sql_literal(v)}" for k, v in source.values)
        sql = f"case {sql} {cases} else {sql} end"
    if source.true_values or source.false_values:
        trues = ", ".join(sql_literal(v.lower()) for v in source.true_values) or "null"
        falses = ", ".join(sql_literal(v.lower()) for v in source.false_values) or "null"
        sql = f"case when lower({sql}) in ({trues}) then 'true' when lower({sql}) in ({falses}) then 'false' end"
    return sql
