"""The call graph's edge keys: (sample, caller, callee) packed into one int64, exactly, or
refused when the sizes would wrap."""
from __future__ import annotations

import numpy as np
import pytest

from heapdiff.analysis.callgraph import INT64_MAX, _pack


def test_keys_up_to_the_int64_limit_pack_and_unpack_exactly():
    base = 1 << 32
    high = np.array([0, (1 << 31) - 1], dtype=np.int64)
    low = np.array([5, base - 1], dtype=np.int64)
    keys = _pack(high, low, base)
    assert keys.tolist() == [5, INT64_MAX]
    assert (keys // base).tolist() == high.tolist() and (keys % base).tolist() == low.tolist()


def test_keys_beyond_int64_are_refused_instead_of_wrapping():
    high = np.array([1 << 31], dtype=np.int64)
    with pytest.raises(OverflowError, match="do not fit in 64 bits"):
        _pack(high, np.zeros(1, dtype=np.int64), 1 << 32)


def test_no_edges_pack_to_no_keys():
    assert len(_pack(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 1 << 40)) == 0
