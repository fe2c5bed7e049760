"""runtime/metrics dumped as one JSON object of metric name -> value.

The Go side (see README): read every metric with metrics.Read(metrics.All()) and write
Uint64/Float64 values as numbers and Float64Histogram values as {"counts": [...],
"buckets": [...]}, with infinite bucket bounds as the strings "-Inf" and "+Inf".

A dump written by another program may hold values of other shapes (histograms summarised as
{"kind": "histogram", "count", "p50", ...}, strings, flags): the waterfall needs none of them,
so they are passed over and counted in the Metrics' note; only a document with nothing
usable is refused. A number that cannot be a metric (negative, infinite) is still refused."""
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
    negative. Values of another shape are passed over (see the module's note)."""
    values: dict[str, float | int] = {}
    histograms: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}
    passed: dict[str, int] = {}  # what was passed over, by shape
    first_reason = ""
    for name, value in document.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values[name] = real(value, source, f"metric {name}", low=0.0)
        elif isinstance(value, dict) and "counts" in value and "buckets" in value:
            histograms[name] = _histogram(name, value["counts"], value["buckets"], source)
        else:
            shape = _other_shape(value)
            passed[shape] = passed.get(shape, 0) + 1
            first_reason = first_reason or f"metric {name} is {_described(value)}"
    if not values and not histograms:
        raise InputError(source, f"no metric heapdiff can use: {first_reason}")
    return Metrics(values=values, histograms=histograms, source=source,
                   notes=(_passed_note(passed),) if passed else ())


# The shapes a value heapdiff does not use may have, in the note's words (singular, plural).
SHAPES = {"histogram": ("histogram in another shape", "histograms in another shape"),
          "other": ("value of another shape", "values of another shape")}


def _other_shape(value) -> str:
    """A summarised histogram ({"kind": "histogram", ...}, or with a count and percentiles)
    or anything else."""
    if isinstance(value, dict) and (value.get("kind") == "histogram" or "count" in value
                                    or "counts" in value or "buckets" in value):
        return "histogram"
    return "other"


def _described(value) -> str:
    if isinstance(value, bool):
        return "a boolean, not a number"
    if _other_shape(value) == "histogram":
        return "a histogram in another shape"
    return "neither a number nor a histogram"


def _passed_note(passed: dict[str, int]) -> str:
    parts = [f"{n} {SHAPES[shape][n != 1]}" for shape, n in sorted(passed.items())]
    return "passed over: " + ", ".join(parts)


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
