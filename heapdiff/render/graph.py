"""Text and JSON for `peek` and `paths`."""
from __future__ import annotations

from ..analysis.callgraph import Path
from ..common.units import human
from . import shapes
from .escape import terminal
from .format import signed


def peek_text(name: str, node: dict, callers, callees, unit: str) -> str:
    def line(edge: dict, who: str) -> str:
        return (f"  {signed(edge['delta'], unit):>10} {human(edge['base'], unit):>10} "
                f"{human(edge['new'], unit):>10}  {terminal(who)}")

    out = [f"{terminal(name)}: flat {signed(node['delta_flat'], unit)} "
           f"({human(node['base_flat'], unit)} -> {human(node['new_flat'], unit)}), "
           f"cum {signed(node['delta_cum'], unit)} "
           f"({human(node['base_cum'], unit)} -> {human(node['new_cum'], unit)})",
           f"  {'Δ':>10} {'base':>10} {'new':>10}  called by"]
    out += [line(edge, who) for who, edge in callers] or ["  (no callers)"]
    out.append(f"  {'Δ':>10} {'base':>10} {'new':>10}  calls")
    out += [line(edge, who) for who, edge in callees] or ["  (no callees)"]
    return "\n".join(out) + "\n"


def paths_text(paths: list[Path], unit: str, growth: bool) -> str:
    if not paths:
        return f"No {'growth' if growth else 'shrinkage'}.\n"
    out = []
    for k, path in enumerate(paths, 1):
        out.append(f"{k}. {signed(path.leaf_delta, unit)} allocated in "
                   f"{terminal(path.nodes[-1])}")
        out.append(f"   {terminal(path.nodes[0])}")
        for hop in path.hops:
            out.append(f"   -> {terminal(hop.callee)}  ({signed(hop.delta, unit)})")
    return "\n".join(out) + "\n"


def paths_json(paths: list[Path], sample_type: str, unit: str, growth: bool) -> dict:
    return {"sample_type": sample_type, "unit": unit,
            "direction": "growth" if growth else "shrinkage",
            "paths": [shapes.path(p) for p in paths]}
