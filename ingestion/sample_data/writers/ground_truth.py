"""Ground truth for the warehouse tests: people, record -> person links, and totals (``truth.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    (gt_dir / "truth.json").write_text(
        json.dumps(truth, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return {"people.parquet": len(people), "records.parquet": len(records)}
