"""GC health from a gctrace log, runtime/metrics and MemStats: how often the GC runs, what it
costs, and how the live heap and the goal move."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from ..model import GCTrace
from ..inputs.snapshot import Snapshot

MIB = 1 << 20


@dataclass(frozen=True)
class GCHealth:
    source: str  # what the figures come from
    cycles: int | None = None
    forced: int | None = None
    per_second: float | None = None  # automatic GC cycles per second
    automatic: int | None = None  # the automatic cycles that rate is measured over
    cpu_percent: float | None = None  # GC CPU since start, % of all CPU
    live: int | None = None  # bytes marked live by the last GC
    goal: int | None = None  # the heap goal
    mark_cpu_ms_per_mib: float | None = None  # median, over cycles with a live heap >= 1 MiB
    mark_cpu_ms_per_cycle: float | None = None  # median
    scan_heap: int | None = None  # /gc/scan/heap: pointer-bearing heap the GC scans
    goal_rising_cycles: int = 0  # automatic cycles in a row, at the end, whose goal rose
    live_series: tuple[int, ...] = ()  # MiB per cycle (gctrace)
    goal_series: tuple[int, ...] = ()


def median_mark_cpu_ms(trace: GCTrace) -> float | None:
    """The median mark CPU of a cycle (ms): what scanning the heap costs, per GC."""
    return statistics.median(c.mark_cpu_ms for c in trace.cycles) if trace.cycles else None


def gc_health(s: Snapshot) -> GCHealth | None:
    if s.gctrace is not None:
        return _from_gctrace(s)
    if s.memstats is not None:
        return _from_memstats(s)
    return None


def _from_gctrace(s: Snapshot) -> GCHealth:
    trace = s.gctrace
    assert trace is not None  # gc_health checked
    cycles = trace.cycles
    automatic = [c for c in cycles if not c.forced]
    span = automatic[-1].start - automatic[0].start if automatic else 0.0
    per_mib = [c.mark_cpu_ms / c.live_mb for c in cycles if c.live_mb >= 1]
    rising = 0
    for earlier, later in zip(reversed(automatic[:-1]), reversed(automatic)):
        if later.goal_mb > earlier.goal_mb:
            rising += 1
        else:
            break
    metrics = s.metrics
    return GCHealth(
        source=trace.source,
        cycles=len(cycles), forced=sum(c.forced for c in cycles),
        per_second=(len(automatic) - 1) / span if span > 0 else None,
        automatic=len(automatic),
        cpu_percent=float(cycles[-1].cpu_percent),
        live=cycles[-1].live_mb * MIB, goal=cycles[-1].goal_mb * MIB,
        mark_cpu_ms_per_mib=statistics.median(per_mib) if per_mib else None,
        mark_cpu_ms_per_cycle=median_mark_cpu_ms(trace),
        scan_heap=_metric(metrics, "/gc/scan/heap:bytes"),
        goal_rising_cycles=rising,
        live_series=tuple(c.live_mb for c in cycles),
        goal_series=tuple(c.goal_mb for c in cycles))


def _from_memstats(s: Snapshot) -> GCHealth:
    """Without a gctrace: PauseEnd holds the end times of the last 256 cycles (forced ones
    included: the rate is an upper bound)."""
    m = s.memstats
    assert m is not None  # gc_health checked
    num_gc = m.get("NumGC", 0)
    ends = m.get("PauseEnd") or ()
    window = min(num_gc, len(ends))
    per_second = None
    if window >= 2:
        recent = [ends[(num_gc - 1 - k) % len(ends)] for k in range(window)]
        span = (recent[0] - recent[-1]) / 1e9
        per_second = (window - 1) / span if span > 0 else None
    fraction = m.get("GCCPUFraction")
    return GCHealth(
        source=s.memstats_source, cycles=num_gc, forced=m.get("NumForcedGC"),
        per_second=per_second, automatic=num_gc - m.get("NumForcedGC", 0), cpu_percent=100 * fraction if fraction is not None else None,
        live=_metric(s.metrics, "/gc/heap/live:bytes"), goal=m.get("NextGC"),
        scan_heap=_metric(s.metrics, "/gc/scan/heap:bytes"))


def _metric(metrics, name: str) -> int | None:
    if metrics is None or metrics.get(name) is None:
        return None
    return int(metrics.get(name))
