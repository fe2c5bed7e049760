"""The orders a diff's rows are shown in: one table for `diff --sort` and the TUI's columns, so
the same column sorts the same way (ties broken by name, as pprof breaks them) everywhere."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from ..analysis.diff import DiffRow


def _relative(delta: int, base: int) -> float:
    if base == 0:
        return float("inf") if delta else 0.0
    return abs(delta / base)


ORDERS: dict[str, Callable[[DiffRow], tuple]] = {
    # pprof's -top order, the one the diff is built in
    "delta_flat": lambda r: (-abs(r.delta_flat), r.name, -abs(r.delta_cum)),
    "base_flat": lambda r: (-abs(r.base_flat), -abs(r.base_cum), r.name),
    "new_flat": lambda r: (-abs(r.new_flat), -abs(r.new_cum), r.name),
    # relative flat change, new functions first
    "delta_pct": lambda r: (-_relative(r.delta_flat, r.base_flat), -abs(r.delta_cum), r.name),
    "base_cum": lambda r: (-abs(r.base_cum), r.name),
    "new_cum": lambda r: (-abs(r.new_cum), r.name),
    "delta_cum": lambda r: (-abs(r.delta_cum), r.name),
    # relative cum change, new functions first
    "delta_cum_pct": lambda r: (-_relative(r.delta_cum, r.base_cum), -abs(r.delta_cum), r.name),
    "status": lambda r: (r.status, r.name),
    "name": lambda r: (r.name,),
}

CLI_SORTS = {"delta": "delta_flat", "base": "base_flat", "new": "new_flat",
             "delta-pct": "delta_pct"}  # `diff --sort` choice -> order


def sort_rows(rows: Iterable[DiffRow], by: str) -> list[DiffRow]:
    """The rows in the order of column `by` (a key of ORDERS)."""
    return sorted(rows, key=ORDERS[by])
