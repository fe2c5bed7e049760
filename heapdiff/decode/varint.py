"""Vectorised protobuf varints.

A varint ends at the first byte below 0x80, so in a run of bytes that holds nothing but varints
the token boundaries are simply the bytes < 0x80. numpy finds them in one pass and assembles
the values with one shifted gather per byte, instead of a Python loop per varint.
"""
from __future__ import annotations

import numpy as np

MAX_VARINT_BYTES = 10


class Tokens:
    """The varint tokens of a byte span: where each starts and ends (inclusive) and its value.

    Tokens longer than ten bytes (runs of high bytes inside strings) get length 0 and value 0:
    they can only matter if a message claims them, and the caller rejects that."""

    __slots__ = ("start", "end", "value")

    def __init__(self, data: np.ndarray):
        end = np.flatnonzero(data < 0x80)
        start = np.empty_like(end)
        if len(end):
            start[0] = 0
            start[1:] = end[:-1] + 1
        self.start = start
        self.end = end
        self.value = values_at(data, start, end - start + 1)


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
    before the end of the data."""
    n = len(data)
    value = np.zeros(len(positions), dtype=np.uint64)
    length = np.zeros(len(positions), dtype=np.int64)
    open_ = np.ones(len(positions), dtype=bool)
    for k in range(limit):
        at = positions + k
        inside = open_ & (at < n)
        byte = data[np.minimum(at, n - 1)].astype(np.uint64)
        value = np.where(inside, value | ((byte & np.uint64(0x7F)) << np.uint64(7 * k)), value)
        ended = inside & (byte < 0x80)
        length[ended] = k + 1
        open_ &= inside & ~ended
        if not open_.any():
            break
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
