"""Reading a warehouse file in tests: every test that checks a table opens it the same way."""

from pathlib import Path

import duckdb


def query(path: Path, sql: str, params=None) -> list[tuple]:
    """The rows of one query on a DuckDB file, opened read-only and closed again (a build may need the lock)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> tuple:
    """The first row of a query that must find one."""
    row = con.execute(sql, params or []).fetchone()
    assert row is not None, sql
    return row


def copy_settings(warehouse: Path, environ: dict[str, str] | None = None):
    """Settings for running dbt on a copy of a warehouse (its folder is the data folder), not recorded in Dagster."""
    from common.settings import load_settings

    return load_settings(environ={"CRM_PATHS_DATA_DIR": str(warehouse.parent), "CRM_PATHS_BUILD_DB": str(warehouse),
                                  "CRM_DAGSTER_RECORD_CLI_RUNS": "false", **(environ or {})})
