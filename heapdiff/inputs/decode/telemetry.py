"""The one table of telemetry names: which Prometheus series fills which MemStats field,
runtime/metrics value or /proc figure (reference: shared/reference/telemetry-and-retention.md
§1). Read by prometheus.py for saved scrapes and for a Prometheus server's answers alike.

Where two names give one target, the earlier row wins: the exact figure before a derived one.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    series: str                         # the sample's name as exposed (counters with _total)
    target: str                         # "memstats", "metrics" or "proc"
    field: str                          # MemStats field, runtime/metrics name, /proc status field
    labels: tuple[tuple[str, str], ...] = ()  # labels the series must carry
    scale: float = 1.0                  # to the target's unit (seconds -> ns)
    fraction: bool = False              # a fraction, not a whole size or count
    origin: str = "client_golang"       # who exposes it


def _memstats(series: str, field: str, origin: str = "client_golang", **kw) -> Name:
    return Name(series, "memstats", field, origin=origin, **kw)


# client_golang's Go collector (go_collector.go: memstatNamespace) and VictoriaMetrics' metrics
# package (the same names from a real runtime.ReadMemStats).
CLIENT_GOLANG_MEMSTATS = tuple(_memstats("go_memstats_" + series, field) for series, field in (
    ("heap_alloc_bytes", "HeapAlloc"), ("alloc_bytes", "Alloc"),
    ("alloc_bytes_total", "TotalAlloc"), ("sys_bytes", "Sys"),
    ("lookups_total", "Lookups"), ("mallocs_total", "Mallocs"), ("frees_total", "Frees"),
    ("heap_sys_bytes", "HeapSys"), ("heap_idle_bytes", "HeapIdle"),
    ("heap_inuse_bytes", "HeapInuse"), ("heap_released_bytes", "HeapReleased"),
    ("heap_objects", "HeapObjects"), ("stack_inuse_bytes", "StackInuse"),
    ("stack_sys_bytes", "StackSys"), ("mspan_inuse_bytes", "MSpanInuse"),
    ("mspan_sys_bytes", "MSpanSys"), ("mcache_inuse_bytes", "MCacheInuse"),
    ("mcache_sys_bytes", "MCacheSys"), ("buck_hash_sys_bytes", "BuckHashSys"),
    ("gc_sys_bytes", "GCSys"), ("other_sys_bytes", "OtherSys"), ("next_gc_bytes", "NextGC"),
))
OTHER_MEMSTATS = (
    _memstats("go_memstats_last_gc_time_seconds", "LastGC", scale=1e9),
    _memstats("go_gc_duration_seconds_count", "NumGC"),
    _memstats("go_memstats_gc_cpu_fraction", "GCCPUFraction", "VictoriaMetrics", fraction=True),
    # VictoriaMetrics' go_metrics.go: ms.NumForcedGC, a counter without the _total suffix
    _memstats("go_gc_forced_count", "NumForcedGC", "VictoriaMetrics"),
)
# OpenTelemetry's Go runtime instrumentation as exported to Prometheus: the current names
# (go.memory.*), then the older process.runtime.go.mem.* ones (a real ReadMemStats).
OTEL_MEMSTATS = (
    _memstats("go_memory_allocated_bytes_total", "TotalAlloc", "OpenTelemetry"),
    _memstats("go_memory_allocations_total", "Mallocs", "OpenTelemetry"),
    _memstats("go_memory_gc_goal_bytes", "NextGC", "OpenTelemetry"),
    _memstats("go_memory_used_bytes", "StackInuse", "OpenTelemetry",
              labels=(("go_memory_type", "stack"),)),
    # exported with the unit suffix (_bytes) or, by older exporters, without it
    *(_memstats("process_runtime_go_mem_heap_" + part + suffix, field, "OpenTelemetry (older)")
      for part, field in (("alloc", "HeapAlloc"), ("idle", "HeapIdle"), ("inuse", "HeapInuse"),
                          ("released", "HeapReleased"), ("sys", "HeapSys"))
      for suffix in ("_bytes", "")),
    _memstats("process_runtime_go_mem_heap_objects", "HeapObjects", "OpenTelemetry (older)"),
    _memstats("process_runtime_go_mem_lookups_total", "Lookups", "OpenTelemetry (older)"),
    _memstats("process_runtime_go_mem_live_objects", "HeapObjects", "OpenTelemetry (older)"),
    _memstats("process_runtime_go_gc_count_total", "NumGC", "OpenTelemetry (older)"),
)

# runtime/metrics values heapdiff reads, under the names client_golang gives them when they
# are exposed (its default set, or opted in): /a/b/c:unit -> go_a_b_c_unit, plus _total for a
# cumulative value (internal/go_runtime_metrics.go).
RUNTIME_METRICS = (
    ("/gc/heap/live:bytes", False), ("/gc/heap/goal:bytes", False),
    ("/gc/scan/heap:bytes", False), ("/gc/scan/stack:bytes", False),
    ("/gc/scan/globals:bytes", False), ("/gc/scan/total:bytes", False),
    ("/gc/gogc:percent", False), ("/gc/gomemlimit:bytes", False),
    ("/sched/gomaxprocs:threads", False), ("/sched/goroutines:goroutines", False),
    ("/gc/heap/objects:objects", False), ("/gc/cycles/total:gc-cycles", True),
    ("/gc/cycles/forced:gc-cycles", True), ("/gc/heap/allocs:bytes", True),
    ("/memory/classes/total:bytes", False), ("/memory/classes/heap/objects:bytes", False),
    ("/memory/classes/heap/released:bytes", False),
)


def prometheus_name(metric: str, cumulative: bool) -> str:
    """client_golang's name for a runtime/metrics metric: "/gc/heap/live:bytes" ->
    "go_gc_heap_live_bytes"."""
    path, unit = metric.split(":")
    name = "go" + path.replace("/", "_").replace("-", "_") + "_" + unit.replace("-", "_")
    return name + "_total" if cumulative else name


METRICS = (
    *(Name(prometheus_name(m, cumulative), "metrics", m) for m, cumulative in RUNTIME_METRICS),
    Name("go_goroutines", "metrics", "/sched/goroutines:goroutines"),
    Name("go_gomaxprocs", "metrics", "/sched/gomaxprocs:threads", origin="VictoriaMetrics"),
    Name("go_goroutine_count", "metrics", "/sched/goroutines:goroutines", origin="OpenTelemetry"),
    Name("go_processor_limit", "metrics", "/sched/gomaxprocs:threads", origin="OpenTelemetry"),
    Name("go_config_gogc_percent", "metrics", "/gc/gogc:percent", origin="OpenTelemetry"),
    Name("go_memory_limit_bytes", "metrics", "/gc/gomemlimit:bytes", origin="OpenTelemetry"),
    Name("go_memory_gc_goal_bytes", "metrics", "/gc/heap/goal:bytes", origin="OpenTelemetry"),
)

# The process collector's RSS (client_golang: /proc/self/stat; VictoriaMetrics: also the
# anon/file split from /proc/self/status), as /proc/PID/status names it.
PROC = (
    Name("process_resident_memory_bytes", "proc", "VmRSS"),
    Name("process_resident_memory_anon_bytes", "proc", "RssAnon", origin="VictoriaMetrics"),
    Name("process_resident_memory_file_bytes", "proc", "RssFile", origin="VictoriaMetrics"),
    Name("process_resident_memory_shared_bytes", "proc", "RssShmem", origin="VictoriaMetrics"),
    Name("process_resident_memory_peak_bytes", "proc", "VmHWM", origin="VictoriaMetrics"),
)

NAMES: tuple[Name, ...] = CLIENT_GOLANG_MEMSTATS + OTHER_MEMSTATS + OTEL_MEMSTATS + METRICS + PROC
