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
from .numbers import UINT64_MAX, integer, real

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
    for number, line in enumerate(text.split("\n"), 1):
        m = GC_LINE.search(line)
        if m:
            cycles.append(_cycle(m.groups(), source, f"line {number}"))
    if not cycles:
        raise InputError(source, "no gctrace lines (gc N @T s P%: ...) in this log")
    return GCTrace(cycles=tuple(cycles), source=source)


def _cycle(g: tuple, source: str, where: str) -> GCCycle:
    """A gc line's figures, each checked: `[\\d.]+` also matches "1.2.3" and 400 digits."""
    def count(i: int, what: str) -> int:
        return integer(g[i], source, f"{where}: {what}")

    def megabytes(i: int, what: str) -> int:
        return integer(g[i], source, f"{where}: {what}", high=UINT64_MAX >> 20)

    def time(i: int, what: str) -> float:
        return float(real(g[i], source, f"{where}: {what}", low=0.0))
    return GCCycle(
        number=count(0, "the cycle number"), start=time(1, "the start time"),
        cpu_percent=count(2, "the CPU percentage"),
        cpu_ms=(time(6, "a CPU time"), time(7, "a CPU time"), time(8, "a CPU time"),
                time(9, "a CPU time"), time(10, "a CPU time")),
        live_mb=megabytes(13, "the live heap"), goal_mb=megabytes(14, "the heap goal"),
        forced=g[18] is not None)
