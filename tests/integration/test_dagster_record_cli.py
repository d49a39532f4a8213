"""`crm ingest` and `crm import` record the raw tables they loaded in Dagster's instance, with the ingestion asset's
own figures; a Dagster home that cannot be written costs a warning, never the command. (The whole build's record:
tests/e2e/test_dagster_record.py.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from common.settings import PROJECT_ROOT, load_settings
from ingestion.sources import all_sources

CRM = str(Path(sys.executable).parent / "crm")


def _crm(data: Path, *args: str, dagster_home: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_PATHS_DATA_DIR": str(data), "CRM_DAGSTER_RECORD_CLI_RUNS": "true",
           "CRM_PATHS_DAGSTER_HOME": str(dagster_home or data / "dagster_home")}
    return subprocess.run([CRM, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)


def _landing(data: Path) -> None:
    events = data / "landing" / "web" / "segment-2026-01.jsonl"
    events.parent.mkdir(parents=True)
    events.write_text("".join(json.dumps({"type": "page", "messageId": f"m{i}", "anonymousId": "a1",
                                          "timestamp": "2026-01-01T00:00:00Z"}) + "\n" for i in range(3))
                      + "not json\n", encoding="utf-8")


def _latest(dagster_home: Path) -> dict[str, dict | None]:
    assert dagster_home.is_dir(), "nothing was recorded in Dagster's instance"
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        events = {f"raw/{spec.raw_table}": instance.get_latest_materialization_event(
            dg.AssetKey(["raw", spec.raw_table])) for spec in all_sources()}
    return {key: {name: value.value for name, value in event.asset_materialization.metadata.items()}
            if event else None for key, event in events.items()}


def test_a_raw_tables_metadata_counts_the_rows_suppressed_next_to_loaded_and_quarantined():
    from ingestion.load import FileResult, IngestReport
    from orchestration.assets.ingestion import raw_table_metadata

    [orders] = [spec for spec in all_sources() if spec.name == "sales__orders"]
    # two files: 10 rows read = 7 loaded + 1 quarantined + 2 suppressed; 5 = 5 + 0 + 0
    report = IngestReport([
        FileResult("sales__orders", "sales/orders-1.csv", "loaded", 10, 7, 1, rows_suppressed=2),
        FileResult("sales__orders", "sales/orders-2.csv", "loaded", 5, 5, 0),
    ])
    metadata = raw_table_metadata(report, [orders])
    assert metadata[dg.AssetKey(["raw", orders.raw_table])] == {
        "files_loaded": 2, "rows_loaded": 12, "rows_quarantined": 1, "rows_suppressed": 2}


def test_crm_ingest_and_crm_import_record_the_raw_tables_they_loaded(tmp_path: Path):
    _landing(tmp_path)
    home = load_settings(environ={**os.environ, "CRM_PATHS_DATA_DIR": str(tmp_path),
                                  "CRM_PATHS_DAGSTER_HOME": str(tmp_path / "dagster_home")}).dagster_home

    ingested = _crm(tmp_path, "ingest")
    assert ingested.returncode == 0, ingested.stderr
    latest = _latest(home)
    # every raw table the run covered, as Dagster's own ingestion assets record it: with or without new files
    assert [key for key, metadata in latest.items() if metadata is None] == []
    assert latest["raw/web__segment_events"] == {"files_loaded": 1, "rows_loaded": 3, "rows_quarantined": 1,
                                                 "rows_suppressed": 0, "built_by": "crm ingest"}
    assert latest["raw/sales__orders"] == {"files_loaded": 0, "rows_loaded": 0, "rows_quarantined": 0,
                                           "rows_suppressed": 0, "built_by": "crm ingest"}

    orders = tmp_path / "orders.csv"
    orders.write_text("customer,day,spend\n7,19970101,11.77\n", encoding="utf-8")
    column_map = tmp_path / "shop.yml"
    column_map.write_text("name: shop\nentities:\n  orders:\n    columns:\n      contact_id: customer\n"
                          "      order_date: {column: day, formats: ['%Y%m%d']}\n      amount: spend\n"
                          "      currency: {value: USD}\n      status: {value: completed}\n", encoding="utf-8")
    imported = _crm(tmp_path, "import", str(orders), "--map", str(column_map))
    assert imported.returncode == 0, imported.stderr
    latest = _latest(home)
    assert latest["raw/sales__orders"] == {"files_loaded": 1, "rows_loaded": 1, "rows_quarantined": 0,
                                           "rows_suppressed": 0, "built_by": "crm import"}
    assert latest["raw/web__segment_events"]["built_by"] == "crm ingest"  # import loads its own file only


def test_a_dagster_home_that_cannot_be_written_is_a_warning(tmp_path: Path):
    _landing(tmp_path)
    not_a_folder = tmp_path / "dagster_home"
    not_a_folder.write_text("a file where the Dagster home should be")

    result = _crm(tmp_path, "ingest", dagster_home=not_a_folder)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line.strip() for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and warnings[0].startswith(
        f"warning: Dagster's record of what `crm ingest` built was not updated in {not_a_folder}:"), warnings
    assert "files loaded: 1" in result.stdout
