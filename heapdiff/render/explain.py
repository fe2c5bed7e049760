"""`heapdiff explain` and `heapdiff gc` as text and JSON. The rows are values (WaterfallLine,
ChangeLine) that the text here and the TUI's Memory view both lay out, so the two say the same."""
from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class WaterfallLine:
    """One waterfall row as explain prints it (terminal-safe text)."""

    component: str
    size: str  # "57.9MiB", or "unknown"
    share: str  # of RSS ("53.24%"), "" without RSS or for an unknown row
    bar: str
    what: str  # what the row is, with its sampling error; for an unknown row, what it needs
    bytes: int | None


@dataclass(frozen=True)
class ChangeLine:
    """One row of "how each row changed since the base"."""

    component: str
    base: str
    now: str
    change: str  # "" when either side is unknown
    delta: int | None


def rss_line(w: Waterfall) -> str:
    return (f"RSS {human_bytes(w.rss)} ({terminal(w.rss_source)})" if w.rss is not None
            else "RSS unknown: give /proc/PID/status or smaps_rollup")


def leading_line(w: Waterfall) -> str | None:
    return None if w.leading is None else \
        f"Leading cause of the gap between the profile and RSS: {w.leading.component}"


def waterfall_lines(w: Waterfall) -> list[WaterfallLine]:
    scale = bar_scale(r.bytes for r in w.rows)
    lines = []
    for r in w.rows:
        if r.bytes is None:
            lines.append(WaterfallLine(r.component, "unknown", "", "", f"needs {r.needs}", None))
            continue
        sigma = f" ±{human_bytes(r.sigma)}" if r.sigma else ""
        lines.append(WaterfallLine(r.component, human_bytes(r.bytes),
                                   percent(r.bytes, w.rss) if w.rss else "",
                                   bar(r.bytes, scale), terminal(r.cause) + sigma, r.bytes))
    return lines


def finding_lines(f: Finding) -> tuple[str, str, str]:
    """A finding's heading, detail and advice."""
    return (f"[{f.severity}] {f.id}: {terminal(f.title)}", terminal(f.detail),
            f"Do: {terminal(f.advice)}")


def explain_text(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources) -> str:
    out = ["Inputs: " + ", ".join(terminal(s) for s in sources)]
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


CHANGES_TITLE = "How each row changed since the base:"
CHANGES_HEADER = f"{'component':<17} {'base':>10} {'now':>10} {'change':>11}"


def change_lines(earlier: Waterfall, now: Waterfall) -> list[ChangeLine]:
    fmt = lambda v: "unknown" if v is None else human_bytes(v)  # noqa: E731
    return [ChangeLine(c, fmt(a), fmt(b), "" if d is None else signed(d, "bytes"), d)
            for c, a, b, d in _changes(earlier, now)]


def change_row(line: ChangeLine) -> str:
    return f"{line.component:<17} {line.base:>10} {line.now:>10} {line.change:>11}"


def changes_text(earlier: Waterfall, now: Waterfall) -> str:
    out = [CHANGES_TITLE, f"  {CHANGES_HEADER}"]
    out += [f"  {change_row(line)}" for line in change_lines(earlier, now)]
    return "\n".join(out) + "\n"
