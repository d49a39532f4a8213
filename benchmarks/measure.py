"""What `crm bench` measures: the loaders, identity resolution, the dbt build, the predictive models and the
dashboards' queries.

`crm bench ingest`: per source, the loader's rows/s and peak memory against DuckDB's bare read (the floor).
Each measurement runs in its own process, so peak memory (ru_maxrss) belongs to that source alone and no
source warms another's caches. The floor is `CREATE TABLE AS SELECT * FROM read_csv/read_json(...)` over the
same files; non-UTF-8 files are transcoded beforehand (untimed), since DuckDB's reader takes UTF-8 only.
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from common.processes import ends_with_parent
from ingestion.landing import detect_encoding, discover, transcode_to_utf8
from ingestion.load import WAL_CHECKPOINT_THRESHOLD
from ingestion.sources import all_sources
from ingestion.sources.email import read_mail, shutdown_parser_pool


@dataclass(frozen=True)
class SourceBenchmark:
    source: str
    files: int
    rows: int
    seconds: float
    peak_mb: float
    floor_seconds: float | None           # one bare read of all the source's files
    floor_per_file_seconds: float | None  # one bare read and commit per file (what a loader that commits
                                          # file by file cannot beat; the loader batches files)
    cpu_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def floor_ratio(self) -> float | None:
        return self.seconds / self.floor_seconds if self.floor_seconds else None

    @property
    def per_file_floor_ratio(self) -> float | None:
        return self.seconds / self.floor_per_file_seconds if self.floor_per_file_seconds else None


def _measure_load(source: str, landing_dir: str) -> dict:
    import duckdb

    from ingestion.load import ingest

    spec = next(s for s in all_sources() if s.name == source)
    with tempfile.TemporaryDirectory() as scratch:
        con = duckdb.connect(str(Path(scratch) / "bench.duckdb"))
        started, cpu_started = time.perf_counter(), time.process_time()
        report = ingest(con, [spec], Path(landing_dir))
        con.close()  # timed, as the floor's: the rows are in the database file, not only in its WAL
        seconds = time.perf_counter() - started
        shutdown_parser_pool()  # its processes' CPU time counts once they have ended
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - cpu_started + children.ru_utime + children.ru_stime
    return {"files": len(report.files), "rows": sum(f.rows_read for f in report.files), "seconds": seconds,
            "cpu_seconds": cpu}


def _measure_floor(source: str, landing_dir: str) -> dict:
    import duckdb

    spec = next(s for s in all_sources() if s.name == source)
    if spec.reader.stage is read_mail:
        return {"seconds": None, "per_file_seconds": None}
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for landing_file in discover(Path(landing_dir), spec.patterns):
            encoding = detect_encoding(landing_file.path) if landing_file.path.suffix == ".csv" else "utf-8"
            paths.append(str(landing_file.path if encoding == "utf-8" else transcode_to_utf8(
                landing_file.path, encoding, Path(scratch) / f"{len(paths)}.csv")))
        if paths[0].endswith(".csv"):
            header = "false" if source == "phone__asterisk_cdr" else "true"
            read = f"read_csv(?, header={header}, all_varchar=true, union_by_name=true)"
        else:
            read = "read_json(?, format='newline_delimited')"
        con = duckdb.connect(str(Path(scratch) / "floor.duckdb"))
        started = time.perf_counter()
        con.execute(f"create table floor as select * from {read}", [paths])
        # Closing checkpoints: a small table's rows go from the WAL into the database file, as the loader's
        # run-end checkpoint moves its rows (both timed).
        con.close()
        one_read_seconds = time.perf_counter() - started
        # A loader committing each file on its own could not beat this (the loader now commits batches of
        # files); with the loader's checkpoint setting and one checkpoint at the end.
        con = duckdb.connect(str(Path(scratch) / "floor_per_file.duckdb"))
        started = time.perf_counter()
        con.execute(f"set checkpoint_threshold = '{WAL_CHECKPOINT_THRESHOLD}'")
        for index, path in enumerate(paths):
            con.execute(f"create table floor_{index} as select * from {read}", [path])
        con.execute("checkpoint")
        con.close()
        per_file_seconds = time.perf_counter() - started
    return {"seconds": one_read_seconds, "per_file_seconds": per_file_seconds}


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). ru_maxrss would not do: Linux carries it over fork and exec, so a
    worker started by a big parent reports the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(kind: str, *arguments: str) -> None:
    measure = {"load": _measure_load, "floor": _measure_floor, "identity": _measure_identity,
               "prediction": _measure_prediction}[kind]
    result = measure(*arguments)
    result["peak_mb"] = _peak_rss_mb()
    print(json.dumps(result))


def _run_worker(kind: str, source: str, landing_dir: Path) -> dict:
    output = subprocess.run([sys.executable, "-m", "benchmarks.measure", kind, source, str(landing_dir)],
                            capture_output=True, text=True, check=True, **ends_with_parent()).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_ingest(landing_dir: Path, progress=None, sources: tuple[str, ...] = ()) -> list[SourceBenchmark]:
    results = []
    for spec in all_sources():
        if (sources and spec.name not in sources) or not discover(landing_dir, spec.patterns):
            continue
        load = _run_worker("load", spec.name, landing_dir)
        floor = _run_worker("floor", spec.name, landing_dir)
        result = SourceBenchmark(spec.name, load["files"], load["rows"], load["seconds"], load["peak_mb"],
                                 floor["seconds"], floor["per_file_seconds"], load["cpu_seconds"])
        results.append(result)
        if progress:
            progress(result)
    return results


def format_table(results: list[SourceBenchmark]) -> str:
    lines = ["| source | files | rows | seconds | rows/s | peak MB | floor s | × floor | per-file floor s "
             "| × per-file floor | CPU/wall |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def figure(value: float | None, suffix: str = "") -> str:
        return f"{value:.{1 if suffix else 2}f}{suffix}" if value else "—"

    for r in results:
        lines.append(f"| {r.source} | {r.files} | {r.rows:,} | {r.seconds:.2f} | {r.rows_per_second:,.0f} | "
                     f"{r.peak_mb:,.0f} | {figure(r.floor_seconds)} | {figure(r.floor_ratio, '×')} | "
                     f"{figure(r.floor_per_file_seconds)} | {figure(r.per_file_floor_ratio, '×')} | "
                     f"{r.cpu_seconds / r.seconds:.2f} |")
    return "\n".join(lines)


# --- identity -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityBenchmark:
    records: int
    identifiers: int
    customers: int
    candidate_pairs: int
    seconds: float
    peak_mb: float
    accuracy: dict
    summary: dict  # identity.resolve.ResolutionSummary as a dict: model source, steps' times, blocking rules


def _measure_identity(build_db: str, settings_json: str) -> dict:
    import duckdb

    from identity.probabilistic import MatchOptions
    from identity.resolve import resolve_identities

    options = json.loads(settings_json)
    con = duckdb.connect(build_db)
    started = time.perf_counter()
    summary = resolve_identities(
        # Trained here, not taken from an earlier run: the figure is training + scoring + clustering.
        con, match_options=MatchOptions(**{**options["match_options"], "force_retrain": True,
                                           "prior_model": Path(options["match_options"]["prior_model"])}),
        decisions_file=Path(options["decisions_file"]))
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "summary": summary.__dict__}


def bench_identity(settings, truth_records: Path) -> IdentityBenchmark:
    """Resolve identities in the prepared warehouse in a process of its own (time, VmHWM), then score them."""
    from dataclasses import asdict

    import duckdb

    from identity.evaluate import evaluate
    from identity.resolve import resolution_options

    options = resolution_options(settings)
    options = {"match_options": asdict(options["match_options"]), "decisions_file": options["decisions_file"]}
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", "identity", str(settings.build_db),
         json.dumps(options, default=str)],
        capture_output=True, text=True, check=True, **ends_with_parent()).stdout
    measured = json.loads(output.strip().splitlines()[-1])
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        accuracy = evaluate(con, truth_records)
    finally:
        con.close()
    summary = measured["summary"]
    return IdentityBenchmark(summary["records"], summary["identifiers"], summary["customers"],
                             summary.get("candidate_pairs", 0), measured["seconds"], measured["peak_mb"],
                             accuracy.as_dict(), summary)


def format_identity(result: IdentityBenchmark) -> str:
    a = result.accuracy
    return "\n".join([
        "| records | identifiers | customers | candidate pairs | seconds | peak MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result.records:,} | {result.identifiers:,} | {result.customers:,} | {result.candidate_pairs:,} | "
        f"{result.seconds:.1f} | {result.peak_mb:,.0f} |",
        "",
        "| level | precision | recall | F1 |",
        "| --- | ---: | ---: | ---: |",
        f"| pairwise | {a['pairwise_precision']:.4f} | {a['pairwise_recall']:.4f} | {a['pairwise_f1']:.4f} |",
        f"| cluster | {a['cluster_precision']:.4f} | {a['cluster_recall']:.4f} | {a['cluster_f1']:.4f} |",
        f"({a['records']:,} records of {a['people']:,} people in {a['customers']:,} customers; not scored: "
        f"{a['anonymous_records']:,} records of web visitors who never identified)",
        "",
        f"model: {result.summary.get('model_source')}; links {result.summary.get('probabilistic_links', 0):,}, "
        f"possible matches {result.summary.get('possible_matches', 0):,}",
        "steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.summary.get("seconds", {}).items()),
        "candidate pairs by rule (each pair under the first rule that finds it): "
        + "; ".join(f"{rule} {pairs:,}" for rule, pairs in result.summary.get("blocking", [])),
    ])


# --- build --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildBenchmark:
    seconds: float
    identity_seconds: float
    predictions_seconds: float
    dbt_peak_mb: float
    nodes: list[tuple[str, str, float]]  # (unique_id, status, seconds), slowest first


def _run_results(settings) -> list[tuple[str, str, float]]:
    results = json.loads((settings.dbt_project_dir / "target" / "run_results.json").read_text(encoding="utf-8"))
    return [(r["unique_id"], r["status"], float(r["execution_time"])) for r in results["results"]]


def bench_build(settings) -> BuildBenchmark:
    """The whole `crm build` (dbt passes around identity resolution and the predictive models), with every dbt
    node's own time from
    dbt's run_results.json and the dbt processes' peak memory (DuckDB runs inside them)."""
    from orchestration.pipeline import run_dbt_stage, run_identity, run_predictions

    started = time.perf_counter()
    run_dbt_stage(settings, "identity_inputs")
    nodes = _run_results(settings)
    identity_started = time.perf_counter()
    run_identity(settings)
    identity_seconds = time.perf_counter() - identity_started
    run_dbt_stage(settings, "prediction_inputs")
    nodes += _run_results(settings)
    predictions_started = time.perf_counter()
    run_predictions(settings, f"bench-{uuid.uuid4()}")
    predictions_seconds = time.perf_counter() - predictions_started
    run_dbt_stage(settings, "marts")
    nodes += _run_results(settings)
    seconds = time.perf_counter() - started
    dbt_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return BuildBenchmark(seconds, identity_seconds, predictions_seconds, dbt_peak_mb,
                          sorted(nodes, key=lambda n: -n[2]))


def format_build(result: BuildBenchmark, top: int = 15) -> str:
    models = [n for n in result.nodes if n[0].startswith("model.")]
    tests = [n for n in result.nodes if not n[0].startswith("model.")]
    lines = [f"build {result.seconds:.1f} s (identity resolution {result.identity_seconds:.1f} s, predictive models "
             f"{result.predictions_seconds:.1f} s); "
             f"{len(models)} models {sum(n[2] for n in models):.1f} s, {len(tests)} tests/seeds "
             f"{sum(n[2] for n in tests):.1f} s (node times, summed); dbt peak memory {result.dbt_peak_mb:,.0f} MB",
             "", "| node | status | seconds |", "| --- | --- | ---: |"]
    lines += [f"| {uid.split('.', 2)[-1]} | {status} | {secs:.2f} |" for uid, status, secs in result.nodes[:top]]
    return "\n".join(lines)


# --- predictions --------------------------------------------------------------------------------------------------

# Each predictive model's step of a build: orchestration.pipeline.run_<step>(settings, build_id).
PREDICTION_STEPS = ("customer_lifetime", "lead_score", "sales_forecast")


@dataclass(frozen=True)
class ModelBenchmark:
    step: str
    seconds: float
    peak_mb: float  # the whole worker process: Python, its libraries, DuckDB and the model
    summary: str  # the step's own line, as `crm build` prints it
    metrics: list[tuple[str, float]]  # (metric, value) of segment "all" this run wrote to model_performance


def _measure_prediction(step: str, build_db: str, as_of: str, build_id: str) -> dict:
    from dataclasses import replace

    from common.settings import get_settings
    from orchestration import pipeline

    settings = replace(get_settings(), build_db=Path(build_db), as_of=date.fromisoformat(as_of))
    started = time.perf_counter()
    summary = getattr(pipeline, f"run_{step}")(settings, build_id)
    return {"seconds": time.perf_counter() - started, "summary": summary.describe()}


def _per_person_inputs() -> tuple[str, ...]:
    """The models' inputs with a row per customer, lead, signal or deal: what grows with the people. The monthly
    order totals the trend forecast reads do not."""
    from orchestration.pipeline import LEAD_EVENTS_MODEL, PURCHASES_MODEL, SALES_FORECAST_INPUTS

    return (PURCHASES_MODEL, LEAD_EVENTS_MODEL,
            *(model for model in SALES_FORECAST_INPUTS if model != "int_predictions__orders_aggregated_by_month"))


def replicate_inputs(build_db: Path, copies: int) -> dict[str, int]:
    """Each per-person input `copies` times over, every `*_id` text column made distinct per copy (`id#2`): the
    models then train and score on `copies` times the customers, leads and deals of the generated scale, with the
    same dates. Rows per input afterwards."""
    import duckdb

    con = duckdb.connect(str(build_db))
    rows = {}
    try:
        for model in _per_person_inputs():
            relation = f"intermediate.{model}"
            columns = con.execute(f"describe {relation}").fetchall()
            select = ", ".join(
                f"case when copy = 0 then {name} else {name} || '#' || copy end as {name}"
                if name.endswith("_id") and kind == "VARCHAR" else name for name, kind, *_ in columns)
            con.execute(f"create or replace temp table original as select * from {relation}")
            con.execute(f"create or replace table {relation} as select {select} "
                        f"from original, (select range as copy from range({copies}))")
            rows[model] = con.execute(f"select count(*) from {relation}").fetchone()[0]
    finally:
        con.close()
    return rows


def bench_predictions(settings, progress=None, copies: int = 1) -> tuple[float, list[ModelBenchmark]]:
    """The inputs the models read (dbt up to them, identity resolution; with `copies` > 1 the per-person inputs
    repeated, see replicate_inputs), then each model's training and scoring in a process of its own (time, VmHWM)
    as a build runs it. Returns the inputs' seconds and each model's figures."""
    import duckdb

    from orchestration.pipeline import run_dbt_stage, run_identity

    started = time.perf_counter()
    run_dbt_stage(settings, "identity_inputs")
    run_identity(settings)
    run_dbt_stage(settings, "prediction_inputs")
    inputs_seconds = time.perf_counter() - started
    if copies > 1:
        rows = replicate_inputs(settings.build_db, copies)
        if progress:
            progress(f"inputs repeated {copies} times: " + ", ".join(f"{m} {n:,} rows" for m, n in rows.items()))
    results = []
    for step in PREDICTION_STEPS:
        build_id = f"bench-{uuid.uuid4()}"
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.measure", "prediction", step, str(settings.build_db),
             settings.as_of.isoformat(), build_id],
            capture_output=True, text=True, check=True, **ends_with_parent()).stdout
        measured = json.loads(output.strip().splitlines()[-1])
        con = duckdb.connect(str(settings.build_db), read_only=True)
        try:
            metrics = con.execute("select metric, value from predictions.model_performance "
                                  "where build_id = ? and segment = 'all' and value is not null order by metric",
                                  [build_id]).fetchall()
        finally:
            con.close()
        results.append(ModelBenchmark(step, measured["seconds"], measured["peak_mb"], measured["summary"], metrics))
        if progress:
            progress(f"{step}: {measured['seconds']:.1f} s, peak {measured['peak_mb']:,.0f} MB")
    return inputs_seconds, results


def format_predictions(inputs_seconds: float, results: list[ModelBenchmark], people: int, copies: int = 1) -> str:
    scale = f"{people:,} people" + (f", per-person inputs repeated {copies} times" if copies > 1 else "")
    lines = [f"{scale}; the models' inputs (dbt up to them and identity resolution): {inputs_seconds:.1f} s",
             "", "| model | seconds | peak MB |", "| --- | ---: | ---: |"]
    lines += [f"| {r.step} | {r.seconds:.1f} | {r.peak_mb:,.0f} |" for r in results]
    lines.append(f"| all models | {sum(r.seconds for r in results):.1f} | {max(r.peak_mb for r in results):,.0f} |")
    for r in results:
        lines += ["", r.summary, "", "| metric (all customers, leads or series) | value |", "| --- | ---: |"]
        lines += [f"| {metric} | {value:,.4g} |" for metric, value in r.metrics]
    return "\n".join(lines)


# --- dashboards ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageBenchmark:
    page: str
    queries: int
    median_ms: float  # the page's queries run one after another, uncached: a first visit after a publication
    p95_ms: float
    slowest_query: str
    slowest_query_p95_ms: float


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[rank]


def dashboard_query_calls(serving_db: Path, region: str) -> dict[str, tuple]:
    """Arguments, by query name, for every query of dashboards.queries.PAGE_QUERIES as a first visit to each page
    uses them: the default date range (the last 90 days), the largest segment, the funnel's full window, a customer
    found by a phone number typed in another format (customer_search_texts has the name and email searches), a
    company found by part of its name."""
    from dashboards.queries import customer_360, funnel, overview, segments, serving, shared

    first_day, last_day, _ = shared.date_bounds(serving_db)
    last_day = last_day or date.today()
    quarter = shared.Period(max(first_day or last_day, last_day - timedelta(days=89)), last_day)
    segment_sizes = segments.segment_summary(serving_db, None)
    segment = (segment_sizes.groupby("rfm_segment")["customers"].sum().idxmax() if len(segment_sizes) else "none")
    window = funnel.funnel_window_days(serving_db) or 90
    months = overview.kpi_periods(serving_db, "month")
    complete = months[months["is_complete"]]
    latest_month = (complete if len(complete) else months)["period_start"].iloc[0] if len(months) else last_day
    typed_phone = customer_search_texts(serving_db)["phone"]
    company = serving.run_query(serving_db, """
        select company_name from marts.dim_companies where company_name is not null
        order by company_id limit 1""")
    company_fragment = (company["company_name"].iloc[0] if len(company) else "Acme")[:5]
    people = customer_360.search_customers(serving_db, typed_phone, region)
    companies = customer_360.search_companies(serving_db, company_fragment)
    customer_id = people["customer_id"].iloc[0] if len(people) else ""
    company_id = companies["company_id"].iloc[0] if len(companies) else ""
    return {
        "date_bounds": (), "publication": (), "filter_options": (),
        "kpi_periods": ("month",), "kpi_snapshot": ("month", latest_month, "previous"), "goal_progress": (),
        "kpi_trend": ("week", quarter, ("revenue", "new_customers")),
        "segment_summary": (None,), "rfm_grid": (None,), "segment_movement": (),
        "segment_customers": (segment, None), "segment_consent_counts": (segment, None),
        "segment_export": (segment, None),
        "funnel_window_days": (), "funnel": (window, "all", None, None),
        "funnel_drop_offs": (window, "consideration", "all", None, None),
        "retention_cohorts": ("month",), "churn_trend": (),
        "sales_summary": (quarter,), "pipeline_by_stage": (), "pipeline_by_close_month": (), "stalled_deals": (),
        "rep_leaderboard": (quarter,),
        "campaigns": (quarter, None), "acquisition_channels": (quarter, None),
        "service_summary": (quarter, None), "service_trend": (quarter, None),
        "service_by_agent": (quarter, None), "nps_trend": (quarter,),
        "search_customers": (typed_phone, region), "search_companies": (company_fragment,),
        "customer_profile": (customer_id,), "customer_contact_points": (customer_id,),
        "customer_consents": (customer_id,), "customer_consent_history": (customer_id,),
        "customer_possible_matches": (customer_id,),
        "customer_timeline": (customer_id,), "company_profile": (company_id,), "company_contacts": (company_id,),
        "company_open_deals": (company_id,), "company_last_touches": (company_id,),
        "model_performance": ("customer_lifetime",), "lifetime_summary": (), "churn_risk": (),
        "valuable_customers_at_risk": (), "lead_summary": (), "top_leads": (), "sales_forecast": (),
        "loads_by_source": (), "quality_results": (), "blocking_failures": (), "builds": (), "source_freshness": (),
    }


def customer_search_texts(serving_db: Path) -> dict[str, str]:
    """What a user types into the customer 360 search, one per kind of search: a known customer's phone number
    in another format, their name, and their email address in capitals."""
    from dashboards.queries import serving

    sample = serving.run_query(serving_db, """
        select primary_phone, full_name, primary_email from marts.dim_customers
        where primary_phone is not null and full_name is not null and primary_email is not null
        order by customer_id limit 1""")
    phone, name, email = (sample.iloc[0].tolist() if len(sample)
                          else ["+12125550147", "Taro Yamada", "taro@example.com"])
    return {"phone": f"{phone[:-7]} {phone[-7:-4]}-{phone[-4:]}",  # +8180 281-5078: spaces and a dash added
            "name": name, "email": email.upper()}


def bench_dashboards(serving_db: Path, region: str, repeats: int = 20) -> list[PageBenchmark]:
    """Every page's queries (dashboards.queries.PAGE_QUERIES), uncached, `repeats` times: per page the median and
    p95 of their total time, and its slowest query by p95. A query whose table is not published (e.g. freshness
    not configured) counts the time it took to find that out, as the page would."""
    from dashboards.queries import PAGE_QUERIES
    from dashboards.queries.serving import WarehouseNotReady

    calls = dashboard_query_calls(serving_db, region)
    visits = [(page, page_queries, calls) for page, page_queries in PAGE_QUERIES.items()]
    # The customer 360 page once more for each other kind of search (the default visit searches by phone).
    visits += [(f"customer_360 by {kind}", PAGE_QUERIES["customer_360"],
                {**calls, "search_customers": (text, region)})
               for kind, text in customer_search_texts(serving_db).items() if kind != "phone"]
    results = []
    for page, page_queries, visit_calls in visits:
        names = [query.__name__ for query in page_queries]
        totals, per_query = [], {name: [] for name in names}
        for _ in range(repeats):
            total = 0.0
            for query in page_queries:
                name = query.__name__
                started = time.perf_counter()
                with contextlib.suppress(WarehouseNotReady):
                    query(serving_db, *visit_calls[name])
                elapsed = (time.perf_counter() - started) * 1000
                per_query[name].append(elapsed)
                total += elapsed
            totals.append(total)
        slowest = max(names, key=lambda n: _percentile(per_query[n], 0.95))
        results.append(PageBenchmark(page, len(names), _percentile(totals, 0.5), _percentile(totals, 0.95), slowest,
                                     _percentile(per_query[slowest], 0.95)))
    return results


def published_customers(serving_db: Path) -> int:
    """The customers of a published serving file: the scale a dashboards benchmark ran at."""
    import duckdb

    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        return con.execute("select count(*) from marts.dim_customers").fetchall()[0][0]
    finally:
        con.close()


def format_dashboards(results: list[PageBenchmark], customers: int, repeats: int) -> str:
    lines = [f"{customers:,} customers; each page's queries run {repeats} times, uncached (a first visit after a "
             "publication)", "",
             "| page | queries | median ms | p95 ms | slowest query (p95 ms) |", "| --- | ---: | ---: | ---: | --- |"]
    lines += [f"| {r.page} | {r.queries} | {r.median_ms:,.0f} | {r.p95_ms:,.0f} | {r.slowest_query} "
              f"({r.slowest_query_p95_ms:,.0f}) |" for r in results]
    return "\n".join(lines)


if __name__ == "__main__":
    _worker(*sys.argv[1:])
