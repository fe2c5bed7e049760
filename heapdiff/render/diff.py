"""`heapdiff diff` as a table for a terminal and as JSON."""
from __future__ import annotations

from ..analysis.diff import Diff, DiffRow
from ..common.units import human, percent
from .escape import terminal

SORTS = ("delta", "base", "new", "delta-pct")


def sort_rows(rows: tuple[DiffRow, ...], how: str) -> list[DiffRow]:
    """delta: pprof's order (|flat delta|, name, |cum delta|); base, new: by that side's flat;
    delta-pct: by relative flat change, new functions first."""
    if how == "delta":
        return list(rows)
    if how == "base":
        return sorted(rows, key=lambda r: (-abs(r.base_flat), -abs(r.base_cum), r.name))
    if how == "new":
        return sorted(rows, key=lambda r: (-abs(r.new_flat), -abs(r.new_cum), r.name))
    return sorted(rows, key=lambda r: (-_relative(r.delta_flat, r.base_flat),
                                       -abs(r.delta_cum), r.name))


def _relative(delta: int, base: int) -> float:
    if base == 0:
        return float("inf") if delta else 0.0
    return abs(delta / base)


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
        "total": d.total,
        "rows": [{"name": r.name, "base_flat": r.base_flat, "new_flat": r.new_flat,
                  "delta_flat": r.delta_flat, "base_cum": r.base_cum, "new_cum": r.new_cum,
                  "delta_cum": r.delta_cum, "status": r.status} for r in rows],
    }


def signed(value: int | float, unit: str) -> str:
    text = human(abs(value), unit)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def change_percent(delta: int, base: int) -> str:
    if base == 0:
        return "new" if delta else ""
    return f"{100 * delta / base:+.1f}%"


def diff_text(d: Diff, base_sources: list[str], new_source: str, rows: list[DiffRow],
              shown: int) -> str:
    unit = d.sample_type.unit
    net_change = d.new_total - d.base_total
    lines = [
        "Base: " + ", ".join(terminal(s) for s in base_sources),
        f"New:  {terminal(new_source)}",
        f"Type: {terminal(d.sample_type.type)} ({terminal(unit)}), {d.granularity}, "
        f"mode {d.mode}" + (", new normalized to the base total" if d.normalized else ""),
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
        cells.append((human(r.base_flat, unit), human(r.new_flat, unit),
                      signed(r.delta_flat, unit), change_percent(r.delta_flat, r.base_flat),
                      human(r.base_cum, unit), human(r.new_cum, unit),
                      signed(r.delta_cum, unit), change_percent(r.delta_cum, r.base_cum),
                      mark, terminal(r.name)))
    widths = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(9)]
    for row in [header, *cells]:
        lines.append(" ".join(row[i].rjust(widths[i]) for i in range(9)) + "  " + row[9])
    return "\n".join(lines) + "\n"

