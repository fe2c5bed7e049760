"""Live allocation sites ranked by the bytes the GC must scan, each with its evidence.

A site is a leaf location of the heap profile (one allocating call). The binary route gives
the allocated type (verdict `binary`), the source route fills what it left unknown (`source`),
and profile-only rules give hints (`heuristic`), which never count as verdicts: their scan
bytes stay unknown."""
from __future__ import annotations

from collections import defaultdict
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
    by_site: dict[int, dict] = defaultdict(lambda: {"bytes": 0, "objects": 0, "sizes": defaultdict(int),
                                                    "callers": defaultdict(int)})
    for loc, call, size, b, o in zip(leaf.tolist(), caller.tolist(), sizes.tolist(),
                                     in_use[live].tolist(), counts[live].tolist()):
        entry = by_site[loc]
        entry["bytes"] += b
        entry["objects"] += o
        entry["sizes"][size] += o
        entry["callers"][call] += b
    locs = profile.locations
    out = []
    for loc, entry in by_site.items():
        first_line = int(locs.line_offsets[loc])
        fn_index = int(locs.line_function[first_line]) if first_line < locs.line_offsets[loc + 1] else -1
        fn = profile.functions[fn_index] if fn_index >= 0 else None
        size_bytes = {size: size * n for size, n in entry["sizes"].items()}
        main_size = max(size_bytes, key=lambda size: abs(size_bytes[size]))
        call = max(entry["callers"], key=entry["callers"].get)
        h, reason = hint(fn.name if fn else "", main_size, entry["objects"])
        out.append(Site(
            address=int(locs.address[loc]), function=fn.name if fn else f"{int(locs.address[loc]):#x}",
            file=fn.filename if fn else "", line=int(locs.line_number[first_line]) if fn else 0,
            inuse_bytes=entry["bytes"],
            inuse_objects=entry["objects"] if heap.objects is not None else None,
            object_size=main_size,
            sizes=tuple(sorted(entry["sizes"].items())),
            caller_address=int(locs.address[call]) if call >= 0 else None,
            hint=h, reason=reason))
    return out


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
