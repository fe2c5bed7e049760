"""`heapdiff timeline` as a table with sparklines, and as JSON."""
from __future__ import annotations

from ..capture.timeline import Timeline, Trend
from ..common.units import human
from .diff import signed as signed_change
from .escape import terminal
from .explain import sparkline

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
        "functions": [trend_json(t) for t in functions],
        "memory": [trend_json(t) for t in tl.memory],
    }


def trend_json(t: Trend) -> dict:
    return {"name": t.name, "kind": t.kind, "values": list(t.values), "first": t.first,
            "last": t.last, "change": t.change, "slope": t.slope}


def timeline_text(tl: Timeline, functions: list[Trend]) -> str:
    span = tl.times[-1] - tl.times[0]
    lines = [f"Capture: {terminal(tl.capture)}",
             f"Rounds: {len(tl.times)} over {span:.1f}s, {tl.labels[0]} .. {tl.labels[-1]}",
             f"Type: {terminal(tl.sample_index)} ({terminal(tl.unit)}), {tl.granularity}; "
             f"showing {len(functions)} of {len(tl.functions)} rows"
             + ("" if len(functions) == len(tl.functions) else " (--nodecount 0 shows all)")]
    lines += table(functions, tl.unit)
    lines.append("Memory:")
    lines += table(list(tl.memory), "bytes")
    return "\n".join(lines) + "\n"


def table(trends: list[Trend], unit: str) -> list[str]:
    header = ("kind", "first", "last", "change", "slope/min", "trend", "name")
    cells = [(t.kind, figure(t.first, unit), figure(t.last, unit), signed(t.change, unit),
              per_minute(t, unit), spark(t.values), terminal(t.name)) for t in trends]
    widths = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(6)]
    align = (str.ljust, str.rjust, str.rjust, str.rjust, str.rjust, str.ljust)
    return ["  " + "  ".join(align[i](row[i], widths[i]) for i in range(6)) + "  " + row[6]
            for row in [header, *cells]]


def figure(value: float | None, unit: str) -> str:
    return "-" if value is None else human(value, unit)


def signed(value: float | None, unit: str) -> str:
    return "-" if value is None else signed_change(value, unit)


def per_minute(t: Trend, unit: str) -> str:
    return "-" if len(t.known) < 2 else signed(t.slope * 60, unit) + "/min"


def spark(values: tuple[float | None, ...], width: int = SPARK_WIDTH) -> str:
    """The row's sparkline, at most `width` wide, scaled to its own peak; a round without a
    value is a blank."""
    known = [v for v in values if v is not None]
    if len(known) == len(values):
        return sparkline(tuple(known), width=width)
    if len(values) > width:  # too long to keep the gaps: squeeze the known values
        return sparkline(tuple(known), width=width)
    top = max(known, default=0) or 1
    return "".join(" " if v is None else sparkline((v,), top=top) for v in values)
