"""How each function's live heap and the process's memory moved over the rounds of a capture,
and which functions look like leaks.

A function's value in a round is its flat figure for the sample type, exactly what `heapdiff
top` shows for that round's profile. Rounds are read one at a time, so a long capture costs
one profile's memory. A heap profile changes only at a GC cycle, so equal consecutive values
are normal and say nothing by themselves.

Classification (`classify`) measures every change against a scale: for functions the largest
profile total of any round, for memory rows the row's own peak. Steps smaller than NOISE of
the scale are ignored (sampling noise, a few objects); a rise or fall is meaningful from
MEANINGFUL of the scale:

  sawtooth   rises and falls by at least MEANINGFUL each (summing the steps beyond NOISE)
  grower     ends at least MEANINGFUL above its start, its falls summing to less than
             MEANINGFUL: non-decreasing up to noise and dips, the shape of a leak
  shrinking  ends at least MEANINGFUL below its start
  steady     anything else
  unknown    fewer than two known values (a memory row the capture could not fill)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..analysis.aggregate import aggregate
from .manifest import ARTIFACT_FILES, PROFILE_ARTIFACTS, Capture, Round
from ..analysis.diff import sample_index_in
from ..common.errors import InputError
from ..inputs.load import load_profile
from ..model import MemStats, Profile
from ..common.progress import Report, silent
from ..inputs.snapshot import Snapshot, load_snapshot

NOISE = 0.005      # of the scale: smaller steps are treated as no change
MEANINGFUL = 0.02  # of the scale: a rise, fall or net change that counts
MEMORY_ROWS = ("RSS", "HeapAlloc", "HeapInuse")
# shown after them when a round has it (capture --pid read the process's cgroup)
CGROUP_ROW = "cgroup usage"


@dataclass(frozen=True)
class Trend:
    """One row of the timeline. Values are exact integers (bytes, or the sample type's unit);
    None marks a round that lacks the value, which only memory rows have."""
    name: str
    values: tuple[float | None, ...]
    slope: float  # per second, least squares over the rounds' times (known values only)
    kind: str     # grower, sawtooth, shrinking, steady or unknown

    @property
    def known(self) -> tuple[float, ...]:
        return tuple(v for v in self.values if v is not None)

    @property
    def first(self) -> float | None:
        return self.known[0] if self.known else None

    @property
    def last(self) -> float | None:
        return self.known[-1] if self.known else None

    @property
    def change(self) -> float | None:
        return None if not self.known else self.known[-1] - self.known[0]

    @property
    def peak(self) -> float | None:
        return max(self.known) if self.known else None


@dataclass(frozen=True)
class Timeline:
    capture: str                      # the capture folder
    times: tuple[float, ...]          # unix seconds of each profile round's start
    labels: tuple[str, ...]           # "#N HH:MM:SS" per round
    unit: str                         # of the function values
    sample_index: str                 # the sample type, e.g. inuse_space
    granularity: str
    totals: tuple[int, ...]           # the profile's total per round
    functions: tuple[Trend, ...]      # growers by slope, then the rest by |change|, peak
    memory: tuple[Trend, ...]         # RSS, HeapAlloc, HeapInuse (bytes; None when missing),
                                      # and the cgroup's usage when a round has it


def build_timeline(capture: Capture, sample_index: str | None = None,
                   granularity: str = "functions", progress: Report = silent) -> Timeline:
    rounds = capture.profile_rounds
    if len(rounds) < 2:
        raise InputError(str(capture.path), f"{len(rounds)} round(s) with a heap profile; a "
                                            "timeline needs at least 2")
    per_function: dict[str, list[int]] = {}
    totals: list[int] = []
    memory: list[tuple[int | None, ...]] = []
    type_name = sample_index
    unit = ""
    for i, r in enumerate(rounds):
        progress(f"reading round {r.round} ({i + 1} of {len(rounds)})")
        profile = load_profile(capture.profile_file(r), progress)
        index = sample_index_in(profile, type_name)
        type_name, unit = profile.sample_types[index].type, profile.sample_types[index].unit
        agg = aggregate(profile, index, granularity)
        totals.append(agg.total)
        names = agg.frames.names
        for node in np.flatnonzero(agg.flat).tolist():
            per_function.setdefault(names[node], [0] * len(rounds))[i] += int(agg.flat[node])
        memory.append(memory_of(capture, r, profile))
        del profile, agg  # one profile in memory at a time

    times = tuple(r.unix for r in rounds)
    scale = max(totals)
    functions = [trend(name, values, times, scale) for name, values in per_function.items()]
    names = MEMORY_ROWS + ((CGROUP_ROW,) if any(m[-1] is not None for m in memory) else ())
    rows = [trend(name, [m[k] for m in memory], times) for k, name in enumerate(names)]
    return Timeline(capture=str(capture.path), times=times,
                    labels=tuple(f"#{r.round} {r.time[11:19]}" for r in rounds), unit=unit,
                    sample_index=type_name or "", granularity=granularity, totals=tuple(totals),
                    functions=tuple(ordered(functions)), memory=tuple(rows))


def memory_of(capture: Capture, r: Round, profile: Profile) -> tuple[int | None, ...]:
    """RSS, HeapAlloc, HeapInuse and the cgroup's usage (memory.current, usage_in_bytes) of
    one round, without decoding its profile again: the non-profile files, and the debug=1
    trailer only when they hold no MemStats."""
    others = [str(capture.round_path(r) / a.file) for a in r.artifacts
              if a.ok and a.file and a.name not in PROFILE_ARTIFACTS]
    snap = load_snapshot(others) if others else Snapshot()
    memstats: MemStats | None = snap.memstats if snap.memstats is not None else profile.memstats
    if memstats is None and profile.format != "legacy-text" and r.has("heap_text"):
        text = capture.round_path(r) / ARTIFACT_FILES["heap_text"]
        memstats = load_profile(text).memstats
    alloc = inuse = None
    if memstats is not None:
        alloc, inuse = memstats["HeapAlloc"], memstats["HeapInuse"]
    return snap.rss, alloc, inuse, snap.cgroup.usage if snap.cgroup is not None else None


def trend(name: str, values: Sequence[int | None], times: tuple[float, ...],
          scale: float | None = None) -> Trend:
    """A row: its slope and kind. scale defaults to the row's own peak."""
    known = [(t, v) for t, v in zip(times, values) if v is not None]
    if scale is None:
        scale = max((abs(v) for _, v in known), default=0)
    return Trend(name=name, values=tuple(values), slope=slope(known),
                 kind=classify([v for _, v in known], scale))


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of value over time, per second (0 for fewer than 2 instants)."""
    if len(points) < 2:
        return 0.0
    t = np.array([p[0] for p in points], dtype=float)
    v = np.array([p[1] for p in points], dtype=float)
    spread = ((t - t.mean()) ** 2).sum()
    return float(((t - t.mean()) * (v - v.mean())).sum() / spread) if spread else 0.0


def classify(values: list[float], scale: float) -> str:
    """See the module docstring."""
    if len(values) < 2:
        return "unknown"
    noise, meaningful = NOISE * scale, MEANINGFUL * scale
    steps = np.diff(np.array(values, dtype=float))
    rises = steps[steps > noise].sum()
    falls = -steps[steps < -noise].sum()
    change = values[-1] - values[0]
    if rises >= meaningful and falls >= meaningful and falls > 0:
        return "sawtooth"
    if change >= meaningful and change > 0:
        return "grower"
    if change <= -meaningful and change < 0:
        return "shrinking"
    return "steady"


def ordered(trends: list[Trend]) -> list[Trend]:
    """Growers first, steepest first; then the others by how much they changed, then peak."""
    growers = sorted((t for t in trends if t.kind == "grower"), key=lambda t: (-t.slope, t.name))
    others = sorted((t for t in trends if t.kind != "grower"),
                    key=lambda t: (-abs(t.change or 0), -(t.peak or 0), t.name))
    return growers + others
