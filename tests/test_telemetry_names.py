"""The names table: which series of a scrape fill which MemStats field, runtime/metrics value,
RSS and knob. The series texts here are built from the documented names (reference §1), one
family per exporter; samples/leaky_service/scrape/ is a real client_golang scrape and
samples/leaky_service/scrape_vm/ a real VictoriaMetrics one."""
from __future__ import annotations

import math

from heapdiff.inputs.decode.prometheus import Series, snapshot_parts
from heapdiff.inputs.decode.telemetry import NAMES, prometheus_name


def series(**values: float) -> list[Series]:
    return [Series(name, (), value) for name, value in values.items()]


def test_client_golang_memstats_fill_the_fields_of_their_names():
    parts = snapshot_parts(series(go_memstats_heap_alloc_bytes=1.5e6, go_memstats_sys_bytes=9e6,
                                  go_memstats_heap_released_bytes=2e6))
    assert parts.memstats is not None
    assert parts.memstats["HeapAlloc"] == 1_500_000
    assert parts.memstats["Alloc"] == 1_500_000  # the same figure in MemStats
    assert parts.memstats["Sys"] == 9_000_000
    assert parts.memstats["HeapReleased"] == 2_000_000


def test_a_field_no_series_gives_is_unknown_not_zero():
    parts = snapshot_parts(series(go_memstats_heap_alloc_bytes=1e6))
    assert parts.memstats is not None and parts.memstats["HeapInuse"] is None


def test_rss_comes_from_the_process_collector():
    parts = snapshot_parts(series(process_resident_memory_bytes=50_003_968))
    assert parts.proc is not None and parts.proc.rss == 50_003_968


def test_victoriametrics_rss_split_and_gc_cpu_fraction():
    parts = snapshot_parts(series(process_resident_memory_bytes=3e7,
                                  process_resident_memory_anon_bytes=2e7,
                                  process_resident_memory_file_bytes=1e7,
                                  go_memstats_gc_cpu_fraction=0.0125))
    assert parts.proc is not None
    assert (parts.proc.fields["RssAnon"], parts.proc.fields["RssFile"]) == (20_000_000, 10_000_000)
    assert parts.memstats is not None and parts.memstats["GCCPUFraction"] == 0.0125


def test_gc_duration_summary_count_is_num_gc():
    parts = snapshot_parts([Series("go_gc_duration_seconds", (("quantile", "0.5"),), 1e-4),
                            Series("go_gc_duration_seconds_count", (), 42)])
    assert parts.memstats is not None and parts.memstats["NumGC"] == 42


def test_knobs_from_client_golang_names():
    parts = snapshot_parts(series(go_gc_gogc_percent=100, go_gc_gomemlimit_bytes=2 ** 30,
                                  go_sched_gomaxprocs_threads=2))
    assert parts.knobs == {"GOGC": 100, "GOMEMLIMIT": 2 ** 30, "GOMAXPROCS": 2}


def test_opentelemetry_names_documented_form():
    """Built from OpenTelemetry's documented names, not from a real exporter."""
    parts = snapshot_parts([
        Series("go_memory_used_bytes", (("go_memory_type", "stack"),), 655_360),
        Series("go_memory_used_bytes", (("go_memory_type", "other"),), 9e6),
        Series("go_memory_limit_bytes", (), 5e8), Series("go_memory_gc_goal_bytes", (), 8e6),
        Series("go_memory_allocated_bytes_total", (), 1e9)])
    assert parts.memstats is not None
    assert parts.memstats["StackInuse"] == 655_360
    assert parts.memstats["NextGC"] == 8_000_000
    assert parts.memstats["TotalAlloc"] == 1_000_000_000
    assert parts.knobs == {"GOMEMLIMIT": 500_000_000}


def test_older_opentelemetry_heap_names_with_and_without_the_unit():
    a = snapshot_parts(series(process_runtime_go_mem_heap_alloc_bytes=3e6))
    b = snapshot_parts(series(process_runtime_go_mem_heap_alloc=3e6))
    assert a.memstats is not None and b.memstats is not None
    assert a.memstats["HeapAlloc"] == b.memstats["HeapAlloc"] == 3_000_000


def test_the_exact_name_wins_over_a_later_row_whatever_the_order():
    parts = snapshot_parts(series(process_runtime_go_mem_heap_alloc_bytes=1,
                                  go_memstats_heap_alloc_bytes=2))
    assert parts.memstats is not None and parts.memstats["HeapAlloc"] == 2


def test_nan_infinite_and_negative_values_are_passed_over_in_a_note():
    parts = snapshot_parts(series(go_memstats_heap_alloc_bytes=math.nan,
                                  go_memstats_sys_bytes=math.inf,
                                  go_memstats_heap_idle_bytes=-4, go_memstats_heap_inuse_bytes=8))
    assert parts.memstats is not None and parts.memstats.fields == {"HeapInuse": 8}
    assert parts.notes == ("passed over: 3 series with a value no size or count can be (NaN, "
                           "infinite or negative)",)


def test_runtime_metrics_names_as_client_golang_gives_them():
    assert prometheus_name("/gc/heap/live:bytes", False) == "go_gc_heap_live_bytes"
    assert prometheus_name("/gc/cycles/total:gc-cycles", True) == "go_gc_cycles_total_gc_cycles_total"
    parts = snapshot_parts(series(go_gc_heap_live_bytes=4e6, go_gc_scan_heap_bytes=1e6))
    assert parts.metrics is not None
    assert parts.metrics.values == {"/gc/heap/live:bytes": 4_000_000, "/gc/scan/heap:bytes": 1_000_000}


def test_every_memstats_target_is_a_go_memstats_field():
    from heapdiff.inputs.decode.memstats import TYPES
    assert {n.field for n in NAMES if n.target == "memstats"} <= set(TYPES)


def test_victoriametrics_forced_cycles_and_gomaxprocs():
    """Names from VictoriaMetrics' go_metrics.go (v1.23, Debian's): a counter without _total."""
    parts = snapshot_parts(series(go_gc_forced_count=3, go_gomaxprocs=8))
    assert parts.memstats is not None and parts.memstats["NumForcedGC"] == 3
    assert parts.knobs == {"GOMAXPROCS": 8}
