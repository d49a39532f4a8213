"""predictions.model_performance: every metric of every predictive model, build after build. Each model's step
(lifetime, lead scoring, sales forecast) adds its rows here; mart_model_performance shows them.

A row is (model, build_id, as_of_date, fitted_at, metric, segment, value, detail): `segment` says which part of
the data a metric is about ("all", a band, a decile, a horizon...), `detail` says in words what a value means or,
with a NULL value, why there is none (metric `status`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import duckdb

SCHEMA = "predictions"
MODEL_PERFORMANCE = f"{SCHEMA}.model_performance"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {MODEL_PERFORMANCE} (
    model varchar, build_id varchar, as_of_date date, fitted_at timestamptz, metric varchar, segment varchar,
    value double, detail varchar
)
"""

class TooLittleData(Exception):
    """A model cannot be fitted or checked on this history: the message says why, in a sentence (a `status` or
    `holdout_status` row's detail)."""


# metric, segment, value, detail
PerformanceRow = tuple[str, str, float | None, str | None]


def ensure_performance_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def record_performance(con: duckdb.DuckDBPyConnection, model: str, build_id: str, as_of: date, fitted_at: datetime,
                       rows: Iterable[PerformanceRow]) -> None:
    """Add a model's rows of one build. Earlier builds' rows stay: the mart shows accuracy over time."""
    ensure_performance_table(con)
    con.executemany(f"insert into {MODEL_PERFORMANCE} values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(model, build_id, as_of, fitted_at, *row) for row in rows])
