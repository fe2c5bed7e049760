"""The report as JSON: the same findings as the Markdown, one schema (see README)."""
from __future__ import annotations

from ..gather import Gathered
from .explain import explain_json
from .markdown import summary_lines
from .retainers import retainers_json


def report_json(g: Gathered) -> dict:
    doc: dict = {
        "summary": summary_lines(g),
        "inputs": [{"moment": i.role, "path": i.path, "kind": i.kind, "time": i.time or None,
                    "sample_types": i.sample_types or None, "build_id": i.build_id or None}
                   for i in g.inputs],
    }
    if g.diff is not None:
        d = g.diff
        doc["growth"] = {
            "sample_type": d.sample_type.type, "unit": d.sample_type.unit,
            "base_total": d.base_total, "new_total": d.new_total,
            "rows": [{"name": r.name, "base_flat": r.base_flat, "new_flat": r.new_flat,
                      "delta_flat": r.delta_flat, "base_cum": r.base_cum, "new_cum": r.new_cum,
                      "delta_cum": r.delta_cum, "status": r.status} for r in d.rows]}
        doc["paths"] = [{"nodes": list(p.nodes), "leaf_delta": p.leaf_delta,
                         "hops": [{"caller": h.caller, "callee": h.callee, "delta": h.delta}
                                  for h in p.hops]} for p in g.paths]
        doc["sizes"] = [{"size": r.size, "base": r.base, "new": r.new, "delta": r.delta}
                        for r in g.sizes]
    if g.waterfall is not None:
        memory = explain_json(g.waterfall, list(g.findings), g.gc, [])
        doc["memory"] = {k: memory[k] for k in ("rss", "leading", "waterfall", "gc")}
        doc["findings"] = memory["findings"]
    if g.retainers is not None:
        doc["retainers"] = retainers_json(g.retainers, list(g.retainers.sites))
    doc["commands"] = g.commands
    return doc
