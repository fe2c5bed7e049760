"""The change per object size as a table for people; names from the profile escaped."""
from __future__ import annotations

from ..analysis.sizes import SizeRow
from ..common.units import human
from ..model import ValueType
from .escape import terminal
from .format import signed, size_labels


def sizes_text(vt: ValueType, rows: list[SizeRow], shown: list[SizeRow]) -> str:
    lines = [f"Type: {terminal(vt.type)} ({terminal(vt.unit)}), by object size; {len(shown)} of "
             f"{len(rows)} changed sizes",
             f"{'object size':>12} {'base':>10} {'new':>10} {'Δ':>11}"]
    for r, label in zip(shown, size_labels([r.size for r in shown])):
        lines.append(f"{label:>12} {human(r.base, vt.unit):>10} "
                     f"{human(r.new, vt.unit):>10} {signed(r.delta, vt.unit):>11}")
    return "\n".join(lines) + "\n"
