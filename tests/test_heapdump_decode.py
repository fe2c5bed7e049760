"""The heap-dump decoder: the compiled kernel and the Python walk frame every committed dump
alike, and a dump heapdiff cannot read is one line naming the file and what is wrong, never a
traceback (truncated, an unknown record, another architecture, a binary that did not write it)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from heapdiff.common.kernel import compiled
from heapdiff.inputs.decode.heapdump import decode_heapdump
from heapdiff.retained.dump import HEADER

from support import SAMPLES, run_heapdiff

MANIFEST = next(e for e in json.loads((SAMPLES / "MANIFEST.json").read_text())["samples"]
                if e["name"] == "retention")
DUMPS = sorted(SAMPLES / d["file"] for s in MANIFEST["shapes"].values()
               for d in s["dumps"].values())
SMALL = SAMPLES / MANIFEST["shapes"]["shared_child"]["dumps"]["base"]["file"]
ARRAYS = ("address", "size", "first_word", "indptr", "words", "root_of_word", "root_words")


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built "
                                               "(python setup.py build_ext --inplace)")
@pytest.mark.parametrize("path", DUMPS, ids=[f"{p.parent.name}-{p.stem}" for p in DUMPS])
def test_the_kernel_and_the_python_walk_decode_alike(path, monkeypatch):
    data = path.read_bytes()
    fast = decode_heapdump(data, str(path))
    monkeypatch.setenv("HEAPDIFF_KERNEL", "0")
    slow = decode_heapdump(data, str(path))
    for name in ARRAYS:
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert (fast.roots, fast.sites, fast.samples, fast.types) == \
        (slow.roots, slow.sites, slow.samples, slow.types)


def test_a_dump_says_its_architecture_version_and_heap():
    dump = decode_heapdump(SMALL.read_bytes(), str(SMALL))
    want = MANIFEST["shapes"]["shared_child"]
    assert (dump.goarch, dump.version) == (want["dumps"]["base"]["goarch"],
                                           want["dumps"]["base"]["go_version"])
    # the program read HeapAlloc just before WriteHeapDump read it again
    assert abs(dump.heap_alloc - want["heap_alloc_bytes"]["base"]) < 64 << 10
    assert int(dump.size.sum()) >= dump.heap_alloc


def params_end(data: bytes) -> int:
    """Where the params record ends (it is the first; its layout: see heapdump.go)."""
    from heapdiff.inputs.decode.heapdump import LAYOUTS, PARAMS, _record, _varint
    _, p = _varint(data, len(HEADER))
    return _record(data, LAYOUTS[PARAMS], p)[1]


def one_line_error(path, *more) -> str:
    result = run_heapdiff("retained", path, *more)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize("keep", [len(HEADER) + 3, 4096, 300_000])
def test_a_truncated_dump_is_one_line(tmp_path, keep):
    cut = tmp_path / "cut.heapdump"
    cut.write_bytes(SMALL.read_bytes()[:keep])
    assert "truncated" in one_line_error(cut)


def test_an_unknown_record_is_one_line_naming_it(tmp_path):
    data = SMALL.read_bytes()
    end = params_end(data)
    bad = tmp_path / "bad.heapdump"
    bad.write_bytes(data[:end] + bytes([99]) + data[end:])
    err = one_line_error(bad)
    assert "unknown record tag 99" in err and f"byte {end}" in err


def test_a_dump_from_another_architecture_is_refused(tmp_path):
    data = bytearray(SMALL.read_bytes())
    # params: tag 6, big-endian flag 0, pointer size 8 -> a 4-byte-pointer dump
    at = len(HEADER)
    assert data[at:at + 3] == bytes([6, 0, 8])
    data[at + 2] = 4
    other = tmp_path / "386.heapdump"
    other.write_bytes(bytes(data))
    assert "32-bit" in one_line_error(other)


def test_an_unknown_header_is_not_taken_for_a_dump(tmp_path):
    odd = tmp_path / "odd.heapdump"
    odd.write_bytes(b"go1.8 heap dump\n" + SMALL.read_bytes()[len(HEADER):])
    assert "heap dump format go1.8" in one_line_error(odd)


def test_a_binary_that_did_not_write_the_dump_is_refused():
    err = one_line_error(SMALL, "--binary", SAMPLES / "binaries" / "pointer_slice.gz")
    assert "not the binary that wrote" in err


def test_a_profile_given_as_the_dump_is_refused():
    err = one_line_error(SAMPLES / "leaky_cache" / "later" / "heap.pb.gz")
    assert "not a Go heap dump" in err
