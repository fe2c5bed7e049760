"""Live allocation sites ranked by the bytes the GC must scan, each with its evidence.

A site is a leaf location of the heap profile (one allocating call). The binary route gives
the allocated type (verdict `binary`), the source route fills what it left unknown (`source`),
and profile-only rules give hints (`heuristic`), which never count as verdicts: their scan
bytes stay unknown."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..common.errors import InputError
from ..analysis.live import live_heap, why_not_live
from ..model import Profile
from .heuristics import hint


@dataclass(frozen=True)
class Site:
    address: int
    function: str
    file: str
    line: int
    inuse_bytes: int
    inuse_objects: int | None  # None: the profile has no inuse_objects nor object sizes
    object_size: int  # the size (bytes label) holding most of the site's bytes
    sizes: tuple[tuple[int, int], ...]  # (object size, in-use objects) per bytes label
    caller_address: int | None
    evidence: str = "heuristic"  # binary, source, heuristic
    verdict: str = "unknown"  # scan, noscan, unknown; hints never set it
    type: str | None = None
    pointer_fraction: float | None = None
    scan_bytes: int | None = None
    hint: str = ""  # heuristic evidence: likely-scan, likely-noscan, unknown
    reason: str = ""
    advice: str = ""


def sites_of(profile: Profile) -> list[Site]:
    """In-use bytes and objects per leaf location, with the profile-only hint; from whichever
    in-use types the profile has (live.py), objects unknown (None) when it cannot tell."""
    heap = live_heap(profile)
    if heap is None:
        raise InputError(profile.source, f"retainers needs the live heap: {why_not_live(profile)}")
    in_use = heap.bytes
    counts = heap.objects if heap.objects is not None else np.zeros_like(in_use)
    offsets = profile.stack_offsets
    depth = np.diff(offsets)
    # Every sample pprof counts (value not zero): in a delta profile, freed memory is negative
    # and a site's bytes are its net change.
    live = np.flatnonzero((in_use != 0) & (depth > 0))
    leaf = profile.stack_locations[offsets[live]].astype(np.int64)
    caller = np.where(depth[live] > 1, profile.stack_locations[np.minimum(offsets[live] + 1,
                      len(profile.stack_locations) - 1)].astype(np.int64), -1)
    sizes = profile.numeric_label("bytes")[live]
    site_bytes, objects = in_use[live], counts[live]
    # Sites in the order the samples first show them; per site the size holding the most
    # bytes and the caller giving the most, ties to the first seen (as dicts kept them).
    site_of, first = _first_seen(leaf)
    total_bytes = _sums(site_of, site_bytes, len(first))
    total_objects = _sums(site_of, objects, len(first))
    size_pair, size_first = _first_seen(site_of, sizes)
    size_objects = _sums(size_pair, objects, len(size_first))
    pair_site, pair_size = site_of[size_first], sizes[size_first]
    size_table = _grouped(pair_site, pair_size, size_objects, len(first))
    main_size = pair_size[_best(pair_site, np.abs(pair_size * size_objects), len(first))]
    call_pair, call_first = _first_seen(site_of, caller)
    call_bytes = _sums(call_pair, site_bytes, len(call_first))
    call_site = site_of[call_first]
    main_call = caller[call_first][_best(call_site, call_bytes, len(first))]
    locs = profile.locations
    out = []
    for k, loc in enumerate(leaf[first].tolist()):
        first_line = int(locs.line_offsets[loc])
        fn_index = int(locs.line_function[first_line]) if first_line < locs.line_offsets[loc + 1] else -1
        fn = profile.functions[fn_index] if fn_index >= 0 else None
        size, n_objects, call = int(main_size[k]), int(total_objects[k]), int(main_call[k])
        h, reason = hint(fn.name if fn else "", size, n_objects)
        out.append(Site(
            address=int(locs.address[loc]), function=fn.name if fn else f"{int(locs.address[loc]):#x}",
            file=fn.filename if fn else "", line=int(locs.line_number[first_line]) if fn else 0,
            inuse_bytes=int(total_bytes[k]),
            inuse_objects=n_objects if heap.objects is not None else None,
            object_size=size,
            sizes=size_table[k],
            caller_address=int(locs.address[call]) if call >= 0 else None,
            hint=h, reason=reason))
    return out


def _first_seen(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by their keys: per row its group, numbered in the order groups first
    appear, and per group the row where it first appears."""
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(keys[::-1])  # stable: rows of a group stay in sample order
    row = np.column_stack(keys)[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (row[1:] != row[:-1]).any(axis=1)
    group_in_sorted = np.cumsum(starts) - 1
    first = order[starts]
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    group = np.empty(len(order), dtype=np.int64)
    group[order] = rank[group_in_sorted]
    return group, np.sort(first)


def _sums(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums per group."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, group, values.astype(np.int64))
    return out


def _best(owner: np.ndarray, score: np.ndarray, n: int) -> np.ndarray:
    """Per owner, the index of its entry with the highest score, the first one on ties
    (entries are in first-seen order)."""
    order = np.lexsort((np.arange(len(owner)), -score, owner))
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = owner[order][1:] != owner[order][:-1]
    best = np.zeros(n, dtype=np.int64)
    best[owner[order][starts]] = order[starts]
    return best


def _grouped(owner: np.ndarray, key: np.ndarray, value: np.ndarray,
             n: int) -> list[tuple[tuple[int, int], ...]]:
    """Per owner, its (key, value) pairs sorted by key."""
    order = np.lexsort((key, owner))
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for o, k, v in zip(owner[order].tolist(), key[order].tolist(), value[order].tolist()):
        out[o].append((k, v))
    return [tuple(pairs) for pairs in out]


def with_binary(site: Site, call) -> Site:
    """The site with the binary's verdict (a CallSite), its scan bytes and advice."""
    if call.verdict == "unknown":
        return replace(site, reason=f"binary: {call.note or 'unknown'}"
                       + (f" ({call.callee})" if call.callee else ""))
    fraction = (call.ptr_bytes / call.type_size) if call.type_size else (0.0 if call.verdict == "noscan" else None)
    scanned = scan_bytes(site, call.how, call.type_size, call.ptr_bytes, call.verdict)
    return replace(site, evidence="binary", verdict=call.verdict, type=call.type_name,
                   pointer_fraction=fraction, scan_bytes=scanned,
                   reason=f"allocated by {call.callee}",
                   advice=advice(call.verdict, call.how, call.type_name or "", site))


def scan_bytes(site: Site, how: str, elem_size: int | None, ptr_bytes: int | None,
               verdict: str) -> int | None:
    """Bytes the GC scans: objects x pointer bytes for single objects; for arrays (slices,
    map groups, channel buffers) all but the last element's trailing scalars."""
    if verdict == "noscan":
        return 0
    if ptr_bytes is None or elem_size is None or site.inuse_objects is None:
        return None
    if how in ("array", "map", "chan"):
        return sum(n * max(0, size - elem_size + ptr_bytes) for size, n in site.sizes)
    return site.inuse_objects * ptr_bytes


def advice(verdict: str, how: str, type_name: str, site: Site) -> str:
    if verdict != "scan":
        return ""
    if how == "array" and type_name.startswith("[]*"):
        return (f"store values, not pointers: []{type_name[3:]} instead of {type_name}; the GC "
                "skips pointer-free spans entirely")
    if how == "map":
        return ("a big map with pointers in its keys or values is scanned group by group: use "
                "pointer-free keys and values (e.g. an integer index into a []T; strings "
                "interned into one byte arena, keyed by offset)")
    if how == "chan":
        return "buffer values instead of pointers, or a smaller buffer"
    if how == "header" or type_name in ("string", "[]byte"):
        return "intern strings into one byte arena and keep offsets instead of string headers"
    if how == "array":
        return ("elements with pointers: replace the pointers inside them by indices, or keep "
                "such a cache off-heap if it holds no Go pointers")
    if site.inuse_objects is not None and site.inuse_objects >= 1000:
        return (f"{site.inuse_objects:,} separate {type_name} objects: allocate them in one "
                "[]T and link them by index instead of by pointer")
    return "fewer pointers in this type (indices instead of pointers)"


def rank(sites: list[Site]) -> list[Site]:
    """By scan bytes (known first, largest first), then unknown by in-use bytes; by size, as
    pprof orders, where a delta profile's freed memory makes them negative."""
    return sorted(sites, key=lambda s: (s.scan_bytes is None, -abs(s.scan_bytes or 0),
                                        -abs(s.inuse_bytes), s.function))
