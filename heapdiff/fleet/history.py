"""Each instance's memory over a window, from one range query: the figures (RSS, HeapAlloc,
HeapInuse, free heap not yet returned, stacks, GC cycles) and the whole waterfall at every
step, each step's series read exactly as a scrape of that moment would be. Instances are
classified and ranked by their RSS with the capture timeline's own rules (trend, ordered)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ..capture.timeline import Trend, ordered, trend
from ..inputs.snapshot import Snapshot
from ..inputs.decode.telemetry import NAMES
from ..memory.waterfall import METADATA, Waterfall, waterfall
from .api import Labels, Range, Server
from .moment import instance_of, snapshot_of, to_series
from .query import selector

# What the waterfall and FIGURES read, and so all a range query asks for: a series of every
# step of every instance costs, so the table's other names (the GC knobs, runtime/metrics
# values the findings read) are left to explain's instant query.
RANGE_FIELDS = {("memstats", f) for f in ("HeapAlloc", "HeapInuse", "HeapIdle",
                                          "HeapReleased", "Sys", "StackSys", "NumGC",
                                          *METADATA)} | {("proc", "VmRSS"), ("proc", "RssFile")}
RANGE_NAMES = tuple(dict.fromkeys(n.series for n in NAMES if (n.target, n.field) in RANGE_FIELDS))

# figure -> how a step's snapshot gives it; the first is the one instances are ranked by
FIGURES: dict[str, Callable[[Snapshot], float | None]] = {
    "rss": lambda s: s.rss,
    "heap_alloc": lambda s: _field(s, "HeapAlloc"),
    "heap_inuse": lambda s: _field(s, "HeapInuse"),
    "heap_free_retained": lambda s: _difference(s, "HeapIdle", "HeapReleased"),
    "stacks": lambda s: _field(s, "StackSys"),
    "gc_cycles": lambda s: _field(s, "NumGC"),
}


@dataclass(frozen=True)
class Instance:
    instance: str
    labels: Labels                       # the labels all its series share, but __name__
    times: tuple[float, ...]             # the steps it has samples at
    figures: tuple[Trend, ...]           # one per FIGURES entry, in its order
    waterfall: tuple[Trend, ...]         # one per waterfall row, in the waterfall's order
    waterfalls: tuple[Waterfall, ...]    # one per time

    @property
    def kind(self) -> str:
        return self.figures[0].kind


@dataclass(frozen=True)
class Fleet:
    source: str
    selector: str
    start: float
    end: float
    step: float
    instances: tuple[Instance, ...]  # by RSS growth: growers steepest first, then the others


def fleet_history(server: Server, matchers: str, start: float, end: float,
                  step: float) -> Fleet:
    query = selector(RANGE_NAMES, matchers)
    answer = server.range(query, start, end, step)
    found = [r for r in answer if r.points]  # NaN and infinities are dropped: maybe all
    if not found:
        raise server.error(f"no series match {{{matchers}}} between the start and the end "
                           "(is the selector right, and has the server scraped it then?)"
                           if not answer else f"the {len(answer)} series under {{{matchers}}} "
                           "hold no finite value between the start and the end")
    groups: dict[tuple[str, str], list[Range]] = defaultdict(list)  # (instance, job)
    for r in found:
        groups[instance_of(r.labels), dict(r.labels).get("job", "")].append(r)
    jobs_of = defaultdict(list)
    for name, job in groups:
        jobs_of[name].append(job)
    instances = [history(server.url, name if len(jobs_of[name]) == 1 else f"{name} job={job}",
                         ranges) for (name, job), ranges in groups.items()]
    by_rss = ordered([i.figures[0] for i in instances])
    rank = {id(t): n for n, t in enumerate(by_rss)}
    return Fleet(source=server.url, selector="{" + matchers + "}", start=start, end=end,
                 step=step,
                 instances=tuple(sorted(instances, key=lambda i: rank[id(i.figures[0])])))


def history(source: str, name: str, ranges: list[Range]) -> Instance:
    """One instance's figures and waterfall at every step any of its series has a point."""
    at: dict[float, list[tuple[Labels, float]]] = defaultdict(list)
    for r in ranges:
        for t, value in r.points:
            at[t].append((r.labels, value))
    times = tuple(sorted(at))
    snapshots = [snapshot_of(to_series(at[t]), f"{source} {name}") for t in times]
    falls = tuple(waterfall(s) for s in snapshots)
    figures = tuple(trend(figure, [_whole(read(s)) for s in snapshots], times)
                    for figure, read in FIGURES.items())
    components = list(dict.fromkeys(row.component for w in falls for row in w.rows))
    rows = tuple(trend(c, [w.get(c) for w in falls], times) for c in components)
    return Instance(instance=name, labels=_shared(ranges), times=times, figures=figures,
                    waterfall=rows, waterfalls=falls)


def _shared(ranges: list[Range]) -> Labels:
    common = set(ranges[0].labels)
    for r in ranges[1:]:
        common &= set(r.labels)
    return tuple(sorted((k, v) for k, v in common if k != "__name__"))


def _field(s: Snapshot, name: str) -> float | None:
    value = s.memstats[name] if s.memstats is not None else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _difference(s: Snapshot, a: str, b: str) -> float | None:
    x, y = _field(s, a), _field(s, b)
    return None if x is None or y is None else x - y


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)
