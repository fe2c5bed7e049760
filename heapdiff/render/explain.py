"""`heapdiff explain` and `heapdiff gc` as text and JSON."""
from __future__ import annotations

from ..memory.findings import Finding
from ..memory.gchealth import GCHealth
from ..memory.waterfall import Waterfall
from ..common.units import human_bytes, percent
from . import shapes
from .escape import terminal
from .format import BAR_WIDTH, bar, bar_scale, gc_scale, gc_summary, signed, sparkline


def explain_json(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources,
                 notes: tuple[str, ...] = ()) -> dict:
    return {
        "sources": list(sources),
        "notes": list(notes),
        **shapes.waterfall(w),
        "findings": [shapes.finding(f) for f in found],
        "gc": None if gc is None else shapes.gc_health(gc),
    }


def explain_text(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources,
                 notes: tuple[str, ...] = ()) -> str:
    out = ["Inputs: " + ", ".join(terminal(s) for s in sources)]
    out += [f"Note: {terminal(note)}" for note in notes]
    if w.delta:
        out.append(f"Profile: {w.delta}; the waterfall leaves it out")
    out.append(f"RSS {human_bytes(w.rss)} ({terminal(w.rss_source)})" if w.rss is not None
               else "RSS unknown: give /proc/PID/status or smaps_rollup")
    scale = bar_scale(r.bytes for r in w.rows)
    width = max(len(r.component) for r in w.rows)
    for r in w.rows:
        if r.bytes is None:
            out.append(f"  {r.component:<{width}} {'unknown':>10}  needs {r.needs}")
            continue
        share = percent(r.bytes, w.rss) if w.rss else ""
        sigma = f" ±{human_bytes(r.sigma)}" if r.sigma else ""
        out.append(f"  {r.component:<{width}} {human_bytes(r.bytes):>10} {share:>8}  "
                   f"{bar(r.bytes, scale):<{BAR_WIDTH}}  {terminal(r.cause)}{sigma}")
    if w.leading is not None:
        out.append(f"Leading cause of the gap between the profile and RSS: {w.leading.component}")
    if gc is not None:
        out.append(gc_summary(gc))
    if found:
        out.append("Findings:")
        for f in found:
            out.append(f"  [{f.severity}] {f.id}: {terminal(f.title)}")
            out.append(f"      {terminal(f.detail)}")
            out.append(f"      Do: {terminal(f.advice)}")
    else:
        out.append("Findings: none")
    return "\n".join(out) + "\n"


def gc_text(gc: GCHealth) -> str:
    top = gc_scale(gc)
    return "\n".join([
        gc_summary(gc),
        f"  live MiB  {sparkline(gc.live_series, top=top)}  last {gc.live_series[-1] if gc.live_series else '-'}",
        f"  goal MiB  {sparkline(gc.goal_series, top=top)}  last {gc.goal_series[-1] if gc.goal_series else '-'}",
        f"  (scale 0..{top} MiB; {len(gc.live_series)} cycles)"]) + "\n"


def _changes(earlier: Waterfall, now: Waterfall):
    components = [r.component for r in earlier.rows]
    components += [r.component for r in now.rows if r.component not in components]
    rows = [("rss", earlier.rss, now.rss)]
    rows += [(c, earlier.get(c), now.get(c)) for c in components]
    return [(c, a, b, None if a is None or b is None else b - a) for c, a, b in rows]


def changes_json(earlier: Waterfall, now: Waterfall) -> list[dict]:
    return [{"component": c, "base": a, "bytes": b, "delta": d} for c, a, b, d in
            _changes(earlier, now)]


def changes_text(earlier: Waterfall, now: Waterfall) -> str:
    out = ["How each row changed since the base:",
           f"  {'component':<17} {'base':>10} {'now':>10} {'change':>11}"]
    for c, a, b, d in _changes(earlier, now):
        fmt = lambda v: "unknown" if v is None else human_bytes(v)  # noqa: E731
        change = "" if d is None else signed(d, "bytes")
        out.append(f"  {c:<17} {fmt(a):>10} {fmt(b):>10} {change:>11}")
    return "\n".join(out) + "\n"
