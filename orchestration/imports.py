"""`crm import`: bring a user's CSV export into the landing zone with its column map, then ingest it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from common.settings import Settings
from ingestion.column_maps import USER_MAPS_FOLDER, ColumnMapError, find_map, load_map
from ingestion.landing import detect_encoding
from ingestion.load import FileResult, IngestReport
from ingestion.sources.base import sniff_header
from orchestration.errors import CrmError
from orchestration.pipeline import run_ingest


def _pick_entity(settings: Settings, csv_file: Path, map_file: Path | None, entity: str | None) -> str:
    header = sniff_header(csv_file, detect_encoding(csv_file))
    if map_file is not None:
        try:
            maps = load_map(map_file)
        except ColumnMapError as exc:
            raise CrmError(str(exc)) from exc
        candidates = [m for m in maps if entity in (None, m.entity)]
        fitting = [m for m in candidates if m.fits(header)]
        if not fitting:
            detail = "; ".join(f"{m.entity} needs {', '.join(c for c in m.detect if c not in header)}"
                               for m in candidates) or f"it has no entity {entity}"
            raise CrmError(f"{map_file.name} does not fit {csv_file.name}: {detail}")
        return fitting[0].entity
    if entity:
        return entity
    for candidate in ("contacts", "companies", "deals", "orders"):
        if find_map(candidate, header, settings.landing_dir):
            return candidate
    raise CrmError(f"no column map fits {csv_file.name}: pass --map your_map.yml (see ingestion/column_maps/)")


def import_csv(settings: Settings, csv_file: Path, map_file: Path | None, entity: str | None,
               progress: Callable[[FileResult], None] | None = None) -> IngestReport:
    entity = _pick_entity(settings, csv_file, map_file, entity)
    if map_file is not None:
        maps_dir = settings.landing_dir / USER_MAPS_FOLDER
        maps_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(map_file, maps_dir / map_file.name)
    target = settings.landing_dir / "sales" / f"{entity}_import-{csv_file.stem}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(csv_file, target)
    return run_ingest(settings, families=("sales",), progress=progress)
