"""Arrow column helpers: dictionary-encoded strings, fixed-width ASCII ids, month codes.

The simulation hands large event tables to the writers as Arrow tables built from integer codes, so that
a million events never become a million Python strings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def month_code(utc_s: np.ndarray) -> np.ndarray:
    """year * 12 + (month - 1) of each UTC instant."""
    m = np.asarray(utc_s, dtype=np.int64).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return m + 1970 * 12


def month_label(code: int) -> str:
    return f"{code // 12:04d}-{code % 12 + 1:02d}"


def dict_array(codes: np.ndarray, values: np.ndarray | list | pa.Array) -> pa.DictionaryArray:
    """Dictionary-encoded string column: codes < 0 are nulls."""
    codes = np.asarray(codes)
    mask = codes < 0
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
    dictionary = (
        values if isinstance(values, pa.Array) else pa.array(np.asarray(values, dtype=object), pa.string())
    )
    if len(dictionary) == 0:
        dictionary = pa.array([""], pa.string())
    return pa.DictionaryArray.from_arrays(idx, dictionary)


def fixed_strings(chars: np.ndarray) -> pa.Array:
    """(n, k) uint8 ASCII matrix -> Arrow string array, without Python objects."""
    n, k = chars.shape
    data = pa.py_buffer(np.ascontiguousarray(chars, dtype=np.uint8).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * k).tobytes())
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
