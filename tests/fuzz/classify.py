"""A finished case -> its outcome. Only ok and clean are acceptable; the rest are the defects
the issue names (traceback, hang, blowup, escape) and two close cousins (an exit 2 whose
stderr is not the one `heapdiff: ...` line, and --format json output that is not JSON)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

OK, CLEAN = "ok", "clean"
TRACEBACK, HANG, BLOWUP, ESCAPE = "traceback", "hang", "blowup", "escape"
BAD_ERROR, BAD_JSON = "bad-error", "bad-json"
OUTCOMES = (OK, CLEAN, TRACEBACK, HANG, BLOWUP, ESCAPE, BAD_ERROR, BAD_JSON)
ACCEPTABLE = frozenset({OK, CLEAN})

# What a terminal acts on or draws deceptively: C0 controls but tab and newline, DEL, C1,
# bidi controls, line/paragraph separators, zero-width characters and the BOM.
ESCAPES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u2069\ufeff]")


@dataclass(frozen=True)
class Result:
    status: int | None   # exit status; None when the worker died or was killed
    stdout: str
    stderr: str
    timed_out: bool = False
    killed: bool = False  # the worker died (a signal: the kernel's OOM killer, a segfault)
    json_output: bool = False


def classify(result: Result) -> str:
    if result.timed_out:
        return HANG
    if result.killed or "MemoryError" in result.stderr:
        return BLOWUP
    if "Traceback" in result.stderr or result.status not in (0, 2):
        return TRACEBACK
    if ESCAPES.search(result.stderr) or (not result.json_output and ESCAPES.search(result.stdout)):
        return ESCAPE
    if result.status == 2:
        lines = result.stderr.splitlines()
        return CLEAN if len(lines) == 1 and lines[0].startswith("heapdiff: ") else BAD_ERROR
    if result.json_output and not valid_json(result.stdout):
        return BAD_JSON
    return OK


def valid_json(text: str) -> bool:
    """Strict JSON: NaN and Infinity, which Python writes and reads, are not JSON."""
    def refuse(constant: str) -> object:
        raise ValueError(constant)
    try:
        json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError):
        return False
    return True
