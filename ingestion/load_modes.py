"""Whether a newer export appends rows or replaces rows by key.

Declared once per raw table, in dbt_project.yml (var `raw_load_modes`), where the staging models apply it
(macro current_rows). The loader reads the same declaration to count, per file, the rows that replace rows an
earlier load brought.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from common.settings import PROJECT_ROOT

DBT_PROJECT_YAML = PROJECT_ROOT / "dbt_project" / "dbt_project.yml"
LOAD_MODES = ("append", "replace_by_key")


@dataclass(frozen=True)
class LoadMode:
    mode: str               # append | replace_by_key
    key: tuple[str, ...]    # the event id (append) or the record key (replace_by_key)
    # replace_by_key: an ORDER BY ranking a key's rows newest first ahead of the load order ("updated_at desc")
    newest_first: str | None = None


@cache
def declared_load_modes(dbt_project_yaml: Path = DBT_PROJECT_YAML) -> dict[str, LoadMode]:
    """Raw table name -> its declared load mode."""
    # The C parser when PyYAML has it: 1 ms instead of 8 ms, paid by every ingest run.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    declared = yaml.load(dbt_project_yaml.read_text(encoding="utf-8"), Loader=loader)["vars"]["raw_load_modes"]
    modes = {}
    for table, declaration in declared.items():
        key = declaration.get("key")
        if declaration.get("load_mode") not in LOAD_MODES or not key:
            raise ValueError(f"{dbt_project_yaml}: raw_load_modes.{table} must declare load_mode "
                             f"({' | '.join(LOAD_MODES)}) and key")
        modes[table] = LoadMode(declaration["load_mode"], (key,) if isinstance(key, str) else tuple(key),
                                declaration.get("newest_first"))
    return modes
