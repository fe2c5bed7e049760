"""/proc/PID/status and /proc/PID/smaps_rollup as text."""
from __future__ import annotations

import re

from ...common.errors import InputError
from ...model import ProcMem
from .numbers import UINT64_MAX, integer

FIELD = re.compile(r"^(\w+):\s+(\d+)\s*kB\s*$")


def looks_like_status(text: str) -> bool:
    return text.startswith("Name:") and "\nVmRSS:" in text


def looks_like_smaps_rollup(text: str) -> bool:
    first = text.split("\n", 1)[0]
    return first.rstrip().endswith("[rollup]")


def decode_procfs(text: str, source: str) -> ProcMem:
    kind = "status" if looks_like_status(text) else "smaps_rollup"
    fields = {}
    for line in text.split("\n"):
        m = FIELD.match(line.strip())
        if m:
            name = m.group(1)
            fields[name] = integer(m.group(2), source, f"{name}", high=UINT64_MAX >> 10) * 1024
    needed = "VmRSS" if kind == "status" else "Rss"
    if needed not in fields:
        raise InputError(source, f"a /proc {kind} file without {needed}")
    return ProcMem(kind=kind, fields=fields, source=source)
