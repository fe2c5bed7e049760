"""Finding the next line that matches a search, from where the cursor is, both ways."""
from __future__ import annotations

import re
from collections.abc import Sequence


def next_match(lines: Sequence[str], pattern: re.Pattern[str], at: int, step: int) -> int | None:
    """The index of the first line matching `pattern` from `at` (step 0: `at` itself included)
    going forward (step >= 0) or back (step < 0), wrapping around; None when none does."""
    n = len(lines)
    if n == 0:
        return None
    start = at if step == 0 else at + (1 if step > 0 else -1)
    order = range(n) if step >= 0 else range(0, -n, -1)
    for k in order:
        i = (start + k) % n
        if pattern.search(lines[i]):
            return i
    return None


def compile_search(text: str) -> re.Pattern[str]:
    """The user's search as a case-insensitive regex; a string that is no regex, literally."""
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)
