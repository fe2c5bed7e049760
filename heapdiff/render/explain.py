"""`heapdiff explain` and `heapdiff gc` as text and JSON; the rows come from render.memory,
which the TUI's Memory view lays out too, so the two say the same."""
from __future__ import annotations

from ..memory.container import Container
from ..memory.findings import Finding
from ..memory.gchealth import GCHealth
from ..memory.waterfall import Waterfall
from . import shapes
from .escape import terminal
from .format import BAR_WIDTH, gc_scale, gc_summary, sparkline
from .memory import (CHANGES_HEADER, CHANGES_TITLE, change_lines, change_row, changes,
                     container_lines, finding_lines, leading_line, rss_line, split_line,
                     waterfall_lines)


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
    out.append(rss_line(w))
    width = max(len(r.component) for r in w.rows)
    for line in waterfall_lines(w):
        if line.bytes is None:
            out.append(f"  {line.component:<{width}} {line.size:>10}  {line.what}")
            continue
        out.append(f"  {line.component:<{width}} {line.size:>10} {line.share:>8}  "
                   f"{line.bar:<{BAR_WIDTH}}  {line.what}")
    if (leading := leading_line(w)) is not None:
        out.append(leading)
    if (split := split_line(w)) is not None:
        out.append(split)
    if w.container is not None:
        out += container_text(w.container, w.rss)
    if gc is not None:
        out.append(gc_summary(gc))
    if found:
        out.append("Findings:")
        for f in found:
            head, detail, advice = finding_lines(f)
            out += [f"  {head}", f"      {detail}", f"      {advice}"]
    else:
        out.append("Findings: none")
    return "\n".join(out) + "\n"


def container_text(c: Container, rss: int | None) -> list[str]:
    """The rows from RSS to the cgroup's usage, and the limit."""
    lines = container_lines(c, rss)
    width = max(len(component) for component, *_ in lines.rows)
    out = [lines.heading]
    out += [f"  + {component:<{width}} {size:>10} {share:>8}  {cause}"
            for component, size, share, cause in lines.rows]
    out += [f"  {lines.total}", f"  {lines.limit}"]
    if lines.working_set is not None:
        out.append(f"  {lines.working_set}")
    return out


def gc_text(gc: GCHealth) -> str:
    top = gc_scale(gc)
    return "\n".join([
        gc_summary(gc),
        f"  live MiB  {sparkline(gc.live_series, top=top)}  last {gc.live_series[-1] if gc.live_series else '-'}",
        f"  goal MiB  {sparkline(gc.goal_series, top=top)}  last {gc.goal_series[-1] if gc.goal_series else '-'}",
        f"  (scale 0..{top} MiB; {len(gc.live_series)} cycles)"]) + "\n"


def changes_json(earlier: Waterfall, now: Waterfall) -> list[dict]:
    return [{"component": c, "base": a, "bytes": b, "delta": d} for c, a, b, d in
            changes(earlier, now)]


def changes_text(earlier: Waterfall, now: Waterfall) -> str:
    out = [CHANGES_TITLE, f"  {CHANGES_HEADER}"]
    out += [f"  {change_row(line)}" for line in change_lines(earlier, now)]
    return "\n".join(out) + "\n"
