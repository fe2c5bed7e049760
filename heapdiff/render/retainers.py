"""`heapdiff retainers` as text and JSON."""
from __future__ import annotations

from ..retainers.analyze import Site
from ..retainers.report import Retainers, site_key
from ..common.units import human_bytes
from . import shapes
from .escape import terminal
from .format import share, site_cells


def retainers_json(r: Retainers, sites: list[Site]) -> dict:
    doc = {
        "known_share": r.known_share, "scan_total": r.scan_total, "scan_heap": r.scan_heap,
        "mark_cpu_ms_per_cycle": r.mark_cpu_ms,
        **({"delta": r.delta} if r.delta else {}),
        **({"note": r.note} if r.note else {}),
        "sites": [shapes.retainer_site(s, r.growth) for s in sites]}
    return doc


def retainers_text(r: Retainers, sites: list[Site]) -> str:
    out = [f"Delta: {r.delta}; each site's in-use bytes and scan bytes are its net change "
           "(negative: freed), as pprof counts them"] if r.delta else []
    out.append(f"Verdicts for {share(r.known_share, 1)} of in-use bytes; predicted scan bytes "
               f"{human_bytes(r.scan_total)}")
    if r.scan_heap is not None:
        covered = share(r.scan_total / r.scan_heap if r.scan_heap else 0.0)
        out.append(f"runtime/metrics /gc/scan/heap: {human_bytes(r.scan_heap)} "
                   f"({covered} accounted for by the sites below)")
    if r.mark_cpu_ms is not None:
        out.append(f"gctrace: median mark CPU {r.mark_cpu_ms:.1f} ms per cycle")
    if r.note:
        out.append(f"Profile: {terminal(r.note)}")
    out.append(f"  {'scan':>9} {'in use':>9} {'ptr%':>5}  {'evidence':<9} site")
    for s in sites:
        c = site_cells(s)
        where = f"{terminal(s.function)} {terminal(s.file)}:{s.line}"
        why = f"({terminal(s.reason)})" if s.evidence == "heuristic" else terminal(s.type or "")
        verdict = f"{c.verdict} {why}"
        grew = ""
        if r.growth is not None:
            before = r.growth.get(site_key(s))
            if s.scan_bytes is not None:
                grew = (" new" if before is None else
                        f" grew {human_bytes(s.scan_bytes - before)}" if s.scan_bytes > before else "")
        out.append(f"  {c.scan:>9} {c.inuse:>9} {c.pointers:>5}  {c.evidence:<9} "
                   f"{where}: {verdict}{grew}")
        if s.advice:
            out.append(f"  {'':>9} {'':>9} {'':>5}  {'':<9} do: {terminal(s.advice)}")
    return "\n".join(out) + "\n"
