"""GODEBUG=gctrace=1 logs, as programs print them: gc lines among the program's own output.

One regular expression covers Go 1.7 to today (reference §5): `MB stacks, MB globals` appear
from 1.18, ` (checking for goroutine leaks)` after the percentage in 1.26+, `(forced)` for
runtime.GC(). Other lines (the program's, scavenger traces) are counted and skipped."""
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
    other = 0
    for line in text.splitlines():
        m = GC_LINE.search(line)
        if not m:
            other += bool(line.strip())
            continue
        g = m.groups()
        cycles.append(GCCycle(
            number=int(g[0]), start=float(g[1]), cpu_percent=int(g[2]),
            clock_ms=(float(g[3]), float(g[4]), float(g[5])),
            cpu_ms=(float(g[6]), float(g[7]), float(g[8]), float(g[9]), float(g[10])),
            heap_start_mb=int(g[11]), heap_end_mb=int(g[12]), live_mb=int(g[13]),
            goal_mb=int(g[14]), stacks_mb=int(g[15]) if g[15] is not None else None,
            globals_mb=int(g[16]) if g[16] is not None else None,
            procs=int(g[17]), forced=g[18] is not None))
    if not cycles:
        raise InputError(source, "no gctrace lines (gc N @T s P%: ...) in this log")
    return GCTrace(cycles=tuple(cycles), other_lines=other, source=source)
