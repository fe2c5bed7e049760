"""`heapdiff explain` and `heapdiff gc` as text and JSON."""
from __future__ import annotations

from ..memory.container import Container
from ..memory.findings import Finding
from ..memory.gchealth import GCHealth
from ..memory.waterfall import Waterfall
from ..common.units import human_bytes, percent
from . import shapes
from .escape import terminal
from .format import BAR_WIDTH, bar, bar_scale, gc_scale, gc_summary, signed, sparkline


def explain_json(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources) -> dict:
    return {
        "sources": list(sources),
        **shapes.waterfall(w),
        "findings": [shapes.finding(f) for f in found],
        "gc": None if gc is None else shapes.gc_health(gc),
    }


def explain_text(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources) -> str:
    out = ["Inputs: " + ", ".join(terminal(s) for s in sources)]
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
    if w.split:
        out.append("RSS by mapping (smaps): "
                   + ", ".join(f"{c} {human_bytes(b)}" for c, b in w.split)
                   + f" = {human_bytes(sum(b for _, b in w.split))}")
    if w.container is not None:
        out += container_text(w.container, w.rss)
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


def container_text(c: Container, rss: int | None) -> list[str]:
    """The rows from RSS to the cgroup's usage, and the limit."""
    out = [f"Container (cgroup {c.version}, {terminal(c.source)}): "
           + (f"RSS {human_bytes(rss)}" if rss is not None else "no RSS given, from 0")
           + f" to {c.usage_file} {human_bytes(c.usage)}"]
    width = max(len(r.component) for r in c.rows)
    for r in c.rows:
        out.append(f"  + {r.component:<{width}} {human_bytes(r.bytes):>10} "
                   f"{percent(r.bytes, c.usage):>8}  {terminal(r.cause)}")
    out.append(f"  = {c.usage_file} {human_bytes(c.usage)}")
    if c.limit is None:
        out.append("  limit: none")
    else:
        out.append(f"  limit {human_bytes(c.limit)}: {percent(c.usage, c.limit, 1)} used, "
                   f"{human_bytes(c.headroom or 0)} headroom")
    if c.working_set is not None:
        out.append(f"  working set (usage - inactive_file, what Kubernetes evicts on): "
                   f"{human_bytes(c.working_set)}")
    return out


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
