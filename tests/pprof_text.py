"""Read the text of `go tool pprof -top -unit=b` (the committed oracles) into numbers."""
from __future__ import annotations

import re

TOTAL = re.compile(r"of (-?\d+)[Bb]? total")
ROW = re.compile(r"^\s*(-?\d+)[Bb]?\s+\S+\s+\S+\s+(-?\d+)[Bb]?\s+\S+\s+(.*)$")
INLINE_SUFFIX = re.compile(r" \((partial-)?inline\)$")


def parse_top(text: str) -> tuple[int, list[tuple[str, int, int]]]:
    """(total, [(name, flat, cum)]) in pprof's order; names without the (inline) suffixes,
    which pprof adds for display only."""
    total = None
    rows = []
    in_table = False
    for line in text.splitlines():
        if total is None and (m := TOTAL.search(line)):
            total = int(m.group(1))
        elif line.split() == ["flat", "flat%", "sum%", "cum", "cum%"]:
            in_table = True
        elif in_table and (m := ROW.match(line)):
            rows.append((INLINE_SUFFIX.sub("", m.group(3)), int(m.group(1)), int(m.group(2))))
    if total is None:
        raise ValueError("no total in pprof output")
    return total, rows


def canonical(rows: list[tuple[str, int, int]]) -> tuple[list, list]:
    """What pprof's -top order fixes: the sequence of (|flat|, name), and the multiset of rows.

    pprof sorts by |flat|, then name, and treats distinct nodes with one printed name (same
    file, other start line; same function, inlined or not) as equal; they come from a Go map, so
    their relative order differs from run to run. Comparing these two views is exact otherwise.
    """
    return [(abs(flat), name) for name, flat, _ in rows], sorted(rows)


def elide_type_arguments(name: str) -> str:
    """Go's tracebacks (and so the debug=1 text) print generic functions as F[...]; the
    protobuf profile spells the type arguments out."""
    out, depth = [], 0
    for ch in name:
        if ch == "[":
            if depth == 0:
                out.append("[...]")
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)
