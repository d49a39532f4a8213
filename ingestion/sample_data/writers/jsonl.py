"""Newline-delimited JSON through DuckDB: one file per month, rows serialised by ``json_object``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ..arrowcols import month_label


def _offsets(arr: pa.Array) -> tuple[np.ndarray, pa.Buffer]:
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    return offsets, bufs[2]


def write_monthly_jsonl(table: pa.Table, select_sql: str, out_dir: Path, prefix: str) -> dict[str, int]:
    """Run ``select_sql`` over ``table`` (registered as ``e``); it must return ``month`` (see month_code)
    and ``j`` (one JSON document plus '\\n'), ordered by month. Writes ``<prefix>-<YYYY-MM>.jsonl``, appending
    to a file an earlier chunk of the population wrote (the folder is emptied before the first chunk)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    if table.num_rows == 0:
        return counts
    con = duckdb.connect()
    handle = None
    current = -1
    try:
        con.execute("SET threads TO 2")
        con.register("e", table)
        for batch in con.sql(select_sql).to_arrow_reader(262_144):
            months = batch.column("month").to_numpy(zero_copy_only=False)
            offsets, data = _offsets(batch.column("j"))
            view = memoryview(data)
            cuts = np.concatenate([[0], np.flatnonzero(months[1:] != months[:-1]) + 1, [len(months)]])
            for a, b in zip(cuts[:-1], cuts[1:], strict=True):
                if a == b:
                    continue
                month = int(months[a])
                if month != current:
                    if handle is not None:
                        handle.close()
                    name = f"{prefix}-{month_label(month)}.jsonl"
                    handle = open(out_dir / name, "ab")  # noqa: SIM115
                    current = month
                    counts[name] = 0
                handle.write(view[offsets[a] : offsets[b]])
                counts[f"{prefix}-{month_label(month)}.jsonl"] += int(b - a)
    finally:
        if handle is not None:
            handle.close()
        con.close()
    return counts
