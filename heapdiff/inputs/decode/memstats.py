"""runtime.MemStats from JSON (expvar /debug/vars or json.Marshal(runtime.MemStats)) and from
the `# runtime.MemStats` trailer of a debug=1 heap profile."""
from __future__ import annotations

import re

from ...common.errors import InputError
from ...model import MemStats

# Fields without which a document is not a MemStats snapshot.
REQUIRED = ("HeapAlloc", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "Sys")
# The trailer prints three fields as "Inuse / Sys".
PAIRED = {"Stack": ("StackInuse", "StackSys"), "MSpan": ("MSpanInuse", "MSpanSys"),
          "MCache": ("MCacheInuse", "MCacheSys")}
TRAILER_LINE = re.compile(r"^# (\w+) = (.*)$")


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
    fields: dict[str, int | float | bool | tuple[int, ...] | None] = {}
    for name, value in document.items():
        if name == "BySize":
            continue
        if isinstance(value, bool) or isinstance(value, (int, float)):
            fields[name] = value
        elif isinstance(value, list) and all(isinstance(v, int) for v in value):
            fields[name] = tuple(value)
        elif name in REQUIRED:
            raise InputError(source, f"MemStats field {name} is not a number")
    for name in REQUIRED:
        value = fields[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(source, f"MemStats field {name} is not a non-negative integer")
    by_size = []
    for entry in document.get("BySize") or []:
        if not isinstance(entry, dict):
            raise InputError(source, "MemStats BySize entries must be objects")
        try:
            by_size.append((int(entry["Size"]), int(entry["Mallocs"]), int(entry["Frees"])))
        except (KeyError, TypeError, ValueError):
            raise InputError(source, "MemStats BySize entry lacks Size, Mallocs or Frees") from None
    return MemStats(fields=fields, by_size=tuple(by_size))


def memstats_from_trailer(lines: list[str], source: str) -> MemStats:
    """The trailer's `# Name = value` lines. MaxRSS, the process's peak RSS, is no MemStats
    field: nothing reads it, so it is not kept."""
    fields: dict[str, int | float | bool | tuple[int, ...] | None] = {}
    for line in lines:
        m = TRAILER_LINE.match(line.strip())
        if not m:
            continue
        name, raw = m.group(1), m.group(2).strip()
        try:
            if name in PAIRED:
                inuse, sys_ = (int(part) for part in raw.split("/"))
                fields[PAIRED[name][0]], fields[PAIRED[name][1]] = inuse, sys_
            elif name == "MaxRSS":
                int(raw)  # a well-formed trailer has a number here; not kept
            elif raw.startswith("["):
                fields[name] = tuple(int(v) for v in raw.strip("[]").split())
            elif raw in ("true", "false"):
                fields[name] = raw == "true"
            elif name == "GCCPUFraction":
                fields[name] = float(raw)
            else:
                fields[name] = int(raw)
        except ValueError:
            raise InputError(source, f"bad runtime.MemStats line: {line.strip()!r}") from None
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise InputError(source, "the # runtime.MemStats trailer lacks " + ", ".join(missing))
    return MemStats(fields=fields)
