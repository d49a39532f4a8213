"""Ingestion assets: one per source family, the event sources (web, email events, calls) apart and partitioned
by day (orchestration/partitions.py says which files a day covers). Each materialises the raw tables of its
sources; each raw table carries the freshness policy of its source's expected arrival interval."""


from collections import defaultdict
from datetime import date, timedelta

import dagster as dg

from common.settings import get_settings
from ingestion.load import IngestReport
from ingestion.sources import SourceSpec, all_sources
from orchestration.partitions import EVENT_SOURCES, covers, event_partitions
from orchestration.pipeline import run_ingest
from orchestration.resilience import BUILD_WAREHOUSE_POOL, retry_transient
from quality.freshness import expected_every_hours

RAW_KEY_PREFIX = "raw"


def raw_asset_key(spec: SourceSpec) -> dg.AssetKey:
    # dagster-dbt's default key for source('raw', '<table>') is raw/<table>: the dbt staging models hang off these.
    return dg.AssetKey([RAW_KEY_PREFIX, spec.raw_table])


def ingestion_groups() -> dict[str, list[SourceSpec]]:
    """The ingestion assets: one per source family; a family with event and other sources (email: messages and
    campaign events) is split, since the events' asset is partitioned by day and the other is not."""
    sources = all_sources()
    mixed = {s.family for s in sources if s.name in EVENT_SOURCES} & {
        s.family for s in sources if s.name not in EVENT_SOURCES}
    groups: dict[str, list[SourceSpec]] = defaultdict(list)
    for spec in sources:
        groups[f"{spec.family}_events" if spec.family in mixed and spec.name in EVENT_SOURCES else spec.family
               ].append(spec)
    return dict(groups)


def raw_table_metadata(report: IngestReport, specs: list[SourceSpec]) -> dict[dg.AssetKey, dict[str, int]]:
    """What an ingestion run did to each source's raw table: its materialization's metadata (here and when a `crm`
    command ran the ingestion)."""
    by_source = {spec.name: {"files_loaded": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_suppressed": 0}
                 for spec in specs}
    for result in report.files:
        if result.source in by_source:
            totals = by_source[result.source]
            totals["files_loaded"] += result.status == "loaded"
            totals["rows_loaded"] += result.rows_loaded
            totals["rows_quarantined"] += result.rows_quarantined
            totals["rows_suppressed"] += result.rows_suppressed
    return {raw_asset_key(spec): by_source[spec.name] for spec in specs}


def _raw_spec(spec: SourceSpec, partitions: dg.PartitionsDefinition | None) -> dg.AssetSpec:
    description = f"Raw rows of {spec.name} landing files ({', '.join(spec.patterns)})"
    if not spec.delivers_on_schedule:
        return dg.AssetSpec(raw_asset_key(spec), group_name="ingestion", kinds={"duckdb"}, partitions_def=partitions,
                            description=f"{description}; reference data, loaded when a user brings a file.")
    hours = expected_every_hours(get_settings().source_expected_every_hours, spec.name)
    return dg.AssetSpec(
        raw_asset_key(spec), group_name="ingestion", kinds={"duckdb"}, partitions_def=partitions,
        description=f"{description}; a new file is expected every {hours:g} h.",
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=hours)),
        metadata={"expected_every_hours": hours},
    )


def _partition_days(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window  # [start, end) in the business time zone
    return window.start.date(), (window.end - timedelta(days=1)).date()


def _ingestion_asset(group: str, specs: list[SourceSpec]) -> dg.AssetsDefinition:
    settings = get_settings()
    partitioned = all(s.name in EVENT_SOURCES for s in specs)
    partitions = event_partitions(settings.event_partitions_start, settings.business_timezone) if partitioned else None

    @dg.multi_asset(
        name=f"ingest_{group}",
        specs=[_raw_spec(s, partitions) for s in specs],
        pool=BUILD_WAREHOUSE_POOL,
        # A range of days (a backfill) loads in one run: the files, not the days, are the unit of work.
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
    )
    def ingest_group(context: dg.AssetExecutionContext):
        settings = get_settings()
        days = _partition_days(context)
        file_filter = None
        if days is not None:
            context.log.info(f"loading files covering {days[0]} to {days[1]}")
            file_filter = lambda f: covers(f, days[0], days[1], settings.business_timezone)  # noqa: E731
        with retry_transient(context):
            report = run_ingest(settings, sources=tuple(s.name for s in specs), file_filter=file_filter)
        for result in report.files:
            if result.error:
                context.log.warning("%s: %s", result.source_file, result.error)
        for key, metadata in raw_table_metadata(report, specs).items():
            yield dg.MaterializeResult(asset_key=key, metadata=metadata)

    return ingest_group


def ingestion_assets() -> list[dg.AssetsDefinition]:
    return [_ingestion_asset(group, specs) for group, specs in ingestion_groups().items()]
