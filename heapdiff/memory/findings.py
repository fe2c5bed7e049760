"""Findings: what the numbers show, each with an id a script can rely on, raised only when the
numbers show it, with the figures that raised it and advice that names the Go knob or the code
change. The one vocabulary of the CLI, the report and the TUI."""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

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


def findings(s: Snapshot, w: Waterfall, gc: GCHealth | None) -> list[Finding]:
    out: list[Finding] = []
    rss = w.rss
    m = cast(MemStats, s.memstats)  # read only under waterfall rows that MemStats gave
    since = w.get("since_last_gc")
    profile = w.get("profile_inuse")
    if since is not None and profile is not None and since >= 16 * MIB and since >= profile:
        out.append(Finding(
            "stale_profile", "warning", since,
            f"{mebibytes(since)} of heap is not in the profile",
            f"HeapAlloc is {mebibytes(m['HeapAlloc'])} but the heap profile shows {mebibytes(profile)}: the "
            "profile describes the heap at the end of an earlier GC, and everything allocated "
            "since (mostly garbage awaiting the next cycle) is missing from it.",
            "Take the profile with /debug/pprof/heap?gc=1 (or after runtime.GC()) to see the live "
            "heap; if the garbage itself is the problem, lower GOGC or set GOMEMLIMIT so the GC "
            "runs sooner, and find the churn with the alloc_space sample type."))
    frag = w.get("fragmentation")
    if frag is not None and m is not None and frag >= 4 * MIB and frag >= m["HeapInuse"] / 4:
        detail = (f"HeapInuse {mebibytes(m['HeapInuse'])} holds only {mebibytes(m['HeapAlloc'])} of "
                  "objects.")
        if w.pinned is not None and w.pinned.pinned > 0:
            p = w.pinned
            detail += (f" At least {mebibytes(p.pinned)} are whole spans that the live objects, "
                       f"packed tightly, would not need; likely {p.size}-byte objects: "
                       f"{p.live_objects:,} live of {p.allocated_objects:,} allocated.")
        out.append(Finding(
            "fragmentation", "warning", frag, f"{mebibytes(frag)} of in-use spans hold no object",
            detail,
            "Go's GC never moves objects, so a few long-lived objects pin whole spans of a size "
            "class. Allocate long-lived objects apart from short-lived ones of the same size "
            "(e.g. copy survivors into a fresh slice or map), or keep them in one slice."))
    free = w.get("free_retained")
    base = rss if rss is not None else (m["Sys"] - m["HeapReleased"] if m else None)
    if free is not None and base and free >= 16 * MIB and free >= base / 5:
        out.append(Finding(
            "free_retained", "info", free, f"{mebibytes(free)} of free heap is still resident",
            "Heap pages freed by the GC stay resident until the background scavenger returns "
            "them to the OS, which it does slowly (about 1% of CPU).",
            "Nothing leaks. To give the memory back now call debug.FreeOSMemory(); a GOMEMLIMIT "
            "makes the scavenger keep Go's memory below the limit."))
    outside = w.get("outside_go")
    if outside is not None and rss and outside >= 16 * MIB and outside >= rss / 4:
        out.append(Finding(
            "outside_go_memory", "warning", outside,
            f"{mebibytes(outside)} of RSS is outside Go's accounting",
            f"RSS is {mebibytes(rss)} but the Go runtime has only {mebibytes(m['Sys'] - m['HeapReleased'])} "
            "mapped: the rest is cgo/C allocations, mmap'ed regions or files, none of which "
            "MemStats, pprof or GOMEMLIMIT see.",
            "Find the mappings in /proc/PID/smaps (large anonymous regions outside the Go heap "
            "arena); an off-heap (syscall.Mmap) cache or a C library needs its own size limit, "
            "and leaves room under a container limit that GOMEMLIMIT does not know about."))
    untouched = w.get("untouched")
    if untouched is not None and m and untouched <= -64 * MIB and \
            -untouched >= (m["Sys"] - m["HeapReleased"]) / 4:
        out.append(Finding(
            "virtual_ballast", "info", untouched,
            f"{mebibytes(-untouched)} of Go memory was never touched",
            "The runtime counts this memory as mapped and ready, but the kernel never backed "
            "it: a large allocation that is never written, such as a GC ballast "
            "(make([]byte, N) kept alive to raise the heap goal).",
            "It costs no RSS, but counts against GOMEMLIMIT and inflates Sys. Since Go 1.19, "
            "set GOMEMLIMIT (and GOGC) instead of keeping a ballast."))
    if m is not None:
        stacks = m.get("StackInuse", 0)
        base = rss if rss is not None else m["Sys"] - m["HeapReleased"]
        if stacks >= 16 * MIB and base and stacks >= base / 4:
            goroutines = s.metrics.get("/sched/goroutines:goroutines") if s.metrics else None
            count = f" for {int(goroutines):,} goroutines" if goroutines else ""
            out.append(Finding(
                "goroutine_stacks", "warning", stacks, f"{mebibytes(stacks)} of goroutine stacks",
                f"StackInuse is {mebibytes(stacks)}{count}, {100 * stacks / base:.0f}% of "
                f"{'RSS' if rss is not None else 'Go memory'}; the heap profile does not show "
                "stacks.",
                "Bound the number of goroutines (a worker pool, a semaphore), find blocked or "
                "leaked ones with /debug/pprof/goroutine, and avoid deep recursion."))
    if gc is not None:
        out += _gc_findings(gc, m)
    return sorted(out, key=lambda f: (SEVERITY_ORDER[f.severity], -abs(f.bytes or 0), f.id))


def _gc_findings(gc: GCHealth, m) -> list[Finding]:
    out = []
    live = gc.live
    if (gc.per_second is not None and gc.per_second >= 10 and (gc.automatic or 0) >= 20
            and (gc.cpu_percent or 0) >= 5 and live is not None and live <= 64 * MIB):
        out.append(Finding(
            "gc_thrash", "warning", live,
            f"{gc.per_second:.0f} GC cycles per second on a {mebibytes(live)} heap",
            f"The live heap is small, so the heap goal (GOGC=100: twice the live heap) is reached "
            f"after a few MiB of allocation, and the GC runs {gc.per_second:.0f} times a second"
            + (f", using {gc.cpu_percent:.0f}% of CPU" if gc.cpu_percent is not None else "") + ".",
            "Raise GOGC (e.g. GOGC=400) or set GOMEMLIMIT to the memory you can afford with "
            "GOGC=off; a ballast was the trick before Go 1.19. Allocating less (reuse buffers, "
            "sync.Pool) helps both."))
    if gc.goal_rising_cycles >= 5 and (gc.cpu_percent or 0) >= 25:
        out.append(Finding(
            "gc_runaway", "critical", gc.goal,
            f"the heap goal rose {gc.goal_rising_cycles} cycles in a row with the GC at "
            f"{gc.cpu_percent:.0f}% CPU",
            "The GC is falling behind: each cycle ends with more live heap, so the goal keeps "
            "growing while marking takes most of the CPU. This is how a large pointer-heavy heap "
            "(a 12 GB []*int) ends with the process killed.",
            "Set GOMEMLIMIT so the GC works harder before memory runs out, and make the heap "
            "cheaper to mark: []T instead of []*T, indices instead of pointers (heapdiff "
            "retainers finds the sites)."))
    if live is not None and gc.goal is not None and live >= 256 * MIB and gc.goal >= 1.5 * live:
        out.append(Finding(
            "heap_overhead", "info", gc.goal - live,
            f"the heap may grow {mebibytes(gc.goal - live)} beyond its {mebibytes(live)} live data",
            "With GOGC=100 the heap goal is about twice the live heap; on a large live heap the "
            "headroom is a lot of memory.",
            "Set GOMEMLIMIT so the goal stays under what you can afford, lower GOGC, or move "
            "large caches off the Go heap (mmap'ed storage the GC never scans or counts)."))
    scan_cost = (gc.mark_cpu_ms_per_mib is not None and gc.mark_cpu_ms_per_mib >= 0.2
                 and live is not None and live >= 32 * MIB)
    scan_heap = gc.scan_heap is not None and gc.scan_heap >= 32 * MIB
    if scan_cost or scan_heap:
        parts = []
        if gc.scan_heap is not None:
            parts.append(f"the GC scans {mebibytes(gc.scan_heap)} of pointer-bearing heap each cycle")
        if gc.mark_cpu_ms_per_cycle is not None:
            parts.append(f"marking takes {gc.mark_cpu_ms_per_cycle:.1f} ms of CPU per cycle"
                         + (f" ({gc.mark_cpu_ms_per_mib:.2f} ms per live MiB)"
                            if gc.mark_cpu_ms_per_mib is not None else ""))
        out.append(Finding(
            "gc_scan_cost", "warning", gc.scan_heap,
            "a pointer-dense heap makes every GC cycle expensive",
            "; ".join(parts) + ". A pointer-free heap of the same size costs almost nothing to "
            "mark: the GC never reads objects without pointers.",
            "Find the pointer-dense live sites with `heapdiff retainers`; store values instead of "
            "pointers ([]T, not []*T), indices instead of pointers, pointer-free keys and values "
            "in big maps."))
    return out
