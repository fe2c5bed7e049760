"""Where every byte of RSS went: a waterfall from the heap profile's figure to the process RSS.

The heap profile describes the heap at the end of an earlier GC (reference §1.5); MemStats is
an instant; RSS is the kernel's view. The rows add up exactly:
  profile_inuse + since_last_gc        = HeapAlloc
  + fragmentation                      = HeapInuse
  + free_retained + stacks + metadata  = Sys - HeapReleased  (what GOMEMLIMIT sees)
  + outside_go + untouched             = RSS
outside_go is measured where a full smaps carries Go 1.25+'s mapping names (the Rss of the
mappings without a Go name); otherwise it is inferred: at least the file-backed pages (the
binary, libraries). untouched is what is left when the remainder is negative: Go memory the
kernel never backed. Past RSS, a cgroup's files continue the rows to what the container is
charged (memory/container.py); a full smaps splits RSS by mapping (`split`)."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .container import Container, container, own_pages
from .sizeclasses import BY_SIZE, minimum_bytes
from ..inputs.delta import delta_note
from ..analysis.live import live_heap, why_not_live
from ..inputs.snapshot import Snapshot
from ..common.units import mebibytes
from ..model import MemStats

METADATA = ("MSpanSys", "MCacheSys", "BuckHashSys", "GCSys", "OtherSys")
NEEDS_PROFILE = "a heap profile (/debug/pprof/heap)"
NEEDS_MEMSTATS = "MemStats (/debug/vars, memstats.json, or a ?debug=1 heap profile)"
NEEDS_RSS = "/proc/PID/status or /proc/PID/smaps_rollup"


@dataclass(frozen=True)
class Row:
    component: str
    bytes: int | None  # None: the given files cannot determine it
    cause: str
    advice: str = ""
    needs: str = ""  # what would determine an unknown row
    sigma: int | None = None  # sampling error (1 sigma) of an estimate


@dataclass(frozen=True)
class PinnedSpans:
    """Whole spans that perfect packing of the live objects would free, and the size class
    that most likely holds them."""

    pinned: int  # HeapInuse less a lower bound of the live objects' spans (perfect packing)
    size: int  # the suspect class: most spans allocated beyond what its live objects need
    live_objects: int
    allocated_objects: int


@dataclass(frozen=True)
class Waterfall:
    rss: int | None
    rss_source: str
    rows: tuple[Row, ...]
    pinned: PinnedSpans | None
    delta: str = ""  # delta_note of a delta profile given, which the rows leave out
    # a full smaps's RSS by mapping (go_heap, go_runtime, other_anon, file; or anon, file),
    # summing to rss
    split: tuple[tuple[str, int], ...] = ()
    container: Container | None = None  # past RSS: the cgroup's charge, to its usage

    def get(self, component: str) -> int | None:
        for row in self.rows:
            if row.component == component:
                return row.bytes
        return None

    @property
    def leading(self) -> Row | None:
        """The largest known row between the profile's figure and RSS: the main reason RSS
        differs from what the heap profile shows."""
        known = [r for r in self.rows if r.bytes is not None and r.component != "profile_inuse"]
        return max(known, key=lambda r: abs(r.bytes or 0)) if known else None


def waterfall(s: Snapshot) -> Waterfall:
    return dataclasses.replace(
        _waterfall(s), split=s.smaps.split if s.smaps is not None else (),
        container=container(s.cgroup, s.rss, own_pages(s.rss, s.status, s.smaps)))


def _waterfall(s: Snapshot) -> Waterfall:
    delta = delta_note(s.profile)
    if delta:  # a change over a span says nothing of the heap at one moment: left out
        s = dataclasses.replace(s, profile=None)
    m = s.memstats
    profile_inuse, sigma = _profile_inuse(s)
    heap = live_heap(s.profile) if s.profile is not None else None
    cause = "the heap profile's in-use estimate, as of an earlier GC (sampled)"
    if heap is not None and heap.note:
        cause += f"; {heap.note}" + ("" if sigma is not None else ", so no sampling error")
    needs = NEEDS_PROFILE + (" of one moment, not a delta profile" if delta else "")
    if s.profile is not None and heap is None:
        needs = f"{NEEDS_PROFILE}: {s.profile.source} has {why_not_live(s.profile)}"
    rows = [Row("profile_inuse", profile_inuse, cause, "",
                "" if profile_inuse is not None else needs, sigma)]
    if m is None:
        rows.append(Row("memstats", None, "how the Go runtime's memory splits",
                        needs=NEEDS_MEMSTATS))
        if s.rss is not None and profile_inuse is not None:
            rows.append(Row("unattributed", s.rss - profile_inuse,
                            "RSS beyond the profile; MemStats would split it",
                            needs=NEEDS_MEMSTATS))
        return Waterfall(s.rss, s.rss_source, tuple(rows), None, delta)

    heap_alloc = m["HeapAlloc"]
    if profile_inuse is not None and heap_alloc is not None:
        rows.append(Row("since_last_gc", heap_alloc - profile_inuse,
                        "heap allocated since the GC the profile describes: garbage not yet "
                        "collected, and new objects",
                        "the profile lags: take it with ?gc=1 (runtime.GC first) to see the "
                        "live heap; a lower GOGC or a GOMEMLIMIT collects sooner"))
    else:
        rows.append(Row("heap_alloc", heap_alloc, "heap objects, live and not yet swept",
                        needs=NEEDS_PROFILE if heap_alloc is not None
                        else _needs_fields(m, "HeapAlloc")))
    pinned = _pinned_spans(s)
    frag_cause = "free slots inside spans that hold live objects (size-class fragmentation)"
    if pinned and pinned.pinned > 0:
        frag_cause += (f"; at least {mebibytes(pinned.pinned)} are whole spans a perfect packing "
                       f"would free, most likely {pinned.size}-byte objects")
    rows.append(_row(m, ("HeapInuse", "HeapAlloc"), lambda inuse, alloc: inuse - alloc,
                     "fragmentation", frag_cause,
                     "the GC never moves objects: keep long-lived objects apart from short-lived "
                     "ones of the same size (allocate them together, or copy survivors into a "
                     "fresh slice/map) so whole spans empty"))
    rows.append(_row(m, ("HeapIdle", "HeapReleased"), lambda idle, released: idle - released,
                     "free_retained", "free heap pages the scavenger has not returned to the "
                     "OS yet",
                     "returned slowly in the background, at once by debug.FreeOSMemory(); a "
                     "GOMEMLIMIT makes the scavenger keep below it"))
    rows.append(_row(m, ("StackSys",), lambda stacks: stacks, "stacks", "goroutine stacks",
                     "fewer goroutines (a worker pool), or shallower recursion"))
    rows.append(_row(m, METADATA, lambda *parts: sum(parts), "runtime_metadata",
                     "the runtime's own structures: spans, mcaches, profiling buckets, GC "
                     "bitmaps, other"))
    rss = s.rss
    go_missing = _needs_fields(m, "Sys", "HeapReleased")
    if rss is None or go_missing:
        needs = " and ".join(n for n in (NEEDS_RSS if rss is None else "", go_missing) if n)
        rows.append(Row("outside_go", None, "memory outside Go: cgo, mmap, the binary",
                        needs=needs))
        rows.append(Row("untouched", None, "Go memory the kernel never backed",
                        needs=needs))
    else:
        remainder = rss - (m["Sys"] - m["HeapReleased"])
        outside, cause = _outside_go(s, remainder)
        rows.append(Row("outside_go", outside, cause,
                        "invisible to MemStats, pprof and GOMEMLIMIT: look at /proc/PID/smaps "
                        "for the mappings; size off-heap caches deliberately"))
        rows.append(Row("untouched", remainder - outside,
                        "Go memory mapped but never written, so never resident (e.g. a "
                        "ballast), or swapped out",
                        "harmless for RSS, but it counts against GOMEMLIMIT; since Go 1.19 "
                        "set GOMEMLIMIT instead of keeping a ballast"))
    return Waterfall(rss, s.rss_source, tuple(rows), pinned, delta)


OUTSIDE_GO_CAUSE = ("resident memory Go does not account: cgo and C libraries, mmap'ed "
                    "regions, the binary and libraries (file pages)")
NO_GO_NAMES = ("; inferred: the smaps has no Go mapping names (Go before 1.25, "
               "GODEBUG=decoratemappings=0, or a kernel without anonymous VMA names)")


def _outside_go(s: Snapshot, remainder: int) -> tuple[int, str]:
    """Measured: the Rss of mappings without a Go name, when a full smaps has Go's names.
    Inferred: RSS beyond Go's mapped memory, and at least the file pages."""
    smaps = s.smaps
    if smaps is not None and smaps.go_named:
        anon, files = smaps.part("other_anon") or 0, smaps.part("file") or 0
        return anon + files, (
            f"measured in smaps: {mebibytes(anon)} anonymous memory without a Go mapping name "
            f"(cgo and C libraries, mmap'ed regions, thread stacks, the binary's BSS) and "
            f"{mebibytes(files)} of file mappings (the binary, libraries, mapped files)")
    files = (s.status.fields.get("RssFile") if s.status else None) \
        or (smaps.part("file") if smaps is not None else None) or 0
    cause = OUTSIDE_GO_CAUSE + (NO_GO_NAMES if smaps is not None and smaps.split else "")
    return (remainder if remainder >= files else files), cause


def _row(m: MemStats, fields: tuple[str, ...], value: Callable[..., int], component: str,
         cause: str, advice: str = "") -> Row:
    """A row computed from MemStats fields, unknown (saying which fields) when any is absent:
    telemetry gives only some of them."""
    missing = _needs_fields(m, *fields)
    if missing:
        return Row(component, None, cause, advice, needs=missing)
    return Row(component, value(*(m[f] for f in fields)), cause, advice)


def _needs_fields(m: MemStats, *fields: str) -> str:
    """What would settle a row whose MemStats fields are absent ("" when none is)."""
    missing = [f for f in fields if m[f] is None]
    return f"MemStats {', '.join(missing)}: {NEEDS_MEMSTATS}" if missing else ""


def _profile_inuse(s: Snapshot) -> tuple[int | None, int | None]:
    """The profile's inuse_space total and its 1-sigma sampling error (reference §1.4):
    variance = sum over records of n s^2 (1-p) / p^2, with n the raw sample count."""
    p = s.profile
    heap = live_heap(p) if p is not None else None
    if p is None or heap is None:
        return None, None
    total = int(heap.bytes.sum())
    rate = p.period
    if rate <= 1:
        return total, 0
    if heap.objects is None:
        return total, None
    size = p.numeric_label("bytes").astype(np.float64)
    keep = size > 0
    prob = -np.expm1(-size[keep] / rate)
    raw = np.rint(heap.objects[keep] * prob)
    variance = float((raw * size[keep] ** 2 * (1 - prob) / prob ** 2).sum())
    return total, int(math.sqrt(max(variance, 0.0)))


def _pinned_spans(s: Snapshot) -> PinnedSpans | None:
    """Live objects per size: MemStats.BySize where it reports (classes up to 18432 B), the
    profile's `bytes` labels beyond; allocated objects per size from the profile."""
    m, p = s.memstats, s.profile
    if m is None or m["HeapInuse"] is None or (p is None and not m.by_size):
        return None
    live: dict[int, int] = {}
    allocated: dict[int, int] = {}
    if p is not None:
        sizes = p.numeric_label("bytes")
        heap = live_heap(p)
        names = {vt.type: i for i, vt in reversed(list(enumerate(p.sample_types)))}
        columns = ((heap.objects if heap is not None else None, live),
                   (p.values[:, names["alloc_objects"]] if "alloc_objects" in names else None,
                    allocated))
        for column, target in columns:
            if column is None:
                continue
            for size, count in zip(sizes.tolist(), column.tolist()):
                if size > 0:
                    target[size] = target.get(size, 0) + count
    for size, mallocs, frees in m.by_size:
        if size > 0:
            live[size] = mallocs - frees
            allocated[size] = max(allocated.get(size, 0), mallocs)
    minimum = sum(minimum_bytes(size, n) for size, n in live.items())

    def excess(size: int) -> int:
        return minimum_bytes(size, allocated.get(size, 0)) - minimum_bytes(size, live.get(size, 0))

    small = [size for size in allocated if size in BY_SIZE]
    if not small:
        return None
    suspect = max(small, key=excess)
    return PinnedSpans(pinned=max(0, m["HeapInuse"] - minimum),
                       size=suspect, live_objects=live.get(suspect, 0),
                       allocated_objects=allocated.get(suspect, 0))
