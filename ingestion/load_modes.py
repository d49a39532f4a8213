"""Whether a newer export appends rows or replaces rows by key.

Declared once per raw table, on its source spec (`SourceSpec.load_mode`, ingestion/sources/); the staging models
apply it (macro current_rows, through dbt var `raw_load_modes`), and the loader reads it to count, per file, the
rows that replace rows an earlier load brought.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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


@cache
def declared_load_modes() -> dict[str, LoadMode]:
    """Raw table name -> its declared load mode."""
    from ingestion.sources import all_sources

    return {spec.raw_table: spec.load_mode for spec in all_sources()}
