"""`heapdiff timeline` as a table with sparklines, and as JSON."""
from __future__ import annotations

from ..capture.timeline import Timeline, Trend
from . import shapes
from .escape import terminal
from .format import trend_cells

SPARK_WIDTH = 40


def timeline_json(tl: Timeline, functions: list[Trend]) -> dict:
    return {
        "capture": tl.capture,
        "sample_type": tl.sample_index,
        "unit": tl.unit,
        "granularity": tl.granularity,
        "times": list(tl.times),
        "labels": list(tl.labels),
        "totals": list(tl.totals),
        "functions": [shapes.trend(t) for t in functions],
        "memory": [shapes.trend(t) for t in tl.memory],
    }


def timeline_text(tl: Timeline, functions: list[Trend]) -> str:
    span = tl.times[-1] - tl.times[0]
    lines = [f"Capture: {terminal(tl.capture)}",
             f"Rounds: {len(tl.times)} over {span:.1f}s, {terminal(tl.labels[0])} .. "
             f"{terminal(tl.labels[-1])}",  # the manifest's times
             f"Type: {terminal(tl.sample_index)} ({terminal(tl.unit)}), {tl.granularity}; "
             f"showing {len(functions)} of {len(tl.functions)} rows"
             + ("" if len(functions) == len(tl.functions) else " (--nodecount 0 shows all)")]
    lines += table(functions, tl.unit)
    lines.append("Memory:")
    lines += table(list(tl.memory), "bytes")
    return "\n".join(lines) + "\n"


def table(trends: list[Trend], unit: str) -> list[str]:
    header = ("kind", "first", "last", "change", "slope/min", "trend", "name")
    cells = [(*trend_cells(t, unit, SPARK_WIDTH), terminal(t.name)) for t in trends]
    widths = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(6)]
    align = (str.ljust, str.rjust, str.rjust, str.rjust, str.rjust, str.ljust)
    return ["  " + "  ".join(align[i](row[i], widths[i]) for i in range(6)) + "  " + row[6]
            for row in [header, *cells]]
