"""heapdiff allocs as text and as its JSON contract (README: "heapdiff allocs")."""
from __future__ import annotations

from ..escapes.allocs import Allocs, AllocSite
from .escape import terminal
from .format import figure, share

CONTRACT = 1  # the JSON's "contract" version: fields are only ever added


def allocs_json(result: Allocs, sites: list[AllocSite]) -> dict:
    return {
        "contract": CONTRACT,
        "sample_type": result.sample_type,
        "unit": result.unit,
        "total": result.total,
        "span_seconds": result.span_s,
        "span_from": result.span_from or None,
        "gc_cycles": result.gc_cycles,
        "gc_cpu": result.gc_cpu,
        "module": result.module or None,
        "go_version": result.go_version or None,
        "cached": result.cached,
        "warnings": list(result.warnings),
        "sites": [site_json(s) for s in sites],
    }


def site_json(s: AllocSite) -> dict:
    return {
        "function": s.site.function,
        "file": s.site.file,
        "source_file": s.shown_file if s.site.local else None,
        "line": s.site.line,
        "flat": s.site.flat,
        "objects": s.site.objects,
        "rate_per_s": s.rate_per_s,
        "objects_per_s": s.objects_per_s,
        "per_gc": s.per_gc,
        "share": s.share,
        "gc_share": s.gc_share,
        "escape": {"verdict": s.escape.verdict, "reason": s.escape.reason,
                   "detail": s.escape.detail, "flow": list(s.escape.flow)},
        "advice": s.escape.advice,
    }


def allocs_text(result: Allocs, sites: list[AllocSite], title: str) -> str:
    unit = result.unit
    lines = [f"File: {terminal(title)}"]
    span = (f"over {result.span_s:.3g} s ({'the profiles' + chr(39) + ' times' if result.span_from == 'time_nanos' else 'the delta profile' + chr(39) + 's duration'})"
            if result.span_s else "no time span (one cumulative profile): rates unknown")
    lines.append(f"Type: {terminal(result.sample_type)}, {span}; total {figure(result.total, unit)}")
    if result.go_version:
        lines.append(f"Verdicts: {terminal(result.go_version)}'s escape analysis of "
                     f"{terminal(result.module)}"
                     + (" (cached)" if result.cached else
                        f" (compiled in {result.compile_s:.1f} s)" if result.compile_s else ""))
    if result.gc_cpu is not None:
        cycles = f"{result.gc_cycles} cycles, " if result.gc_cycles else ""
        lines.append(f"GC: {cycles}{share(result.gc_cpu, 1)} of CPU; gc share = allocation "
                     "share x GC CPU")
    header = f"{'flat':>9} {'share':>6} {'rate/s':>10}"
    if result.gc_cpu is not None:
        header += f" {'per GC':>9} {'gc':>6}"
    lines.append(f"{header}  {'verdict':<7} {'reason':<16} site")
    for s in sites:
        row = (f"{figure(s.site.flat, unit):>9} {share(s.share, 1):>6} "
               f"{figure(s.rate_per_s, unit):>10}")
        if result.gc_cpu is not None:
            row += (f" {figure(s.per_gc, unit):>9} "
                    f"{share(s.gc_share, 2) if s.gc_share is not None else '-':>6}")
        reason = s.escape.reason if s.escape.verdict == "heap" else ""
        place = f" {terminal(s.shown_file)}:{s.site.line}" if s.site.file else ""
        lines.append(f"{row}  {s.escape.verdict:<7} {reason:<16} "
                     f"{terminal(s.site.function)}{place}")
        if s.escape.detail:
            lines.append(f"{'':>11}{terminal(s.escape.detail)}")
        if s.escape.advice:
            lines.append(f"{'':>11}advice: {s.escape.advice}")
    return "\n".join(lines) + "\n"
