"""runtime/metrics dumped as one JSON object of metric name -> value.

The Go side (see README): read every metric with metrics.Read(metrics.All()) and write
Uint64/Float64 values as numbers and Float64Histogram values as {"counts": [...],
"buckets": [...]}, with infinite bucket bounds as the strings "-Inf" and "+Inf"."""
from __future__ import annotations

import math

from ...common.errors import InputError
from ...model import Metrics
from .numbers import integer, real


def looks_like_metrics(document) -> bool:
    return isinstance(document, dict) and bool(document) and all(
        isinstance(k, str) and k.startswith("/") for k in document)


def metrics_from_dict(document: dict, source: str) -> Metrics:
    """Every runtime/metrics value is a count, a size, a time or a fraction: finite and never
    negative."""
    values: dict[str, float | int] = {}
    histograms: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}
    for name, value in document.items():
        if isinstance(value, bool):
            raise InputError(source, f"metric {name} is a boolean, not a number")
        if isinstance(value, (int, float)):
            values[name] = real(value, source, f"metric {name}", low=0.0)
        elif isinstance(value, dict) and "counts" in value and "buckets" in value:
            histograms[name] = _histogram(name, value["counts"], value["buckets"], source)
        else:
            raise InputError(source, f"metric {name}: neither a number nor a histogram")
    return Metrics(values=values, histograms=histograms, source=source)


def _histogram(name: str, counts, buckets, source: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Counts per bucket and the buckets' bounds, one more than the counts, none NaN."""
    if not isinstance(counts, list) or not isinstance(buckets, list) \
            or len(buckets) != len(counts) + 1:
        raise InputError(source, f"metric {name}: a malformed histogram (counts and one "
                                 "more bucket bound expected)")
    what = f"metric {name}"
    return (tuple(integer(c, source, f"{what}: a count") for c in counts),
            tuple(_bound(b, source, what) for b in buckets))


def _bound(value, source: str, what: str) -> float:
    if value in ("+Inf", "Inf"):
        return math.inf
    if value == "-Inf":
        return -math.inf
    return float(real(value, source, f"{what}: a bucket bound"))
