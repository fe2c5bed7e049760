"""Vectorised protobuf varints.

A varint ends at the first byte below 0x80, so in a run of bytes that holds nothing but varints
the boundaries are simply the bytes < 0x80. numpy finds them in one pass and assembles the
values with one shifted gather per byte, instead of a Python loop per varint.
"""
from __future__ import annotations

import numpy as np

MAX_VARINT_BYTES = 10


def values_at(data: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Decode the varints at `start` with byte lengths `length` (computed by the caller)."""
    value = (data[start] & 0x7F).astype(np.uint64)
    value[length > MAX_VARINT_BYTES] = 0
    longer = np.flatnonzero((length > 1) & (length <= MAX_VARINT_BYTES))
    shift = 7
    while len(longer):
        byte = (data[start[longer] + (shift // 7)] & 0x7F).astype(np.uint64)
        value[longer] |= byte << np.uint64(shift)
        shift += 7
        longer = longer[length[longer] > shift // 7]
    return value


def decode_at(data: np.ndarray, positions: np.ndarray, limit: int = MAX_VARINT_BYTES):
    """Decode one varint at each position, without knowing where it ends.

    Returns (value, byte length); length is 0 where no varint ends within `limit` bytes or
    before the end of the data. Most varints are one byte: the first byte is handled for all
    positions at once, and only the longer varints go round the loop."""
    n = len(data)
    if not len(positions):
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    first = data[np.minimum(positions, n - 1)]
    value = (first & 0x7F).astype(np.uint64)
    length = (first < 0x80).astype(np.int64)
    outside = positions >= n
    value[outside] = 0
    length[outside] = 0
    going = np.flatnonzero((first >= 0x80) & ~outside)
    for k in range(1, limit):
        if not len(going):
            break
        at = positions[going] + k
        inside = at < n
        going, at = going[inside], at[inside]
        byte = data[at]
        value[going] |= (byte & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        ended = byte < 0x80
        length[going[ended]] = k + 1
        going = going[~ended]
    return value, length


def read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """One varint in plain Python, for the few records outside the fast paths."""
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("data ends inside a varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ValueError("varint longer than ten bytes")
