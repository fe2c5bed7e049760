"""Profile-only hints: what names and sizes suggest. Measured on real programs these are right
for most bytes and wrong for some (reference §7), so they are hints, never verdicts."""
from __future__ import annotations

import re

NOSCAN_PRODUCERS = re.compile(
    r"^(strings\.\(\*Builder\)\.grow|strings\.Repeat|bytes\.\(\*Buffer\)\.grow|bytes\.growSlice|"
    r"os\.ReadFile|io\.ReadAll|strconv\.|fmt\.Sprint|fmt\.Sprintf|internal/bytealg\.MakeNoZero|"
    r"encoding/base64\.|encoding/hex\.)")
SCAN_PRODUCERS = re.compile(r"^(errors\.New|fmt\.Errorf|context\.With|time\.NewTimer|time\.AfterFunc)")
REFLECTION = re.compile(r"^(reflect\.|encoding/json\.|encoding/gob\.|google\.golang\.org/protobuf)")
SHAPE = re.compile(r"\[go\.shape\.([^\],]+)")
LARGE = 32 << 10


def hint(function: str, object_size: int, objects: int) -> tuple[str, str]:
    """(hint, reason): hint is 'likely-scan', 'likely-noscan' or 'unknown'."""
    if REFLECTION.match(function):
        return "unknown", "made through reflection: only the binary or a heap dump can tell"
    if NOSCAN_PRODUCERS.match(function):
        return "likely-noscan", f"{function} makes byte or string data"
    if SCAN_PRODUCERS.match(function):
        return "likely-scan", f"{function} makes small pointer structures"
    shape = SHAPE.search(function)
    if shape:
        pointerful = shape.group(1).startswith(("*", "map", "[]", "string", "interface", "func"))
        return ("likely-scan" if pointerful else "likely-noscan",
                f"generic instance with GC shape {shape.group(1)}")
    if object_size >= LARGE:
        return "unknown", "a large object: give --binary to know whether it holds pointers"
    if object_size <= 512 and objects >= 100:
        return "likely-scan", f"{objects:,} small objects of {object_size} B: often a pointer structure"
    return "unknown", "nothing in the profile decides it: give --binary"
