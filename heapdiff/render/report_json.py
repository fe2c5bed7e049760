"""The report as JSON: the same findings as the Markdown, one schema (see README)."""
from __future__ import annotations

from ..gather import Gathered
from . import shapes
from .markdown import summary_lines, warning_lines
from .retained import retained_json
from .retainers import retainers_json


def report_json(g: Gathered) -> dict:
    doc: dict = {
        "summary": summary_lines(g),
        "warnings": warning_lines(g),
        "inputs": [{"moment": i.role, "path": i.path, "kind": i.kind, "time": i.time or None,
                    "sample_types": i.sample_types or None, "build_id": i.build_id or None,
                    **({"delta": i.delta} if i.delta else {})}
                   for i in g.inputs],
    }
    if g.verdict is not None:
        doc["verdict"] = shapes.verdict(g.verdict)
    if g.diff is not None:
        d = g.diff
        doc["growth"] = {
            "sample_type": d.sample_type.type, "unit": d.sample_type.unit,
            "base_total": d.base_total, "new_total": d.new_total, "net_change": d.net_change,
            "rows": [shapes.diff_row(r, d.system_names) for r in d.rows]}
        doc["paths"] = [shapes.path(p) for p in g.paths]
        doc["sizes"] = [shapes.size_row(r) for r in g.sizes]
    if g.waterfall is not None:
        doc["memory"] = {**shapes.waterfall(g.waterfall), "gc": None if g.gc is None else shapes.gc_health(g.gc)}
        doc["findings"] = [shapes.finding(f) for f in g.findings]
    if g.retainers is not None:
        doc["retainers"] = retainers_json(g.retainers, list(g.retainers.sites))
    if g.allocs is not None:
        from .allocs import allocs_json

        doc["allocs"] = allocs_json(g.allocs, list(g.allocs.sites))
    if g.retained is not None:
        doc["retained"] = retained_json(g.retained, list(g.retained.groups[:100]), None)
    doc["commands"] = g.commands
    return doc
