"""`heapdiff explain` and `heapdiff gc` as text and JSON."""
from __future__ import annotations

from ..memory.findings import Finding
from ..memory.gchealth import GCHealth
from ..memory.waterfall import Waterfall
from ..common.units import human_bytes, percent
from .escape import terminal

BAR_WIDTH = 24
SPARK = "▁▂▃▄▅▆▇█"


def explain_json(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources) -> dict:
    return {
        "sources": list(sources),
        "rss": w.rss,
        "leading": w.leading.component if w.leading else None,
        "waterfall": [{"component": r.component, "bytes": r.bytes,
                       **({"sigma": r.sigma} if r.sigma is not None else {}),
                       **({"needs": r.needs} if r.needs else {})} for r in w.rows],
        "findings": [{"id": f.id, "severity": f.severity, "bytes": f.bytes, "title": f.title,
                      "detail": f.detail, "advice": f.advice} for f in found],
        "gc": None if gc is None else {
            "source": gc.source, "cycles": gc.cycles, "forced": gc.forced,
            "per_second": gc.per_second, "cpu_percent": gc.cpu_percent, "live": gc.live,
            "goal": gc.goal, "mark_cpu_ms_per_mib": gc.mark_cpu_ms_per_mib,
            "scan_heap": gc.scan_heap},
    }


def bar(value: int, scale: int) -> str:
    if not scale:
        return ""
    cells = round(BAR_WIDTH * abs(value) / scale)
    return ("█" if value >= 0 else "░") * cells


def explain_text(w: Waterfall, found: list[Finding], gc: GCHealth | None, sources) -> str:
    out = ["Inputs: " + ", ".join(terminal(s) for s in sources)]
    out.append(f"RSS {human_bytes(w.rss)} ({terminal(w.rss_source)})" if w.rss is not None
               else "RSS unknown: give /proc/PID/status or smaps_rollup")
    scale = max([abs(r.bytes) for r in w.rows if r.bytes is not None] + [1])
    width = max(len(r.component) for r in w.rows)
    for r in w.rows:
        if r.bytes is None:
            out.append(f"  {r.component:<{width}} {'unknown':>10}  needs {r.needs}")
            continue
        share = percent(r.bytes, w.rss) if w.rss else ""
        sigma = f" ±{human_bytes(r.sigma)}" if r.sigma else ""
        out.append(f"  {r.component:<{width}} {human_bytes(r.bytes):>10} {share:>8}  "
                   f"{bar(r.bytes, scale):<{BAR_WIDTH}}  {r.cause}{sigma}")
    if w.leading is not None:
        out.append(f"Leading cause of the gap between the profile and RSS: {w.leading.component}")
    if gc is not None:
        out.append(gc_summary(gc))
    if found:
        out.append("Findings:")
        for f in found:
            out.append(f"  [{f.severity}] {f.id}: {f.title}")
            out.append(f"      {f.detail}")
            out.append(f"      Do: {f.advice}")
    else:
        out.append("Findings: none")
    return "\n".join(out) + "\n"


def gc_summary(gc: GCHealth) -> str:
    parts = [f"GC ({terminal(gc.source)}):"]
    if gc.cycles is not None:
        parts.append(f"{gc.cycles} cycles" + (f" ({gc.forced} forced)" if gc.forced else ""))
    if gc.per_second is not None:
        parts.append(f"{gc.per_second:.1f}/s")
    if gc.cpu_percent is not None:
        parts.append(f"GC CPU {gc.cpu_percent:.1f}%")
    if gc.live is not None:
        parts.append(f"live {human_bytes(gc.live)}")
    if gc.goal is not None and gc.goal < 1 << 62:
        parts.append(f"goal {human_bytes(gc.goal)}")
    if gc.mark_cpu_ms_per_mib is not None:
        parts.append(f"mark {gc.mark_cpu_ms_per_mib:.3f} ms CPU per live MiB")
    if gc.scan_heap is not None:
        parts.append(f"scan heap {human_bytes(gc.scan_heap)}")
    return " ".join(parts)


def sparkline(series: tuple[float, ...], width: int = 60, top: float | None = None) -> str:
    """The series squeezed into `width` cells (maximum per cell), scaled to `top`."""
    if not series:
        return ""
    step = max(1, -(-len(series) // width))
    cells = [max(series[i:i + step]) for i in range(0, len(series), step)]
    top = top or max(cells) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int((len(SPARK) - 1) * c / top))] for c in cells)


def gc_text(gc: GCHealth) -> str:
    top = max(gc.goal_series + gc.live_series + (1,))
    return "\n".join([
        gc_summary(gc),
        f"  live MiB  {sparkline(gc.live_series, top=top)}  last {gc.live_series[-1] if gc.live_series else '-'}",
        f"  goal MiB  {sparkline(gc.goal_series, top=top)}  last {gc.goal_series[-1] if gc.goal_series else '-'}",
        f"  (scale 0..{top} MiB; {len(gc.live_series)} cycles)"]) + "\n"


def _changes(earlier: Waterfall, now: Waterfall):
    components = [r.component for r in earlier.rows]
    components += [r.component for r in now.rows if r.component not in components]
    rows = [("rss", earlier.rss, now.rss)]
    rows += [(c, earlier.get(c), now.get(c)) for c in components]
    return [(c, a, b, None if a is None or b is None else b - a) for c, a, b in rows]


def changes_json(earlier: Waterfall, now: Waterfall) -> list[dict]:
    return [{"component": c, "base": a, "bytes": b, "delta": d} for c, a, b, d in
            _changes(earlier, now)]


def changes_text(earlier: Waterfall, now: Waterfall) -> str:
    out = ["How each row changed since the base:",
           f"  {'component':<17} {'base':>10} {'now':>10} {'change':>11}"]
    for c, a, b, d in _changes(earlier, now):
        fmt = lambda v: "unknown" if v is None else human_bytes(v)  # noqa: E731
        change = "" if d is None else ("+" if d > 0 else "") + human_bytes(d)
        out.append(f"  {c:<17} {fmt(a):>10} {fmt(b):>10} {change:>11}")
    return "\n".join(out) + "\n"
