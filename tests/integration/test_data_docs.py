"""The Data Docs site after each check: this check's pages rendered, the latest DATA_DOCS_RUNS_KEPT runs of each suite
kept (results and pages alike), the index listing the newest; the earlier runs' pages are not rendered again."""

from pathlib import Path

import duckdb

from quality.run import DATA_DOCS_RUNS_KEPT, _Validator, data_docs_index
from quality.suites import SuiteSpec


def _run_folders(folder: Path, suite: str) -> list[str]:
    return sorted(p.name for p in (folder / suite / "__none__").iterdir() if p.is_dir())


def test_each_check_renders_its_pages_and_keeps_the_latest_runs(tmp_path: Path):
    import great_expectations as gx

    con = duckdb.connect()
    con.execute("create table t as select range as n from range(10)")

    def specs() -> list[SuiteSpec]:  # made anew for each check, as `crm check` does
        return [SuiteSpec(name=name, layer="marts", table="marts.t", query="select n from t",
                          expectations=[gx.expectations.ExpectColumnValuesToBeBetween(column="n", min_value=0,
                                                                                       max_value=9)])
                for name in ("first_suite", "second_suite")]

    results = tmp_path / "gx" / "uncommitted" / "validations"
    pages = data_docs_index(tmp_path).parent / "validations"
    earlier_page: tuple[Path, int] | None = None
    for check in range(DATA_DOCS_RUNS_KEPT + 2):
        validator = _Validator(tmp_path)  # a check run each, as `crm check` makes one
        for spec in specs():
            assert all(o.success for o in validator.validate(con, spec))
        validator.build_docs(tmp_path)
        for spec in specs():
            kept = _run_folders(results, spec.name)
            assert len(kept) == min(check + 1, DATA_DOCS_RUNS_KEPT)
            assert _run_folders(pages, spec.name) == kept  # a page for every kept result, none for dropped ones
            newest = pages / spec.name / "__none__" / kept[-1]
            assert list(newest.rglob("*.html")), f"no page for the newest run of {spec.name}"
        assert kept[-1] in data_docs_index(tmp_path).read_text(encoding="utf-8")
        if earlier_page and earlier_page[0].exists():  # an earlier run's page is not rendered again
            assert earlier_page[0].stat().st_mtime_ns == earlier_page[1]
        page = next(newest.rglob("*.html"))
        earlier_page = (page, page.stat().st_mtime_ns)
