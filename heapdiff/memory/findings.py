"""Findings: what the numbers show, each with an id a script can rely on, raised only when the
numbers show it, with the figures that raised it and advice that names the Go knob or the code
change. The one vocabulary of the CLI, the report and the TUI.

Each finding is one rule: a function of the facts of one moment that returns its Finding or
None, with its thresholds named beside it. RULES is the table; a new finding is a new rule
and a row there."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .gchealth import GCHealth
from .waterfall import Waterfall
from ..inputs.snapshot import Snapshot
from ..model import MemStats
from ..common.units import mebibytes

MIB = 1 << 20
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str  # critical, warning, info
    bytes: int | None
    title: str
    detail: str
    advice: str


@dataclass(frozen=True)
class Facts:
    """What the rules read: the artifacts of one moment, their waterfall and GC health, and
    the waterfall of an earlier moment when one is compared (explain --base, report, tui)."""

    snapshot: Snapshot
    waterfall: Waterfall
    gc: GCHealth | None
    earlier: Waterfall | None = None

    @property
    def profile_growth(self) -> int | None:
        """How much the heap profile's in-use bytes grew since the earlier moment (None: no
        earlier moment, or a side without an in-use profile)."""
        now = self.waterfall.get("profile_inuse")
        then = self.earlier.get("profile_inuse") if self.earlier is not None else None
        return None if now is None or then is None else now - then

    @property
    def memstats(self) -> MemStats | None:
        return self.snapshot.memstats

    @property
    def go_mapped(self) -> int | None:
        """Sys - HeapReleased: the memory Go holds from the OS (what GOMEMLIMIT sees)."""
        m = self.memstats
        if m is None or m["Sys"] is None or m["HeapReleased"] is None:
            return None  # telemetry may give neither
        return m["Sys"] - m["HeapReleased"]

    @property
    def resident(self) -> int | None:
        """RSS, else Go's own memory: what a share of memory is measured against."""
        return self.waterfall.rss if self.waterfall.rss is not None else self.go_mapped


Rule = Callable[[Facts], Finding | None]


# A profile taken right after a GC lags by little; the lag matters once it is sizeable and at
# least as large as the profile itself, i.e. the profile shows half the heap or less.
STALE_MIN_BYTES = 16 * MIB


def stale_profile(f: Facts) -> Finding | None:
    since, m = f.waterfall.get("since_last_gc"), f.memstats
    profile = f.waterfall.get("profile_inuse")
    if since is None or profile is None or m is None or since < STALE_MIN_BYTES \
            or since < profile:
        return None
    return Finding(
        "stale_profile", "warning", since,
        f"{mebibytes(since)} of heap is not in the profile",
        f"HeapAlloc is {mebibytes(m['HeapAlloc'])} but the heap profile shows "
        f"{mebibytes(profile)}: the profile describes the heap at the end of an earlier GC, "
        "and everything allocated since (mostly garbage awaiting the next cycle) is missing "
        "from it.",
        "Take the profile with /debug/pprof/heap?gc=1 (or after runtime.GC()) to see the live "
        "heap; if the garbage itself is the problem, lower GOGC or set GOMEMLIMIT so the GC "
        "runs sooner, and find the churn with the alloc_space sample type.")


# Spans being filled always have some free slots; a quarter of HeapInuse (and at least a few
# MiB) is more than churn leaves, and points at spans pinned by a few live objects.
FRAGMENTATION_MIN_BYTES = 4 * MIB
FRAGMENTATION_SHARE = 1 / 4  # of HeapInuse


def fragmentation(f: Facts) -> Finding | None:
    frag, m = f.waterfall.get("fragmentation"), f.memstats
    if frag is None or m is None or frag < FRAGMENTATION_MIN_BYTES \
            or frag < m["HeapInuse"] * FRAGMENTATION_SHARE:
        return None
    detail = (f"HeapInuse {mebibytes(m['HeapInuse'])} holds only {mebibytes(m['HeapAlloc'])} of "
              "objects.")
    p = f.waterfall.pinned
    if p is not None and p.pinned > 0:
        detail += (f" At least {mebibytes(p.pinned)} are whole spans that the live objects, "
                   f"packed tightly, would not need; likely {p.size}-byte objects: "
                   f"{p.live_objects:,} live of {p.allocated_objects:,} allocated.")
    return Finding(
        "fragmentation", "warning", frag, f"{mebibytes(frag)} of in-use spans hold no object",
        detail,
        "Go's GC never moves objects, so a few long-lived objects pin whole spans of a size "
        "class. Allocate long-lived objects apart from short-lived ones of the same size "
        "(e.g. copy survivors into a fresh slice or map), or keep them in one slice.")


# The scavenger returns free pages slowly by design; only a large resident remainder (a fifth
# of the process) is worth a word, and it is information, not a leak.
FREE_RETAINED_MIN_BYTES = 16 * MIB
FREE_RETAINED_SHARE = 1 / 5  # of RSS, else of Go's memory


def free_retained(f: Facts) -> Finding | None:
    free, base = f.waterfall.get("free_retained"), f.resident
    if free is None or not base or free < FREE_RETAINED_MIN_BYTES \
            or free < base * FREE_RETAINED_SHARE:
        return None
    growth = f.profile_growth
    # The free pages are no leak, but a profile that grew may hold one: the finding says so
    # rather than reassure (a leak frees nothing, and its growth leaves free pages behind).
    lead = ("These free pages are not a leak, but the heap profile grew "
            f"{mebibytes(growth)} since the base: find what grew (heapdiff diff) first. "
            if growth is not None and growth > 0 else
            "These free pages are not a leak in themselves. ")
    return Finding(
        "free_retained", "info", free, f"{mebibytes(free)} of free heap is still resident",
        "Heap pages freed by the GC stay resident until the background scavenger returns "
        "them to the OS, which it does slowly (about 1% of CPU).",
        lead + "To give the memory back now call debug.FreeOSMemory(); a GOMEMLIMIT makes "
        "the scavenger keep Go's memory below the limit.")


# The binary and libraries alone are a few MiB of file pages; a quarter of RSS outside Go is
# an off-heap cache or a C library that no Go tool sees.
OUTSIDE_GO_MIN_BYTES = 16 * MIB
OUTSIDE_GO_SHARE = 1 / 4  # of RSS


def outside_go_memory(f: Facts) -> Finding | None:
    outside, rss, mapped = f.waterfall.get("outside_go"), f.waterfall.rss, f.go_mapped
    if outside is None or not rss or mapped is None or outside < OUTSIDE_GO_MIN_BYTES \
            or outside < rss * OUTSIDE_GO_SHARE:
        return None
    return Finding(
        "outside_go_memory", "warning", outside,
        f"{mebibytes(outside)} of RSS is outside Go's accounting",
        f"RSS is {mebibytes(rss)} but the Go runtime has only {mebibytes(mapped)} "
        "mapped: the rest is cgo/C allocations, mmap'ed regions or files, none of which "
        "MemStats, pprof or GOMEMLIMIT see.",
        "Find the mappings in /proc/PID/smaps (large anonymous regions outside the Go heap "
        "arena); an off-heap (syscall.Mmap) cache or a C library needs its own size limit, "
        "and leaves room under a container limit that GOMEMLIMIT does not know about.")


# Some of Go's memory is always mapped before it is written; a ballast is one large, never
# written allocation, so only a big part of Go's memory never backed by the kernel is one.
BALLAST_MIN_BYTES = 64 * MIB
BALLAST_SHARE = 1 / 4  # of Go's memory (Sys - HeapReleased)


def virtual_ballast(f: Facts) -> Finding | None:
    untouched, mapped = f.waterfall.get("untouched"), f.go_mapped
    if untouched is None or mapped is None or -untouched < BALLAST_MIN_BYTES \
            or -untouched < mapped * BALLAST_SHARE:
        return None
    return Finding(
        "virtual_ballast", "info", untouched,
        f"{mebibytes(-untouched)} of Go memory was never touched",
        "The runtime counts this memory as mapped and ready, but the kernel never backed "
        "it: a large allocation that is never written, such as a GC ballast "
        "(make([]byte, N) kept alive to raise the heap goal).",
        "It costs no RSS, but counts against GOMEMLIMIT and inflates Sys. Since Go 1.19, "
        "set GOMEMLIMIT (and GOGC) instead of keeping a ballast.")


# A goroutine's stack starts at a few KiB: 16 MiB is thousands of goroutines, and a quarter
# of the memory is a goroutine leak or a pool without a bound.
STACKS_MIN_BYTES = 16 * MIB
STACKS_SHARE = 1 / 4  # of RSS, else of Go's memory


def goroutine_stacks(f: Facts) -> Finding | None:
    m = f.memstats
    if m is None:
        return None
    stacks, base = m.get("StackInuse", 0), f.resident
    if stacks < STACKS_MIN_BYTES or not base or stacks < base * STACKS_SHARE:
        return None
    metrics = f.snapshot.metrics
    goroutines = metrics.get("/sched/goroutines:goroutines") if metrics else None
    count = f" for {int(goroutines):,} goroutines" if goroutines else ""
    return Finding(
        "goroutine_stacks", "warning", stacks, f"{mebibytes(stacks)} of goroutine stacks",
        f"StackInuse is {mebibytes(stacks)}{count}, {100 * stacks / base:.0f}% of "
        f"{'RSS' if f.waterfall.rss is not None else 'Go memory'}; the heap profile does not "
        "show stacks.",
        "Bound the number of goroutines (a worker pool, a semaphore), find blocked or "
        "leaked ones with /debug/pprof/goroutine, and avoid deep recursion.")


# Thrashing: ten or more automatic cycles a second (measured over twenty, so not a burst)
# that cost real CPU, on a heap small enough that GOGC's goal is only a few MiB away.
THRASH_MIN_PER_SECOND = 10
THRASH_MIN_CYCLES = 20
THRASH_MIN_CPU_PERCENT = 5
THRASH_MAX_LIVE_BYTES = 64 * MIB


def gc_thrash(f: Facts) -> Finding | None:
    gc = f.gc
    if gc is None or gc.per_second is None or gc.live is None \
            or gc.per_second < THRASH_MIN_PER_SECOND \
            or (gc.automatic or 0) < THRASH_MIN_CYCLES \
            or (gc.cpu_percent or 0) < THRASH_MIN_CPU_PERCENT \
            or gc.live > THRASH_MAX_LIVE_BYTES:
        return None
    return Finding(
        "gc_thrash", "warning", gc.live,
        f"{gc.per_second:.0f} GC cycles per second on a {mebibytes(gc.live)} heap",
        f"The live heap is small, so the heap goal (GOGC=100: twice the live heap) is reached "
        f"after a few MiB of allocation, and the GC runs {gc.per_second:.0f} times a second"
        + (f", using {gc.cpu_percent:.0f}% of CPU" if gc.cpu_percent is not None else "") + ".",
        "Raise GOGC (e.g. GOGC=400) or set GOMEMLIMIT to the memory you can afford with "
        "GOGC=off; a ballast was the trick before Go 1.19. Allocating less (reuse buffers, "
        "sync.Pool) helps both.")


# A goal that rises cycle after cycle while the GC takes a quarter of the CPU (its own
# target is 25% during marking) is a GC losing the race against the live heap.
RUNAWAY_MIN_RISING_CYCLES = 5
RUNAWAY_MIN_CPU_PERCENT = 25


def gc_runaway(f: Facts) -> Finding | None:
    gc = f.gc
    if gc is None or gc.goal_rising_cycles < RUNAWAY_MIN_RISING_CYCLES \
            or (gc.cpu_percent or 0) < RUNAWAY_MIN_CPU_PERCENT:
        return None
    return Finding(
        "gc_runaway", "critical", gc.goal,
        f"the heap goal rose {gc.goal_rising_cycles} cycles in a row with the GC at "
        f"{gc.cpu_percent:.0f}% CPU",
        "The GC is falling behind: each cycle ends with more live heap, so the goal keeps "
        "growing while marking takes most of the CPU. This is how a large pointer-heavy heap "
        "(a 12 GB []*int) ends with the process killed.",
        "Set GOMEMLIMIT so the GC works harder before memory runs out, and make the heap "
        "cheaper to mark: []T instead of []*T, indices instead of pointers (heapdiff "
        "retainers finds the sites).")


# GOGC=100 lets the heap grow to twice the live heap; the headroom is worth a word once the
# live heap is large (256 MiB) and the goal is at least half as much again above it.
OVERHEAD_MIN_LIVE_BYTES = 256 * MIB
OVERHEAD_MIN_GOAL_RATIO = 1.5  # goal / live


def heap_overhead(f: Facts) -> Finding | None:
    gc = f.gc
    if gc is None or gc.live is None or gc.goal is None or gc.live < OVERHEAD_MIN_LIVE_BYTES \
            or gc.goal < OVERHEAD_MIN_GOAL_RATIO * gc.live:
        return None
    live, goal = gc.live, gc.goal
    return Finding(
        "heap_overhead", "info", goal - live,
        f"the heap may grow {mebibytes(goal - live)} beyond its {mebibytes(live)} live data",
        "With GOGC=100 the heap goal is about twice the live heap; on a large live heap the "
        "headroom is a lot of memory.",
        "Set GOMEMLIMIT so the goal stays under what you can afford, lower GOGC, or move "
        "large caches off the Go heap (mmap'ed storage the GC never scans or counts).")


# Marking a pointer-free heap costs next to nothing per MiB; 0.2 ms of mark CPU per live MiB
# on a heap of 32 MiB or more, or 32 MiB of pointer-bearing heap to scan, is a pointer-dense
# heap (the pointer_slice sample's two sides fall on either side of these).
SCAN_MIN_MS_PER_MIB = 0.2
SCAN_MIN_LIVE_BYTES = 32 * MIB
SCAN_MIN_SCAN_HEAP_BYTES = 32 * MIB


def gc_scan_cost(f: Facts) -> Finding | None:
    gc = f.gc
    if gc is None:
        return None
    costly = (gc.mark_cpu_ms_per_mib is not None and gc.mark_cpu_ms_per_mib >= SCAN_MIN_MS_PER_MIB
              and gc.live is not None and gc.live >= SCAN_MIN_LIVE_BYTES)
    scanned = gc.scan_heap is not None and gc.scan_heap >= SCAN_MIN_SCAN_HEAP_BYTES
    if not (costly or scanned):
        return None
    parts = []
    if gc.scan_heap is not None:
        parts.append(f"the GC scans {mebibytes(gc.scan_heap)} of pointer-bearing heap each cycle")
    if gc.mark_cpu_ms_per_cycle is not None:
        parts.append(f"marking takes {gc.mark_cpu_ms_per_cycle:.1f} ms of CPU per cycle"
                     + (f" ({gc.mark_cpu_ms_per_mib:.2f} ms per live MiB)"
                        if gc.mark_cpu_ms_per_mib is not None else ""))
    return Finding(
        "gc_scan_cost", "warning", gc.scan_heap,
        "a pointer-dense heap makes every GC cycle expensive",
        "; ".join(parts) + ". A pointer-free heap of the same size costs almost nothing to "
        "mark: the GC never reads objects without pointers.",
        "Find the pointer-dense live sites with `heapdiff retainers`; store values instead of "
        "pointers ([]T, not []*T), indices instead of pointers, pointer-free keys and values "
        "in big maps.")


# A cgroup limit with no GOMEMLIMIT below it: the GC paces by GOGC alone and cannot see the
# limit the kernel kills at. GOMEMLIMIT unset reads as math.MaxInt64.
GOMEMLIMIT_METRIC = "/gc/gomemlimit:bytes"


def no_gomemlimit(f: Facts) -> Finding | None:
    c, metrics = f.waterfall.container, f.snapshot.metrics
    memlimit = metrics.get(GOMEMLIMIT_METRIC) if metrics is not None else None
    if c is None or c.limit is None or memlimit is None or memlimit < c.limit:
        return None
    unset = memlimit >= (1 << 63) - 1
    return Finding(
        "no_gomemlimit", "warning", c.limit,
        ("no GOMEMLIMIT under" if unset else f"GOMEMLIMIT {mebibytes(int(memlimit))} is above")
        + f" the container's {mebibytes(c.limit)} limit",
        f"The cgroup limit ({c.limit_file}) is {mebibytes(c.limit)} and the Go runtime's "
        "memory limit is "
        + ("not set" if unset else mebibytes(int(memlimit)))
        + ": the GC paces by GOGC alone and does not work harder as the container nears the "
        "limit, where the kernel kills the process.",
        "Set GOMEMLIMIT to about 90% of the container limit less what lives outside Go "
        "(outside_go, page cache that is not reclaimable); keep GOGC, or GOGC=off for a "
        "heap that should use the room.")


# The heap grows to the goal (NextGC) before the next GC: the usage it would reach, all else
# equal, is usage + (NextGC - HeapAlloc). Past the limit, the kernel kills before that GC.
GOAL_LIMIT_SHARE = 1.0  # of the limit


def heap_goal_over_limit(f: Facts) -> Finding | None:
    c, m = f.waterfall.container, f.memstats
    if c is None or c.limit is None or m is None or m["NextGC"] is None:
        return None
    growth = max(0, m["NextGC"] - m["HeapAlloc"])
    projected = c.usage + growth
    if projected <= c.limit * GOAL_LIMIT_SHARE:
        return None
    return Finding(
        "heap_goal_over_limit", "critical", projected - c.limit,
        f"the heap goal would take the container {mebibytes(projected - c.limit)} past its "
        "limit",
        f"The heap may grow from HeapAlloc {mebibytes(m['HeapAlloc'])} to the goal NextGC "
        f"{mebibytes(m['NextGC'])} before the next GC: {c.usage_file} "
        f"{mebibytes(c.usage)} + {mebibytes(growth)} = {mebibytes(projected)}, over the "
        f"{mebibytes(c.limit)} limit.",
        "Set GOMEMLIMIT below the container limit (the goal then stays under it), lower GOGC, "
        "or raise the limit.")


def oom_kills(f: Facts) -> Finding | None:
    c = f.waterfall.container
    if c is None or not c.oom_kills:
        return None
    where = "memory.events" if c.version == "v2" else "memory.oom_control"
    return Finding(
        "oom_kills", "critical", c.limit,
        f"{c.oom_kills} process{'es' if c.oom_kills != 1 else ''} OOM-killed in this cgroup",
        f"{where} records oom_kill {c.oom_kills}: the kernel killed processes of this cgroup "
        "for reaching its memory limit"
        + (f" ({mebibytes(c.limit)})" if c.limit is not None else "") + ".",
        "Find what grew before the kill (heapdiff timeline on a capture); set GOMEMLIMIT "
        "below the limit so the GC works harder before the kernel kills, and leave room for "
        "memory outside Go.")


# Page cache is charged to the container; inactive file pages are reclaimed before an OOM
# kill, but they count in usage, and active ones in Kubernetes' working set too. Worth a word
# when it is a quarter of the usage and at least 16 MiB.
PAGE_CACHE_MIN_BYTES = 16 * MIB
PAGE_CACHE_SHARE = 1 / 4  # of usage


def page_cache_charged(f: Facts) -> Finding | None:
    c = f.waterfall.container
    if c is None or c.page_cache is None or c.page_cache < PAGE_CACHE_MIN_BYTES \
            or c.page_cache < c.usage * PAGE_CACHE_SHARE:
        return None
    ws = c.working_set
    return Finding(
        "page_cache_charged", "info", c.page_cache,
        f"{mebibytes(c.page_cache)} of page cache is charged to the container",
        f"{c.usage_file} {mebibytes(c.usage)} includes {mebibytes(c.page_cache)} of file "
        "pages (files read or written) that no Go figure shows"
        + (f"; the working set, usage less inactive_file, is {mebibytes(ws)}" if ws is not None
           else "") + ". The kernel reclaims inactive pages before an OOM kill, but "
        "dashboards of usage, and Kubernetes' eviction on the working set, count them.",
        "Watch the working set, not usage; files read once can skip the cache (O_DIRECT, "
        "posix_fadvise DONTNEED) or be read from a sidecar outside the container's limit.")


RULES: dict[str, Rule] = {
    "stale_profile": stale_profile,
    "fragmentation": fragmentation,
    "free_retained": free_retained,
    "outside_go_memory": outside_go_memory,
    "virtual_ballast": virtual_ballast,
    "goroutine_stacks": goroutine_stacks,
    "gc_thrash": gc_thrash,
    "gc_runaway": gc_runaway,
    "heap_overhead": heap_overhead,
    "gc_scan_cost": gc_scan_cost,
    "no_gomemlimit": no_gomemlimit,
    "heap_goal_over_limit": heap_goal_over_limit,
    "oom_kills": oom_kills,
    "page_cache_charged": page_cache_charged,
}


def findings(s: Snapshot, w: Waterfall, gc: GCHealth | None,
             earlier: Waterfall | None = None) -> list[Finding]:
    """Every rule's finding, most severe first, then the largest; `earlier` is the compared
    base moment's waterfall, so that no finding reassures while the profile grew."""
    facts = Facts(s, w, gc, earlier)
    found = [finding for rule in RULES.values() if (finding := rule(facts)) is not None]
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], -abs(f.bytes or 0), f.id))
