"""After a large input is read and freed, the decoder's arrays of a few MiB still go back to the
system when freed (common/malloc.py): glibc would otherwise keep them resident."""
from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from support import REPO

CHILD = """
import os, sys
from heapdiff.inputs import load
load.LARGE_INPUT = int(sys.argv[2])
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) << 10
del_me = load.read_input(sys.argv[1])  # 16 MiB: freeing it raises glibc's threshold to that
del del_me
before = rss()
block = bytearray(8 << 20)  # an 8 MiB array, written through
del block
print(rss() - before)
"""


def resident_after_free(tmp_path, large_input: int) -> int:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(16 << 20))
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(large_input)], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return int(out)


pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the threshold is glibc's (Linux with glibc only)")


def test_an_array_freed_after_a_large_input_leaves_memory(tmp_path):
    assert resident_after_free(tmp_path, 1 << 20) < 2 << 20


def test_without_the_fixed_threshold_glibc_keeps_it(tmp_path):
    # what the fix is for: with it off (no input counts as large), the 8 MiB stay resident
    assert resident_after_free(tmp_path, 1 << 40) >= 7 << 20
