"""GODEBUG=gctrace=1 logs, as programs print them: gc lines among the program's own output.

One regular expression covers Go 1.7 to today (reference §5): `MB stacks, MB globals` appear
from 1.18, ` (checking for goroutine leaks)` after the percentage in 1.26+, `(forced)` for
runtime.GC(). Other lines (the program's, scavenger traces) are skipped. The line's other
figures (clock times, heap at start and end, stacks, globals, P) are matched but not kept:
nothing reads them."""
from __future__ import annotations

import re

from ...common.errors import InputError
from ...model import GCCycle, GCTrace

NUM = r"([\d.]+)"
GC_LINE = re.compile(
    r"gc (\d+) @([\d.]+)s (\d+)%(?: \([^)]*\))?: "
    rf"{NUM}\+{NUM}\+{NUM} ms clock, {NUM}\+{NUM}/{NUM}/{NUM}\+{NUM} ms cpu, "
    r"(\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (?:(\d+) MB stacks, (\d+) MB globals, )?"
    r"(\d+) P( \(forced\))?")


def looks_like_gctrace(text: str) -> bool:
    return GC_LINE.search(text[:1 << 16]) is not None


def decode_gctrace(text: str, source: str) -> GCTrace:
    cycles = []
    for line in text.splitlines():
        m = GC_LINE.search(line)
        if not m:
            continue
        g = m.groups()
        cycles.append(GCCycle(
            number=int(g[0]), start=float(g[1]), cpu_percent=int(g[2]),
            cpu_ms=(float(g[6]), float(g[7]), float(g[8]), float(g[9]), float(g[10])),
            live_mb=int(g[13]), goal_mb=int(g[14]), forced=g[18] is not None))
    if not cycles:
        raise InputError(source, "no gctrace lines (gc N @T s P%: ...) in this log")
    return GCTrace(cycles=tuple(cycles), source=source)
