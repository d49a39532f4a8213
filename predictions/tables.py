"""Writing a model's predictions table: each build's predictions replace the previous build's."""

from __future__ import annotations

import duckdb
import pandas as pd


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Replace every row of `table` with those of `frame`, matched to the table's columns by name."""
    con.execute(f"delete from {table}")
    if len(frame):
        con.register("replacing_prediction_rows", frame)
        con.execute(f"insert into {table} by name select * from replacing_prediction_rows")
        con.unregister("replacing_prediction_rows")
