"""Flat and cum per node, the numbers of `go tool pprof -top`, computed with array operations.

A node is what pprof calls a NodeInfo after `Profile.Aggregate` for the chosen granularity:
functions (name), filefunctions (name, file), files (file), lines (name, file, line) or
addresses (address, name, file, line, column). Flat of a node is the sum of the samples whose
leaf frame is that node; cum is the sum of the samples whose stack contains it at least once.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.arrays import concat_ranges
from ..common.kernel import compiled
from ..model import Profile
from ..common.parallel import ordered_map
from .nodes import (GRANULARITIES, LocationTables, NodeInfo, Row, clean_path, location_nodes,
                    row_order)

__all__ = ["GRANULARITIES", "NodeInfo", "Row", "clean_path"]  # their home is nodes.py

# Measured on 600k samples: 0.85 s against 1.3-1.8 s at 1 << 16, and the chunks' temporaries
# no longer raise the peak RSS above the decoder's.
CHUNK_SAMPLES = 1 << 12
EXACT_FLOAT_SUM = 1 << 53  # bincount sums in float64: exact while every partial sum fits
INLINED_FLAG = {np.uint32: 1 << 31, np.int64: 1 << 62}  # above every key of its type


@dataclass(frozen=True, eq=False)
class FrameNodes:
    """For one granularity: the nodes, and for every location the nodes of its frames
    (CSR layout, innermost inlined frame first)."""

    infos: tuple[NodeInfo, ...]
    names: tuple[str, ...]
    offsets: np.ndarray  # int64 [locations + 1]
    nodes: np.ndarray  # int32
    first: np.ndarray  # int32 node of each location's innermost frame (the leaf for flat)
    single: bool  # every location has exactly one frame


@dataclass(frozen=True, eq=False)
class Aggregate:
    """flat and cum per node of FrameNodes, for one sample type."""

    frames: FrameNodes
    flat: np.ndarray  # int64 per node
    cum: np.ndarray  # int64 per node
    total: int  # sum of |value| over the samples, as pprof totals


def frame_nodes(profile: Profile, granularity: str) -> FrameNodes:
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    key = ("frame_nodes", granularity)
    if key not in profile._cache:
        profile._cache[key] = _build_frame_nodes(profile, granularity)
    return profile._cache[key]


def _build_frame_nodes(profile: Profile, granularity: str) -> FrameNodes:
    locs = profile.locations
    infos, offsets, nodes = location_nodes(
        granularity, profile.functions, [m.filename for m in profile.mappings],
        LocationTables(address=locs.address.tolist(), mapping=locs.mapping.tolist(),
                       line_offsets=locs.line_offsets.tolist(),
                       line_function=locs.line_function.tolist(),
                       line_number=locs.line_number.tolist(),
                       line_column=locs.line_column.tolist()))
    offsets_arr = np.array(offsets, dtype=np.int64)
    nodes_arr = np.array(nodes, dtype=np.int32)
    return FrameNodes(
        infos=tuple(infos),
        names=tuple(info.printable_name() for info in infos),
        offsets=offsets_arr,
        nodes=nodes_arr,
        first=nodes_arr[offsets_arr[:-1]] if len(locs) else np.zeros(0, dtype=np.int32),
        single=bool((np.diff(offsets_arr) == 1).all()),
    )


def aggregate(profile: Profile, sample_index: int, granularity: str) -> Aggregate:
    key = ("aggregate", sample_index, granularity)
    if key not in profile._cache:
        profile._cache[key] = aggregate_weights(profile, profile.values[:, sample_index],
                                                granularity)
    return profile._cache[key]


def aggregate_weights(profile: Profile, weights: np.ndarray, granularity: str) -> Aggregate:
    """flat and cum for one value per sample (a column of the profile, or scaled values)."""
    fn = frame_nodes(profile, granularity)
    num_nodes = len(fn.infos)
    # pprof's total (report.computeTotal) is the sum of |value|: a delta profile's freed
    # memory counts as much as its new allocations.
    total = int(np.abs(weights).sum())
    offsets = profile.stack_offsets
    depth = np.diff(offsets)
    # pprof skips samples whose value is zero; empty stacks add to the total only.
    live = (weights != 0) & (depth > 0)
    live_index = np.flatnonzero(live)
    # Summed in float64, which cannot wrap: an int64 sum of huge values wraps below the bound
    # and would send them down the float path, where they are not exact.
    exact = float(np.abs(weights[live_index].astype(np.float64)).sum()) < EXACT_FLOAT_SUM

    leaf_nodes = fn.first[profile.stack_locations[offsets[live_index]]]
    flat = _sum_by_node(leaf_nodes, weights[live_index], num_nodes, exact)

    cum = _compiled_cum(profile, fn, weights, num_nodes)
    if cum is None:
        cum = _numpy_cum(profile, fn, weights, live, depth, num_nodes, exact)
    return Aggregate(frames=fn, flat=flat, cum=cum, total=total)


def _compiled_cum(profile: Profile, fn: FrameNodes, weights: np.ndarray,
                  num_nodes: int) -> np.ndarray | None:
    """cum by the compiled kernel (one pass over the frames, no sort), or None."""
    kernel = compiled()
    if kernel is None or weights.dtype != np.int64:
        return None
    cum = np.zeros(num_nodes, dtype=np.int64)
    done = kernel.cum(profile.stack_offsets, profile.stack_locations,
                      np.ascontiguousarray(weights), fn.offsets, fn.nodes, cum)
    return cum if done else None


def _numpy_cum(profile: Profile, fn: FrameNodes, weights: np.ndarray, live: np.ndarray,
               depth: np.ndarray, num_nodes: int, exact: bool) -> np.ndarray:
    # cum counts a node once per sample however often its stack repeats it (recursion,
    # inlining). Each frame becomes one integer, local sample * num_nodes + node: a sort and a
    # neighbour compare then keep one key per (sample, node), far faster than np.unique, and
    # the key alone gives back the node (key % num_nodes) and the sample whose weight it adds
    # (key // num_nodes). Up to 2**16 nodes, chunks of up to 2**16 samples keep every key
    # within uint32 (the largest is (2**16 - 1) * 2**16 + 2**16 - 1 == 2**32 - 1), which halves
    # the bytes to sort. Beyond, keys are int64 and a chunk holds as many samples as keep them
    # under 2**40, and no more than CHUNK_SAMPLES. Any bound within int64 would be correct
    # (INLINED_FLAG marks table entries, never keys: _chunk_keys strips it before adding the
    # sample part); this one only sets the chunk's size.
    cum = np.zeros(num_nodes, dtype=np.int64)
    extra = np.diff(fn.offsets) - 1  # inlined frames beyond the innermost, per location
    key_type = np.uint32 if num_nodes <= (1 << 16) else np.int64
    chunk = CHUNK_SAMPLES if key_type is np.uint32 else \
        max(1, min(CHUNK_SAMPLES, (1 << 40) // max(num_nodes, 1)))

    table = _location_table(fn, extra, key_type)

    def chunk_cum(c0: int) -> np.ndarray:
        c1 = min(profile.num_samples, c0 + chunk)
        keys = _chunk_keys(profile, fn, table, extra, live, depth, c0, c1, key_type, num_nodes)
        keys.sort()
        distinct = np.ones(len(keys), dtype=bool)
        distinct[1:] = keys[1:] != keys[:-1]
        keys = keys[distinct]
        return _sum_by_node(keys % num_nodes, weights[c0:c1][keys // num_nodes], num_nodes, exact)

    for part in ordered_map(chunk_cum, range(0, profile.num_samples, chunk)):
        cum += part
    return cum


def _chunk_keys(profile, fn, table, extra, live, depth, c0, c1, key_type, num_nodes):
    """sample * num_nodes + node for every frame of the live samples c0..c1 (local sample
    numbers), inlined frames included. `table` gives, per location, its innermost node with
    INLINED_FLAG set when the location has inlined frames too: one gather per frame gives
    every innermost key, and only the flagged locations' other frames are expanded (a
    location's frames are fn.nodes[fn.offsets[loc]:fn.offsets[loc + 1]])."""
    locations = profile.stack_locations[profile.stack_offsets[c0]:profile.stack_offsets[c1]]
    frame_base = np.repeat(np.arange(c1 - c0, dtype=key_type) * key_type(num_nodes), depth[c0:c1])
    packed = table.take(locations)
    chunk_live = live[c0:c1]
    keep = None if chunk_live.all() else np.repeat(chunk_live, depth[c0:c1])
    if fn.single:
        keys = packed
        keys += frame_base
        return keys if keep is None else keys[keep]
    flag = INLINED_FLAG[key_type]
    inlined = packed >= flag
    keys = packed & key_type(flag - 1)
    keys += frame_base
    if keep is not None:
        keys, inlined = keys[keep], inlined & keep
    if inlined.any():
        at = locations[inlined]
        count = extra[at]
        nodes = fn.nodes[concat_ranges(fn.offsets[at] + 1, fn.offsets[at + 1])]
        keys = np.concatenate([keys, np.repeat(frame_base[inlined], count) + nodes.astype(key_type)])
    return keys


def _location_table(fn: FrameNodes, extra: np.ndarray, key_type) -> np.ndarray:
    table = fn.first.astype(key_type)
    if not fn.single:
        table[extra > 0] |= key_type(INLINED_FLAG[key_type])
    return table


def _sum_by_node(nodes: np.ndarray, weights: np.ndarray, num_nodes: int, exact: bool):
    if exact:
        return np.rint(np.bincount(nodes, weights=weights, minlength=num_nodes)).astype(np.int64)
    out = np.zeros(num_nodes, dtype=np.int64)
    np.add.at(out, nodes, weights)
    return out


def top_rows(agg: Aggregate, sort: str = "flat") -> list[Row]:
    """The rows of `top`, in pprof's order (nodes.row_order)."""
    names = agg.frames.names
    flat, cum = agg.flat.tolist(), agg.cum.tolist()
    return [Row(names[n], flat[n], cum[n]) for n in row_order(names, flat, cum, sort)]
