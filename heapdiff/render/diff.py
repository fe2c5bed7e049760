"""`heapdiff diff` as a table for a terminal and as JSON."""
from __future__ import annotations

from ..analysis.diff import Diff, DiffRow
from ..analysis.verdict import Verdict
from ..common.units import human, percent
from . import shapes
from .escape import terminal
from .format import diff_cells, signed
from .verdict import headline, warnings


def drop_negative(rows: list[DiffRow]) -> list[DiffRow]:
    """pprof's -drop_negative: hide rows whose flat delta is negative, or zero with a negative
    cum delta."""
    return [r for r in rows if not (r.delta_flat < 0 or (r.delta_flat == 0 and r.delta_cum < 0))]


def diff_json(d: Diff, base_sources: list[str], new_source: str, rows: list[DiffRow]) -> dict:
    return {
        "base": base_sources,
        "new": new_source,
        "sample_type": d.sample_type.type,
        "unit": d.sample_type.unit,
        "granularity": d.granularity,
        "mode": d.mode,
        "normalized": d.normalized,
        "base_total": d.base_total,
        "new_total": d.new_total,
        "net_change": d.net_change,
        "total": d.total,
        **({"deltas": list(d.deltas)} if d.deltas else {}),
        "rows": [shapes.diff_row(r, d.system_names) for r in rows],
    }


def diff_text(d: Diff, base_sources: list[str], new_source: str, rows: list[DiffRow],
              shown: int, v: Verdict | None = None) -> str:
    """The table, and below it the verdict on the whole diff (headline and warnings) when
    given."""
    unit = d.sample_type.unit
    net_change = d.net_change
    lines = [
        "Base: " + ", ".join(terminal(s) for s in base_sources),
        f"New:  {terminal(new_source)}",
        f"Type: {terminal(d.sample_type.type)} ({terminal(unit)}), {d.granularity}, "
        f"mode {d.mode}" + (", new normalized to the base total" if d.normalized else ""),
        *(f"Delta: {note}" for note in d.deltas),
        f"Base total {human(d.base_total, unit)}, new total {human(d.new_total, unit)}, "
        f"net change {signed(net_change, unit)} "
        f"({percent(net_change, d.total)} of {'the base total' if d.mode == 'diff-base' else 'the sum of |net|'})",
        f"showing {shown} of {len(rows)} changed rows"
        + ("" if shown == len(rows) else " (--nodecount 0 shows all)"),
    ]
    header = ("base flat", "new flat", "Δ flat", "Δ%", "base cum", "new cum", "Δ cum", "Δ%", "",
              "name")
    cells = []
    for r in rows[:shown]:
        mark = {"new": "[new]", "gone": "[gone]"}.get(r.status, "")
        c = diff_cells(r, unit)
        cells.append((c.base_flat, c.new_flat, c.delta_flat, c.flat_percent, c.base_cum,
                      c.new_cum, c.delta_cum, c.cum_percent, mark, terminal(r.name)))
    widths = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(9)]
    for row in [header, *cells]:
        lines.append(" ".join(row[i].rjust(widths[i]) for i in range(9)) + "  " + row[9])
    if v is not None:
        lines += ["", terminal(headline(v))] + [terminal(w) for w in warnings(v)]
    return "\n".join(lines) + "\n"

