"""The layering of docs/architecture.md, enforced: an import that runs against it fails here.

Every import statement counts, at module level or inside a function (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

from common.settings import PROJECT_ROOT

# Package -> the project packages it may import (besides itself). Mirrors the table in docs/architecture.md.
ALLOWED_IMPORTS: dict[str, set[str]] = {
    "common": set(),
    "ingestion": {"common"},
    "identity": {"common"},
    "predictions": {"common"},
    "quality": {"common", "ingestion"},
    "dashboards": {"common", "identity", "quality"},
    "orchestration": {"common", "ingestion", "identity", "predictions", "quality"},
    "benchmarks": {"common", "ingestion", "identity", "predictions", "quality", "orchestration", "dashboards"},
}
# Inside ingestion, arrows point down this list only (a module may import its own level or lower ones): the
# shared helpers, then the declarative source specs, then the loader, then live mailbox reading.
INGESTION_LEVELS: list[set[str]] = [
    {"checks", "landing", "column_maps"},
    {"sources"},
    {"load"},
    {"imap"},
]
# The sample-data generator stands alone: it writes files the way source systems do and knows nothing else.
STANDALONE = "ingestion.sample_data"


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports the module; `from module import name` the module.
            package = root.joinpath(*node.module.split("."))
            modules = [f"{node.module}.{alias.name}" for alias in node.names
                       if (package / alias.name).is_dir() or (package / f"{alias.name}.py").is_file()]
            found += [(node.lineno, module) for module in modules or [node.module]]
    return found


def _ingestion_level(module: str) -> int | None:
    part = module.split(".")[1] if module.count(".") else None
    for level, names in enumerate(INGESTION_LEVELS):
        if part in names:
            return level
    return None


def layering_violations(root: Path) -> list[str]:
    violations = []
    for package, allowed in ALLOWED_IMPORTS.items():
        for path in sorted((root / package).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            for line, imported in _imports(path, root):
                target = imported.split(".")[0]
                where = f"{path.relative_to(root)}:{line} imports {imported}"
                if target in ALLOWED_IMPORTS and target != package and target not in allowed:
                    violations.append(f"{where}: {package} may not import {target}")
                if module.startswith(STANDALONE) and target in ALLOWED_IMPORTS \
                        and not imported.startswith(STANDALONE):
                    violations.append(f"{where}: the sample-data generator imports nothing of the product")
                if package == "ingestion" and target == "ingestion":
                    own, other = _ingestion_level(module), _ingestion_level(imported)
                    if own is not None and other is not None and other > own:
                        violations.append(f"{where}: an import running back up inside ingestion")
    return sorted(violations)


def test_the_product_follows_its_layering():
    assert layering_violations(PROJECT_ROOT) == []


def test_an_import_against_the_layering_is_found(tmp_path):
    def write(relative: str, text: str) -> None:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")

    write("common/settings.py", "import json\n")
    write("dashboards/queries.py", "def load():\n    from ingestion.load import run\n")
    write("ingestion/sources/base.py", "from ingestion.load import stage\n")
    write("ingestion/load.py", "from ingestion.sources.base import SourceSpec\nfrom common.settings import X\n")
    write("ingestion/sample_data/generator.py", "from common import settings\n")
    write("quality/run.py", "import orchestration.pipeline\n")

    found = layering_violations(tmp_path)

    assert found == [
        "dashboards/queries.py:2 imports ingestion.load: dashboards may not import ingestion",
        "ingestion/sample_data/generator.py:1 imports common.settings: the sample-data generator imports nothing "
        "of the product",
        "ingestion/sources/base.py:1 imports ingestion.load: an import running back up inside ingestion",
        "quality/run.py:1 imports orchestration.pipeline: quality may not import orchestration",
    ]
