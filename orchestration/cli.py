"""`crm`: the command line of the customer-360 warehouse. Each command parses its arguments, calls the
pipeline (orchestration/pipeline.py) or the module that owns what it does, and prints the outcome
(orchestration/console.py: one-line errors, step times, progress)."""

from __future__ import annotations

import importlib
import ipaddress
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import click

from common.settings import PROJECT_ROOT, Settings, get_settings
from orchestration.console import (
    IngestTicker,
    StepTimer,
    dbt_progress,
    expected_errors,
    ingest_progress,
    peak_memory_mb,
    progress_line,
)
from orchestration.errors import CrmError


def _dagster_record(settings: Settings, command: str):
    """Where a command records what it built for Dagster's UI (orchestration/dagster_record.py)."""
    from orchestration.dagster_record import DagsterRecord

    return DagsterRecord(settings, command, lambda message: click.secho(f"  warning: {message}", fg="yellow",
                                                                        err=True))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """The customer-360 warehouse: generate → ingest → build → check → publish, then look."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    ctx.obj = get_settings()


def _generate(settings: Settings, scale: int | None, seed: int | None, end_date: str | None) -> dict:
    from orchestration.pipeline import generate

    return generate(
        settings,
        scale=scale or settings.generate_scale,
        seed=settings.generate_seed if seed is None else seed,
        end_date=date.fromisoformat(end_date) if end_date else settings.generate_end_date,
        progress=progress_line,
    )


@cli.command()
@click.option("--scale", type=int, help="Number of people to simulate (default: generate.scale).")
@click.option("--seed", type=int, help="Random seed (default: generate.seed).")
@click.option("--end-date", help="Last day of the simulated two years, YYYY-MM-DD.")
@click.pass_obj
@expected_errors
def generate(settings: Settings, scale: int | None, seed: int | None, end_date: str | None) -> None:
    """Write sample data in every source's native format into the landing folder."""
    StepTimer().run("generate", _generate, settings, scale, seed, end_date)


@cli.command(name="ingest")
@click.option("--dry-run", is_flag=True, help="Report what would be loaded or quarantined; load nothing.")
@click.pass_obj
@expected_errors
def ingest_command(settings: Settings, dry_run: bool) -> None:
    """Load new landing files into raw tables (files already loaded are skipped)."""
    from orchestration.pipeline import run_ingest

    report = StepTimer().run("ingest", run_ingest, settings, dry_run, ingest_progress)
    if not dry_run:
        _dagster_record(settings, "crm ingest").ingested(report)
    totals = report.totals()
    click.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in totals.items()))
    if totals["files_rejected"]:
        raise CrmError(f"{totals['files_rejected']} file(s) could not be loaded: see audit.loads")


@cli.command(name="import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML column map (see ingestion/column_maps/); shipped: hubspot, salesforce.")
@click.option("--entity", type=click.Choice(["contacts", "companies", "deals", "orders", "consent"]),
              help="What the file holds (default: the map's only entity, or whichever entity's map fits).")
@click.pass_obj
@expected_errors
def import_command(settings: Settings, csv_file: Path, map_file: Path | None, entity: str | None) -> None:
    """Import your own CRM export (e.g. a contact list) or a consent log; it is cleaned and deduplicated like
    everything else."""
    from ingestion.load import IngestReport
    from orchestration.imports import import_csv

    outcome = StepTimer().run("import", import_csv, settings, csv_file, map_file, entity)
    _dagster_record(settings, "crm import").ingested(IngestReport([outcome.result]), [outcome.result.source])
    for line in outcome.report():
        click.echo(line)


@cli.command()
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Rebuild every mart as it would have looked at the end of this day (YYYY-MM-DD), ignoring "
                   "later data, into a warehouse file of its own (as-of-<day>.duckdb next to the build file).")
@click.option("--full-refresh", "full_refresh", is_flag=True,
              help="Rebuild every model from all raw rows; without it the event-sized staging tables take only "
                   "what was loaded since the last build (an as-of build is always a full one).")
@click.pass_obj
@expected_errors
def build(settings: Settings, as_of, full_refresh: bool) -> None:
    """Build the warehouse with dbt: staging, identity resolution, marts, and dbt tests. After the first build,
    incremental where models are (--full-refresh: everything again)."""
    from orchestration.pipeline import as_of_settings, run_build

    if as_of is not None:
        # A warehouse file of its own, not the assets Dagster shows: not recorded there.
        as_of_build = as_of_settings(settings, as_of.date())
        # A full refresh: the copy's incremental tables hold what the current build saw, later events included.
        StepTimer().run("build", run_build, as_of_build, dbt_progress, full_refresh=True)
        click.echo(f"as-of build of {as_of.date().isoformat()}: {as_of_build.build_db}")
        return
    record = _dagster_record(settings, "crm build")
    StepTimer().run("build", run_build, settings, dbt_progress, record.dbt_built, record.identity_resolved,
                    record.predicted, full_refresh=full_refresh)


@cli.command(name="unit-tests")
@click.pass_obj
@expected_errors
def unit_tests(settings: Settings) -> None:
    """Run dbt's unit tests (each model's logic on hand-computed inputs) on the build warehouse. Builds skip them:
    they check the product's SQL, not your data."""
    from orchestration.pipeline import run_unit_tests

    StepTimer().run("unit tests", run_unit_tests, settings, dbt_progress)


@cli.command()
@click.pass_obj
@expected_errors
def check(settings: Settings) -> None:
    """Run the Great Expectations suites on the latest build."""
    from orchestration.pipeline import run_check

    outcomes = StepTimer().run("check", run_check, settings, _dagster_record(settings, "crm check").checked)
    for outcome in (o for o in outcomes if not o.success):
        click.echo(f"  warning: {outcome.suite}: {outcome.expectation}({outcome.column or ''}) {outcome.observed}",
                   err=True)
    click.echo(f"{sum(o.success for o in outcomes)}/{len(outcomes)} expectations passed")


@cli.command()
@click.argument("people", nargs=-1)
@click.option("--file", "people_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of emails, phones, contact ids or customer ids, one a line (# starts a comment).")
@click.pass_obj
@expected_errors
def forget(settings: Settings, people: tuple[str, ...], people_file: Path | None) -> None:
    """Erase people everywhere (warehouse, serving, health and as-of files, landing files, Data Docs) and keep
    them out of every later load. PEOPLE: emails, phones, contact ids or customer ids; each person's whole
    identity is erased. Needs CRM_SUPPRESSION_SALT. Safe to rerun."""
    from orchestration.erasure import forget as forget_people

    values = list(people) + (people_file.read_text(encoding="utf-8").splitlines() if people_file else [])
    command = "crm forget" + (f" --file {people_file.name}" if people_file else "") + "".join(f" {p}" for p in people)
    report = StepTimer().run("forget", forget_people, settings, values, command)
    click.echo(f"request {report.request_id}: {report.customers} customers, {report.records} records; "
               f"{report.suppressed_hashes} identifier hashes on the suppression list")
    for place, count in sorted(report.removed.items()):
        if ": " not in place or count:
            click.echo(f"  {place}: {count} removed")
    if report.names_shared:
        click.echo(f"  {report.names_shared} of their names as written are other people's too (namesakes): "
                   "not searched for, nor redacted")
    if report.remaining:
        raise CrmError("still found after the erasure, in: "
                       + ", ".join(str(p) for p in report.remaining) + " (erase or delete these files by hand)")
    click.echo("no file under the data or landing folder names them any more")


@cli.command(name="publish")
@click.pass_obj
@expected_errors
def publish_command(settings: Settings) -> None:
    """Publish the checked build to the serving file the dashboards read."""
    from orchestration.pipeline import run_publish
    from orchestration.publish import updated_note

    publication = StepTimer().run("publish", run_publish, settings)
    _dagster_record(settings, "crm publish").published(publication)
    click.echo(f"published {len(publication.tables)} tables to {publication.serving_db}"
               f"{updated_note(publication.tables_updated)}")
    if publication.pii_free_db is not None:
        click.echo(f"published {len(publication.pii_free_tables)} tables without direct PII to "
                   f"{publication.pii_free_db}{updated_note(publication.pii_free_tables_updated)}")


@cli.command()
@click.option("--scale", type=int, help="Number of people to simulate (default: generate.scale).")
@click.option("--seed", type=int)
@click.option("--skip-generate", is_flag=True, help="Use the landing folder as it is.")
@click.pass_obj
@expected_errors
def run(settings: Settings, scale: int | None, seed: int | None, skip_generate: bool) -> None:
    """Everything in order: generate, ingest, build, check, publish; then print a summary."""
    from orchestration.pipeline import run_build, run_check, run_ingest, run_publish
    from orchestration.summary import print_summary

    timer = StepTimer()
    if not skip_generate:
        timer.run("generate", _generate, settings, scale, seed, None)
    ticker = IngestTicker()

    def ingest_with_ticker():
        try:
            return run_ingest(settings, False, ticker)
        finally:
            ticker.close()

    record = _dagster_record(settings, "crm run")
    report = timer.run("ingest", ingest_with_ticker)
    record.ingested(report)
    click.echo("  " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.totals().items()), err=True)
    timer.run("build", run_build, settings, dbt_progress, record.dbt_built, record.identity_resolved,
              record.predicted)
    timer.run("check", run_check, settings, record.checked)
    record.published(timer.run("publish", run_publish, settings))
    print_summary(settings, timer.steps, peak_memory_mb())


def _search_text(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("give an email, a phone number or a name to look for")
    return value.strip()


def _phone_region(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from common.normalize import is_phone_region

    if value is not None and not is_phone_region(value.upper()):
        raise click.BadParameter(f"{value!r} is not a country code phone numbers are read in (e.g. JP, US, GB)")
    return value.upper() if value else None


@cli.command()
@click.argument("query", callback=_search_text)
@click.option("--region", callback=_phone_region,
              help="Country to read a number without country code in (default: phone.default_region).")
@click.option("--limit", type=int, default=10, show_default=True, help="At most this many customers.")
@click.option("--json", "as_json", is_flag=True, help="Print the matches as JSON.")
@click.pass_obj
@expected_errors
def lookup(settings: Settings, query: str, region: str | None, limit: int, as_json: bool) -> None:
    """Find customers by email, phone number (any format) or name, in the published warehouse."""
    from orchestration.pipeline import find_published_customers

    matches = find_published_customers(settings, query, limit, region)
    if as_json:
        import json
        from dataclasses import asdict

        click.echo(json.dumps([asdict(m) for m in matches], ensure_ascii=False, default=str, indent=2))
        return
    if not matches:
        click.echo(f"no customer matches {query!r}")
        return
    for number, match in enumerate(matches, start=1):
        click.echo(_format_match(number, match))


def _format_match(number: int, match) -> str:
    name = match.full_name or match.full_name_latin or "(no name)"
    if match.full_name_latin and match.full_name_latin != name:
        name += f" ({match.full_name_latin})"
    reach = ", ".join(v for v in (match.primary_email, match.primary_phone) if v) or "no email or phone"
    about = " · ".join(v for v in (match.company_name, match.job_title, match.country_code, match.language,
                                   match.time_zone, match.lifecycle_stage) if v)
    seen = match.last_seen_at.date().isoformat() if match.last_seen_at else "never"
    consent = "yes" if match.has_marketing_consent else "no"
    lines = [f"{number}. {name}  [{match.customer_id}]",
             f"   matched {match.matched_on}: {match.matched_value}",
             f"   {reach}"]
    if about:
        lines.append(f"   {about}")
    lines.append(f"   owner {match.owner_email or '–'} · last seen {seen} · marketing consent {consent}")
    return "\n".join(lines)


@cli.group()
def identity() -> None:
    """Identity resolution: the match model, clerical review, and why a customer is one."""


@identity.command(name="train")
@click.pass_obj
@expected_errors
def identity_train_command(settings: Settings) -> None:
    """Retrain the contact match model on the build warehouse's contacts now (the next `crm build` uses it).

    A build retrains on its own when the data changed materially (crm.toml [identity] retrain_change)."""
    from identity.probabilistic import train_on_warehouse
    from identity.resolve import match_options
    from orchestration.pipeline import run_dbt_stage
    from orchestration.warehouse import build_connection

    if not settings.build_db.exists():
        raise CrmError(f"no warehouse at {settings.build_db}: run `crm ingest` first")
    StepTimer().run("dbt (identity inputs)", run_dbt_stage, settings, "identity_inputs", dbt_progress)
    with build_connection(settings.build_db) as con:
        summary = StepTimer().run("train", train_on_warehouse, con, match_options(settings, force_retrain=True))
    click.echo(summary)


@identity.command(name="train-prior")
@click.option("--scale", type=int, default=20_000, show_default=True, help="People to generate.")
@click.option("--list-records", type=int, default=6_000, show_default=True,
              help="Records of each synthetic person list (au, us, uk shapes) added to the generated contacts.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Keep it apart from the evaluation data's seeds (crm bench identity uses 42).")
@click.option("--workdir", type=click.Path(file_okay=False, resolve_path=True, path_type=Path),
              help="Where to generate and build (default: <data_dir>/train/prior-<scale>-<seed>).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Model file to write (default: identity.prior_match_model in crm.toml).")
@click.pass_obj
@expected_errors
def identity_train_prior_command(settings: Settings, scale: int, list_records: int, seed: int,
                                 workdir: Path | None, output: Path | None) -> None:
    """Train the prior model (used below identity.min_records_to_train contacts) on generated contacts and on
    synthetic person lists, every field the model knows filled somewhere; writes JSON to commit with the code."""
    from identity.probabilistic import train_prior
    from identity.synthetic_lists import STYLES, write_person_list
    from orchestration.imports import import_csv
    from orchestration.pipeline import generated_warehouse, run_dbt_stage
    from orchestration.warehouse import build_connection

    workdir = workdir or settings.data_dir / "train" / f"prior-{scale}-{seed}"
    train_settings = generated_warehouse(settings, workdir, scale, seed, StepTimer().run, progress_line,
                                         ingest_progress)
    for style in STYLES:
        csv_path, map_path, _ = write_person_list(workdir / "lists", list_records, style, seed)
        StepTimer().run(f"import {style} list", import_csv, train_settings, csv_path, map_path, "contacts")
    StepTimer().run("dbt (identity inputs)", run_dbt_stage, train_settings, "identity_inputs", dbt_progress)
    output = output or settings.prior_match_model
    with build_connection(train_settings.build_db) as con:
        StepTimer().run("train", train_prior, con, output)
    click.echo(f"prior match model written to {output}")


@identity.command(name="review")
@click.option("--same", nargs=2, metavar="RECORD RECORD", help="Decide that two records are one person.")
@click.option("--different", nargs=2, metavar="RECORD RECORD", help="Decide that two records are two people.")
@click.option("--note", default="", help="Why (kept with the decision).")
@click.option("--limit", type=int, default=20, show_default=True, help="Possible matches to list.")
@click.pass_obj
@expected_errors
def identity_review_command(settings: Settings, same: tuple[str, str] | None, different: tuple[str, str] | None,
                            note: str, limit: int) -> None:
    """List possible matches (the model was not sure) with why, or record a decision on a pair.

    A record is its identity key (crm_contact:C123) or a CRM contact id. Decisions go to
    <landing>/identity/review_decisions.csv and every later `crm build` honours them."""
    from identity.explain import format_contributions, possible_matches, record_descriptions
    from identity.review import append_decision
    from orchestration.warehouse import build_connection

    if same and different:
        raise CrmError("give --same or --different, not both")
    if same or different:
        pair, decision = (same, "same") if same else (different, "different")
        try:
            recorded = append_decision(settings.review_decisions_file, *pair, decision, note)
        except ValueError as exc:
            raise CrmError(str(exc)) from exc
        click.echo(f"recorded: {recorded.left_key} {decision} {recorded.right_key} "
                   f"(in {settings.review_decisions_file}); run `crm build` to apply it")
        return
    if not settings.build_db.exists():
        raise CrmError(f"no warehouse at {settings.build_db}: run `crm build` first")
    with build_connection(settings.build_db, read_only=True) as con:
        pairs = possible_matches(con, limit)
        names = record_descriptions(con) if pairs else {}
    if not pairs:
        click.echo("no possible matches waiting for review")
        return
    for pair in pairs:
        click.echo(f"{pair['match_probability']:.3f}  {pair['left_key']}  ~  {pair['right_key']}")
        click.echo(f"       {names.get(pair['left_key'], '')}")
        click.echo(f"       {names.get(pair['right_key'], '')}")
        click.echo(f"       {format_contributions(pair['contributions'])}")
    click.echo("decide with: crm identity review --same A B   or   crm identity review --different A B")


@identity.command(name="explain")
@click.argument("customer_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@expected_errors
def identity_explain_command(settings: Settings, customer_id: str, as_json: bool) -> None:
    """Which records make CUSTOMER_ID, and which identifiers, model links (with their weights) and review
    decisions joined them."""
    import json

    from identity.explain import CustomerNotFound, explain_customer, format_explanation
    from orchestration.warehouse import build_connection

    if not settings.build_db.exists():
        raise CrmError(f"no warehouse at {settings.build_db}: run `crm build` first")
    with build_connection(settings.build_db, read_only=True) as con:
        try:
            explanation = explain_customer(con, customer_id)
        except CustomerNotFound as exc:
            raise CrmError(str(exc)) from exc
    click.echo(json.dumps(explanation.as_dict(), indent=2, default=str) if as_json
               else format_explanation(explanation))


class LazyGroup(click.Group):
    """A command group whose commands live in another module (`commands_from`, "module:group"), imported only
    when the group is invoked; its name and help are given here, so `crm --help` does not import it."""

    def __init__(self, *args, commands_from: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands_from = commands_from

    def _loaded(self) -> click.Group:
        module, _, group = self.commands_from.partition(":")
        return getattr(importlib.import_module(module), group)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._loaded().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._loaded().get_command(ctx, cmd_name)


# Lazily loaded: the benchmarks are not part of the product (they reach into the loader's and the dashboards'
# internals), so no other command imports them, and they may change without touching the product.
@cli.group(cls=LazyGroup, commands_from="benchmarks.cli:bench")
def bench() -> None:
    """Benchmarks (not part of the tests): figures for docs/benchmarks.md."""


def _run_foreground(command: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> None:
    click.echo(" ".join(command), err=True)
    try:
        sys.exit(subprocess.call(command, env=env, cwd=cwd))
    except KeyboardInterrupt:
        sys.exit(0)


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


@cli.command()
@click.option("--port", type=int, help="Port (default: dashboard.port).")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on; beyond this machine only with a login configured (README, \"Access\").")
@click.pass_obj
@expected_errors
def dashboard(settings: Settings, port: int | None, address: str) -> None:
    """Start the Streamlit dashboards (they read the published serving files only)."""
    from common.access import LoginMisconfigured, login_configured, login_host

    try:
        with_login = login_configured(settings.dashboard_secrets)
    except LoginMisconfigured as exc:
        raise CrmError(f"the dashboards' login is misconfigured: {exc}") from None
    if not with_login and not _is_loopback(address):
        raise CrmError(f"refusing to listen on {address} without a login: anyone reaching it would see every "
                       f"customer's personal data; configure [auth] in {settings.dashboard_secrets} "
                       "(README, \"Access\") or listen on 127.0.0.1")
    # A viewers-only machine may hold the file without PII alone.
    if not settings.serving_db.exists() and not (with_login and settings.bi_serving_db.exists()):
        raise CrmError(f"nothing published yet at {settings.serving_db}: run `crm run` first")
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboards" / "app.py"),
               "--server.address", address, "--server.port", str(port or settings.dashboard_port),
               "--secrets.files", str(settings.dashboard_secrets),
               "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    if with_login:
        # Streamlit prints, and admits websocket origins from, this name; without it, listening on 0.0.0.0 makes
        # it ask a web service for the machine's public IP (for the banner and the origin check).
        command += ["--browser.serverAddress", login_host(settings.dashboard_secrets)]
    _run_foreground(command, dict(os.environ))


@cli.command()
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--generate-only", is_flag=True, help="Write the site without serving it.")
@click.option("--quality", is_flag=True,
              help="The Great Expectations Data Docs site instead: every check run's results (`crm check` writes it).")
@click.pass_obj
@expected_errors
def docs(settings: Settings, port: int, generate_only: bool, quality: bool) -> None:
    """The dbt docs site (models, columns, KPI definitions, lineage), or with --quality the Data Docs, on 127.0.0.1."""
    from orchestration.dbt import dbt_executable, run_dbt

    if quality:
        from quality.run import data_docs_index

        index = data_docs_index(settings.quality_dir)
        if not index.exists():
            raise CrmError(f"no Data Docs at {index}: run `crm check` first (it validates and writes them)")
        click.echo(f"Data Docs site: {index}")
        if not generate_only:
            click.echo(f"serving on http://127.0.0.1:{port}/index.html", err=True)
            _run_foreground([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
                             str(index.parent)], dict(os.environ))
        return
    if not settings.build_db.exists():
        raise CrmError(f"no warehouse at {settings.build_db}: run `crm run` first (the docs describe its tables)")
    StepTimer().run("docs", run_dbt, settings, ["docs", "generate"])
    click.echo(f"docs site written to {settings.dbt_project_dir / 'target' / 'index.html'}")
    if not generate_only:
        _run_foreground([dbt_executable(), "docs", "serve", "--host", "127.0.0.1", "--port", str(port),
                         "--no-browser"], {**os.environ, **settings.dbt_env()}, cwd=settings.dbt_project_dir)


@cli.command()
@click.option("--port", type=int, help="Port (default: dagster.port).")
@click.pass_obj
@expected_errors
def dagster(settings: Settings, port: int | None) -> None:
    """Start the Dagster UI on 127.0.0.1 with a local DAGSTER_HOME in the data folder."""
    from orchestration.dagster_instance import prepare_instance
    from orchestration.dbt import ensure_manifest

    ensure_manifest(settings)
    prepare_instance(settings.dagster_home)
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}
    command = [sys.executable, "-m", "dagster", "dev", "-m", "orchestration.definitions",
               "-h", "127.0.0.1", "-p", str(port or settings.dagster_port)]
    _run_foreground(command, env)


def main() -> None:
    cli(prog_name="crm")


if __name__ == "__main__":
    main()
