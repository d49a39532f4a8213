"""`crm import`: bring a user's CSV export into the landing zone with its column map, load it, and say what came
of it (rows loaded and quarantined and why, columns kept aside, mapped columns that came out empty)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from common.settings import Settings
from ingestion.column_maps import USER_MAPS_FOLDER, ColumnMapError, EntityMap, find_map, load_map
from ingestion.load import FileResult
from ingestion.sources.base import sniff_header
from orchestration.errors import CrmError
from orchestration.pipeline import configured_sources, run_ingest

# What a file may hold when no map says so, in the order tried against the shipped and users' maps.
DETECTED_ENTITIES = ("contacts", "companies", "deals", "orders")
CONSENT_SOURCE = "consent__statements"


@dataclass
class ImportOutcome:
    result: FileResult
    # Said before loading: columns the map reads that the file does not have.
    warnings: list[str] = field(default_factory=list)

    def report(self) -> list[str]:
        """What to tell the user, line by line."""
        result = self.result
        lines = [f"warning: {w}" for w in self.warnings]
        if result.status == "skipped":
            return [*lines, f"{result.source_file}: already loaded with this map: nothing changed"]
        lines.append(f"{result.source_file}: {result.rows_read} rows read, {result.rows_loaded} loaded, "
                     f"{result.rows_quarantined} quarantined")
        if result.rows_suppressed:
            lines.append(f"  {result.rows_suppressed} rows name people erased by `crm forget`: suppressed, not loaded")
        if result.quarantine_reasons:
            reasons = "; ".join(f"{count} × {reason}" for reason, count in result.quarantine_reasons)
            lines.append(f"  quarantined (audit.quarantine): {reasons}")
        if result.extra_columns:
            lines.append(f"  columns no project column takes, kept in _extra: {', '.join(result.extra_columns)}")
        lines += [f"  warning: {note}" for note in result.notes]
        if result.superseded_loads:
            lines.append(f"  the earlier load of this content (read with another map) is superseded: its "
                         f"{result.rows_superseded} rows left raw, its quarantined rows audit.quarantine")
        lines.append("Run `crm build` (or `crm run --skip-generate`) to merge the imported records into the "
                     "customer 360.")
        return lines


def _read_map(map_file: Path) -> list[EntityMap]:
    try:
        return load_map(map_file)
    except ColumnMapError as exc:
        raise CrmError(str(exc)) from exc


def _file_columns(csv_file: Path, entity_map: EntityMap) -> list[str]:
    return sniff_header(csv_file, delimiter=entity_map.delimiter) if entity_map.header else list(
        entity_map.file_columns)


def _pick(settings: Settings, csv_file: Path, map_file: Path | None, entity: str | None
          ) -> tuple[str, EntityMap | None]:
    """The entity the file holds and the map given for it (None: the landing folder's maps decide)."""
    if map_file is not None:
        candidates = [m for m in _read_map(map_file) if entity in (None, m.entity)]
        fitting = [m for m in candidates if not m.header or m.fits(_file_columns(csv_file, m))]
        if not fitting:
            needs = {m.entity: [c for c in m.detect if c not in _file_columns(csv_file, m)] for m in candidates}
            detail = "; ".join(f"{name} needs {', '.join(columns)}" for name, columns in needs.items()) or (
                f"it has no entity {entity}")
            raise CrmError(f"{map_file.name} does not fit {csv_file.name}: {detail}")
        return fitting[0].entity, fitting[0]
    if entity:
        return entity, None
    header = sniff_header(csv_file)
    for candidate in DETECTED_ENTITIES:
        if find_map(candidate, header, settings.landing_dir):
            return candidate, None
    raise CrmError(f"no column map fits {csv_file.name}: pass --map your_map.yml (see ingestion/column_maps/)")


def _missing_column_warnings(csv_file: Path, map_file: Path, entity_map: EntityMap) -> list[str]:
    """A plain string in a map is a column name: one the file lacks stays empty. Say so, in case a constant was
    meant."""
    return [f"{map_file.name}: {project_column} reads column {column!r}, which {csv_file.name} does not have "
            f"(it stays empty); for the constant, write {project_column}: {{value: {column}}}"
            for project_column, column in entity_map.missing_columns(_file_columns(csv_file, entity_map))]


def import_csv(settings: Settings, csv_file: Path, map_file: Path | None, entity: str | None) -> ImportOutcome:
    """Copy the file (and its map, named after the copy, so it is this file's map) into the landing folder and
    load it alone."""
    entity, entity_map = _pick(settings, csv_file, map_file, entity)
    importable = {s.name.removeprefix("sales__"): (s.name, "sales", f"{s.name.removeprefix('sales__')}_import-")
                  for s in configured_sources(settings) if s.family == "sales"}
    # A consent log lands where consent logs do (consent/*.csv).
    importable["consent"] = (CONSENT_SOURCE, "consent", "import-")
    if entity not in importable:
        raise CrmError(f"cannot import {entity}: an importable entity is one of {', '.join(importable)}")
    source, folder, prefix = importable[entity]
    warnings = _missing_column_warnings(csv_file, map_file, entity_map) if map_file and entity_map else []
    target = settings.landing_dir / folder / f"{prefix}{csv_file.stem}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    if map_file is not None:
        maps_dir = settings.landing_dir / USER_MAPS_FOLDER
        maps_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(map_file, maps_dir / f"{target.stem}.yml")
    shutil.copyfile(csv_file, target)
    report = run_ingest(settings, sources=(source,), file_filter=lambda landing_file: landing_file.path == target)
    result = next((f for f in report.files if f.source_file == target.relative_to(settings.landing_dir).as_posix()),
                  None)
    if result is None:
        raise CrmError(f"{target} is not among the files source {source} reads: check [sources] in crm.toml")
    if result.status in {"rejected", "failed"}:
        raise CrmError(f"{csv_file.name} was not loaded: {result.error}")
    return ImportOutcome(result, warnings)
