"""The small-profile route's input: a regular file of at most SMALL_FILE bytes holding a
gzipped (one member) or raw pprof profile that starts as Go writes one, or a raw debug=1 text
heap profile; or None.

None sends the caller down the usual route (load.py), which reads every input and says what
is wrong with it; this only reads what it can already tell is an ordinary profile, so it never
has an error of its own to give.
"""
from __future__ import annotations

import os
import stat
import zlib

# Measured (2 cores, a load of 4): `top` by this route took 0.42-0.50 s and 36 MiB on 100,000
# samples (784 KiB gzipped, 4.8 MiB inflated), by the columnar one 0.62-0.74 s and 81 MiB.
# It takes no more than these.
SMALL_FILE = 1 << 20  # on disk
SMALL_INFLATED = 8 << 20  # inflated
# limits.ENVIRONMENT, named here: limits.py's import (dataclasses) costs more than this route
# spends on a small profile (tests/test_small_top.py checks they agree).
ENVIRONMENT = "HEAPDIFF_MAX_INFLATED"
GZIP_MAGIC = b"\x1f\x8b"
FIRST_TAGS = (b"\x5a", b"\x0a")
LEGACY_HEAD = b"heap profile:"  # legacy_text.looks_like_legacy_heap's test, without its imports
# Control bytes: one in the first 64 bytes means load.py takes the input for binary (pprof).
CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D}


def read_small(path: str) -> bytes | None:
    data = _read(path)
    if data is None:
        return None
    if data.startswith(GZIP_MAGIC):
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(data, SMALL_INFLATED)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
            return None  # cut, several members, or larger than this route reads
    # A Profile as Go writes it opens with its period type or its sample types (fields 11, 1):
    # neither is gzip again nor the start of any format load.py names.
    if data[:1] not in FIRST_TAGS or not CONTROL.intersection(data[:64]):
        return None
    return data


def read_small_text(path: str) -> str | None:
    """A small, ungzipped debug=1 text heap profile as load.py recognises one (text by
    kinds.InputBytes.is_text's rule, opening with `heap profile:`), as text; or None."""
    data = _read(path)
    if data is None or not data[:64].lstrip().startswith(LEGACY_HEAD):
        return None
    head = data[:64]
    opening = head.decode("utf-8", errors="ignore")
    if len(opening.encode()) < len(head) - 3 or \
            any(ord(c) < 0x20 and c not in "\t\n\r" for c in opening):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _read(path: str) -> bytes | None:
    """The bytes of a regular file of at most SMALL_FILE bytes, or None."""
    if ENVIRONMENT in os.environ:  # a limit of the user's: load.py applies it
        return None
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode) or status.st_size > SMALL_FILE:
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            return f.read(SMALL_FILE + 1)
    except OSError:
        return None
