"""runtime.MemStats from JSON (expvar /debug/vars or json.Marshal(runtime.MemStats)) and from
the `# runtime.MemStats` trailer of a debug=1 heap profile."""
from __future__ import annotations

import re

from ...common.errors import InputError
from ...model import MemStats
from .numbers import integer, real

# Fields without which a document is not a MemStats snapshot.
REQUIRED = ("HeapAlloc", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "Sys")
# The trailer prints three fields as "Inuse / Sys".
PAIRED = {"Stack": ("StackInuse", "StackSys"), "MSpan": ("MSpanInuse", "MSpanSys"),
          "MCache": ("MCacheInuse", "MCacheSys")}
TRAILER_LINE = re.compile(r"^# (\w+) = (.*)$")
# Go's runtime.MemStats field types: every other field is a uint64 count.
TYPES = {name: "count" for name in (
    "Alloc", "TotalAlloc", "Sys", "Lookups", "Mallocs", "Frees", "HeapAlloc", "HeapSys",
    "HeapIdle", "HeapInuse", "HeapReleased", "HeapObjects", "StackInuse", "StackSys",
    "MSpanInuse", "MSpanSys", "MCacheInuse", "MCacheSys", "BuckHashSys", "GCSys", "OtherSys",
    "NextGC", "LastGC", "PauseTotalNs", "NumGC", "NumForcedGC")}
TYPES |= {"PauseNs": "counts", "PauseEnd": "counts", "GCCPUFraction": "fraction",
          "EnableGC": "flag", "DebugGC": "flag"}
Field = int | float | bool | tuple[int, ...]


def memstats_from_document(document, source: str) -> MemStats:
    """A parsed JSON document: expvar's /debug/vars (key memstats) or a bare MemStats."""
    if isinstance(document, dict) and isinstance(document.get("memstats"), dict):
        document = document["memstats"]
    return memstats_from_dict(document, source)


def memstats_from_dict(document, source: str) -> MemStats:
    if not isinstance(document, dict):
        raise InputError(source, "JSON is not a MemStats snapshot (not an object)")
    missing = [k for k in REQUIRED if k not in document]
    if missing:
        raise InputError(source, "JSON is not a MemStats snapshot (no "
                                 + ", ".join(missing) + ")")
    fields: dict[str, Field] = {}
    for name, value in document.items():
        if name != "BySize":
            checked = _field(name, value, source)
            if checked is not None:
                fields[name] = checked
    by_size = []
    entries = document.get("BySize") or []
    if not isinstance(entries, list):
        raise InputError(source, "MemStats BySize is not a list")
    for entry in entries:
        if not isinstance(entry, dict):
            raise InputError(source, "MemStats BySize entries must be objects")
        size, mallocs, frees = (integer(entry.get(key), source, f"MemStats BySize {key}")
                                for key in ("Size", "Mallocs", "Frees"))
        by_size.append((size, mallocs, frees))
    return MemStats(fields=dict(fields), by_size=tuple(by_size))


def _field(name: str, value, source: str) -> Field | None:
    """A field checked against its type in Go's runtime.MemStats; a field Go does not have
    is kept only if it is a number, a flag or a list of counts."""
    what = f"MemStats field {name}"
    kind = TYPES.get(name)
    if kind is None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return integer(value, source, what)
        if isinstance(value, (int, float)):
            return real(value, source, what)
        if isinstance(value, list):
            kind = "counts"
        else:
            return None
    if kind == "count":
        return integer(value, source, what)
    if kind == "fraction":
        return real(value, source, what, low=0.0)
    if kind == "flag":
        if not isinstance(value, bool):
            raise InputError(source, f"{what} is not true or false")
        return value
    if not isinstance(value, list):
        raise InputError(source, f"{what} is not a list of counts")
    return tuple(integer(v, source, f"{what}[{i}]") for i, v in enumerate(value))


def memstats_from_trailer(lines: list[str], source: str) -> MemStats:
    """The trailer's `# Name = value` lines. MaxRSS, the process's peak RSS, is no MemStats
    field: nothing reads it, so it is not kept."""
    fields: dict[str, Field] = {}
    for line in lines:
        m = TRAILER_LINE.match(line.strip())
        if not m:
            continue
        name, raw = m.group(1), m.group(2).strip()
        if name in PAIRED:
            parts = raw.split("/")
            if len(parts) != 2:
                raise InputError(source, f"bad runtime.MemStats line: {line.strip()[:80]!r}")
            for field, part in zip(PAIRED[name], parts):
                fields[field] = integer(part.strip(), source, f"MemStats field {field}")
        elif name == "MaxRSS":
            integer(raw, source, "MaxRSS")  # a well-formed trailer has a number here; not kept
        else:
            value: object = raw
            if raw.startswith("["):
                value = raw.strip("[]").split()
            elif raw in ("true", "false"):
                value = raw == "true"
            checked = _field(name, value, source)
            if checked is not None:
                fields[name] = checked
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise InputError(source, "the # runtime.MemStats trailer lacks " + ", ".join(missing))
    return MemStats(fields=dict(fields))
