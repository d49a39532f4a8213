"""The dbt docs site opens on the project's own overview, not dbt's generic welcome page, and the overview's links
and glossary point at things that exist."""

import json
import os
import re
from pathlib import Path

import pytest

from common.settings import load_settings
from orchestration.dbt import run_dbt

pytestmark = pytest.mark.slow  # generates dbt's docs site

OVERVIEW = "doc.customer360.__overview__"
# [text](#!/model/model.customer360.dim_customers): a page of the dbt docs site.
SITE_LINK = re.compile(r"\]\(#!/\w+/([^)\s]+)\)")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """`dbt parse` as `crm docs` runs dbt, into a target folder of its own (the project's stays untouched)."""
    data = tmp_path_factory.mktemp("docs")
    settings = load_settings(environ={**os.environ, "CRM_PATHS_DATA_DIR": str(data)})
    target = data / "target"
    run_dbt(settings, ["parse", "--quiet", "--target-path", str(target)])
    return json.loads(Path(target / "manifest.json").read_text(encoding="utf-8"))


def _doc_blocks_used(node: dict) -> set[str]:
    used = set(node.get("doc_blocks") or [])
    for column in node.get("columns", {}).values():
        used |= set(column.get("doc_blocks") or [])
    return used


def test_the_docs_site_opens_on_the_projects_overview(manifest):
    # The docs site shows the first __overview__ block of a package other than dbt's own.
    overviews = [d for d in manifest["docs"].values() if d["name"] == "__overview__" and d["package_name"] != "dbt"]
    assert [d["unique_id"] for d in overviews] == [OVERVIEW]
    text = overviews[0]["block_contents"]
    for topic in ("## Layers", "raw", "staging", "intermediate", "marts", "bi", "## Where to start", "dim_customers",
                  "mart_kpis_by_period", "identity resolution", "## As-of builds", "## Glossary"):
        assert topic in text, topic


def test_every_link_of_the_overview_opens_a_page_of_the_site(manifest):
    text = manifest["docs"][OVERVIEW]["block_contents"]
    pages = {**manifest["nodes"], **manifest["sources"]}  # models and seeds are nodes
    links = SITE_LINK.findall(text)
    assert len(links) > 20
    assert [link for link in links if link not in pages] == []


def test_every_doc_block_of_the_glossary_exists_and_is_shown_on_a_model_its_row_links(manifest):
    text = manifest["docs"][OVERVIEW]["block_contents"]
    pages = {**manifest["nodes"], **manifest["sources"]}
    rows = [line for line in text.splitlines() if line.startswith("|") and "doc block" in line]
    assert len(rows) >= 10
    for row in rows:
        named = re.findall(r"`(\w+)`", row.split("doc block", 1)[1].split(":", 1)[0])
        assert named, row
        assert [n for n in named if f"doc.customer360.{n}" not in manifest["docs"]] == [], row
        linked = SITE_LINK.findall(row)
        if linked:
            shown = set().union(*(_doc_blocks_used(pages[uid]) for uid in linked))
            assert [n for n in named if f"doc.customer360.{n}" not in shown] == [], row
