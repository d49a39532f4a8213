"""Ground truth for the warehouse tests: people, record -> person links, and totals (``truth.json``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PEOPLE_COLUMNS = (
    "person_id",
    "locale",
    "country",
    "language",
    "gender",
    "first_name",
    "last_name",
    "first_name_latin",
    "last_name_latin",
    "first_name_kana",
    "last_name_kana",
    "email",
    "personal_email",
    "work_email",
    "phone_e164",
    "address",
    "city",
    "region",
    "postal_code",
    "company_id",
    "company_name",
    "company_domain",
    "job_title",
    "timezone",
    "acquisition_channel",
    "acquisition_campaign_id",
    "marketing_consent",
    "first_touch_at",
    "is_contact",
    "contact_created_at",
    "is_customer",
    "first_order_at",
    "purchase_rate_per_year",
    "dropout_probability",
    "satisfaction",
)


def _ts(values: np.ndarray) -> pd.Series:
    v = np.asarray(values, dtype="float64")
    return pd.Series(pd.to_datetime(np.where(v > 0, v, np.nan), unit="s", utc=True))


def people_table(people: pd.DataFrame, companies: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    p = people.copy()
    cidx = p["company_idx"].to_numpy()
    has = cidx >= 0
    p["company_name"] = np.where(
        has, companies["company_name"].to_numpy(dtype=object)[np.maximum(cidx, 0)], ""
    )
    p["company_domain"] = np.where(has, companies["domain"].to_numpy(dtype=object)[np.maximum(cidx, 0)], "")
    cust = customers.set_index("person_idx")
    idx = np.arange(len(p))
    p["is_customer"] = cust.index.to_series().reindex(idx).notna().to_numpy()
    p["first_order_at"] = cust["first_order_at"].reindex(idx).fillna(0).to_numpy()
    p["purchase_rate_per_year"] = cust["purchase_rate_per_year"].reindex(idx).to_numpy()
    p["dropout_probability"] = cust["dropout_probability"].reindex(idx).to_numpy()
    for col in ("first_touch_at", "contact_created_at", "first_order_at"):
        p[col] = _ts(p[col].to_numpy())
    return p[list(PEOPLE_COLUMNS)].reset_index(drop=True)


def write_ground_truth(
    gt_dir: Path, people: pd.DataFrame, records: pd.DataFrame, truth: dict[str, Any]
) -> dict[str, int]:
    gt_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(people, preserve_index=False), gt_dir / "people.parquet")
    pq.write_table(pa.Table.from_pandas(records, preserve_index=False), gt_dir / "records.parquet")
    write_truth(gt_dir, truth)
    return {"people.parquet": len(people), "records.parquet": len(records)}


def write_truth(gt_dir: Path, truth: dict[str, Any]) -> None:
    (gt_dir / "truth.json").write_text(
        json.dumps(truth, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


def _literal(path: Path) -> str:
    """A path as an SQL string literal (COPY takes no parameters). common.sql.sql_literal's twin: the sample-data
    generator imports nothing of the project (tests/unit/test_layering.py)."""
    return "'" + str(path).replace("'", "''") + "'"


class GroundTruthWriter:
    """people.parquet, records.parquet and truth.json over the chunks of a population (generator.py).

    One chunk: written from its frames by write_ground_truth, as an unchunked run always wrote them. Several:
    each chunk's people are appended to people.parquet as row groups (chunks come in person id order) and its
    records go to a scratch file; finish() sorts all records by type and id with DuckDB, which spills to disk,
    into records.parquet, so that neither file is ever whole in memory.
    """

    def __init__(self, gt_dir: Path, chunked: bool) -> None:
        self.gt_dir = gt_dir
        self.chunked = chunked
        self.scratch = gt_dir / ".records-chunks"
        self.frames: tuple[pd.DataFrame, pd.DataFrame] | None = None
        self.people: pq.ParquetWriter | None = None
        self.chunks = 0
        gt_dir.mkdir(parents=True, exist_ok=True)
        if chunked:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch.mkdir()

    def add(self, people: pd.DataFrame, records: pd.DataFrame) -> None:
        if not self.chunked:
            self.frames = (people, records)
            return
        table = pa.Table.from_pandas(people, preserve_index=False)
        if self.people is None:
            self.people = pq.ParquetWriter(self.gt_dir / "people.parquet", table.schema)
        # a later chunk's pandas metadata may differ (index range); its columns are the first chunk's
        self.people.write_table(table.cast(self.people.schema))
        pq.write_table(
            pa.Table.from_pandas(records, preserve_index=False), self.scratch / f"{self.chunks:05d}.parquet"
        )
        self.chunks += 1

    def finish(self, truth: dict[str, Any]) -> None:
        if not self.chunked:
            assert self.frames is not None
            write_ground_truth(self.gt_dir, *self.frames, truth)
            return
        self.close_people()
        con = duckdb.connect()
        try:
            con.execute("SET threads TO 2")
            con.execute("SET memory_limit = '1GB'")
            con.execute("SET enable_progress_bar = false")  # its bar would cut into crm generate's step lines
            con.execute(f"SET temp_directory = {_literal(self.scratch / 'spill')}")
            con.execute(
                "COPY (SELECT record_type, record_id, person_id FROM "
                f"read_parquet({_literal(self.scratch / '*.parquet')}) ORDER BY record_type, record_id) "
                f"TO {_literal(self.gt_dir / 'records.parquet')} (FORMAT parquet)"
            )
        finally:
            con.close()
        write_truth(self.gt_dir, truth)

    def close_people(self) -> None:
        if self.people is not None:
            self.people.close()
            self.people = None

    def close(self) -> None:
        self.close_people()
        shutil.rmtree(self.scratch, ignore_errors=True)
