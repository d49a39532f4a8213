"""What a `crm` command built, recorded in Dagster's instance as asset materializations.

`crm ingest`, `crm build`, `crm check`, `crm publish` (and `crm run`, all four; `crm import`, one raw table) run the
pipeline's steps without Dagster. Unrecorded, the Dagster UI showed every asset as never materialized after them.
So each step records, in the instance in `paths.dagster_home` (the one `crm dagster` serves), a runless
materialization of every asset it rebuilt, with the metadata the Dagster asset gives it (the same functions), the
build id and the command: the UI tells the truth whichever way a build ran.

The asset keys are the definitions' own: raw tables by `raw_asset_key`, dbt models and seeds from the dbt assets'
specs (by dbt unique id), identity resolution, the customer lifetime models, the quality gate and the serving
file by their assets' keys. Event sources' raw tables are partitioned by day in Dagster; a command loads files,
not days, so, like the daily build's unpartitioned run, its materializations name no partition. An as-of build
(`crm build --as-of`) writes a warehouse file of its own, not the assets Dagster shows, and is not recorded.

Setting `dagster.record_cli_runs = false` turns it off (it costs a few seconds per command). Recording never fails
a command: the step it records succeeded, so a failure to record (an unwritable
DAGSTER_HOME) is a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING

from common.settings import Settings
from common.sql import sql_identifier

if TYPE_CHECKING:
    import dagster as dg

    from identity.resolve import ResolutionSummary
    from ingestion.load import IngestReport
    from orchestration.dbt import DbtNodeBuilt
    from orchestration.pipeline import PredictionsSummary
    from orchestration.publish import Publication

log = logging.getLogger(__name__)

# dbt materializations whose table holds rows worth counting (a view would be run to count it).
COUNTED_MATERIALIZATIONS = {"table", "incremental", "seed"}


def _never_fails(record_step: Callable) -> Callable:
    @wraps(record_step)
    def recorded(self: DagsterRecord, *args, **kwargs) -> None:
        if not self.settings.record_cli_runs_in_dagster:
            return  # dagster.record_cli_runs = false: not even Dagster's imports
        try:
            record_step(self, *args, **kwargs)
        except Exception as exc:  # the step succeeded; only Dagster's view of it is behind
            log.debug("recording in Dagster failed", exc_info=True)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.warn(f"Dagster's record of what `{self.command}` built was not updated in "
                      f"{self.settings.dagster_home}: {reason}")

    return recorded


class DagsterRecord:
    """One command's record in Dagster: each method records what one step rebuilt."""

    def __init__(self, settings: Settings, command: str, warn: Callable[[str], None]) -> None:
        self.settings, self.command, self.warn = settings, command, warn

    @_never_fails
    def ingested(self, report: IngestReport, sources: Iterable[str] | None = None) -> None:
        """The raw tables of `sources` (default: every configured source), as the ingestion run left them."""
        from orchestration.assets.ingestion import raw_table_metadata
        from orchestration.pipeline import configured_sources

        wanted = None if sources is None else set(sources)
        specs = [s for s in configured_sources(self.settings) if wanted is None or s.name in wanted]
        self._record(raw_table_metadata(report, specs).items())

    @_never_fails
    def dbt_built(self, build_id: str, nodes: list[DbtNodeBuilt]) -> None:
        """The dbt models and seeds a dbt invocation of the build rebuilt, with their row counts."""
        from orchestration.assets.dbt import dbt_models
        from orchestration.warehouse import build_connection

        specs = {spec.metadata["dagster_dbt/unique_id"]: spec for spec in dbt_models.specs}
        built = [(specs[node.unique_id], node) for node in nodes if node.unique_id in specs]
        # "dagster/table_name": Dagster's standard metadata key for the table an asset is, as dagster-dbt sets it
        counted = {node.unique_id: str(spec.metadata["dagster/table_name"]) for spec, node in built
                   if spec.metadata.get("dagster-dbt/materialization_type") in COUNTED_MATERIALIZATIONS}
        rows: dict[str, int] = {}
        if counted:
            with build_connection(self.settings.build_db, read_only=True) as con:
                for unique_id, table_name in counted.items():
                    # database.schema.table as dbt names it; the database is the file opened here
                    schema, table = table_name.split(".")[-2:]
                    rows[unique_id] = con.execute(
                        f"select count(*) from {sql_identifier(schema)}.{sql_identifier(table)}").fetchall()[0][0]
        self._record((spec.key, {
            "build_id": build_id, "dbt_seconds": round(node.seconds, 3),
            **({"dagster/row_count": rows[node.unique_id]} if node.unique_id in rows else {}),
        }) for spec, node in built)

    @_never_fails
    def identity_resolved(self, build_id: str, summary: ResolutionSummary) -> None:
        from orchestration.assets.warehouse import identity_metadata

        self._record((key, {"build_id": build_id, **metadata}) for key, metadata in identity_metadata(summary).items())

    @_never_fails
    def predicted(self, build_id: str, summary: PredictionsSummary) -> None:
        from orchestration.assets.predictions import predictions_metadata

        self._record((key, {"build_id": build_id, **metadata})
                     for key, metadata in predictions_metadata(summary).items())

    @_never_fails
    def checked(self, outcomes: list) -> None:
        """The quality gate: every suite ran on the latest build (whether or not a blocking check failed)."""
        from orchestration.assets.quality import GATE_KEY, gate_metadata

        self._record([(GATE_KEY, gate_metadata(outcomes))])

    @_never_fails
    def published(self, publication: Publication) -> None:
        from orchestration.assets.warehouse import publication_metadata, published_marts

        self._record([(published_marts.key, publication_metadata(publication))])

    def _record(self, materialized: Iterable[tuple[dg.AssetKey, dict]]) -> None:
        import dagster as dg

        from orchestration.dagster_instance import open_instance

        events = [dg.AssetMaterialization(asset_key=key, metadata={**metadata, "built_by": self.command})
                  for key, metadata in materialized]
        with open_instance(self.settings.dagster_home) as instance:
            for event in events:
                instance.report_runless_asset_event(event)
