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


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique(a) by a sort and a neighbour compare: numpy 2's np.unique hashes integers,
    which measured ten to a hundred times slower on millions of int64 keys."""
    a = np.sort(a)
    if len(a) < 2:
        return a
    first = np.empty(len(a), dtype=bool)
    first[0] = True
    np.not_equal(a[1:], a[:-1], out=first[1:])
    return a[first]
