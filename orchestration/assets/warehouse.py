"""Identity resolution, the quality gate and publishing, as assets and checks."""


from datetime import UTC, datetime

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from common.settings import get_settings
from identity.resolve import ResolutionSummary
from orchestration.assets.dbt import dbt_models
from orchestration.pipeline import record_build_started, run_identity, run_publish
from orchestration.publish import Publication
from orchestration.resilience import BUILD_WAREHOUSE_POOL, retry_transient

IDENTITY_KEY = dg.AssetKey(["identity", "record_customers"])
CUSTOMER_IDS_KEY = dg.AssetKey(["identity", "customer_ids"])
MATCH_PAIRS_KEY = dg.AssetKey(["identity", "match_pairs"])
REVIEW_DECISIONS_KEY = dg.AssetKey(["identity", "review_decisions"])


def _published_marts() -> list[str]:
    """Every dbt model built into the schema publish copies (orchestration/publish.py), from the manifest: a new
    mart is published without being listed anywhere else."""
    import json

    from orchestration.dbt_project import dbt_project
    from orchestration.publish import PUBLISHED_SCHEMAS

    nodes = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(n["name"] for n in nodes if n["resource_type"] == "model" and n["schema"] in PUBLISHED_SCHEMAS)


PUBLISHED_MARTS = _published_marts()


# The identity step reads the graph's edges, the contacts (for the match model) and their emails and phones.
IDENTITY_INPUTS = [get_asset_key_for_model([dbt_models], model) for model in (
    "int_identity__record_identifiers_unioned", "int_identity__contact_identifiers_cleaned", "stg_sales__contacts")]


@dg.multi_asset(
    name="identity_resolution",
    specs=[
        dg.AssetSpec(IDENTITY_KEY, deps=IDENTITY_INPUTS,
                     group_name="identity", kinds={"python", "duckdb"},
                     description="Identity graph (shared identifiers + Splink matches of CRM contacts, trained on "
                                 "them; review decisions) → customer_id per record."),
        dg.AssetSpec(CUSTOMER_IDS_KEY, deps=IDENTITY_INPUTS,
                     group_name="identity", kinds={"python", "duckdb"},
                     description="Every customer_id ever issued and the id it resolves to now: stable across builds, "
                                 "redirects for merged ids."),
        dg.AssetSpec(MATCH_PAIRS_KEY, deps=IDENTITY_INPUTS, group_name="identity", kinds={"python", "duckdb"},
                     description="Contact pairs the match model linked or sent to clerical review, with each "
                                 "field's contribution."),
        dg.AssetSpec(REVIEW_DECISIONS_KEY, deps=IDENTITY_INPUTS, group_name="identity", kinds={"python", "duckdb"},
                     description="The clerical review decisions of the landing zone and whether the build applied "
                                 "each."),
    ],
    pool=BUILD_WAREHOUSE_POOL,
)
def identity_resolution(context: dg.AssetExecutionContext):
    settings = get_settings()
    started_at = datetime.now(UTC)
    with retry_transient(context):
        summary = run_identity(settings)
        # The run is the build: the quality gate and publish refer to it by the run id. It finishes when the
        # quality gate, downstream of every mart, starts.
        record_build_started(settings, context.run_id, started_at, summary)
    for key, metadata in identity_metadata(summary).items():
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)


def identity_metadata(summary: ResolutionSummary) -> dict[dg.AssetKey, dict]:
    """What identity resolution made of each of its assets: their materializations' metadata (here and when
    `crm build` resolved the identities)."""
    return {
        CUSTOMER_IDS_KEY: {"ids_kept": summary.ids_kept, "ids_redirected": summary.ids_redirected},
        IDENTITY_KEY: {
            "customers": summary.customers, "records_resolved": summary.records_resolved,
            "identifiers": summary.identifiers, "candidate_pairs": summary.candidate_pairs,
            "probabilistic_links": summary.probabilistic_links, "ids_kept": summary.ids_kept,
            "ids_redirected": summary.ids_redirected, "model": summary.model_source,
        },
        MATCH_PAIRS_KEY: {"links": summary.probabilistic_links, "possible_matches": summary.possible_matches,
                          "model": summary.model_source},
        REVIEW_DECISIONS_KEY: {"same_applied": summary.review_links, "model_links_removed": summary.kept_apart,
                               "conflicts": summary.review_conflicts},
    }


@dg.asset(
    key=dg.AssetKey(["serving", "published_marts"]),
    # After the quality gate: its blocking check stops publishing a build that failed a `block` expectation.
    deps=[*(get_asset_key_for_model([dbt_models], name) for name in PUBLISHED_MARTS), dg.AssetKey(["quality", "gate"])],
    group_name="publish",
    kinds={"duckdb"},
    pool=BUILD_WAREHOUSE_POOL,
    description="The marts copied into the serving file and swapped in atomically; dashboards read only this.",
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with retry_transient(context):
        publication = run_publish(get_settings())
    return dg.MaterializeResult(metadata=publication_metadata(publication))


def publication_metadata(publication: Publication) -> dict:
    """The published serving file's materialization metadata (here and when `crm publish` published it)."""
    return {
        "serving_db": str(publication.serving_db),
        "build_id": publication.build_id or "",
        "tables": len(publication.tables),
        **{f"rows {name}": count for name, count in publication.tables.items()},
    }
