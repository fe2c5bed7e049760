"""The diff's call graph for Graphviz: growth red, shrinkage green, size by |delta|."""
from __future__ import annotations

import networkx as nx

from ..common.units import human
from .diff import signed
from .escape import dot

GROW = (0xD0, 0x1C, 0x1C)
SHRINK = (0x1A, 0x9A, 0x3A)
STILL = (0x9E, 0x9E, 0x9E)


def dot_string(*lines: str) -> str:
    """A DOT quoted string of lines, each escaped (escape.dot), joined by DOT's line break."""
    return '"' + "\\n".join(dot(line) for line in lines) + '"'


def _colour(delta: int, scale: int) -> str:
    base = GROW if delta > 0 else SHRINK if delta < 0 else STILL
    strength = 0.25 + 0.75 * min(1.0, abs(delta) / scale) if scale else 0.25
    r, g, b = (int(255 - (255 - c) * strength) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def diff_dot(graph: nx.DiGraph, title: str) -> str:
    unit = graph.graph.get("unit", "")
    scale = max([abs(d["delta_cum"]) for _, d in graph.nodes(data=True)] + [1])
    edge_scale = max([abs(d["delta"]) for _, _, d in graph.edges(data=True)] + [1])
    lines = ["digraph heapdiff {", f"  label={dot_string(title)}; labelloc=t; fontname=Helvetica;",
             '  node [shape=box, style="rounded,filled", fontname=Helvetica];',
             "  edge [fontname=Helvetica, fontsize=9];"]
    for n, d in graph.nodes(data=True):
        label = dot_string(
            d["name"],
            f"flat {signed(d['delta_flat'], unit)} "
            f"({human(d['base_flat'], unit)} -> {human(d['new_flat'], unit)})",
            f"cum {signed(d['delta_cum'], unit)} "
            f"({human(d['base_cum'], unit)} -> {human(d['new_cum'], unit)})")
        size = 10 + 14 * min(1.0, abs(d["delta_cum"]) / scale)
        lines.append(f"  n{n} [label={label}, fillcolor=\"{_colour(d['delta_cum'], scale)}\", "
                     f"fontsize={size:.1f}];")
    for u, v, d in graph.edges(data=True):
        width = 1 + 5 * min(1.0, abs(d["delta"]) / edge_scale)
        lines.append(f"  n{u} -> n{v} [label={dot_string(signed(d['delta'], unit))}, "
                     f"color=\"{_colour(d['delta'], edge_scale)}\", penwidth={width:.2f}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
