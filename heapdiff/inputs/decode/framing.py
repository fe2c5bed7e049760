"""Split a serialized pprof Profile into its top-level records without a Python loop per record.

runtime/pprof interleaves a million Sample records with Location and Function records, so the
record chain is found like this: every byte that could be the tag of a length-delimited
sample/location/function/string record (and follows a byte that ends a varint) is a candidate;
each candidate's length varint gives where it would end; candidates whose end is another
candidate (or the end of the data) are linked. A short Python walk then follows the real chain
from offset 0, jumping over whole runs of linked candidates, and parses anything else (headers,
mappings, unlinked records) one record at a time. The heuristics only decide how far a jump goes;
every jump starts at a true record start, so they never change the result.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...common.arrays import concat_ranges
from ...common.parallel import ordered_map
from ...common.kernel import compiled
from .varint import decode_at, read_varint

BLOCK_BYTES = 1 << 20


class FramingError(ValueError):
    pass


@dataclass(frozen=True)
class Records:
    """Top-level records in file order: field number, record start, payload start and end,
    int32 when the data is under 2 GiB (position_type): a million-sample profile has a million
    records, and the framing's peak memory is mostly these columns."""

    field: np.ndarray
    start: np.ndarray
    payload: np.ndarray
    end: np.ndarray


def position_type(size: int):
    """The narrowest of int32 and int64 that holds every position in `size` bytes."""
    return np.int32 if size < np.iinfo(np.int32).max else np.int64


def frame_records(buf: np.ndarray) -> Records:
    return _compiled_records(buf) or _numpy_records(buf)


def _compiled_records(buf: np.ndarray) -> Records | None:
    """The records by the compiled kernel's walk, or None (no kernel, or a record it declines)."""
    kernel = compiled()
    if kernel is None or (count := kernel.frame(buf, None, None, None, None)) is None:
        return None
    positions = position_type(len(buf))
    columns = [np.empty(count, dtype=positions) for _ in range(4)]
    if kernel.frame(buf, *columns) != count:
        return None
    return Records(*columns)


def _numpy_records(buf: np.ndarray) -> Records:
    n = len(buf)
    positions = position_type(n)
    cand, cand_payload, cand_end = _linked_candidates(buf)
    link = np.zeros(len(cand), dtype=bool)
    if len(cand) > 1:
        link[:-1] = cand[1:] == cand_end[:-1]
    breaks = np.flatnonzero(~link)  # last candidate of each run
    # numpy's stubs give ndarray its buffer protocol (__buffer__) only for Python 3.12 on
    data = memoryview(buf)  # type: ignore[arg-type]

    runs: list[tuple[int, int]] = []
    generic: list[tuple[int, int, int, int]] = []
    pos = 0
    while pos < n:
        i = int(np.searchsorted(cand, pos))
        if i < len(cand) and cand[i] == pos:
            j = int(breaks[np.searchsorted(breaks, i)])
            runs.append((i, j + 1))
            pos = int(cand_end[j])
            continue
        generic.append(_one_record(data, pos, n))
        pos = generic[-1][3]

    bounds = np.array(runs, dtype=np.int64).reshape(-1, 2)
    chosen = concat_ranges(bounds[:, 0], bounds[:, 1])
    field = (buf[cand[chosen]] >> 3).astype(positions)  # field numbers are below 2**29
    start, payload, end = cand[chosen], cand_payload[chosen], cand_end[chosen]
    if generic:
        g = np.array(generic, dtype=positions)
        field = np.concatenate([field, g[:, 0]])
        start = np.concatenate([start, g[:, 1]])
        payload = np.concatenate([payload, g[:, 2]])
        end = np.concatenate([end, g[:, 3]])
        order = np.argsort(start, kind="stable")
        field, start, payload, end = field[order], start[order], payload[order], end[order]
    return Records(field=field, start=start, payload=payload, end=end)


def _tag_table(tags) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(tags)] = True
    return table


# The tags a record of each kind can start with (its first field's tag), by record tag: the
# tags (field << 3 | 2) of the repeated length-delimited fields that dominate a profile. Only a
# speed filter: a record that starts otherwise is still read by the walk, one at a time.
FIRST_FIELD = {
    0x12: _tag_table((0x08, 0x0A, 0x10, 0x12, 0x1A)),  # Sample: location_id, value, label
    0x22: _tag_table((0x08, 0x10, 0x18, 0x22, 0x28)),  # Location
    0x2A: _tag_table((0x08, 0x10, 0x18, 0x20, 0x28)),  # Function
    0x32: np.ones(256, dtype=bool),  # string_table: any bytes
}
RECORD_TAG = _tag_table(FIRST_FIELD)  # the bytes a candidate starts with
# FIRST_FIELD as one table, [record tag, first payload byte]: one gather for every candidate.
FIRST_OK = np.stack([FIRST_FIELD.get(tag, np.zeros(256, dtype=bool)) for tag in range(256)])


def _linked_candidates(buf: np.ndarray):
    n = len(buf)
    parts = list(ordered_map(lambda lo: _block_candidates(buf, lo, min(n, lo + BLOCK_BYTES)),
                             range(0, n, BLOCK_BYTES)))
    cand, payload, end = (np.concatenate(col) for col in zip(*parts)) if parts else (
        np.zeros(0, dtype=position_type(n)),) * 3
    # Keep candidates that end where another begins (or at the end of the data) and begin where
    # another ends. A true record inside a run is both; a false one is both only by a double
    # coincidence. Twice, as removing some unlinks others. The first and last record of a run
    # fail, and the walk reads them one at a time.
    for _ in range(2):
        j = np.searchsorted(cand, end)
        keep = end == n
        inside = j < len(cand)
        keep[inside] |= cand[j[inside]] == end[inside]
        pointed_to = np.zeros(len(cand), dtype=bool)
        pointed_to[j[inside & keep]] = True
        keep &= pointed_to
        cand, payload, end = cand[keep], payload[keep], end[keep]
    return cand, payload, end


def _block_candidates(buf: np.ndarray, lo: int, hi: int):
    """Candidates starting in buf[lo:hi]. Blocks keep temporaries small: fresh large arrays
    cost more in page faults than in arithmetic."""
    n = len(buf)
    block = buf[lo:hi]
    # The four record tags, by one table lookup per byte.
    cand = np.flatnonzero(RECORD_TAG.take(block))
    tag = block[cand]
    cand += lo
    after_varint = buf[np.maximum(cand - 1, 0)] < 0x80
    after_varint[cand == 0] = True
    cand, tag = cand[after_varint], tag[after_varint]
    # Five varint bytes hold lengths up to 2**35, past any input heapdiff reads.
    length, nbytes = decode_at(buf, cand + 1, limit=5)
    payload = cand + 1 + nbytes
    end = payload + length.astype(np.int64)
    first = buf[np.minimum(payload, n - 1)]  # clamped: an empty payload may end the data
    plausible = (nbytes > 0) & (end <= n)
    # an empty record has no first field to check
    plausible &= (payload == end) | FIRST_OK[tag, first]
    positions = position_type(n)
    return (cand[plausible].astype(positions), payload[plausible].astype(positions),
            end[plausible].astype(positions))


# Protobuf field numbers are below 2**29: a longer tag is no field, and would not fit int64.
MAX_TAG = (1 << 32) - 1


def _one_record(data: memoryview, pos: int, n: int) -> tuple[int, int, int, int]:
    """Parse the record at pos in plain Python: (field, start, payload start, end)."""
    try:
        tag, p = read_varint(data, pos)
        field, wire = tag >> 3, tag & 7
        if tag > MAX_TAG:
            raise FramingError(f"field number {field} out of range at byte {pos}")
        if wire == 0:
            _, end = read_varint(data, p)
        elif wire == 1:
            end = p + 8
        elif wire == 2:
            length, p = read_varint(data, p)
            end = p + length
        elif wire == 5:
            end = p + 4
        else:
            raise FramingError(f"unknown wire type {wire} at byte {pos}")
    except FramingError:
        raise  # already says where
    except ValueError as exc:
        raise FramingError(f"{exc} at byte {pos}") from None
    if field == 0:
        raise FramingError(f"field number 0 at byte {pos}")
    if end > n:
        raise FramingError(f"record at byte {pos} runs past the end of the data (truncated?)")
    return field, pos, p, end
