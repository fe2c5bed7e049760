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
