"""The `crm bench` commands. orchestration/cli.py gives the group its name and help and imports this module only
when `crm bench` is invoked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from common.settings import Settings
from orchestration.console import StepTimer, expected_errors, ingest_progress, progress_line


@click.group()
def bench() -> None:
    """The benchmark commands (`crm bench`)."""


def _options(command, options):
    for option in reversed(options):
        command = option(command)
    return command


def _scale_and_seed(command):
    return _options(command, [
        click.option("--scale", type=int, default=100_000, show_default=True, help="People to generate."),
        click.option("--seed", type=int, default=42, show_default=True),
    ])


def _generated_data_options(command):
    """--scale, --seed and --workdir, shared by the commands that work on generated data."""
    return _scale_and_seed(_options(command, [
        click.option("--workdir", type=click.Path(file_okay=False, resolve_path=True, path_type=Path),
                     help="Where to generate and build (default: <data_dir>/bench/<scale>); reused when it "
                          "already holds that scale and seed."),
    ]))


def _bench_workdir(settings: Settings, scale: int, workdir: Path | None) -> Path:
    return workdir or settings.data_dir / "bench" / str(scale)


def _generated_warehouse(settings: Settings, workdir: Path, scale: int, seed: int, ingest: bool = True) -> Settings:
    from orchestration.pipeline import generated_warehouse

    return generated_warehouse(settings, workdir, scale, seed, StepTimer().run, progress_line, ingest_progress,
                               ingest=ingest)


@bench.command(name="ingest")
@_generated_data_options
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable), e.g. web__segment_events.")
@click.pass_obj
@expected_errors
def bench_ingest_command(settings: Settings, scale: int, seed: int, workdir: Path | None,
                         sources: tuple[str, ...]) -> None:
    """Per source: loader rows/s, peak memory, and the time of a bare DuckDB read of the same files."""
    from benchmarks.measure import bench_ingest, format_table

    generated = _generated_warehouse(settings, _bench_workdir(settings, scale, workdir), scale, seed, ingest=False)
    results = StepTimer().run(
        "bench ingest", bench_ingest, generated.landing_dir,
        lambda r: progress_line(f"{r.source}: {r.rows:,} rows in {r.seconds:.1f} s"), sources)
    click.echo(format_table(results))


@bench.command(name="identity")
@_generated_data_options
@click.option("--person-list", type=click.Choice(["au", "us", "uk"]),
              help="Instead of generated CRM data: a synthetic person list of this export shape (identity/"
                   "synthetic_lists.py), imported with its column map; --records sets its size.")
@click.option("--records", type=int, default=100_000, show_default=True, help="Rows of the person list.")
@click.pass_obj
@expected_errors
def bench_identity_command(settings: Settings, scale: int, seed: int, workdir: Path | None,
                           person_list: str | None, records: int) -> None:
    """Identity resolution alone, in a process of its own: time per step, candidate pairs, peak memory, and
    precision/recall against the ground truth — of generated CRM data, or of a synthetic person list."""
    from benchmarks.measure import bench_identity, format_identity
    from orchestration.pipeline import run_dbt_stage

    if person_list:
        bench_settings, truth = _person_list_warehouse(
            settings, workdir or settings.data_dir / "bench" / f"list-{person_list}-{records}-{seed}", person_list,
            records, seed)
    else:
        bench_settings = _generated_warehouse(settings, _bench_workdir(settings, scale, workdir), scale, seed)
        truth = bench_settings.ground_truth_dir / "records.parquet"
    StepTimer().run("dbt (identity inputs)", run_dbt_stage, bench_settings, "identity_inputs", progress_line)
    result = StepTimer().run("bench identity", bench_identity, bench_settings, truth)
    click.echo(format_identity(result))


def _person_list_warehouse(settings: Settings, workdir: Path, style: str, records: int,
                           seed: int) -> tuple[Settings, Path]:
    """A throw-away warehouse holding one synthetic person list, imported as a user would (`crm import` with the
    list's column map); written and loaded once per shape, size and seed."""
    from identity.synthetic_lists import write_person_list
    from orchestration.imports import import_csv

    listed = replace(settings, landing_dir=workdir / "landing", ground_truth_dir=workdir / "ground_truth",
                     build_db=workdir / "build.duckdb", source_patterns={}, imap_accounts=())
    written = StepTimer().run("write person list", write_person_list, workdir / "list", records, style, seed)
    csv_path, map_path, truth = written
    StepTimer().run("import", import_csv, listed, csv_path, map_path, "contacts")
    return listed, truth


@bench.command(name="build")
@_generated_data_options
@click.pass_obj
@expected_errors
def bench_build_command(settings: Settings, scale: int, seed: int, workdir: Path | None) -> None:
    """The dbt build: total time, each model's time (slowest first) and dbt's peak memory."""
    from benchmarks.measure import bench_build, format_build

    bench_settings = _generated_warehouse(settings, _bench_workdir(settings, scale, workdir), scale, seed)
    result = StepTimer().run("bench build", bench_build, bench_settings)
    click.echo(format_build(result))


@bench.command(name="predictions")
@_generated_data_options
@click.option("--copies", type=click.IntRange(min=1), default=1, show_default=True,
              help="Repeat the customers, leads and deals of the generated data this many times (ids made distinct, "
                   "dates kept) before the models run: their time at a multiple of --scale without generating it.")
@click.pass_obj
@expected_errors
def bench_predictions_command(settings: Settings, scale: int, seed: int, workdir: Path | None, copies: int) -> None:
    """Every predictive model trained and scored as a build does, each in a process of its own: seconds, peak
    memory and the accuracy it measured on the generated history (as of the data's last day)."""
    from datetime import timedelta

    from benchmarks.measure import bench_predictions, format_predictions

    generated = _generated_warehouse(settings, _bench_workdir(settings, scale, workdir), scale, seed)
    # The generated data ends the day before its end date: the models see the whole history and no empty days.
    bench_settings = replace(generated, as_of=settings.generate_end_date - timedelta(days=1))
    inputs_seconds, results = StepTimer().run("bench predictions", bench_predictions, bench_settings, progress_line,
                                              copies)
    click.echo(format_predictions(inputs_seconds, results, scale, copies))


@bench.command(name="dashboards")
@_generated_data_options
@click.option("--repeats", type=int, default=20, show_default=True, help="Runs of each page's queries.")
@click.option("--serving-db", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Time an already published serving file instead of generating one at --scale.")
@click.pass_obj
@expected_errors
def bench_dashboards_command(settings: Settings, scale: int, seed: int, workdir: Path | None, repeats: int,
                             serving_db: Path | None) -> None:
    """Every dashboard page's queries, uncached: per page the median and p95 time and the slowest query."""
    from benchmarks.measure import bench_dashboards, format_dashboards, published_customers

    if serving_db is None:
        serving_db = _published_warehouse(settings, _bench_workdir(settings, scale, workdir), scale, seed)
    customers = published_customers(serving_db)
    results = StepTimer().run("bench dashboards", bench_dashboards, serving_db,
                              settings.default_phone_region, repeats)
    click.echo(format_dashboards(results, customers, repeats))


def _published_warehouse(settings: Settings, workdir: Path, scale: int, seed: int) -> Path:
    """The serving file of a warehouse over generated data in `workdir`: built, checked and published once per
    scale and seed (a marker file says it was)."""
    from orchestration.pipeline import run_build, run_check, run_publish

    bench_settings = replace(_generated_warehouse(settings, workdir, scale, seed),
                             serving_db=workdir / "serving.duckdb", bi_serving_db=workdir / "serving_bi.duckdb")
    marker = workdir / f".published-{scale}-{seed}"
    if not (marker.exists() and bench_settings.serving_db.exists()):
        StepTimer().run("build", run_build, bench_settings, progress_line)
        StepTimer().run("check", run_check, bench_settings)
        StepTimer().run("publish", run_publish, bench_settings)
        marker.touch()
    return bench_settings.serving_db


@bench.command(name="forget")
@_generated_data_options
@click.option("--people", type=int, default=100, show_default=True, help="People to forget in one request.")
@click.pass_obj
@expected_errors
def bench_forget_command(settings: Settings, scale: int, seed: int, workdir: Path | None, people: int) -> None:
    """`crm forget` of --people people (by their email) in a copy of a published warehouse at --scale: the time of
    the whole request, file rewrites included."""
    import os
    import shutil
    import time

    import duckdb

    from orchestration.erasure import forget

    workdir = _bench_workdir(settings, scale, workdir)
    serving_db = _published_warehouse(settings, workdir, scale, seed)
    # Forgetting is destructive: it runs on a copy, made afresh each time (untimed).
    copy = workdir.parent / f"{workdir.name}-forget"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for name in ("landing", "ground_truth"):
        shutil.copytree(workdir / name, copy / name)
    for path in (workdir / "build.duckdb", serving_db, serving_db.with_name("health.duckdb"),
                 serving_db.with_name("serving_bi.duckdb")):
        if path.exists():
            shutil.copyfile(path, copy / path.name)
    # The copy's gigabytes written back to disk now, not while the request runs (they slowed it by a third).
    os.sync()
    copied = replace(settings, data_dir=copy, landing_dir=copy / "landing", ground_truth_dir=copy / "ground_truth",
                     build_db=copy / "build.duckdb", serving_db=copy / "serving.duckdb",
                     bi_serving_db=copy / "serving_bi.duckdb",
                     suppression_salt=settings.suppression_salt or "bench-only-salt")
    with duckdb.connect(str(copied.build_db), read_only=True) as con:
        emails = [r[0] for r in con.execute(
            """select any_value(c.email_normalized) from raw.sales__contacts c
               join identity.record_customers rc on rc.record_type = 'crm_contact' and rc.record_id = c.contact_id
               join intermediate.int_identity__record_identifiers_unioned i
                 on i.record_key = rc.record_key and i.identifier_type = 'email'
               group by rc.customer_id order by md5(rc.customer_id) limit ?""", [people]).fetchall()]
    started = time.perf_counter()
    report = StepTimer().run("forget", forget, copied, emails, "crm bench forget")
    seconds = time.perf_counter() - started
    landing = sum(count for place, count in report.removed.items() if place.startswith("landing/"))
    rows = sum(count for place, count in report.removed.items() if ": " in place)
    click.echo(f"forgot {len(emails)} people ({report.customers} customers, {report.records} records) at scale "
               f"{scale:,} in {seconds:.1f} s: {rows:,} rows out of the DuckDB files, {landing:,} landing records "
               f"out of {sum(p.startswith('landing/') for p in report.removed)} files; "
               f"{len(report.remaining)} files still naming anyone")


@bench.command(name="run")
@_scale_and_seed
@click.option("--workdir", type=click.Path(file_okay=False, resolve_path=True, path_type=Path),
              help="A fresh folder to generate, build and publish in, emptied first if an earlier run made it "
                   "(default: <data_dir>/bench/run-<scale>); each step's log and run.json (the figures) go there.")
@click.option("--days", type=click.IntRange(min=0, max=60), default=0, show_default=True,
              help="Take the generated files' last DAYS days out first; after the full run on the rest, each day's "
                   "files arrive and ingest, build, check and publish run again, timed per day.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also append the Markdown section to this file (e.g. docs/benchmarks.md).")
@click.pass_obj
@expected_errors
def bench_run_command(settings: Settings, scale: int, seed: int, workdir: Path | None, days: int,
                      report_file: Path | None) -> None:
    """The whole pipeline (generate, ingest, build, check, publish), each step a `crm` command in a process of its
    own: its time, its process tree's peak memory and the load around it; then each dbt model's time, rows and time
    per row. With --days, the daily runs after it too. Prints a Markdown section for docs/benchmarks.md."""
    from benchmarks.run import bench_run, format_run

    section = format_run(bench_run(settings, scale, seed, workdir or settings.data_dir / "bench" / f"run-{scale}",
                                   lambda line: click.echo(line, err=True), days))
    click.echo(section, nl=False)
    if report_file:
        with report_file.open("a", encoding="utf-8") as out:
            out.write("\n" + section)
