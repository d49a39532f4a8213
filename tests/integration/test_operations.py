"""Operations: Dagster materialises every asset in-process at a small scale, the quality gate stops a bad load
from being published (the previous serving file stays), a warning does not, new landing files start one run
each, and a failed run is posted to a webhook."""

import json
import shutil
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

from common.settings import PROJECT_ROOT, get_settings, load_settings
from tests.warehouse import query as _query

SCALE, SEED = 120, 11
ORDERS_HEADER = "order_id,contact_id,customer_email,order_date,channel,deal_id,currency,amount,status\n"


def _environment(data: Path) -> dict[str, str]:
    return {
        "CRM_PATHS_DATA_DIR": str(data), "CRM_PATHS_LANDING_DIR": str(data / "landing"),
        "CRM_PATHS_GROUND_TRUTH_DIR": str(data / "ground_truth"),
        "CRM_PATHS_BUILD_DB": str(data / "warehouse" / "build.duckdb"),
        "CRM_PATHS_SERVING_DB": str(data / "serving" / "serving.duckdb"),
        "CRM_PATHS_DAGSTER_HOME": str(data / "dagster_home"),
    }


# The tests on Dagster's own full build (about two minutes in all) are outside the default run: pytest -m slow; CI
# runs them. The Dagster definitions themselves are validated in the default run (test_dagster_definitions.py).
dagster_full_build = pytest.mark.slow


@pytest.fixture(scope="module")
def materialised(tmp_path_factory):
    """Generate a small landing folder, then run Dagster's full_build job in-process, once for the module."""
    import dagster as dg

    from orchestration.pipeline import generate

    data = tmp_path_factory.mktemp("ops")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _environment(data).items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        settings = get_settings()
        # dbt subprocesses read the warehouse path from the environment (orchestration/dbt_project.py sets it at
        # import, possibly for another test's settings).
        for name, value in settings.dbt_env().items():
            patch.setenv(name, value)
        generate(settings, scale=SCALE, seed=SEED, end_date=date(2026, 11, 1))
        from orchestration.definitions import defs

        instance = dg.DagsterInstance.ephemeral()
        result = defs.resolve_job_def("full_build").execute_in_process(instance=instance, raise_on_error=False)
        yield {"settings": settings, "result": result, "instance": instance, "data": data, "defs": defs}
    get_settings.cache_clear()



@dagster_full_build
def test_full_build_materialises_every_asset_in_process(materialised):
    import dagster as dg

    result, defs = materialised["result"], materialised["defs"]
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    materialised_keys = {e.asset_key for e in result.get_asset_materialization_events()}
    all_keys = set(defs.resolve_asset_graph().get_all_asset_keys())
    # dbt's ephemeral models and unit tests produce no table; every asset Dagster runs did materialise
    assert {k.to_user_string() for k in all_keys - materialised_keys} <= set()
    gate = [e for e in result.get_asset_check_evaluations() if e.check_name == "no_blocking_failures"]
    assert [e.passed for e in gate] == [True]
    per_table = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()
                 if e.check_name == "great_expectations"}
    assert per_table["raw/sales__orders"].passed and per_table["marts/dim_customers"].passed
    assert per_table["raw/sales__orders"].metadata["expectations"].value > 0
    # The customer lifetime models ran on the run's purchases, and their holdout check only ever warns.
    [holdout] = [e for e in result.get_asset_check_evaluations() if e.check_name == "holdout_error_within_limit"]
    assert holdout.severity == dg.AssetCheckSeverity.WARN
    settings = materialised["settings"]
    assert _query(settings.serving_db, "select count(*) from marts.dim_customers")[0][0] > 0
    assert _query(settings.serving_db, "select count(distinct customer_id) from marts.mart_customer_value") == _query(
        settings.serving_db, "select count(distinct customer_id) from marts.fct_orders "
                             "where is_completed and customer_id is not null")
    # the published build is the run: identity resolution records the run id as the build id
    assert _query(settings.serving_db, "select build_id from meta.publication") == [(result.run_id,)]


@dagster_full_build
def test_source_freshness_is_published_with_the_contract_columns(materialised):
    settings = materialised["settings"]
    columns = _query(settings.serving_db, "select column_name, data_type from information_schema.columns "
                     "where table_schema = 'audit' and table_name = 'source_freshness' order by ordinal_position")
    assert columns == [("source", "VARCHAR"), ("family", "VARCHAR"), ("last_loaded_at", "TIMESTAMP WITH TIME ZONE"),
                       ("expected_every_hours", "DOUBLE"), ("due_at", "TIMESTAMP WITH TIME ZONE"),
                       ("status", "VARCHAR"), ("checked_at", "TIMESTAMP WITH TIME ZONE")]
    rows = _query(settings.serving_db, "select source, family, status, expected_every_hours, "
                  "due_at - last_loaded_at from audit.source_freshness order by source")
    by_source = {r[0]: r for r in rows}
    assert by_source["sales__contacts"][1:] == ("sales", "fresh", 24.0, by_source["sales__contacts"][4])
    assert by_source["sales__contacts"][4].total_seconds() == 24 * 3600
    assert by_source["surveys__responses"][3] == 168.0
    assert all(r[2] == "fresh" for r in rows)  # everything was loaded minutes ago


def _copy_of_build(materialised, tmp_path: Path):
    """Settings over copies of the built warehouse and the published file, with an empty landing folder."""
    settings = materialised["settings"]
    shutil.copy(settings.build_db, tmp_path / "build.duckdb")
    shutil.copy(settings.serving_db, tmp_path / "serving.duckdb")
    (tmp_path / "landing" / "sales").mkdir(parents=True)
    return load_settings(PROJECT_ROOT / "crm.toml", environ={
        "CRM_PATHS_DATA_DIR": str(tmp_path), "CRM_PATHS_LANDING_DIR": str(tmp_path / "landing"),
        "CRM_PATHS_BUILD_DB": str(tmp_path / "build.duckdb"),
        "CRM_PATHS_SERVING_DB": str(tmp_path / "serving.duckdb")})


@dagster_full_build
def test_a_file_breaking_a_blocking_expectation_is_not_published(materialised, tmp_path):
    from orchestration.errors import QualityGateFailed
    from orchestration.pipeline import run_check, run_ingest, run_publish

    settings = _copy_of_build(materialised, tmp_path)
    # An export with the epoch as its order date: the loader takes it (a valid date), the raw suite blocks it.
    (settings.landing_dir / "sales" / "orders_broken.csv").write_text(
        ORDERS_HEADER + "ORD-BROKEN-1,,someone@example.com,1970-01-01 00:00,web,,USD,100.00,completed\n")
    assert run_ingest(settings).totals()["rows_loaded"] == 1
    published = settings.serving_db.read_bytes()

    with pytest.raises(QualityGateFailed, match=r"raw\.sales__orders\.files.*order_date__min"):
        run_check(settings)
    with pytest.raises(QualityGateFailed, match="last good build stays published"):
        run_publish(settings)

    assert settings.serving_db.read_bytes() == published
    failed = _query(settings.build_db, "select layer, table_name, column_name, severity, observed "
                    "from audit.dq_results where not success and severity = 'block'")
    assert [(r[0], r[1], r[2]) for r in failed] == [("raw", "raw.sales__orders", "order_date__min")]
    assert json.loads(failed[0][4])["files"] == ["sales/orders_broken.csv"]
    # the data-health file says which check failed, and when, though the serving file did not change
    health = _query(settings.health_db, "select count(*), max(checked_at) from audit.dq_results "
                    "where not success and severity = 'block'")
    assert health[0][0] == 1 and health[0][1] is not None
    # every run is kept: the build's first check (by Dagster) and this one
    assert _query(settings.build_db, "select count(distinct run_id) from audit.dq_results")[0][0] == 2


@dagster_full_build
def test_in_dagster_the_gate_check_skips_publishing(materialised, tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.pipeline import run_ingest

    settings = _copy_of_build(materialised, tmp_path)
    (settings.landing_dir / "sales" / "orders_broken.csv").write_text(
        ORDERS_HEADER + "ORD-BROKEN-1,,someone@example.com,1970-01-01 00:00,web,,USD,100.00,completed\n")
    run_ingest(settings)
    published = settings.serving_db.read_bytes()
    for name, value in {"CRM_PATHS_DATA_DIR": tmp_path, "CRM_PATHS_BUILD_DB": settings.build_db,
                        "CRM_PATHS_SERVING_DB": settings.serving_db, "CRM_PATHS_LANDING_DIR": settings.landing_dir
                        }.items():
        monkeypatch.setenv(name, str(value))
    get_settings.cache_clear()
    try:
        job = materialised["defs"].resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
            asset_selection=[dg.AssetKey(["quality", "gate"]), dg.AssetKey(["serving", "published_marts"])])
    finally:
        get_settings.cache_clear()
    gate = [e for e in result.get_asset_check_evaluations() if e.check_name == "no_blocking_failures"]
    assert [e.passed for e in gate] == [False]
    assert "order_date__min" in gate[0].metadata["blocking_failures"].value
    materialised_keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialised_keys == {"quality/gate"}  # publish was skipped
    assert settings.serving_db.read_bytes() == published


@dagster_full_build
def test_a_warning_does_not_stop_publishing(materialised, tmp_path):
    from orchestration.pipeline import run_check, run_ingest, run_publish

    settings = _copy_of_build(materialised, tmp_path)
    # An order status no one listed: worth a look (warn), not a reason to hold the build back.
    (settings.landing_dir / "sales" / "orders_new_status.csv").write_text(
        ORDERS_HEADER + "ORD-NEW-1,,someone@example.com,2026-10-01 10:00,web,,USD,100.00,on_hold\n")
    run_ingest(settings)
    outcomes = run_check(settings)
    warned = [(o.suite, o.column) for o in outcomes if not o.success and o.severity == "warn"]
    assert ("raw.sales__orders.files", "status__outside_set") in warned
    assert not [o for o in outcomes if o.blocks]
    before = settings.serving_db.stat().st_mtime_ns
    publication = run_publish(settings)
    assert settings.serving_db.stat().st_mtime_ns != before
    assert publication.build_id == materialised["result"].run_id


@dagster_full_build
def test_a_mart_whose_row_count_moved_beyond_the_tolerance_since_the_previous_build_warns(materialised, tmp_path):
    from datetime import timedelta

    from orchestration.pipeline import run_check

    settings = _copy_of_build(materialised, tmp_path)
    build_id = materialised["result"].run_id
    # the first build had nothing to compare with: no row-count results
    assert _query(settings.build_db, "select count(*) from audit.dq_results where suite = 'marts.row_counts'") \
        == [(0,)]
    recorded = dict(_query(settings.build_db, "select table_name, row_count from audit.mart_row_counts "
                           "where build_id = ?", [build_id]))
    customers = _query(settings.build_db, "select count(*) from marts.dim_customers")[0][0]
    orders = _query(settings.build_db, "select count(*) from marts.fct_orders")[0][0]
    assert (recorded["marts.dim_customers"], recorded["marts.fct_orders"]) == (customers, orders)
    assert customers > 0 and orders > 0
    assert settings.row_count_tolerance == 0.5
    # A previous build, a day earlier: three times today's customers (today is a 67 % drop: beyond ±50 %) and
    # 1.5 times today's orders (a 33 % drop: within).
    con = duckdb.connect(str(settings.build_db))
    try:
        counted_at = con.execute("select min(counted_at) from audit.mart_row_counts").fetchall()[0][0]
        con.executemany("insert into audit.mart_row_counts values ('previous-build', ?, ?, ?)",
                        [["marts.dim_customers", 3 * customers, counted_at - timedelta(days=1)],
                         ["marts.fct_orders", orders + orders // 2, counted_at - timedelta(days=1)]])
    finally:
        con.close()

    outcomes = run_check(settings)  # a warning does not raise

    assert not [o for o in outcomes if o.blocks]
    stored = _query(settings.build_db, """
        select column_name, table_name, severity, success, observed from audit.dq_results
        where suite = 'marts.row_counts' and build_id = ?
          and run_id = (select run_id from audit.dq_results order by checked_at desc limit 1)
        order by column_name""", [build_id])
    # only the marts both builds counted are compared
    assert [(r[0], r[1], r[2], r[3]) for r in stored] == [
        ("marts.dim_customers", "marts.dim_customers", "warn", False),
        ("marts.fct_orders", "marts.fct_orders", "warn", True)]
    assert json.loads(stored[0][4])["partial_unexpected_list"] == [customers]


@dagster_full_build
def test_the_landing_sensor_requests_each_new_file_exactly_once(materialised, tmp_path):
    from orchestration.definitions import _INGEST_KEYS
    from orchestration.sensors import new_file_requests

    settings = _copy_of_build(materialised, tmp_path)
    # everything generated is loaded: the manifest in audit.loads has every hash of the generated landing folder
    shutil.copytree(materialised["settings"].landing_dir, settings.landing_dir, dirs_exist_ok=True)
    requests, cursor = new_file_requests(settings, None, _INGEST_KEYS)
    assert requests == []

    new_file = settings.landing_dir / "web" / "segment-2026-11-02.jsonl"
    new_file.write_text(json.dumps({"type": "page", "messageId": "m-sensor-1", "anonymousId": "a-1",
                                    "timestamp": "2026-11-02T09:00:00Z", "properties": {"path": "/"}}) + "\n")
    requests, cursor = new_file_requests(settings, cursor, _INGEST_KEYS)
    assert len(requests) == 1
    request = requests[0]
    from ingestion.landing import content_hash

    assert request.run_key == f"web__segment_events:{content_hash(new_file)}"
    assert [k.to_user_string() for k in request.asset_selection] == ["raw/web__segment_events"]
    # a web file covers one day: the run is that day's partition
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) \
        == ("2026-11-02", "2026-11-02")

    again, cursor = new_file_requests(settings, cursor, _INGEST_KEYS)
    assert again == []
    shutil.copy(new_file, settings.landing_dir / "web" / "segment-copy.jsonl")  # same content, another name
    copy_requests, cursor = new_file_requests(settings, cursor, _INGEST_KEYS)
    assert copy_requests == []


@dagster_full_build
def test_a_partition_loads_only_the_files_covering_its_days(materialised, tmp_path):
    from ingestion.landing import discover
    from orchestration.partitions import covers

    landing = materialised["settings"].landing_dir
    web = discover(landing, ("web/*.jsonl",))
    covering = [f.relative_path for f in web if covers(f, date(2026, 5, 14), date(2026, 5, 14), "Asia/Tokyo")]
    assert covering == ["web/segment-2026-05.jsonl"]
    spanning = [f.relative_path for f in web if covers(f, date(2026, 5, 31), date(2026, 6, 1), "Asia/Tokyo")]
    assert sorted(spanning) == ["web/segment-2026-05.jsonl", "web/segment-2026-06.jsonl"]


class _Webhook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Webhook.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_failed_run_is_posted_to_the_webhook_and_written_to_its_log(monkeypatch):
    import dagster as dg

    from orchestration.sensors import failure_alert

    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("CRM_ALERTS_FAILURE_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hooks/crm")
        get_settings.cache_clear()

        @dg.asset
        def breaks():
            raise RuntimeError("the warehouse is on fire")

        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize([breaks], instance=instance, raise_on_error=False)
        assert not result.success
        context = dg.build_run_status_sensor_context(
            sensor_name="failure_alert", dagster_instance=instance, dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event()).for_run_failure()
        failure_alert(context)
    finally:
        server.shutdown()
        get_settings.cache_clear()

    assert len(_Webhook.received) == 1
    path, content_type, payload = _Webhook.received[0]
    assert (path, content_type) == ("/hooks/crm", "application/json")
    assert result.run_id in payload["text"] and "breaks" in payload["text"]
    logged = [e.message for e in instance.all_logs(result.run_id) if e.message and "crm: Dagster run" in e.message]
    assert len(logged) == 1 and "posted to http://127.0.0.1" in logged[0]


def test_transient_failures_are_retried_with_backoff_and_others_fail_at_once():
    import dagster as dg

    from orchestration.errors import QualityGateFailed, WarehouseLocked
    from orchestration.resilience import backoff_seconds, retry_transient

    assert [backoff_seconds(n) for n in range(4)] == [5, 10, 20, 40]
    attempts = []

    @dg.op
    def locked_once(context: dg.OpExecutionContext):
        attempts.append(context.retry_number)
        with retry_transient(context):
            if len(attempts) == 1:
                raise WarehouseLocked("build.duckdb is locked by another process")

    @dg.op
    def gate_fails(context: dg.OpExecutionContext):
        attempts.append("gate")
        with retry_transient(context):
            raise QualityGateFailed("a blocking check failed")

    retried = dg.GraphDefinition(name="retried", node_defs=[locked_once]).to_job().execute_in_process()
    assert retried.success and attempts == [0, 1]
    retry_events = [e for e in retried.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retry_events) == 1 and "5 seconds" in retry_events[0].message
    failed = dg.GraphDefinition(name="failed", node_defs=[gate_fails]).to_job().execute_in_process(
        raise_on_error=False)
    assert not failed.success and attempts[2:] == ["gate"]  # not retried


def test_runs_needing_the_build_warehouse_queue_behind_each_other(tmp_path):
    """The instance `crm dagster` prepares (its dagster.yaml, the pool's limit) and Dagster's own run queue: two
    ingestion runs queued together (the landing sensor finding two files) start one after the other, while a run
    outside the pool is not held back. Runs are "launched" into a list instead of processes: what is under test
    is which run the queue lets start, and when."""
    import dagster as dg
    import yaml
    from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
    from dagster._core.test_utils import create_test_daemon_workspace_context
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._core.workspace.load_target import EmptyWorkspaceTarget
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    from orchestration.dagster_instance import prepare_instance
    from orchestration.definitions import _INGEST_KEYS, defs

    home = tmp_path / "dagster_home"
    config = prepare_instance(home)
    assert yaml.safe_load(config.read_text())["concurrency"]["pools"] == {"granularity": "run", "default_limit": 1}
    config.write_text(config.read_text() + "run_launcher:\n  module: dagster._core.test_utils\n"
                                           "  class: MockedRunLauncher\n")
    location = InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="orchestration.definitions"),
                                           location_name="orchestration.definitions")

    def queued(job: dg.JobDefinition, job_name: str, keys=None):
        return instance.create_run_for_job(
            job, asset_selection=keys, status=dg.DagsterRunStatus.QUEUED,
            remote_job_origin=RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), job_name))

    @dg.op
    def elsewhere():
        pass

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assets_job = defs.resolve_implicit_global_asset_job_def()
        web, surveys = (set(_INGEST_KEYS[source]) for source in ("web__segment_events", "surveys__responses"))
        first = queued(assets_job.get_subset(asset_selection=web), "__ASSET_JOB", web)
        second = queued(assets_job.get_subset(asset_selection=surveys), "__ASSET_JOB", surveys)
        unpooled = queued(dg.GraphDefinition(name="elsewhere", node_defs=[elsewhere]).to_job(), "elsewhere")

        def statuses():
            return [instance.get_run_by_id(run.run_id).status.value for run in (first, second, unpooled)]

        queue = QueuedRunCoordinatorDaemon(interval_seconds=1)
        with create_test_daemon_workspace_context(EmptyWorkspaceTarget(), instance) as workspace:
            list(queue.run_iteration(workspace))
            assert statuses() == ["STARTING", "QUEUED", "STARTING"]
            list(queue.run_iteration(workspace))
            assert statuses() == ["STARTING", "QUEUED", "STARTING"]  # still waiting while the first holds the pool
            instance.report_run_canceled(instance.get_run_by_id(first.run_id))  # the first run ends
            list(queue.run_iteration(workspace))
            assert statuses() == ["CANCELED", "STARTING", "STARTING"]
        assert [run.run_id for run in instance.run_launcher.queue()] == [first.run_id, unpooled.run_id, second.run_id]
