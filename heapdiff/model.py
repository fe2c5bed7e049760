"""The one profile model every decoder produces.

Columnar on purpose: a Go heap profile can hold a million samples and forty million frames, so
samples, stacks and labels are numpy arrays and locations refer to interned tables by index.
Nothing here is a Python object per sample or per frame.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .common.errors import InputError
from .common.sample_index import sample_index_of

if TYPE_CHECKING:  # imported where arrays are made: the small-profile route never needs numpy
    import numpy as np


def frozen_array(values, dtype) -> np.ndarray:
    """An array that refuses writes, so a Profile stays a value once built."""
    import numpy as np

    array = np.ascontiguousarray(values, dtype=dtype)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class ValueType:
    type: str
    unit: str


@dataclass(frozen=True)
class Function:
    name: str
    system_name: str
    filename: str
    start_line: int


@dataclass(frozen=True)
class Mapping:
    start: int
    limit: int
    offset: int
    filename: str
    build_id: str
    has_functions: bool = False
    has_filenames: bool = False
    has_line_numbers: bool = False
    has_inline_frames: bool = False


@dataclass(frozen=True, eq=False)
class Locations:
    """Interned locations, addressed by index. Lines are stored flat (CSR layout): location i
    owns lines line_offsets[i]:line_offsets[i+1], innermost inlined function first."""

    ids: np.ndarray  # uint64, the id the file gave each location
    address: np.ndarray  # uint64
    mapping: np.ndarray  # int32 index into Profile.mappings, -1 for none
    is_folded: np.ndarray  # bool
    line_offsets: np.ndarray  # int64, len(ids) + 1
    line_function: np.ndarray  # int32 index into Profile.functions, -1 for none
    line_number: np.ndarray  # int64
    line_column: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class Labels:
    """Sample labels, one row per label: which sample, the key, and a string or a number."""

    sample: np.ndarray  # int64 sample index
    key: np.ndarray  # int32 index into Profile.strings
    str: np.ndarray  # int32 index into Profile.strings (0 when numeric)
    num: np.ndarray  # int64
    num_unit: np.ndarray  # int32 index into Profile.strings

    def __len__(self) -> int:
        return len(self.sample)


@dataclass(frozen=True)
class MemStats:
    """runtime.MemStats at one instant. Field names follow Go's struct; absent fields are None
    (the debug=1 trailer, for one, carries no PauseTotalNs and no BySize)."""

    fields: dict[str, int | float | bool | tuple[int, ...] | None]  # tuples: PauseNs and the like
    by_size: tuple[tuple[int, int, int], ...] = ()  # (Size, Mallocs, Frees) per size class

    def __getitem__(self, name: str):
        return self.fields.get(name)

    def get(self, name: str, default=None):
        value = self.fields.get(name)
        return default if value is None else value


@dataclass(frozen=True, eq=False)
class Profile:
    """A pprof-shaped profile: heap, allocs, CPU, goroutine, or anything else.

    Sample i has values[i] (one column per sample type) and the call stack
    stack_locations[stack_offsets[i]:stack_offsets[i+1]] (location indices, leaf first).
    """

    sample_types: tuple[ValueType, ...]
    default_sample_type: str
    period_type: ValueType | None
    period: int
    time_nanos: int
    duration_nanos: int
    comments: tuple[str, ...]
    values: np.ndarray  # int64 [samples, sample types]
    stack_offsets: np.ndarray  # int64 [samples + 1]
    stack_locations: np.ndarray  # int32 location indices
    labels: Labels
    locations: Locations
    functions: tuple[Function, ...]
    mappings: tuple[Mapping, ...]
    strings: tuple[str, ...]
    source: str = ""  # the file or URL it came from, for messages
    format: str = "pprof"  # "pprof" or "legacy-text"
    memstats: MemStats | None = None  # the debug=1 trailer, when present
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def num_samples(self) -> int:
        return len(self.values)

    @property
    def is_delta(self) -> bool:
        """A delta profile (net/http/pprof's /debug/pprof/heap?seconds=N, allocs likewise): the
        second of two profiles minus the first, so a change over `duration_nanos`, not a heap.
        runtime/pprof sets no duration on a memory profile; serveDeltaProfile sets the span.
        Negative values (memory freed during the span) tell one too, where a tool dropped the
        duration; a diff written for pprof (its base labelled pprof::base) is not one."""
        cached = self._cache.get("is_delta")
        if cached is None:
            memory = self.period_type == ValueType("space", "bytes") or any(
                vt.type.startswith(("inuse_", "alloc_")) for vt in self.sample_types)
            cached = memory and "pprof::base" not in self.strings and (
                self.duration_nanos > 0 or bool((self.values < 0).any()))
            self._cache["is_delta"] = cached
        return cached

    def sample_index(self, name: str | None) -> int:
        return sample_index_of(self.sample_types, self.default_sample_type, name)

    def numeric_label(self, key: str) -> np.ndarray:
        """Per sample, the value of numeric label `key` (Go's "bytes": the object size), or 0."""
        cached = self._cache.get(("numlabel", key))
        if cached is not None:
            return cached
        import numpy as np

        out = np.zeros(self.num_samples, dtype=np.int64)
        try:
            key_index = self.strings.index(key)
        except ValueError:
            key_index = -1
        if key_index > 0:
            rows = (self.labels.key == key_index) & (self.labels.str == 0)
            out[self.labels.sample[rows]] = self.labels.num[rows]
        out.flags.writeable = False
        self._cache[("numlabel", key)] = out
        return out


@dataclass(frozen=True)
class ProcMem:
    """/proc/PID/status, /proc/PID/smaps_rollup or the full /proc/PID/smaps: fields in bytes
    (the kernel's kB are KiB); a full smaps's fields are its mappings' sums."""

    kind: str  # "status", "smaps_rollup" or "smaps"
    fields: dict[str, int]
    source: str = ""
    # full smaps only: Rss by what the mappings are (inputs/decode/smaps.py), summing to Rss
    split: tuple[tuple[str, int], ...] = ()
    go_named: int = 0  # full smaps only: how many mappings carry a Go 1.25+ name

    @property
    def rss(self) -> int | None:
        return self.fields.get("VmRSS" if self.kind == "status" else "Rss")

    def part(self, category: str) -> int | None:
        """A full smaps's Rss in one category of its split, None when there is no split."""
        return dict(self.split).get(category, 0) if self.split else None


@dataclass(frozen=True)
class CgroupMem:
    """A cgroup's memory files (v2 or v1), read together: what the cgroup is charged, its
    limits, how memory.stat splits the charge, and its OOM counters. None where the file that
    says it was not given; a limit is None also when there is none ("max", v1's huge value)."""

    version: str  # "v2" or "v1"
    usage: int | None  # memory.current, memory.usage_in_bytes
    limit: int | None  # memory.max, memory.limit_in_bytes
    high: int | None  # memory.high (v2)
    kmem: int | None  # memory.kmem.usage_in_bytes (v1; v2 has memory.stat's kernel)
    stat: dict[str, int]  # memory.stat
    events: dict[str, int]  # memory.events (v2), memory.oom_control (v1)
    files: tuple[str, ...]  # the file names given
    source: str = ""


@dataclass(frozen=True)
class Metrics:
    """runtime/metrics as one JSON object: name -> number, histograms as (counts, buckets)."""

    values: dict[str, float | int]
    histograms: dict[str, tuple[tuple[int, ...], tuple[float, ...]]]
    source: str = ""
    notes: tuple[str, ...] = ()  # what was read but passed over, one line each

    def get(self, name: str):
        return self.values.get(name)


@dataclass(frozen=True)
class GCCycle:
    """One `gc N @T s P%: ...` line of GODEBUG=gctrace=1."""

    number: int
    start: float  # seconds since the program started
    cpu_percent: int  # GC CPU since start, cumulative
    cpu_ms: tuple[float, float, float, float, float]  # sweep term, assist, background, idle, mark term
    live_mb: int  # marked live at the end of the cycle
    goal_mb: int
    forced: bool

    @property
    def mark_cpu_ms(self) -> float:
        return self.cpu_ms[1] + self.cpu_ms[2] + self.cpu_ms[3]


@dataclass(frozen=True)
class GCTrace:
    cycles: tuple[GCCycle, ...]
    source: str = ""


@dataclass(frozen=True)
class TelemetryParts:
    """What the telemetry of one Go process (a scrape, a Prometheus query) says: each None when
    no series gave it. The MemStats holds only the fields some series gave; an absent field is
    unknown, never zero."""

    memstats: MemStats | None
    metrics: Metrics | None
    proc: ProcMem | None  # RSS (VmRSS) and, where exported, its RssAnon/RssFile split
    notes: tuple[str, ...] = ()  # what was passed over, one line each
    identity: tuple[tuple[str, str], ...] = ()  # the labels telling the process apart

    @property
    def knobs(self) -> dict[str, int]:
        """GOGC, GOMEMLIMIT and GOMAXPROCS where the telemetry gives them, read from the
        runtime/metrics values that hold them."""
        values = self.metrics.values if self.metrics is not None else {}
        return {knob: int(values[name]) for knob, name in KNOBS if name in values}

    @property
    def name(self) -> str:
        """How a user tells it from the others: "instance=a:9090 job=api"."""
        return " ".join(f"{k}={v}" for k, v in self.identity) or "(no instance labels)"


KNOBS = (("GOGC", "/gc/gogc:percent"), ("GOMEMLIMIT", "/gc/gomemlimit:bytes"),
         ("GOMAXPROCS", "/sched/gomaxprocs:threads"))
# Shown when a scrape holds several processes and none was chosen.
LISTED_PROCESSES = 10


@dataclass(frozen=True)
class Scrape:
    """A Prometheus text exposition (a saved /metrics scrape, a federation dump): the Go
    figures of each process it holds, told apart by their instance, job or pod labels."""

    processes: tuple[TelemetryParts, ...]
    source: str = ""

    def chosen(self, instance: str | None) -> Scrape:
        """The scrape of one process: the only one, or the one whose instance, job or pod
        label is `instance`; anything else is the error that lists them."""
        if instance is None:
            if len(self.processes) == 1:
                return self
            raise InputError(self.source, f"{len(self.processes)} processes in this scrape; "
                                          f"choose one with --instance: {self._listed()}")
        matches = tuple(p for p in self.processes if instance in dict(p.identity).values())
        if len(matches) == 1:
            return Scrape(matches, self.source)
        what = "no process" if not matches else f"{len(matches)} processes"
        raise InputError(self.source, f"--instance {instance}: {what} with that instance, job "
                                      f"or pod label here; the processes: {self._listed()}")

    def _listed(self) -> str:
        names = [p.name for p in self.processes[:LISTED_PROCESSES]]
        more = len(self.processes) - LISTED_PROCESSES
        return ", ".join(names) + (f" and {more} more" if more > 0 else "")

    @property
    def only(self) -> TelemetryParts:
        """The one process of a chosen scrape."""
        if len(self.processes) != 1:
            raise InputError(self.source, f"{len(self.processes)} processes in this scrape; "
                                          f"choose one with --instance: {self._listed()}")
        return self.processes[0]

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(n for p in self.processes for n in p.notes)
