"""One JSON shape per value, used by every JSON output (diff, top, paths, sizes, explain, gc,
retainers, timeline, report): a value reads the same wherever it appears. Exact integers, no
units; a figure that is not known is null or left out, as each shape says."""
from __future__ import annotations

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)

if TYPE_CHECKING:  # the engines are imported by the commands that use them, not by a shape
    from ..analysis.callgraph import Path
    from ..analysis.diff import DiffRow
    from ..analysis.nodes import Row
    from ..analysis.sizes import SizeRow
    from ..analysis.verdict import Verdict
    from ..capture.timeline import Trend
    from ..memory.findings import Finding
    from ..memory.container import Container
    from ..memory.gchealth import GCHealth
    from ..memory.waterfall import Waterfall
    from ..retainers.analyze import Site


def top_row(r: Row, system_names: tuple[str, ...] = ()) -> dict:
    return {"name": r.name, **raw_names(system_names), "flat": r.flat, "cum": r.cum}


def diff_row(r: DiffRow, system_names: dict[str, tuple[str, ...]]) -> dict:
    """system_names: the Diff's, looked up by the row's function name."""
    return {"name": r.name, **raw_names(system_names.get(r.info.name, ())),
            "base_flat": r.base_flat, "new_flat": r.new_flat,
            "delta_flat": r.delta_flat, "base_cum": r.base_cum, "new_cum": r.new_cum,
            "delta_cum": r.delta_cum, "status": r.status}


def raw_names(system_names: tuple[str, ...]) -> dict:
    """A row whose function pprof prints other than the profile names it (a simplified
    generic name) carries the profile's names too; other rows have no such key."""
    return {"system_names": list(system_names)} if system_names else {}


def path(p: Path) -> dict:
    return {"nodes": list(p.nodes), "leaf_delta": p.leaf_delta,
            "hops": [{"caller": h.caller, "callee": h.callee, "delta": h.delta} for h in p.hops]}


def size_row(r: SizeRow) -> dict:
    return {"size": r.size, "base": r.base, "new": r.new, "delta": r.delta}


def verdict(v: Verdict) -> dict:
    """The diff as a whole: direction, totals, the leading row's name (null when none) and
    every alloc_* total that fell."""
    return {"direction": v.direction, "sample_type": v.sample_type, "unit": v.unit,
            "base_total": v.base_total, "new_total": v.new_total, "change": v.change,
            "leader": v.leader.name if v.leader is not None else None,
            "alloc_falls": [{"sample_type": f.sample_type, "base": f.base_source,
                             "new": f.new_source, "base_total": f.base_total,
                             "new_total": f.new_total} for f in v.alloc_falls]}


def waterfall(w: Waterfall) -> dict:
    """RSS, the leading component and the rows; a row's bytes are null when unknown, its sigma
    and needs appear only when they say something, and `delta` only for a delta profile."""
    return {"rss": w.rss, "leading": w.leading.component if w.leading else None,
            **({"delta": w.delta} if w.delta else {}),
            "waterfall": [{"component": r.component, "bytes": r.bytes,
                           **({"sigma": r.sigma} if r.sigma is not None else {}),
                           **({"needs": r.needs} if r.needs else {})} for r in w.rows],
            **({"split": [{"component": c, "bytes": b} for c, b in w.split]} if w.split else {}),
            **({"container": container(w.container)} if w.container is not None else {})}


def container(c: Container) -> dict:
    """The cgroup past RSS: its rows end at `usage` exactly."""
    return {"version": c.version, "usage": c.usage, "usage_file": c.usage_file,
            "limit": c.limit, "high": c.high, "headroom": c.headroom,
            "working_set": c.working_set, "page_cache": c.page_cache,
            "oom_kills": c.oom_kills,
            "rows": [{"component": r.component, "bytes": r.bytes} for r in c.rows]}


def finding(f: Finding) -> dict:
    return {"id": f.id, "severity": f.severity, "bytes": f.bytes, "title": f.title,
            "detail": f.detail, "advice": f.advice}


def gc_health(gc: GCHealth) -> dict:
    """The same for `gc` and `explain` (and the report's memory.gc): the figures, then the live
    heap and goal per cycle in MiB (empty without a gctrace)."""
    return {"source": gc.source, "cycles": gc.cycles, "forced": gc.forced,
            "per_second": gc.per_second, "cpu_percent": gc.cpu_percent, "live": gc.live,
            "goal": gc.goal, "mark_cpu_ms_per_mib": gc.mark_cpu_ms_per_mib,
            "scan_heap": gc.scan_heap, "live_mb": list(gc.live_series),
            "goal_mb": list(gc.goal_series)}


def trend(t: Trend) -> dict:
    return {"name": t.name, "kind": t.kind, "values": list(t.values), "first": t.first,
            "last": t.last, "change": t.change, "slope": t.slope}


def retainer_site(s: Site, base_scan_bytes: dict | None) -> dict:
    """base_scan_bytes: per site key, the scan bytes of the base (None without a base: the key
    is left out)."""
    from ..retainers.report import site_key

    return {"function": s.function, "file": s.file, "line": s.line, "type": s.type,
            "evidence": s.evidence, "verdict": s.verdict,
            "inuse_bytes": s.inuse_bytes, "inuse_objects": s.inuse_objects,
            "pointer_fraction": s.pointer_fraction, "scan_bytes": s.scan_bytes,
            **({"hint": s.hint} if s.evidence == "heuristic" else {}),
            "reason": s.reason, "advice": s.advice,
            **({"base_scan_bytes": base_scan_bytes.get(site_key(s))}
               if base_scan_bytes is not None else {})}
