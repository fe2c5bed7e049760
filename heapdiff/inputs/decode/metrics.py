"""runtime/metrics dumped as one JSON object of metric name -> value.

The Go side (see README): read every metric with metrics.Read(metrics.All()) and write
Uint64/Float64 values as numbers and Float64Histogram values as {"counts": [...],
"buckets": [...]}, with infinite bucket bounds as the strings "-Inf" and "+Inf"."""
from __future__ import annotations

import math

from ...common.errors import InputError
from ...model import Metrics


def looks_like_metrics(document) -> bool:
    return isinstance(document, dict) and bool(document) and all(
        isinstance(k, str) and k.startswith("/") for k in document)


def metrics_from_dict(document: dict, source: str) -> Metrics:
    values: dict[str, float | int] = {}
    histograms: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}
    for name, value in document.items():
        if isinstance(value, bool):
            raise InputError(source, f"metric {name} is a boolean, not a number")
        if isinstance(value, (int, float)):
            values[name] = value
        elif isinstance(value, dict) and "counts" in value and "buckets" in value:
            try:
                counts = tuple(int(c) for c in value["counts"])
                buckets = tuple(_bound(b) for b in value["buckets"])
            except (TypeError, ValueError):
                raise InputError(source, f"metric {name}: a malformed histogram") from None
            histograms[name] = (counts, buckets)
        else:
            raise InputError(source, f"metric {name}: neither a number nor a histogram")
    return Metrics(values=values, histograms=histograms, source=source)


def _bound(value) -> float:
    if value in ("+Inf", "Inf"):
        return math.inf
    if value == "-Inf":
        return -math.inf
    return float(value)
