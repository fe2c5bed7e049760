"""What a Prometheus scrape says of one Go process: MemStats fields, runtime/metrics values, RSS
and the knobs, read through one table of series names (telemetry.py: client_golang,
VictoriaMetrics' `metrics` package, OpenTelemetry's runtime instrumentation).

Series come from a saved scrape (scrape.py) or a Prometheus server's query API; either way
they are the (name, labels, value) of one sample, and snapshot_parts maps those of ONE
process. A value a field cannot hold (NaN, an infinity, a negative size) is passed over and
counted in a note, never guessed."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from ...model import MemStats, Metrics, ProcMem, TelemetryParts
from .numbers import UINT64_MAX
from .telemetry import NAMES, Name

Labels = tuple[tuple[str, str], ...]
__all__ = ["Series", "TelemetryParts", "snapshot_parts", "wanted"]


@dataclass(frozen=True)
class Series:
    """One sample of a scrape or a query: its metric name, its labels (sorted), its value."""
    name: str
    labels: Labels
    value: float


def snapshot_parts(series: Iterable[Series], source: str = "",
                   identity: Labels = ()) -> TelemetryParts:
    """The series of one process, mapped through NAMES. The first series to fill a target wins
    (the table lists the exact name before a derived one: go_memstats_heap_alloc_bytes before
    OpenTelemetry's older process_runtime_go_mem_heap_alloc)."""
    filled: dict[tuple[str, str], tuple[int, int | float]] = {}  # target -> (table row, value)
    unusable = 0
    for s in series:
        for row_index, name in _rows_for(s):
            value = _converted(name, s.value)
            if value is None:
                unusable += 1
                continue
            key = (name.target, name.field)
            if key not in filled or row_index < filled[key][0]:
                filled[key] = (row_index, value)
    by_target: dict[str, dict[str, int | float]] = {"memstats": {}, "metrics": {}, "proc": {}}
    for (target, field), (_, value) in filled.items():
        by_target[target][field] = value
    notes = (f"passed over: {unusable} series with a value no size or count can be (NaN, "
             "infinite or negative)",) if unusable else ()
    ms = by_target["memstats"]
    if "HeapAlloc" in ms:
        ms.setdefault("Alloc", ms["HeapAlloc"])
    proc = by_target["proc"]
    return TelemetryParts(
        memstats=MemStats(fields=dict(ms)) if ms else None,
        metrics=Metrics(values=dict(by_target["metrics"]), histograms={}, source=source)
        if by_target["metrics"] else None,
        proc=ProcMem(kind="status", fields={k: int(v) for k, v in proc.items()}, source=source)
        if "VmRSS" in proc else None,
        notes=notes, identity=identity)


_INDEX: dict[str, list[tuple[int, Name]]] = {}
for _i, _name in enumerate(NAMES):
    _INDEX.setdefault(_name.series, []).append((_i, _name))


def wanted(s: Series) -> bool:
    """Whether the table reads the series at all."""
    return bool(_rows_for(s))


def _rows_for(s: Series) -> list[tuple[int, Name]]:
    """The table rows a series fills: its name, and the labels a row asks for."""
    rows = _INDEX.get(s.name, ())
    labels = dict(s.labels)
    return [(i, name) for i, name in rows
            if all(labels.get(k) == v for k, v in name.labels)]


def _converted(name: Name, value: float) -> int | float | None:
    """The value in the target's unit, or None when it cannot be one: sizes and counts are
    whole, finite and within a uint64; fractions finite and not negative."""
    if not math.isfinite(value) or value < 0:
        return None
    scaled = value * name.scale
    if name.fraction:
        return scaled
    if scaled > UINT64_MAX:
        return None
    return int(round(scaled))
