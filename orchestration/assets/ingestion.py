"""One ingestion asset per source family; each materialises the raw tables of its sources."""


from collections import defaultdict

import dagster as dg

from common.settings import get_settings
from ingestion.sources import SourceSpec, all_sources
from orchestration.pipeline import run_ingest

RAW_KEY_PREFIX = "raw"


def raw_asset_key(spec: SourceSpec) -> dg.AssetKey:
    # dagster-dbt's default key for source('raw', '<table>') is raw/<table>: the dbt staging models hang off these.
    return dg.AssetKey([RAW_KEY_PREFIX, spec.raw_table])


def _ingestion_asset(family: str, specs: list[SourceSpec]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"ingest_{family}",
        specs=[dg.AssetSpec(raw_asset_key(s), group_name="ingestion", kinds={"duckdb"},
                            description=f"Raw rows of {s.name} landing files ({', '.join(s.patterns)}).")
               for s in specs],
        retry_policy=dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL),
    )
    def ingest_family(context: dg.AssetExecutionContext):
        report = run_ingest(get_settings(), families=(family,))
        by_source = defaultdict(lambda: {"files_loaded": 0, "rows_loaded": 0, "rows_quarantined": 0})
        for result in report.files:
            totals = by_source[result.source]
            totals["files_loaded"] += result.status == "loaded"
            totals["rows_loaded"] += result.rows_loaded
            totals["rows_quarantined"] += result.rows_quarantined
            if result.error:
                context.log.warning("%s: %s", result.source_file, result.error)
        for spec in specs:
            yield dg.MaterializeResult(asset_key=raw_asset_key(spec), metadata=dict(by_source[spec.name]))

    return ingest_family


def ingestion_assets() -> list[dg.AssetsDefinition]:
    by_family: dict[str, list[SourceSpec]] = defaultdict(list)
    for spec in all_sources():
        by_family[spec.family].append(spec)
    return [_ingestion_asset(family, specs) for family, specs in by_family.items()]
