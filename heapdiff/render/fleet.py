"""`heapdiff timeline --prometheus`: the instances ranked by RSS growth, then each one's
figures and waterfall trend; as a table with sparklines, and as JSON (a documented contract).
Every label and instance name came from the server: escaped here."""
from __future__ import annotations

import dataclasses

from ..capture.timeline import Trend
from ..fleet.history import Fleet, Instance
from ..fleet.query import iso
from .escape import terminal
from .timeline import table

COUNTS = ("gc_cycles",)  # figures that are counts, not bytes


def fleet_json(fleet: Fleet) -> dict:
    return {"source": "prometheus", "url": fleet.source, "selector": fleet.selector,
            "start": fleet.start, "end": fleet.end, "step": fleet.step,
            "instances": [_instance_json(i) for i in fleet.instances]}


def _instance_json(i: Instance) -> dict:
    return {"instance": i.instance, "labels": dict(i.labels), "kind": i.kind,
            **{t.name: {"first": t.first, "last": t.last, "slope": t.slope, "kind": t.kind}
               for t in i.figures},
            "waterfall": [{"time": t, "rss": w.rss,
                           "rows": [{"component": r.component, "bytes": r.bytes}
                                    for r in w.rows]}
                          for t, w in zip(i.times, i.waterfalls)]}


def fleet_text(fleet: Fleet, detailed: int | None = None) -> str:
    """The ranking of every instance, then the figures and waterfall of the first `detailed`
    (all when None)."""
    span = fleet.end - fleet.start
    lines = [f"Prometheus: {terminal(fleet.source)}  selector {terminal(fleet.selector)}",
             f"Window: {iso(fleet.start)} .. {iso(fleet.end)} ({_span(span)}), step "
             f"{_span(fleet.step)}; {len(fleet.instances)} instance(s), by RSS growth", ""]
    ranking = [dataclasses.replace(i.figures[0], name=i.instance) for i in fleet.instances]
    lines += table(ranking, "bytes")
    shown = fleet.instances[:detailed]
    for i in shown:
        labels = ", ".join(f"{k}={v}" for k, v in i.labels)
        lines += ["", f"{terminal(i.instance)}  {i.kind}  ({terminal(labels)})"]
        lines += table([t for t in i.figures if t.name not in COUNTS], "bytes")
        lines += [_count(t) for t in i.figures if t.name in COUNTS]
        lines.append("  waterfall:")
        lines += table(list(i.waterfall), "bytes")
    if len(shown) < len(fleet.instances):
        lines += ["", f"(the details of {len(shown)} of {len(fleet.instances)} instances; "
                      "--nodecount 0 shows all)"]
    return "\n".join(lines) + "\n"


def _count(t: Trend) -> str:
    if t.first is None or t.last is None:
        return f"  {t.name}: unknown"
    return (f"  {t.name}: {t.first:g} -> {t.last:g} ({t.last - t.first:+g}, "
            f"{t.slope * 60:.3g}/min)")


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size:g}{unit}"
    return f"{seconds:g}s"
