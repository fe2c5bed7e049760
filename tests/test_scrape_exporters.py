"""Scrapes in the names other exporters use, written here from their documented names: what
each settles of the waterfall, and what it leaves unknown and names. These are not real
scrapes. VictoriaMetrics' are written to reach cases the real one cannot (RSS above Go's
memory plus the file pages); its real scrape is samples/leaky_service/scrape_vm/
(tests/test_scrape_vm.py). OpenTelemetry's Prometheus exporter and Go runtime
instrumentation are not in Debian (bookworm's golang-opentelemetry-otel-dev 1.1.0 has neither
go.opentelemetry.io/otel/exporters/prometheus nor go.opentelemetry.io/contrib), so its
names stay documented ones."""
from __future__ import annotations

import json

from support import run_heapdiff

MIB = 1 << 20

# VictoriaMetrics' metrics.WritePrometheus: go_memstats_* from ReadMemStats, the RSS split
# from /proc/self/status, and the GC CPU fraction client_golang leaves out.
VICTORIAMETRICS = """\
go_memstats_alloc_bytes 20971520
go_memstats_alloc_bytes_total 104857600
go_memstats_buck_hash_sys_bytes 1048576
go_memstats_frees_total 900
go_memstats_gc_cpu_fraction 0.025
go_memstats_gc_sys_bytes 2097152
go_memstats_heap_alloc_bytes 20971520
go_memstats_heap_idle_bytes 8388608
go_memstats_heap_inuse_bytes 25165824
go_memstats_heap_objects 1000
go_memstats_heap_released_bytes 4194304
go_memstats_heap_sys_bytes 33554432
go_memstats_last_gc_time_seconds 1796556182.5
go_memstats_lookups_total 0
go_memstats_mallocs_total 1900
go_memstats_mcache_inuse_bytes 9600
go_memstats_mcache_sys_bytes 15600
go_memstats_mspan_inuse_bytes 400000
go_memstats_mspan_sys_bytes 500000
go_memstats_next_gc_bytes 41943040
go_memstats_other_sys_bytes 1000000
go_memstats_stack_inuse_bytes 786432
go_memstats_stack_sys_bytes 786432
go_memstats_sys_bytes 39002192
go_gc_duration_seconds_count 12
go_goroutines 9
process_resident_memory_bytes 50331648
process_resident_memory_anon_bytes 41943040
process_resident_memory_file_bytes 8388608
process_resident_memory_shared_bytes 0
process_resident_memory_peak_bytes 52428800
"""

# OpenTelemetry's runtime instrumentation through the Prometheus exporter (go.memory.*,
# go.goroutine.count, go.processor.limit, go.config.gogc), with the process collector's RSS.
OPENTELEMETRY = """\
# HELP go_memory_used_bytes Memory used by the Go runtime.
# TYPE go_memory_used_bytes gauge
go_memory_used_bytes{go_memory_type="stack",otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 786432
go_memory_used_bytes{go_memory_type="other",otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 33554432
# TYPE go_memory_limit_bytes gauge
go_memory_limit_bytes{otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 268435456
# TYPE go_memory_gc_goal_bytes gauge
go_memory_gc_goal_bytes{otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 41943040
# TYPE go_memory_allocated_bytes_total counter
go_memory_allocated_bytes_total{otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 104857600
# TYPE go_goroutine_count gauge
go_goroutine_count{otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 9
# TYPE go_config_gogc_percent gauge
go_config_gogc_percent{otel_scope_name="go.opentelemetry.io/contrib/instrumentation/runtime"} 100
process_resident_memory_bytes 50331648
"""


def explain(tmp_path, text: str) -> dict:
    path = tmp_path / "m.prom"
    path.write_text(text)
    done = run_heapdiff("explain", path, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def rows(document: dict) -> dict[str, dict]:
    return {r["component"]: r for r in document["waterfall"]}


def test_victoriametrics_settles_every_row_but_the_profiles(tmp_path):
    document = explain(tmp_path, VICTORIAMETRICS)
    r = rows(document)
    assert r["heap_alloc"]["bytes"] == 20 * MIB
    assert r["fragmentation"]["bytes"] == 4 * MIB
    assert r["free_retained"]["bytes"] == 4 * MIB
    assert r["stacks"]["bytes"] == 786432
    assert r["runtime_metadata"]["bytes"] == 1048576 + 15600 + 500000 + 2097152 + 1000000
    assert sum(x["bytes"] for c, x in r.items() if c != "profile_inuse") == document["rss"]


def test_victoriametrics_file_pages_set_the_floor_of_outside_go(tmp_path):
    """RSS 48 MiB less Go's 35 MiB (Sys - HeapReleased) leaves 13.8 MiB, above its 8 MiB of
    file pages (process_resident_memory_file_bytes, the status file's RssFile)."""
    r = rows(explain(tmp_path, VICTORIAMETRICS))
    assert r["outside_go"]["bytes"] == 50331648 - (39002192 - 4194304)
    low = VICTORIAMETRICS.replace("process_resident_memory_bytes 50331648",
                                  "process_resident_memory_bytes 40000000")
    r = rows(explain(tmp_path, low))
    assert r["outside_go"]["bytes"] == 8388608  # the file pages, though the remainder is less
    assert r["untouched"]["bytes"] == 40000000 - (39002192 - 4194304) - 8388608


def test_victoriametrics_gc_cpu_fraction_reaches_gc_health(tmp_path):
    gc = explain(tmp_path, VICTORIAMETRICS)["gc"]
    assert gc["cycles"] == 12 and gc["cpu_percent"] == 2.5


def test_opentelemetry_leaves_the_heap_rows_unknown_and_names_the_fields(tmp_path):
    r = rows(explain(tmp_path, OPENTELEMETRY))
    assert r["heap_alloc"]["bytes"] is None
    assert r["heap_alloc"]["needs"].startswith("MemStats HeapAlloc: MemStats (/debug/vars")
    assert r["fragmentation"]["needs"].startswith("MemStats HeapInuse, HeapAlloc: ")
    assert r["outside_go"]["needs"].startswith("MemStats Sys, HeapReleased: ")


def test_opentelemetry_goal_reaches_gc_health(tmp_path):
    document = explain(tmp_path, OPENTELEMETRY)
    assert document["rss"] == 50331648
    assert document["gc"]["goal"] == 41943040
