"""Shared helpers of the writers: folders, amounts, CSV output, exact duplicate rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from ..ids import zpad


def reset_dir(path: Path) -> Path:
    """Empty (or create) a generated folder so that re-runs replace the files."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def format_amount(minor: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Minor units -> '45000' (JPY) or '290.00'."""
    minor = np.asarray(minor, dtype=np.int64)
    major = pd.Series(minor // 100).astype(str)
    cents = pd.Series(zpad(minor % 100, 2), dtype=object)
    decimal = (major + "." + cents).to_numpy(dtype=object)
    return np.where(np.asarray(currency, dtype=object) == "JPY", minor.astype(str).astype(object), decimal)


def with_exact_duplicates(df: pd.DataFrame, rng: np.random.Generator, rate: float) -> pd.DataFrame:
    """Repeat ~rate of the rows verbatim, right after the original (as a double export would)."""
    n = len(df)
    if n == 0:
        return df
    reps = np.where(rng.random(n) < rate, 2, 1)
    return df.iloc[np.repeat(np.arange(n), reps)].reset_index(drop=True)


def write_csv(
    df: pd.DataFrame, path: Path, encoding: str = "utf-8", crlf: bool = False, append: bool = False, **kwargs
) -> int:
    """Write ``df`` to ``path``; ``append`` adds the rows to a file an earlier chunk of the population wrote
    (without a second header), or starts it when there is none yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "w"
    if append and path.exists():
        mode, kwargs["header"] = "a", False
    df.to_csv(
        path, index=False, encoding=encoding, lineterminator="\r\n" if crlf else "\n", mode=mode, **kwargs
    )
    return len(df)
