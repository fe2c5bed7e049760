"""glibc's malloc, told to hand large freed blocks back to the system.

glibc gives a block over its mmap threshold a mapping of its own and unmaps it when freed, but
each time it frees such a block it raises the threshold to that block's size (up to 32 MiB).
Once a large input has been read and freed, the decoder's arrays of a few MiB come from the
heap instead, and their pages stay resident after they are freed: measured, 14 MiB of the peak
of `top` on 1.5M samples (327 -> 313 MB). A fixed threshold (glibc's default) keeps them apart.
"""
from __future__ import annotations

import functools

M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
THRESHOLD = 128 << 10  # glibc's default, no longer raised by frees
LARGE_INPUT = 1 << 20  # inputs from this size are decoded with arrays that matter


@functools.cache
def fix_mmap_threshold() -> None:
    """Once per process; nothing where the C library has no mallopt (musl, macOS)."""
    try:
        import ctypes  # ctypes costs a few ms: only inputs of LARGE_INPUT and more come here

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, THRESHOLD)
