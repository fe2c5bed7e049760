"""`heapdiff top` as a table for a terminal and as JSON."""
from __future__ import annotations

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)

from ..inputs.delta import delta_note
from ..inputs.names import system_names
from ..common.units import human, percent
from . import shapes
from .escape import terminal

if TYPE_CHECKING:
    from ..analysis.aggregate import Aggregate
    from ..analysis.nodes import Row
    from ..analysis.small import SmallAggregate
    from ..inputs.decode.small import SmallProfile
    from ..model import Profile


def top_json(profile: Profile | SmallProfile, sample_index: int, granularity: str,
             agg: Aggregate | SmallAggregate,
             rows: list[Row]) -> dict:
    vt = profile.sample_types[sample_index]
    raw = row_system_names(profile, agg)
    return {
        "source": profile.source,
        "sample_type": vt.type,
        "unit": vt.unit,
        "granularity": granularity,
        "total": agg.total,
        **({"delta": delta} if (delta := delta_note(profile)) else {}),
        "rows": [shapes.top_row(r, raw.get(r.name, ())) for r in rows],
    }


def row_system_names(profile: Profile | SmallProfile, agg: Aggregate | SmallAggregate,
                     ) -> dict[str, tuple[str, ...]]:
    """Printed row name -> the profile's own names of its function, where they differ (never
    on the small route, which leaves such profiles to the columnar one)."""
    raw = system_names(profile.functions)
    if not raw:
        return {}
    assert not isinstance(agg, tuple)  # a SmallAggregate: the small route has no such names
    frames = agg.frames
    return {frames.names[n]: raw[info.name] for n, info in enumerate(frames.infos)
            if info.name in raw}


def top_text(profile: Profile | SmallProfile, sample_index: int, granularity: str,
             agg: Aggregate | SmallAggregate,
             rows: list[Row], shown: int, note: str = "") -> str:
    vt = profile.sample_types[sample_index]
    unit = vt.unit
    lines = [f"File: {terminal(profile.source)}",
             f"Type: {terminal(vt.type)} ({terminal(unit)}), {granularity}"
             + (f", period {profile.period}" if profile.period else "")]
    if note:
        lines.append(note)
    if delta := delta_note(profile):
        lines.append(f"Delta: {delta}")
    lines.append(f"Total: {human(agg.total, unit)} ({agg.total} {terminal(unit)}); "
                 f"showing {shown} of {len(rows)} rows"
                 + ("" if shown == len(rows) else " (--nodecount 0 shows all)"))
    cells = []
    running = 0
    for r in rows[:shown]:  # percentages of magnitudes, as pprof's report.percentage takes
        running += r.flat
        cells.append((human(r.flat, unit), percent(abs(r.flat), agg.total),
                      percent(abs(running), agg.total), human(r.cum, unit),
                      percent(abs(r.cum), agg.total), terminal(r.name)))
    header = ("flat", "flat%", "sum%", "cum", "cum%", "name")
    widths = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(5)]
    for row in [header, *cells]:
        lines.append(" ".join(row[i].rjust(widths[i]) for i in range(5)) + "  " + row[5])
    return "\n".join(lines) + "\n"
