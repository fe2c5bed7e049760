"""Array helpers the engine shares."""
from __future__ import annotations

import numpy as np


def concat_ranges(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """arange(a[0], b[0]), arange(a[1], b[1]), ... concatenated, without a Python loop."""
    lengths = b - a
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(a - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)


def expand_lists(offsets: np.ndarray, values: np.ndarray, index: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """values[offsets[i]:offsets[i+1]] for each i in index, concatenated, and where each one
    starts (len(index) + 1 positions). For many short lists of a small table (a stack's
    locations to their inlined frames): one gather per list position, not a range per item,
    which is 3-4 times faster on tens of millions of items."""
    lengths = np.diff(offsets)
    width = int(lengths.max()) if len(lengths) else 0
    table = np.zeros((width, len(lengths)), dtype=values.dtype)  # table[j, i]: i's j-th value
    for j in range(width):
        has = lengths > j
        table[j, has] = values[offsets[:-1][has] + j]
    index = index.astype(np.intp, copy=False)  # take() converts a narrow index on every call
    per = np.take(lengths.astype(np.min_scalar_type(width)), index)
    starts = np.zeros(len(index) + 1, dtype=np.int64)
    np.cumsum(per, out=starts[1:])
    out = np.empty(int(starts[-1]), dtype=values.dtype)
    if width:
        first = starts[:-1]
        out[first[per > 0]] = np.take(table[0], index[per > 0])
        for j in range(1, width):
            deeper = np.flatnonzero(per > j)
            out[first[deeper] + j] = np.take(table[j], np.take(index, deeper))
    return out, starts
