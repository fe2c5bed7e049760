"""The source route for real: the Go helper built with the real Go toolchain, run on the sample
programs (module heapdiff/samples) and on a small module written here.

Line numbers are found by searching the source text, never hard-coded. The helper binary is
cached (~/.cache/heapdiff), so only the first run anywhere pays for building it."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from heapdiff.common.errors import InputError
from heapdiff.common.gotool import find_go
from heapdiff.retainers.source import SourceCandidate, source_candidates

from support import SAMPLES

GO = find_go()
pytestmark = pytest.mark.skipif(
    GO is None, reason="no Go toolchain: not on PATH and no .cache/go-venv (run samples/ensure-go)")

PROGRAMS = SAMPLES / "programs"
POINTER_SLICE = PROGRAMS / "pointer_slice" / "main.go"
MMAP_OFFHEAP = PROGRAMS / "mmap_offheap" / "main.go"


def line_of(path: Path, text: str) -> int:
    """The one line of path that contains text."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, f"{text!r} is on lines {hits} of {path}"
    return hits[0]


@pytest.fixture(scope="module")
def samples():
    """One helper run for every query on the sample programs the tests below look at."""
    ptr = line_of(POINTER_SLICE, "make([]*int, words)")
    val = line_of(POINTER_SLICE, "make([]int, words)")
    two = line_of(MMAP_OFFHEAP, "&OffHeapCache{")
    queries = {
        "ptr": ("pointer_slice/main.go", ptr),                     # relative to the module
        "val": (str(POINTER_SLICE), val),                          # absolute
        "trim": ("heapdiff/samples/pointer_slice/main.go", ptr),    # as -trimpath records it
        "two": ("heapdiff/samples/mmap_offheap/main.go", two),
        "nowhere": ("no/such/file.go", 3),
        "ambiguous": ("main.go", 1),
        "zero": ("pointer_slice/main.go", 0),
    }
    errors: list[str] = []
    found = source_candidates(PROGRAMS, list(queries.values()), go=GO, errors=errors)
    return {name: found[q] for name, q in queries.items()}, errors, found, queries


def only(cands: list[SourceCandidate]) -> SourceCandidate:
    assert len(cands) == 1, cands
    return cands[0]


def test_pointer_slice_verdicts(samples):
    got = samples[0]
    ptr, val = only(got["ptr"]), only(got["val"])
    assert (ptr.kind, ptr.expr, ptr.type) == ("make-slice", "make([]*int, words)", "[]*int")
    assert (ptr.pointers, ptr.ptr_fraction, ptr.size, ptr.priority) == (True, 1.0, 8, 0)
    assert (val.kind, val.expr, val.type) == ("make-slice", "make([]int, words)", "[]int")
    assert (val.pointers, val.ptr_fraction, val.size, val.priority) == (False, 0.0, 8, 0)


def test_trimpath_query_resolves(samples):
    got = samples[0]
    assert got["trim"] == got["ptr"] and got["trim"]


def test_two_allocations_on_one_line(samples):
    cands = samples[0]["two"]
    assert [(c.kind, c.type, c.pointers) for c in cands] == [
        ("composite", "main.OffHeapCache", True),
        ("make-map", "map[uint64]uint32", False),
    ]
    composite, table = cands
    assert composite.expr.startswith("&OffHeapCache{") and table.expr == "make(map[uint64]uint32)"
    assert composite.size == 40 and composite.ptr_fraction == pytest.approx(2 / 5)
    assert table.size == 16 and table.ptr_fraction == 0.0  # one slot {key uint64; elem uint32}


def test_unresolved_queries_are_empty_with_a_reason(samples):
    got, errors, found, queries = samples
    assert got["nowhere"] == [] and got["ambiguous"] == [] and got["zero"] == []
    assert set(found) == set(queries.values())
    assert any(e.startswith("no/such/file.go:3: ") for e in errors), errors
    assert any(e.startswith("main.go:1: ambiguous") for e in errors), errors


def test_many_kinds_on_a_small_module(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/kinds\n\ngo 1.22\n")
    src = tmp_path / "main.go"
    src.write_text(textwrap.dedent("""\
        package main

        import "fmt"

        type Node struct {
        	Val  int
        	Next *Node
        }

        type Flat struct{ A, B int }

        var (
        	sinkMap  = map[string]*Node{}
        	sinkPtrs []*Flat
        	sinkS    string
        	sinkF    func() int
        	sinkAny  []any
        )

        func mk[T any](n int) []T { return make([]T, n) }

        func main() {
        	for i := 0; i < 3; i++ {
        		sinkMap[fmt.Sprint(i)] = &Node{Val: i}
        	}
        	sinkPtrs = append(sinkPtrs, new(Flat))
        	x, y := 1, new(int)
        	sinkF = func() int { return x + *y }
        	sinkS = sinkS + "x" + fmt.Sprint(x)
        	sinkAny = append(sinkAny, Flat{1, 2})
        	var z int
        	_ = &z
        	_ = mk[int](1)
        }
        """))
    names = {"map": "sinkMap[fmt.Sprint(i)]", "append": "append(sinkPtrs",
             "closure": "func() int {", "concat": 'sinkS + "x"', "box": "append(sinkAny",
             "moved": "var z int", "generic": "make([]T, n)"}
    queries = {k: ("main.go", line_of(src, v)) for k, v in names.items()}
    found = source_candidates(tmp_path, list(queries.values()), go=GO)
    got = {k: [(c.kind, c.type, c.pointers, c.priority) for c in found[q]]
           for k, q in queries.items()}
    assert got["map"] == [("map-assign", "map[string]*main.Node", True, 0),
                          ("composite", "main.Node", True, 0),
                          ("iface-box", "int", False, 1)]
    assert got["append"] == [("append", "[]*main.Flat", True, 0), ("new", "main.Flat", False, 0)]
    assert got["closure"] == [("closure", "struct{F uintptr; x int; y *int}", True, 0)]
    assert got["concat"] == [("string-concat", "string", False, 0), ("iface-box", "int", False, 1)]
    assert got["box"] == [("append", "[]any", True, 0), ("iface-box", "main.Flat", False, 1)]
    assert got["moved"] == [("moved-var", "int", False, 2)]
    generic = only(found[queries["generic"]])
    assert (generic.kind, generic.type, generic.pointers, generic.size) == \
        ("make-slice", "[]T", None, None)


def test_missing_directory_is_one_line(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(InputError) as e:
        source_candidates(missing, [("main.go", 3)], go=GO)
    assert e.value.source == str(missing)
    assert "\n" not in str(e.value) and "no such directory" in str(e.value)


def test_not_a_module_says_why(tmp_path):
    with pytest.raises(InputError) as e:
        source_candidates(tmp_path, [("main.go", 3)], go=GO)
    msg = str(e.value)
    assert "\n" not in msg and "the helper failed" in msg and "no Go packages" in msg, msg


def test_no_go_toolchain(monkeypatch):
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(InputError) as e:
        source_candidates(PROGRAMS, [("pointer_slice/main.go", 3)], go="/no/such/go")
    assert "no Go toolchain found" in str(e.value) and "\n" not in str(e.value)


def test_source_route_decides_a_realistic_heap_and_is_never_wrong(heapdiff_json, monkeypatch):
    """`heapdiff retainers --source` on the realistic sample, without the binary, checked
    against the truth from its source (samples/retainers/expected.json)."""
    import json

    monkeypatch.setenv("PATH", f"{Path(GO).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    expected = {e.get("leaf", e["function"]): e
                for e in json.loads((SAMPLES / "retainers" / "expected.json").read_text())}
    got = heapdiff_json("retainers", SAMPLES / "retainers" / "later" / "heap.pb.gz",
                        "--source", PROGRAMS)
    total = sum(s["inuse_bytes"] for s in got["sites"])
    decided = [s for s in got["sites"] if s["evidence"] == "source"]
    assert sum(s["inuse_bytes"] for s in decided) / total >= 0.95
    for s in decided:
        if s["function"] in expected:
            assert (s["verdict"] == "scan") == expected[s["function"]]["pointers"], s
    shapes = {s["function"]: s["verdict"] for s in decided if s["function"].startswith("main.mk[")}
    assert shapes == {"main.mk[go.shape.*uint8]": "scan", "main.mk[go.shape.int]": "noscan"}
