"""`heapdiff retained` as text and JSON (the JSON is a contract: README, "retained")."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..common.units import human_bytes
from .escape import terminal
from .format import held_as, signed_amount

if TYPE_CHECKING:  # the report imports this module; only a dump's section needs the engine
    from ..retained.groups import Group, Retention

ARROW = " \u2192 "


def group_json(g: Group) -> dict:
    doc = {"root": {"kind": g.root_kind, "name": g.root}, "type": g.type, "site": g.site,
           "size_class": g.size_class, "retained_bytes": g.retained_bytes,
           "retained_objects": g.retained_objects, "pointer_bytes": g.pointer_bytes,
           "path": list(g.path), "named_by": g.named_by, "field": g.field}
    if g.delta_bytes is not None:
        doc |= {"base_retained_bytes": g.base_retained_bytes, "delta_bytes": g.delta_bytes}
    return doc


def retained_json(r: Retention, groups: list[Group], scan_heap: int | None) -> dict:
    doc = {"source": r.source, "objects": r.objects, "reachable_bytes": r.reachable_bytes,
           "reachable_objects": r.reachable_objects,
           "reachable_pointer_bytes": r.reachable_pointer_bytes, "dump_bytes": r.dump_bytes,
           "scan_heap_bytes": scan_heap}
    if r.base is not None:
        doc["base"] = {"source": r.base.source, "objects": r.base.objects,
                       "reachable_bytes": r.base.reachable_bytes}
    doc["groups"] = [group_json(g) for g in groups]
    return doc


def _root(g: Group) -> str:
    return f"{terminal(g.root)} ({g.root_kind})"


def retained_text(r: Retention, groups: list[Group], scan_heap: int | None) -> str:
    out = [f"{terminal(r.source)}: {r.objects:,} objects, {human_bytes(r.dump_bytes)}; "
           f"reachable from the roots: {human_bytes(r.reachable_bytes)} in "
           f"{r.reachable_objects:,} objects, {human_bytes(r.reachable_pointer_bytes)} of "
           "pointers"]
    if scan_heap is not None:
        out.append(f"runtime/metrics /gc/scan/heap: {human_bytes(scan_heap)} (the pointer "
                   "bytes above count whole slots' bitmaps)")
    if r.base is not None:
        out.append(f"base {terminal(r.base.source)}: reachable "
                   f"{human_bytes(r.base.reachable_bytes)}; groups ranked by retained growth")
        out.append(f"  {'growth':>10} {'retained':>10} {'objects':>9} {'pointers':>9}  "
                   "root: held as")
    else:
        out.append(f"  {'retained':>10} {'objects':>9} {'pointers':>9}  root: held as")
    for g in groups:
        held = held_as(g, terminal)
        figures = f"{human_bytes(g.retained_bytes):>10} {g.retained_objects:>9,} " \
                  f"{human_bytes(g.pointer_bytes):>9}"
        if g.delta_bytes is not None:
            figures = f"{signed_amount(g.delta_bytes, 'bytes'):>10} " + figures
        out.append(f"  {figures}  {_root(g)}: {held}")
        if len(g.path) > 1:
            out.append(f"  {'':>10}   {ARROW.join(terminal(step) for step in g.path)}")
    return "\n".join(out) + "\n"
