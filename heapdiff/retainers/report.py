"""Putting the routes together for one profile: binary first, then source, then hints; the
cross-checks with runtime/metrics and gctrace; growth against a base profile."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..analysis.live import live_heap
from ..common.errors import InputError
from ..inputs.delta import delta_note
from ..memory.gchealth import median_mark_cpu_ms
from ..model import GCTrace, Metrics, Profile
from .analyze import Site, advice, rank, scan_bytes, sites_of, with_binary

SHAPES = re.compile(r"\[go\.shape\.([^\]]*)\]")  # all of the instance's shapes


@dataclass(frozen=True)
class Retainers:
    sites: tuple[Site, ...]
    known_share: float  # share of in-use bytes with a verdict (binary or source)
    scan_total: int  # predicted scan bytes over sites with a verdict
    scan_heap: int | None = None  # /gc/scan/heap:bytes, when metrics are given
    mark_cpu_ms: float | None = None  # median mark CPU per cycle, when a gctrace is given
    growth: dict | None = None  # site key -> scan bytes in the base
    delta: str = ""  # delta_note: the sites' bytes are changes over a span, not what they hold
    note: str = ""  # what the profile lacks (live.py): e.g. no inuse_objects, counts estimated


def site_key(site: Site) -> tuple:
    return (site.function, site.file, site.line, site.type)


def analyse(profile: Profile, binary: str | None = None, source: str | None = None,
            metrics: Metrics | None = None, gctrace: GCTrace | None = None,
            base: Profile | None = None, go: str | None = None) -> Retainers:
    sites = _resolve(profile, binary, source, go)
    growth = None
    if base is not None:
        growth = {site_key(s): s.scan_bytes for s in _resolve(base, binary, source, go)}
    total_bytes = sum(abs(s.inuse_bytes) for s in sites) or 1
    known = [s for s in sites if s.evidence in ("binary", "source")]
    mark = median_mark_cpu_ms(gctrace) if gctrace is not None else None
    scan_heap = metrics.get("/gc/scan/heap:bytes") if metrics is not None else None
    return Retainers(sites=tuple(rank(sites)),
                     known_share=sum(abs(s.inuse_bytes) for s in known) / total_bytes,
                     scan_total=sum(s.scan_bytes or 0 for s in known),
                     scan_heap=int(scan_heap) if scan_heap is not None else None,
                     mark_cpu_ms=mark, growth=growth, delta=delta_note(profile),
                     note=_live_note(profile))


def _live_note(profile: Profile) -> str:
    heap = live_heap(profile)
    return heap.note if heap is not None else ""


def _resolve(profile: Profile, binary: str | None, source: str | None, go: str | None) -> list[Site]:
    sites = sites_of(profile)
    if binary is not None:
        sites = _binary_route(profile, sites, binary)
    if source is not None:
        sites = _source_route(sites, source, go)
    return sites


def _binary_route(profile: Profile, sites: list[Site], path: str) -> list[Site]:
    from .binary.callsite import Decoder
    from .binary.image import read_image

    image = read_image(path)
    ids = {m.build_id for m in profile.mappings if m.build_id}
    if ids and image.build_id not in ids:
        raise InputError(path, f"build id {image.build_id or '(none)'} is not the profile's "
                               f"({', '.join(sorted(ids))}): give the binary that wrote the profile")
    decoder = Decoder(image)
    main = _main_mapping(profile, image.build_id)

    def vaddr(address: int | None) -> int | None:
        if address is None:
            return None
        if main is None:
            return address
        return image.vaddr(address - main.start + main.offset)

    return [with_binary(s, decoder.site(address, vaddr(s.caller_address)))
            if (address := vaddr(s.address)) is not None else s for s in sites]


def _main_mapping(profile: Profile, build_id: str):
    for m in profile.mappings:
        if m.build_id == build_id:
            return m
    return profile.mappings[0] if profile.mappings else None


def _source_route(sites: list[Site], source: str, go: str | None) -> list[Site]:
    from .source import source_candidates

    wanted = [s for s in sites if s.evidence == "heuristic" and s.file and s.line]
    if not wanted:
        return sites
    found = source_candidates(Path(source), sorted({(s.file, s.line) for s in wanted}), go=go)
    out = []
    for s in sites:
        candidates = found.get((s.file, s.line), []) if s in wanted else []
        out.append(_with_source(s, candidates) if candidates else s)
    return out


def gc_shape(function: str) -> tuple[str, bool] | None:
    """The GC shape of a generic instance's name (main.mk[go.shape.*uint8]) and whether it
    holds pointers; None for other functions or several type parameters."""
    match = SHAPES.search(function)
    if match is None or "," in match.group(1):
        return None
    shape = match.group(1)
    return shape, shape.startswith(("*", "[]", "map[", "chan ", "func", "interface", "string"))


def _with_source(site: Site, candidates) -> Site:
    """One verdict when the likeliest candidates agree, or object size settles it; several
    allocations on one line that disagree stay ambiguous."""
    best = min(c.priority for c in candidates)
    shape = gc_shape(site.function)
    if shape is not None:  # a type parameter's verdict comes from the instance's GC shape
        candidates = [replace(c, pointers=shape[1], type=f"{c.type} [{shape[0]}]",
                              ptr_fraction=1.0 if shape[1] else 0.0, size=c.size or 8)
                      if c.pointers is None and c.priority == best else c for c in candidates]
    top = [c for c in candidates if c.priority == best and c.pointers is not None]
    if len({c.pointers for c in top}) > 1:
        sized = [c for c in top if c.size and (site.object_size % c.size == 0)]
        top = sized if sized and len({c.pointers for c in sized}) == 1 else top
    if not top:
        return replace(site, reason="source: the type depends on a type parameter")
    if len({c.pointers for c in top}) > 1:
        return replace(site, reason=f"source: ambiguous, {len(top)} allocations on this line "
                                    "disagree")
    c = top[0]
    verdict = "scan" if c.pointers else "noscan"
    # sizes are per element (slices, channel buffers, string bytes) or per map slot
    how = "array" if c.kind in ("make-slice", "append", "slice-literal", "string-concat",
                                "string-conv") else \
        "map" if c.kind in ("make-map", "map-assign", "map-literal") else \
        "chan" if c.kind == "make-chan" else "object"
    fraction = c.ptr_fraction if c.pointers else 0.0
    ptr_bytes = int(round((c.ptr_fraction or 0) * c.size)) if c.size and c.pointers else 0
    return replace(site, evidence="source", verdict=verdict, type=c.type,
                   pointer_fraction=fraction,
                   scan_bytes=scan_bytes(site, how, c.size, ptr_bytes if c.size else None, verdict),
                   reason=f"source: {c.expr}", advice=advice(verdict, how, c.type, site))
