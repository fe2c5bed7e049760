"""Each finding's rule on its own: for every rule, the figures that raise it and figures just
short of it, built directly (a Snapshot, a Waterfall, GC health) without Go or sample files."""
from __future__ import annotations

import pytest

from heapdiff.inputs.snapshot import Snapshot
from heapdiff.memory.container import Container
from heapdiff.memory.findings import RULES, Facts, Finding, findings
from heapdiff.memory.gchealth import GCHealth
from heapdiff.memory.waterfall import PinnedSpans, Row, Waterfall
from heapdiff.model import MemStats, Metrics

MIB = 1 << 20


def facts(rows: dict[str, int] | None = None, rss: int | None = None,
          memstats: dict[str, int] | None = None, metrics: dict[str, int] | None = None,
          gc: GCHealth | None = None, pinned: PinnedSpans | None = None,
          container: Container | None = None) -> Facts:
    """A moment with just the waterfall rows, MemStats fields, metrics, GC health and cgroup
    given."""
    snapshot = Snapshot(memstats=MemStats(memstats) if memstats is not None else None,
                        metrics=Metrics(metrics, {}) if metrics is not None else None)
    w = Waterfall(rss, "status" if rss is not None else "",
                  tuple(Row(component, size, "") for component, size in (rows or {}).items()),
                  pinned, container=container)
    return Facts(snapshot, w, gc)


def health(**figures) -> GCHealth:
    return GCHealth(source="gctrace.log", **figures)


def raised(rule_id: str, f: Facts) -> Finding | None:
    """The rule's finding, which carries the rule's own id."""
    finding = RULES[rule_id](f)
    assert finding is None or finding.id == rule_id
    return finding


def test_stale_profile_fires_when_more_heap_is_missing_than_the_profile_shows():
    f = facts(rows={"profile_inuse": 20 * MIB, "since_last_gc": 40 * MIB},
              memstats={"HeapAlloc": 60 * MIB})
    finding = raised("stale_profile", f)
    assert finding.bytes == 40 * MIB and finding.severity == "warning"
    assert "HeapAlloc is 60.0 MiB but the heap profile shows 20.0 MiB" in finding.detail


def test_stale_profile_is_silent_when_the_profile_shows_more_than_is_missing():
    f = facts(rows={"profile_inuse": 41 * MIB, "since_last_gc": 40 * MIB},
              memstats={"HeapAlloc": 81 * MIB})
    assert raised("stale_profile", f) is None


def test_fragmentation_fires_on_a_quarter_of_heap_inuse_and_names_the_pinned_class():
    pinned = PinnedSpans(pinned=8 * MIB, size=16, live_objects=1000, allocated_objects=500_000)
    f = facts(rows={"fragmentation": 10 * MIB},
              memstats={"HeapInuse": 30 * MIB, "HeapAlloc": 20 * MIB}, pinned=pinned)
    finding = raised("fragmentation", f)
    assert finding.bytes == 10 * MIB
    assert "likely 16-byte objects: 1,000 live of 500,000 allocated" in finding.detail


def test_fragmentation_is_silent_under_a_quarter_of_heap_inuse():
    f = facts(rows={"fragmentation": 10 * MIB},
              memstats={"HeapInuse": 50 * MIB, "HeapAlloc": 40 * MIB})
    assert raised("fragmentation", f) is None


def test_free_retained_fires_on_a_fifth_of_rss():
    finding = raised("free_retained", facts(rows={"free_retained": 30 * MIB}, rss=100 * MIB))
    assert finding.bytes == 30 * MIB and finding.severity == "info"


def test_free_retained_is_measured_against_go_memory_without_rss():
    f = facts(rows={"free_retained": 30 * MIB}, memstats={"Sys": 100 * MIB, "HeapReleased": 0})
    assert raised("free_retained", f) is not None


def test_free_retained_is_silent_under_a_fifth_of_rss():
    assert raised("free_retained", facts(rows={"free_retained": 30 * MIB}, rss=200 * MIB)) is None


def test_outside_go_memory_fires_on_a_quarter_of_rss_and_says_what_go_maps():
    f = facts(rows={"outside_go": 40 * MIB}, rss=100 * MIB,
              memstats={"Sys": 70 * MIB, "HeapReleased": 10 * MIB})
    finding = raised("outside_go_memory", f)
    assert finding.bytes == 40 * MIB
    assert "RSS is 100.0 MiB but the Go runtime has only 60.0 MiB mapped" in finding.detail


def test_outside_go_memory_is_silent_under_a_quarter_of_rss():
    f = facts(rows={"outside_go": 20 * MIB}, rss=100 * MIB,
              memstats={"Sys": 80 * MIB, "HeapReleased": 0})
    assert raised("outside_go_memory", f) is None


def test_virtual_ballast_fires_on_a_large_untouched_part_of_go_memory():
    f = facts(rows={"untouched": -100 * MIB}, rss=200 * MIB,
              memstats={"Sys": 300 * MIB, "HeapReleased": 0})
    finding = raised("virtual_ballast", f)
    assert finding.bytes == -100 * MIB and finding.title.startswith("100.0 MiB")


def test_virtual_ballast_is_silent_under_64_mib_untouched():
    f = facts(rows={"untouched": -50 * MIB}, rss=50 * MIB,
              memstats={"Sys": 100 * MIB, "HeapReleased": 0})
    assert raised("virtual_ballast", f) is None


def test_goroutine_stacks_fires_on_a_quarter_of_rss_and_counts_the_goroutines():
    f = facts(rss=100 * MIB, memstats={"StackInuse": 40 * MIB},
              metrics={"/sched/goroutines:goroutines": 10_000})
    finding = raised("goroutine_stacks", f)
    assert finding.bytes == 40 * MIB
    assert "StackInuse is 40.0 MiB for 10,000 goroutines, 40% of RSS" in finding.detail


def test_goroutine_stacks_is_silent_under_a_quarter_of_rss():
    assert raised("goroutine_stacks", facts(rss=400 * MIB,
                                            memstats={"StackInuse": 40 * MIB})) is None


def test_gc_thrash_fires_on_many_costly_cycles_over_a_small_heap():
    gc = health(per_second=50.0, automatic=500, cpu_percent=12.0, live=8 * MIB)
    finding = raised("gc_thrash", facts(gc=gc))
    assert finding.bytes == 8 * MIB
    assert finding.title == "50 GC cycles per second on a 8.0 MiB heap"


def test_gc_thrash_is_silent_on_a_live_heap_over_64_mib():
    gc = health(per_second=50.0, automatic=500, cpu_percent=12.0, live=100 * MIB)
    assert raised("gc_thrash", facts(gc=gc)) is None


def test_gc_runaway_fires_critical_on_a_rising_goal_with_the_gc_at_a_quarter_of_cpu():
    gc = health(goal_rising_cycles=6, cpu_percent=40.0, goal=2048 * MIB)
    finding = raised("gc_runaway", facts(gc=gc))
    assert finding.severity == "critical" and finding.bytes == 2048 * MIB
    assert "rose 6 cycles in a row with the GC at 40% CPU" in finding.title


def test_gc_runaway_is_silent_while_the_gc_takes_little_cpu():
    gc = health(goal_rising_cycles=6, cpu_percent=10.0, goal=2048 * MIB)
    assert raised("gc_runaway", facts(gc=gc)) is None


def test_heap_overhead_fires_on_a_large_live_heap_with_a_distant_goal():
    finding = raised("heap_overhead", facts(gc=health(live=512 * MIB, goal=1024 * MIB)))
    assert finding.bytes == 512 * MIB and finding.severity == "info"


def test_heap_overhead_is_silent_when_the_goal_is_close_to_the_live_heap():
    assert raised("heap_overhead", facts(gc=health(live=512 * MIB, goal=700 * MIB))) is None


def test_gc_scan_cost_fires_on_a_large_pointer_bearing_heap():
    finding = raised("gc_scan_cost", facts(gc=health(scan_heap=64 * MIB)))
    assert finding.bytes == 64 * MIB
    assert finding.detail.startswith("the GC scans 64.0 MiB of pointer-bearing heap")


def test_gc_scan_cost_fires_on_costly_marking_alone():
    gc = health(live=64 * MIB, mark_cpu_ms_per_mib=0.5, mark_cpu_ms_per_cycle=32.0)
    finding = raised("gc_scan_cost", facts(gc=gc))
    assert finding.bytes is None
    assert finding.detail.startswith("marking takes 32.0 ms of CPU per cycle (0.50 ms per live")


def test_gc_scan_cost_is_silent_on_cheap_marking_of_a_pointer_free_heap():
    gc = health(live=200 * MIB, mark_cpu_ms_per_mib=0.01, mark_cpu_ms_per_cycle=2.0, scan_heap=0)
    assert raised("gc_scan_cost", facts(gc=gc)) is None


def cgroup(usage: int, limit: int | None, page_cache: int | None = None,
           inactive_file: int = 0, oom_kills: int | None = None,
           version: str = "v2") -> Container:
    return Container(version=version, usage=usage, usage_file="memory.current",
                     limit_file="memory.max", limit=limit, high=None,
                     working_set=usage - inactive_file, page_cache=page_cache,
                     oom_kills=oom_kills, rows=(), source="memory.*")


UNSET = (1 << 63) - 1  # /gc/gomemlimit:bytes without a GOMEMLIMIT


def test_no_gomemlimit_fires_under_a_limit_without_one():
    f = facts(metrics={"/gc/gomemlimit:bytes": UNSET}, container=cgroup(100 * MIB, 512 * MIB))
    finding = raised("no_gomemlimit", f)
    assert finding.bytes == 512 * MIB and finding.severity == "warning"
    assert finding.title == "no GOMEMLIMIT under the container's 512.0 MiB limit"


def test_no_gomemlimit_fires_on_a_gomemlimit_above_the_limit():
    f = facts(metrics={"/gc/gomemlimit:bytes": 600 * MIB},
              container=cgroup(100 * MIB, 512 * MIB))
    assert raised("no_gomemlimit", f).title.startswith("GOMEMLIMIT 600.0 MiB is above")


def test_no_gomemlimit_is_silent_with_a_gomemlimit_below_the_limit_or_no_limit():
    below = facts(metrics={"/gc/gomemlimit:bytes": 460 * MIB},
                  container=cgroup(100 * MIB, 512 * MIB))
    unlimited = facts(metrics={"/gc/gomemlimit:bytes": UNSET}, container=cgroup(100 * MIB, None))
    assert raised("no_gomemlimit", below) is None and raised("no_gomemlimit", unlimited) is None


def test_heap_goal_over_limit_fires_when_usage_plus_the_heap_growth_passes_the_limit():
    f = facts(memstats={"HeapAlloc": 100 * MIB, "NextGC": 200 * MIB},
              container=cgroup(450 * MIB, 512 * MIB))
    finding = raised("heap_goal_over_limit", f)
    assert finding.bytes == 38 * MIB and finding.severity == "critical"
    assert "450.0 MiB + 100.0 MiB = 550.0 MiB, over the 512.0 MiB limit" in finding.detail


def test_heap_goal_over_limit_is_silent_when_the_goal_fits():
    f = facts(memstats={"HeapAlloc": 100 * MIB, "NextGC": 200 * MIB},
              container=cgroup(412 * MIB, 512 * MIB))
    assert raised("heap_goal_over_limit", f) is None


def test_oom_kills_fires_on_a_recorded_oom_kill():
    finding = raised("oom_kills", facts(container=cgroup(500 * MIB, 512 * MIB, oom_kills=3)))
    assert finding.severity == "critical" and finding.title.startswith("3 processes OOM-killed")
    assert "memory.events records oom_kill 3" in finding.detail


def test_oom_kills_is_silent_on_zero_kills():
    assert raised("oom_kills", facts(container=cgroup(500 * MIB, 512 * MIB, oom_kills=0))) is None


def test_page_cache_charged_fires_on_a_quarter_of_usage():
    f = facts(container=cgroup(200 * MIB, 512 * MIB, page_cache=50 * MIB,
                               inactive_file=30 * MIB))
    finding = raised("page_cache_charged", f)
    assert finding.bytes == 50 * MIB and finding.severity == "info"
    assert "the working set, usage less inactive_file, is 170.0 MiB" in finding.detail


def test_page_cache_charged_is_silent_below_a_quarter_of_usage():
    f = facts(container=cgroup(200 * MIB, 512 * MIB, page_cache=49 * MIB))
    assert raised("page_cache_charged", f) is None


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_is_silent_on_a_moment_with_no_figures(rule_id):
    assert raised(rule_id, facts()) is None


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_has_a_test_that_fires_and_one_that_does_not(rule_id):
    names = [name for name in globals() if name.startswith(f"test_{rule_id}_")]
    assert any(name.startswith(f"test_{rule_id}_fires") for name in names)
    assert any(name.startswith(f"test_{rule_id}_is_silent") for name in names)


def test_findings_come_most_severe_first_then_largest():
    f = facts(rows={"free_retained": 30 * MIB, "outside_go": 40 * MIB}, rss=100 * MIB,
              memstats={"Sys": 60 * MIB, "HeapReleased": 0, "StackInuse": 50 * MIB},
              gc=health(goal_rising_cycles=6, cpu_percent=40.0, goal=1 * MIB))
    got = findings(f.snapshot, f.waterfall, f.gc)
    assert [x.id for x in got] == ["gc_runaway", "goroutine_stacks", "outside_go_memory",
                                   "free_retained"]


def test_free_retained_never_says_nothing_leaks_while_the_profile_grew():
    now = facts(rows={"free_retained": 30 * MIB, "profile_inuse": 60 * MIB}, rss=100 * MIB)
    earlier = Waterfall(None, "", (Row("profile_inuse", 20 * MIB, ""),), None)
    [grown] = findings(now.snapshot, now.waterfall, now.gc, earlier)
    said = f"{grown.title} {grown.detail} {grown.advice}".lower()
    assert "nothing leaks" not in said and "grew 40.0 mib since the base" in said
    [alone] = findings(now.snapshot, now.waterfall, now.gc)  # no base: no reassurance either
    assert "nothing leaks" not in f"{alone.detail} {alone.advice}".lower()
