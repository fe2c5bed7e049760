"""The compiled kernel (_kernel.c), when the install could build it; None otherwise.

Both routes give the same result: tests decode and aggregate every committed sample both
ways. The kernel declines what it does not expect, and the numpy route then decides.
HEAPDIFF_KERNEL=0 turns it off, to compare the routes."""
from __future__ import annotations

import os
from types import ModuleType


def compiled() -> ModuleType | None:
    if os.environ.get("HEAPDIFF_KERNEL", "1") == "0":
        return None
    try:
        from .. import _kernel  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _kernel
