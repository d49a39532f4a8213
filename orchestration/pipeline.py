"""The pipeline's steps, shared by the `crm` CLI and the Dagster assets: generate, ingest, build, check, publish."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from common.settings import Settings
from common.sql import table_exists
from identity.resolve import ResolutionSummary, resolution_options, resolve_identities
from ingestion.landing import LandingFile
from ingestion.load import FileResult, IngestReport, ingest
from ingestion.sources import ReadContext, all_sources
from orchestration.dbt import NO_UNIT_TESTS, DbtNodeBuilt, nodes_built, run_dbt
from orchestration.errors import CrmError, QualityGateFailed, SourceUnreachable, StorageFailed
from orchestration.fx_rates import check_fx_rates
from orchestration.publish import Publication, publish, publish_health
from orchestration.warehouse import build_connection, connect_build
from predictions.lead_score import LeadScoreOptions, LeadScoreSummary, predict_lead_scores
from predictions.lifetime import LifetimeOptions, LifetimeSummary, predict_customer_lifetimes
from predictions.sales_forecast import SalesForecastOptions, SalesForecastSummary, forecast_sales
from quality.gate import CheckOutcome, CheckRun, decide, latest_check_run, latest_decision

log = logging.getLogger(__name__)

# dbt runs in three passes around the Python steps: everything the identity graph and the FX check need (staging,
# reference data, the FX calendar); then the purchase log the customer lifetime models learn from; then the rest.
IDENTITY_INPUTS_SELECTOR = ["+int_identity__record_identifiers_unioned", "+int_identity__contact_identifiers_cleaned",
                            "+int_fx__missing_rates_detected"]
PURCHASES_MODEL = "int_predictions__purchases_filtered_to_profiling_consent"
# The sales forecast's inputs. They bring fct_deals and fct_deal_stage_history (and what those read) into this
# stage: the deals' as-of state and reporting-currency amounts are defined there once, and nothing upstream of them
# reads a prediction.
SALES_FORECAST_INPUTS = ("int_predictions__deal_stages_joined_to_outcomes", "int_predictions__deals_filtered_to_open",
                         "int_predictions__orders_aggregated_by_month")
# The predictive lead score's input: leads, their first purchases and their buying signals, each dated.
LEAD_EVENTS_MODEL = "int_predictions__lead_events_unioned"
PREDICTION_INPUTS_SELECTOR = [f"+{PURCHASES_MODEL}", f"+{LEAD_EVENTS_MODEL}",
                              *(f"+{model}" for model in SALES_FORECAST_INPUTS)]
# The later stages select tests "cautiously": a test runs in the stage that builds the last of its models, so a
# test between stages (fct_orders' customers are in dim_customers) runs once both exist, not before or never.
DBT_STAGES = {
    "identity_inputs": ["--select", *IDENTITY_INPUTS_SELECTOR],
    "prediction_inputs": ["--select", *PREDICTION_INPUTS_SELECTOR, "--exclude", *IDENTITY_INPUTS_SELECTOR,
                          "--indirect-selection", "cautious"],
    "marts": ["--exclude", *IDENTITY_INPUTS_SELECTOR, *PREDICTION_INPUTS_SELECTOR, "--indirect-selection", "cautious"],
}

BUILDS_DDL = """
create schema if not exists audit;
create table if not exists audit.builds (
    build_id varchar primary key, started_at timestamptz, finished_at timestamptz,
    customers bigint, records_resolved bigint
)
"""


def generate(settings: Settings, scale: int, seed: int, end_date: date,
             progress: Callable[[str], None] | None = None) -> dict:
    from ingestion.sample_data import generate as generate_sample_data

    return generate_sample_data(
        settings.landing_dir, settings.ground_truth_dir, scale=scale, seed=seed, end_date=end_date,
        progress=progress, chunk_people=settings.generate_chunk_people,
    )


def read_context(settings: Settings) -> ReadContext:
    return ReadContext(
        default_phone_region=settings.default_phone_region,
        pbx_region=settings.pbx_region,
        company_domains=settings.company_domains,
        suppression_salt=settings.suppression_salt,
    )


def configured_sources(settings: Settings) -> list:
    """The sources with the landing globs crm.toml's [sources] section sets for them."""
    sources = all_sources()
    unknown = set(settings.source_patterns) - {s.name for s in sources}
    if unknown:
        raise CrmError(f"crm.toml [sources] names unknown source(s) {', '.join(sorted(unknown))}; known: "
                       f"{', '.join(s.name for s in sources)}")
    return [replace(s, patterns=settings.source_patterns.get(s.name, s.patterns)) for s in sources]


def run_ingest(settings: Settings, dry_run: bool = False,
               progress: Callable[[FileResult], None] | None = None, families: tuple[str, ...] | None = None,
               sources: tuple[str, ...] | None = None,
               file_filter: Callable[[LandingFile], bool] | None = None) -> IngestReport:
    """Load new landing files of every source (or of those `families` or `sources` name; of the files
    `file_filter` keeps), then the IMAP mailboxes when email messages are among them. Raises IngestStopped (after
    `progress` heard of every file) when the storage refused a write."""
    if not settings.landing_dir.is_dir():
        raise CrmError(f"landing folder {settings.landing_dir} does not exist: run `crm generate` or point "
                       f"paths.landing_dir (CRM_PATHS_LANDING_DIR) at your exports")
    every_source = configured_sources(settings)
    specs = [s for s in every_source
             if (families is None or s.family in families) and (sources is None or s.name in sources)]
    try:
        con = connect_build(settings.build_db)
    except StorageFailed as exc:
        raise StorageFailed(f"{exc}; no landing file was loaded") from exc
    try:
        con.execute("set memory_limit = ?", [settings.ingest_memory_limit])
        # Every source's raw table exists afterwards, not only those of the families loaded: the dbt project
        # reads them all (`crm import FILE` then `crm build` on a fresh data folder).
        report = ingest(con, specs, settings.landing_dir, read_context(settings), dry_run=dry_run,
                        progress=progress, file_filter=file_filter, table_specs=every_source)
        if report.stopped_by:
            raise IngestStopped(report)
        if settings.imap_accounts and any(s.name == "email__messages" for s in specs):
            report.files.extend(_read_imap(con, settings, progress, dry_run))
        return report
    finally:
        con.close()


class IngestStopped(StorageFailed):
    """The storage refused a write during ingestion: the files committed before it stay loaded, the others are
    not (`report` has every file's outcome)."""

    def __init__(self, report: IngestReport) -> None:
        totals = report.totals()
        super().__init__(f"{report.stopped_by}; ingestion stopped: {totals['files_loaded']} file(s) loaded before "
                         f"it, {totals['files_not_loaded']} not loaded")
        self.report = report


def _read_imap(con, settings: Settings, progress, dry_run: bool) -> list[FileResult]:
    import tempfile
    from pathlib import Path

    from ingestion.imap import ImapAccount, ImapError, read_account

    results = []
    with tempfile.TemporaryDirectory(prefix="crm-imap-") as scratch:
        context = read_context(settings).for_run(Path(scratch), settings.landing_dir)
        for config in settings.imap_accounts:
            try:
                results.extend(read_account(con, ImapAccount.from_config(config), context, progress, dry_run))
            except ImapError as exc:
                unreachable = isinstance(exc.__cause__, OSError)  # network, TLS: transient (ssl.SSLError is one)
                raise (SourceUnreachable if unreachable else CrmError)(str(exc)) from exc
    return results


def generated_warehouse(settings: Settings, workdir: Path, scale: int, seed: int, run_step: Callable[..., Any],
                        progress: Callable[[str], None] | None = None,
                        ingest_progress: Callable[[FileResult], None] | None = None, ingest: bool = True) -> Settings:
    """Settings for a throw-away warehouse over generated data in `workdir` (benchmarks, training): generated
    once per scale and seed (a marker file in `workdir` says it was), then loaded unless `ingest` is false (a
    no-op when already loaded). `run_step(name, func, *args)` runs each step: the CLI times and prints them."""
    generated = replace(settings, landing_dir=workdir / "landing", ground_truth_dir=workdir / "ground_truth",
                        build_db=workdir / "build.duckdb", source_patterns={}, imap_accounts=())
    marker = workdir / f".generated-{scale}-{seed}"
    if not marker.exists():
        run_step("generate", generate, generated, scale, seed, settings.generate_end_date, progress)
        marker.touch()
    if ingest:
        run_step("ingest", run_ingest, generated, False, ingest_progress)
    return generated


def find_published_customers(settings: Settings, query: str, limit: int, region: str | None) -> list:
    """`crm lookup`: the customers of the published serving file matching `query` (identity.lookup), read-only
    so it works while a build runs; numbers without a country code are read in `region` (default: the
    configured phone region)."""
    import duckdb

    from identity.lookup import CustomerLookupUnavailable, find_customers

    if not settings.serving_db.exists():
        raise CrmError(f"nothing published yet at {settings.serving_db}: run `crm run` first")
    con = duckdb.connect(str(settings.serving_db), read_only=True)
    try:
        return find_customers(con, query, limit=limit, region=region or settings.default_phone_region)
    except CustomerLookupUnavailable as exc:
        raise CrmError(f"the published warehouse at {settings.serving_db} has no customer marts ({exc}): "
                       f"run `crm run` to publish a current build") from exc
    finally:
        con.close()


def run_unit_tests(settings: Settings, on_line: Callable[[str], None] | None = None) -> None:
    """Every dbt unit test, against the build warehouse (dbt reads the column types of each model's inputs from
    it, so it must have been built)."""
    if not settings.build_db.exists():
        raise CrmError(f"no build warehouse at {settings.build_db}: run `crm build` first (dbt's unit tests read the "
                       "types of the models' inputs from it)")
    run_dbt(settings, ["test", "--resource-type", "unit_test"], on_line=on_line)


def run_dbt_stage(settings: Settings, stage: str, on_line: Callable[[str], None] | None = None,
                  on_built: Callable[[list[DbtNodeBuilt]], None] | None = None, full_refresh: bool = False) -> None:
    """stage `identity_inputs`: everything upstream of the identity graph and the FX check; `prediction_inputs`:
    the rest of what the customer lifetime models read; `marts`: the rest. `on_built` hears of the models and seeds
    dbt built, also when others failed after them. `full_refresh` rebuilds the incremental models whole."""
    selector = DBT_STAGES[stage]
    started = time.time()
    try:
        run_dbt(settings, ["build", *selector, *NO_UNIT_TESTS, *(["--full-refresh"] if full_refresh else [])],
                on_line=on_line)
    finally:
        if on_built:
            on_built(nodes_built(settings, started))


@contextmanager
def build_step_connection(settings: Settings):
    """The build warehouse for a build's own steps outside dbt (identity resolution, predictions), under the same
    memory limit as dbt's (crm.toml [build] memory_limit): DuckDB's default, 80% of the machine, is not the build's."""
    with build_connection(settings.build_db) as con:
        con.execute("set memory_limit = ?", [settings.build_memory_limit])
        yield con


def run_identity(settings: Settings) -> ResolutionSummary:
    with build_step_connection(settings) as con:
        return resolve_identities(con, **resolution_options(settings))


def build_as_of_date(settings: Settings) -> date:
    """The day a build describes: its as-of day, or today in the business time zone (macro as_of_date's day)."""
    return settings.as_of or datetime.now(ZoneInfo(settings.business_timezone)).date()


@dataclass(frozen=True)
class PredictionsSummary:
    """What each predictive model's step of a build made (each also added its rows to model_performance)."""

    lifetime: LifetimeSummary
    lead_score: LeadScoreSummary
    sales_forecast: SalesForecastSummary
    # Wall seconds of each model's step (lifetime, lead_score, sales_forecast): the build log's only time per model.
    seconds: dict[str, float] = field(default_factory=dict)

    def describe(self) -> list[str]:
        return [summary.describe() + (f" [{self.seconds[name]:.1f} s]" if name in self.seconds else "")
                for name, summary in (("lifetime", self.lifetime), ("lead_score", self.lead_score),
                                      ("sales_forecast", self.sales_forecast))]


def run_predictions(settings: Settings, build_id: str) -> PredictionsSummary:
    """Every predictive model fitted on the build's inputs, as of the build's day."""
    seconds: dict[str, float] = {}

    def timed(name: str, step):
        started = time.perf_counter()
        try:
            return step(settings, build_id)
        finally:
            seconds[name] = time.perf_counter() - started

    return PredictionsSummary(lifetime=timed("lifetime", run_customer_lifetime),
                              lead_score=timed("lead_score", run_lead_score),
                              sales_forecast=timed("sales_forecast", run_sales_forecast),
                              seconds=seconds)


def run_customer_lifetime(settings: Settings, build_id: str) -> LifetimeSummary:
    """The customer lifetime models fitted on the build's purchases: predictions.customer_value and this build's
    rows of predictions.model_performance."""
    options = LifetimeOptions(holdout_days=settings.predictions_holdout_days,
                              high_risk_below=settings.predictions_high_risk_below,
                              medium_risk_below=settings.predictions_medium_risk_below)
    with build_step_connection(settings) as con:
        return predict_customer_lifetimes(con, f"intermediate.{PURCHASES_MODEL}", build_as_of_date(settings),
                                          build_id, options)


def run_sales_forecast(settings: Settings, build_id: str) -> SalesForecastSummary:
    """The pipeline and trend sales forecasts: predictions.sales_forecast and this build's rows of
    predictions.model_performance."""
    options = SalesForecastOptions(
        age_buckets=settings.forecast_pipeline_age_buckets, prior_deals=settings.forecast_win_rate_prior_deals,
        pipeline_backtest_origins=settings.forecast_pipeline_backtest_origins,
        pipeline_min_closed_share=settings.forecast_pipeline_min_closed_share,
        horizon_months=settings.forecast_horizon_months,
        trend_backtest_origins=settings.forecast_trend_backtest_origins,
        min_history_months=settings.forecast_min_history_months,
        country_revenue_share=settings.forecast_country_revenue_share, max_countries=settings.forecast_max_countries)
    stage_outcomes, open_deals, monthly_orders = (f"intermediate.{model}" for model in SALES_FORECAST_INPUTS)
    with build_step_connection(settings) as con:
        return forecast_sales(con, stage_outcomes, open_deals, monthly_orders, build_as_of_date(settings), build_id,
                              options)


def run_lead_score(settings: Settings, build_id: str) -> LeadScoreSummary:
    """The predictive lead score learned from the build's leads and their buying signals: predictions.lead_scores
    and this build's rows of predictions.model_performance."""
    options = LeadScoreOptions(horizon_days=settings.predictions_lead_horizon_days,
                               interval_days=settings.predictions_lead_scoring_interval_days,
                               hot_min_probability=settings.predictions_lead_hot_min_probability,
                               warm_min_probability=settings.predictions_lead_warm_min_probability,
                               max_training_rows=settings.predictions_lead_max_training_rows)
    with build_step_connection(settings) as con:
        return predict_lead_scores(con, f"intermediate.{LEAD_EVENTS_MODEL}", build_as_of_date(settings), build_id,
                                   options)


def prepare_raw_tables(settings: Settings) -> None:
    """Every configured source's raw table with every column its loader writes (a warehouse an older release
    loaded gains the new lineage columns), so staging can rely on them."""
    import tempfile

    from common.audit import ensure_audit_tables
    from ingestion.load import ensure_raw_tables

    with build_connection(settings.build_db) as con, tempfile.TemporaryDirectory(prefix="crm-raw-") as scratch:
        ensure_audit_tables(con)
        ensure_raw_tables(con, configured_sources(settings),
                          read_context(settings).for_run(Path(scratch), settings.landing_dir))


def run_build(settings: Settings, on_line: Callable[[str], None] | None = None,
              on_dbt_built: Callable[[str, list[DbtNodeBuilt]], None] | None = None,
              on_identity_resolved: Callable[[str, ResolutionSummary], None] | None = None,
              on_predicted: Callable[[str, PredictionsSummary], None] | None = None,
              full_refresh: bool = False) -> str:
    """dbt (identity inputs) → FX check → identity resolution → dbt (prediction inputs) → predictive models →
    dbt (marts and tests). Returns the new build id.
    The callbacks hear, with the build id, what each step rebuilt as soon as it did (`crm` records it in Dagster).
    The incremental models take only what was loaded since the last build unless `full_refresh`: a build of
    another as-of day than the last build of the same file must be a full refresh (`as_of_settings` copies the
    current build, whose incremental tables hold what happened after that day)."""
    if not settings.build_db.exists():
        raise CrmError(f"no warehouse at {settings.build_db}: run `crm ingest` first")
    build_id, started_at = str(uuid.uuid4()), datetime.now(UTC)
    # Recorded before anything is rebuilt: a build killed or failed on the way stays unfinished, and neither
    # `crm check` nor `crm publish` takes the previous build's name for its half-rebuilt tables.
    record_build_started(settings, build_id, started_at)
    prepare_raw_tables(settings)
    dbt_built = (lambda nodes: on_dbt_built(build_id, nodes)) if on_dbt_built else None
    run_dbt_stage(settings, "identity_inputs", on_line, dbt_built, full_refresh)
    check_fx_rates(settings)
    summary = run_identity(settings)
    if on_identity_resolved:
        on_identity_resolved(build_id, summary)
    if on_line:
        on_line(f"identity: {summary.customers} customers from {summary.records_resolved} records "
                f"({summary.candidate_pairs} candidate contact pairs, {summary.probabilistic_links} probabilistic "
                f"links, model {summary.model_source}; {summary.possible_matches} possible matches for review, "
                f"{summary.review_links + summary.kept_apart} review decisions applied; {summary.ids_kept} ids "
                f"kept, {summary.ids_redirected} redirected)")
    run_dbt_stage(settings, "prediction_inputs", on_line, dbt_built, full_refresh)
    predictions = run_predictions(settings, build_id)
    if on_predicted:
        on_predicted(build_id, predictions)
    if on_line:
        for line in predictions.describe():
            on_line(line)
    run_dbt_stage(settings, "marts", on_line, dbt_built, full_refresh)
    record_build_finished(settings, build_id, summary)
    return build_id


def as_of_settings(settings: Settings, as_of: date) -> Settings:
    """Settings for an as-of build: a copy of the build warehouse of its own, so rebuilding the past never
    touches the current marts, the published file or the customer ids the current build issued."""
    import shutil

    today = datetime.now(ZoneInfo(settings.business_timezone)).date()
    if as_of > today:
        raise CrmError(f"--as-of {as_of.isoformat()} is after today ({today.isoformat()} in "
                       f"{settings.business_timezone}): nothing has happened then to rebuild from; `crm build` "
                       "builds today's marts")
    if not settings.build_db.exists():
        raise CrmError(f"no warehouse at {settings.build_db}: run `crm ingest` first")
    as_of_db = settings.build_db.with_name(f"as-of-{as_of.isoformat()}.duckdb")
    for suffix in ("", ".wal"):
        source, target = Path(f"{settings.build_db}{suffix}"), Path(f"{as_of_db}{suffix}")
        target.unlink(missing_ok=True)
        if source.exists():
            shutil.copyfile(source, target)
    return replace(settings, build_db=as_of_db, as_of=as_of)


class BuildUnfinished(CrmError):
    """The latest build started and never finished: its tables are partly rebuilt."""


def record_build_started(settings: Settings, build_id: str, started_at: datetime,
                         summary: ResolutionSummary | None = None) -> None:
    """A build begins (finished_at NULL until record_build_finished); a second call for the same build only adds
    the identity step's counts."""
    with build_connection(settings.build_db) as con:
        con.execute(BUILDS_DDL)
        con.execute("insert into audit.builds values (?, ?, null, null, null) on conflict do nothing",
                    [build_id, started_at])
        _record_counts(con, build_id, summary)


def _record_counts(con, build_id: str, summary: ResolutionSummary | None) -> None:
    """The identity step's counts on the build's row, once they are known."""
    if summary is not None:
        con.execute("update audit.builds set customers = ?, records_resolved = ? where build_id = ?",
                    [summary.customers, summary.records_resolved, build_id])


def record_build_finished(settings: Settings, build_id: str | None = None,
                          summary: ResolutionSummary | None = None) -> None:
    """Every table of the build is rebuilt: it may be checked and, if it passes, published. Without a build id:
    the latest build started (Dagster's quality gate, which runs only after every mart of its run)."""
    with build_connection(settings.build_db) as con:
        con.execute(BUILDS_DDL)
        if build_id is None:
            row = con.execute("select build_id from audit.builds order by started_at desc limit 1").fetchall()
            if not row:
                return
            build_id = row[0][0]
        con.execute("update audit.builds set finished_at = coalesce(finished_at, ?) where build_id = ?",
                    [datetime.now(UTC), build_id])
        _record_counts(con, build_id, summary)


def finished_build_id(con, doing: str) -> str:
    """The latest build, which must have finished; reads only (publish opens the warehouse read-only). `doing`
    names the step in the one-line refusal ("check", "publish")."""
    row = con.execute("select build_id, started_at, finished_at from audit.builds order by started_at desc limit 1"
                      ).fetchall() if table_exists(con, "audit.builds") else []
    if not row:
        raise CrmError(f"nothing to {doing}: run `crm build` first")
    build_id, started_at, finished_at = row[0]
    if finished_at is None:
        raise BuildUnfinished(
            f"build {build_id[:8]} (started {started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC) did not finish, so its "
            f"tables are partly rebuilt: nothing to {doing} until `crm build` finishes; the published build stays")
    return build_id


def validate_build(settings: Settings) -> CheckRun:
    """Run every quality suite on the latest build and record the results; return the check run.

    The health file (results and source freshness) is published either way: when the gate closes, the serving
    file keeps the last good build and the data-health page can still say which check failed and when."""
    from quality.run import run_checks

    with build_connection(settings.build_db) as con:
        run = run_checks(con, finished_build_id(con, "check"), settings)
    publish_health(settings.build_db, settings.health_db)
    return run


def latest_quality_outcomes(settings: Settings) -> list[CheckOutcome]:
    """The outcomes of the latest check run of the latest build, from audit.dq_results."""
    with build_connection(settings.build_db, read_only=True) as con:
        run = latest_check_run(con)
    return list(run.outcomes) if run else []


def run_check(settings: Settings, on_validated: Callable[[list], None] | None = None) -> list[CheckOutcome]:
    """Validate the latest build; raise QualityGateFailed naming the blocking failures. `on_validated` hears of the
    outcomes first, whether or not they block."""
    run = validate_build(settings)
    outcomes = list(run.outcomes)
    if on_validated:
        on_validated(outcomes)
    decision = decide(run)
    if not decision.publishable:
        blocking = decision.blocking_failures
        names = "; ".join(o.describe() for o in blocking)
        raise QualityGateFailed(f"{len(blocking)} blocking check(s) failed, not publishable: {names}")
    return outcomes


def run_publish(settings: Settings) -> Publication:
    """Publish the latest build if it finished and its latest quality run passed every blocking check."""
    with build_connection(settings.build_db, read_only=True) as con:
        build_id = finished_build_id(con, "publish")
        decision = latest_decision(con, build_id)
    if not decision.checked:
        raise QualityGateFailed(f"build {build_id[:8]} has not been checked: run `crm check` first")
    if not decision.publishable:
        raise QualityGateFailed(f"build {build_id[:8]} failed {len(decision.blocking_failures)} blocking quality "
                                "check(s): the last good build stays published")
    # From the published files: the marts that keep _changed_at take only their changed rows (orchestration.publish).
    return publish(settings.build_db, settings.serving_db, build_id, settings.bi_serving_db, from_published=True)
