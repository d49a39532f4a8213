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
