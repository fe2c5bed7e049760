"""The diff leaves heapdiff as a pprof profile go tool pprof reads back with the same numbers,
and as a DOT graph Graphviz renders."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from support import SAMPLES, needs_dot, run_heapdiff
from pbwire import heap_profile
from pprof_text import canonical, parse_top
from heapdiff.inputs.load import load_profile

LEAKY = SAMPLES / "leaky_cache"
EXPORT = LEAKY / "diff-export.pb.gz"


def export(tmp_path, *extra: str):
    target = tmp_path / "diff.pb.gz"
    result = run_heapdiff("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz",
                          "--format", "pprof", "-o", target, *extra)
    assert result.returncode == 0, result.stderr
    return target


def test_the_export_is_deterministic_so_its_committed_oracle_holds(tmp_path):
    assert export(tmp_path).read_bytes() == EXPORT.read_bytes()


def test_pprof_reads_the_export_back_with_heapdiffs_numbers(heapdiff_json):
    oracle = json.loads((LEAKY / "diff-export.pb.gz.pprof.json").read_text())
    for key, text in oracle["top"].items():
        sample_type, granularity = key.split("/")
        if granularity not in ("functions", "lines"):
            continue
        total, rows = parse_top(text)
        got = heapdiff_json("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz",
                            "--sample-index", sample_type, "--granularity", granularity)
        assert got["total"] == total, key
        mine = [(r["name"], r["delta_flat"], r["delta_cum"]) for r in got["rows"]]
        assert canonical(mine) == canonical(rows), key


def test_heapdiff_reads_its_own_export_as_the_diff(heapdiff_json, tmp_path):
    got = heapdiff_json("top", export(tmp_path))
    diff = heapdiff_json("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz")
    flat = {r["name"]: r["flat"] for r in got["rows"]}
    for row in diff["rows"]:
        assert flat.get(row["name"], 0) == row["delta_flat"]


@pytest.mark.skipif(not (shutil.which("go") or (SAMPLES.parent / ".cache/go-venv/bin/go").exists()),
                    reason="no Go here; the committed oracle covers the round trip")
def test_live_pprof_agrees_on_a_fresh_export(tmp_path, heapdiff_json):
    go = shutil.which("go") or str(SAMPLES.parent / ".cache/go-venv/bin/go")
    text = subprocess.run([go, "tool", "pprof", "-top", "-unit=b", "-nodefraction=0",
                           "-sample_index=alloc_space", str(export(tmp_path, "--normalize"))],
                          capture_output=True, text=True, env={"GOTOOLCHAIN": "local", "PATH": "/usr/bin:/bin",
                                                               "HOME": str(tmp_path)}).stdout
    total, rows = parse_top(text)
    got = heapdiff_json("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz",
                        "--sample-index", "alloc_space", "--normalize")
    assert got["total"] == total
    assert canonical([(r["name"], r["delta_flat"], r["delta_cum"]) for r in got["rows"]]) == canonical(rows)


def test_pprof_export_refuses_base_mode():
    result = run_heapdiff("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz",
                          "--format", "pprof", "--mode", "base", "-o", "/tmp/never.pb.gz")
    assert result.returncode == 2 and "--mode base" in result.stderr


@needs_dot
def test_dot_export_renders_with_graphviz(tmp_path):
    dot = tmp_path / "diff.dot"
    result = run_heapdiff("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz",
                          "--format", "dot", "-o", dot)
    assert result.returncode == 0, result.stderr
    svg = subprocess.run(["dot", "-Tsvg", str(dot)], capture_output=True, text=True, check=True).stdout
    assert "main.(*Cache).Insert" in svg and "+41.7MiB" in svg
    assert "#d01c1c" in dot.read_text() or "fillcolor=\"#d0" in dot.read_text()


def hostile_dot(tmp_path):
    """The DOT export of a diff whose function name holds quotes, braces, a backslash and an
    escape sequence."""
    evil = 'main."quoted"\\back}{\x1b[31m'
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", evil, "main.b", "main.c", "x.go"]
    base, new = tmp_path / "b.pb", tmp_path / "n.pb"
    base.write_bytes(heap_profile([([1, 2, 3], [1, 16])], strings=strings))
    new.write_bytes(heap_profile([([1, 2, 3], [5, 80])], strings=strings))
    dot = tmp_path / "evil.dot"
    assert run_heapdiff("diff", base, new, "--format", "dot", "-o", dot,
                        "--nodefraction", "0", "--edgefraction", "0").returncode == 0
    return dot


def test_hostile_names_leave_no_escape_character_in_dot(tmp_path):
    assert "\x1b" not in hostile_dot(tmp_path).read_text()


@needs_dot
def test_hostile_names_render_literally_in_dot(tmp_path):
    dot = hostile_dot(tmp_path)
    svg = subprocess.run(["dot", "-Tsvg", str(dot)], capture_output=True, text=True, check=True).stdout
    assert "main.&quot;quoted&quot;\\back}{\\x1b[31m" in svg


def test_output_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "missing-dir" / "out.json"
    result = run_heapdiff("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz",
                          "--format", "json", "-o", target)
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert not target.parent.exists()


def test_pprof_export_of_a_base_whose_sample_type_is_renamed_keeps_the_types_both_have(tmp_path):
    """pprof merges a pair on the sample types both profiles have (CompatibilizeSampleTypes):
    a base that renamed inuse_space leaves inuse_objects alone in the merged profile."""
    samples = [([1, 2, 3], [2, 2048])]
    base, new = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile(samples, strings=["", "inuse_objects", "count", "inuse_bytes",
                                                    "bytes", "main.leaf", "main.middle",
                                                    "main.root", "main.go"]))
    new.write_bytes(heap_profile(samples))
    result = run_heapdiff("diff", base, new, "--format", "pprof", "-o", tmp_path / "diff.pb.gz")
    assert result.returncode == 0, result.stderr
    exported = load_profile(tmp_path / "diff.pb.gz")
    assert [vt.type for vt in exported.sample_types] == ["inuse_objects"]
    assert sorted(exported.values[:, 0].tolist()) == [-2, 2]
