"""Sensors: new landing files start their ingestion; a run that fails for good is announced on a webhook."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from common.settings import Settings, get_settings
from ingestion.landing import HashCache, discover
from orchestration.partitions import EVENT_SOURCES, file_period

log = logging.getLogger(__name__)
PARTITION_RANGE_START, PARTITION_RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
WEBHOOK_TIMEOUT_SECONDS = 10


def loaded_hashes(settings: Settings) -> set[str] | None:
    """Content hashes of every loaded file (the ingestion manifest), or None while a writer holds the warehouse."""
    import duckdb

    from common.sql import table_exists

    if not settings.build_db.exists():
        return set()
    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.IOException:
        return None  # locked by a run: the run keys still keep a file from triggering twice
    try:
        if not table_exists(con, "audit.loads"):
            return set()
        return {r[0] for r in con.execute("select file_hash from audit.loads where status = 'loaded'").fetchall()}
    finally:
        con.close()


def _read_cursor(cursor: str | None) -> tuple[HashCache, set[str]]:
    state = json.loads(cursor) if cursor else {}
    cache = {(path, size, mtime): digest for path, size, mtime, digest in state.get("hashes", [])}
    return cache, set(state.get("requested", []))


def _write_cursor(cache: HashCache, requested: set[str]) -> str:
    return json.dumps({"hashes": [[*key, digest] for key, digest in sorted(cache.items())],
                       "requested": sorted(requested)})


def _partition_tags(settings: Settings, landing_file, partitioned: bool) -> dict[str, str]:
    """The days an event file covers, clipped to the partitions that exist; none: an unpartitioned run."""
    if not partitioned:
        return {}
    first, last = file_period(landing_file, settings.business_timezone)
    today = datetime.now(ZoneInfo(settings.business_timezone)).date()
    first, last = max(first, settings.event_partitions_start), min(last, today + timedelta(days=1))
    if first > last:
        return {}
    return {PARTITION_RANGE_START: first.isoformat(), PARTITION_RANGE_END: last.isoformat()}


def new_file_requests(settings: Settings, cursor: str | None, ingest_asset_keys: dict[str, list[dg.AssetKey]]
                      ) -> tuple[list[dg.RunRequest], str]:
    """A run request per landing file neither loaded nor requested before, keyed by its content hash: a file
    (or a renamed copy of it) never starts two runs. Returns the requests and the new cursor."""
    from orchestration.pipeline import configured_sources

    cache, requested = _read_cursor(cursor)
    loaded = loaded_hashes(settings)
    if loaded is not None:
        requested -= loaded  # loaded now: the manifest remembers them from here on
    requests = []
    for spec in configured_sources(settings):
        for landing_file in discover(settings.landing_dir, spec.patterns, cache):
            digest = landing_file.content_hash
            if digest in requested or (loaded is not None and digest in loaded):
                continue
            requested.add(digest)
            requests.append(dg.RunRequest(
                run_key=f"{spec.name}:{digest}",
                asset_selection=ingest_asset_keys[spec.name],
                tags={"crm/landing_file": landing_file.relative_path, "crm/source": spec.name,
                      **_partition_tags(settings, landing_file, spec.name in EVENT_SOURCES)},
            ))
    return requests, _write_cursor(_current_entries(settings, cache), requested)


def _current_entries(settings: Settings, cache: HashCache) -> HashCache:
    """The cache without files that left the landing folder or changed since they were hashed."""
    current = {}
    for (path, size, mtime), digest in cache.items():
        file = settings.landing_dir / path
        if file.is_file() and (stat := file.stat()).st_size == size and stat.st_mtime_ns == mtime:
            current[(path, size, mtime)] = digest
    return current


def landing_sensor(ingest_asset_keys: dict[str, list[dg.AssetKey]], interval_seconds: int) -> dg.SensorDefinition:
    """`ingest_asset_keys`: source name -> the raw asset keys of the ingestion asset that loads it."""

    @dg.sensor(name="landing_files", minimum_interval_seconds=interval_seconds,
               asset_selection=sorted({k for keys in ingest_asset_keys.values() for k in keys}, key=str),
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Starts the ingestion of each new landing file (run key: source and content hash).")
    def landing_files(context: dg.SensorEvaluationContext):
        requests, cursor = new_file_requests(get_settings(), context.cursor, ingest_asset_keys)
        context.update_cursor(cursor)
        if not requests:
            return dg.SkipReason("no new landing files")
        return requests

    return landing_files


def post_to_webhook(url: str, text: str) -> None:
    """POST {"text": ...} (what Slack, Mattermost and Teams incoming webhooks take)."""
    request = urllib.request.Request(url, data=json.dumps({"text": text}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        response.read()


def failure_message(context: dg.RunFailureSensorContext) -> str:
    run = context.dagster_run
    reason = context.failure_event.message if context.failure_event else "unknown"
    steps = ", ".join(e.step_key for e in context.get_step_failure_events() if e.step_key) or "none"
    return f"crm: Dagster run {run.run_id} of {run.job_name} failed (failed steps: {steps}): {reason}"


@dg.run_failure_sensor(name="failure_alert", default_status=dg.DefaultSensorStatus.RUNNING,
                       monitor_all_code_locations=False,
                       description="Posts a failed run to alerts.failure_webhook_url and writes it to the run log.")
def failure_alert(context: dg.RunFailureSensorContext) -> None:
    message = failure_message(context)
    url = get_settings().failure_webhook_url
    delivered = ""
    if url:
        try:
            post_to_webhook(url, message)
            delivered = f" (posted to {url})"
        except OSError as exc:
            delivered = f" (the webhook {url} failed: {exc})"
    context.instance.report_engine_event(message + delivered, context.dagster_run)
    log.warning("%s%s", message, delivered)
