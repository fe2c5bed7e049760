"""`heapdiff timeline` on capture folders assembled from the committed sample snapshots: each
round folder is a copy of a real snapshot, so every value comes from a real profile."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from heapdiff.capture.manifest import read_capture
from heapdiff.common.errors import InputError
from heapdiff.render.timeline import timeline_text
from heapdiff.inputs.snapshot import load_snapshot
from heapdiff.capture.timeline import Timeline, Trend, build_timeline, classify

from capture_folders import EVERY, START, make_capture
from support import SAMPLES, run_heapdiff

BASE = SAMPLES / "leaky_cache" / "base"
LATER = SAMPLES / "leaky_cache" / "later"
LEAK = "main.(*Cache).Insert"
CONFIG = "main.loadConfig"


def timeline_of(tmp_path: Path, snapshots: list[Path], **kw) -> Timeline:
    return build_timeline(read_capture(make_capture(tmp_path / "cap", snapshots)), **kw)


def row(tl: Timeline, name: str) -> Trend:
    return next(t for t in tl.functions if t.name == name)


def test_monotonic_leak_is_the_top_grower(tmp_path):
    tl = timeline_of(tmp_path, [BASE, LATER, LATER])
    assert tl.functions[0].name == LEAK and tl.functions[0].kind == "grower"


def test_equal_consecutive_values_do_not_stop_a_grower(tmp_path):
    tl = timeline_of(tmp_path, [BASE, BASE, LATER, LATER])
    assert row(tl, LEAK).kind == "grower"


def test_rise_and_fall_is_a_sawtooth(tmp_path):
    tl = timeline_of(tmp_path, [BASE, LATER, BASE, LATER])
    assert row(tl, LEAK).kind == "sawtooth"
    assert not [t for t in tl.functions if t.kind == "grower"]


def test_unchanged_site_is_steady(tmp_path):
    tl = timeline_of(tmp_path, [BASE, LATER, LATER])
    assert row(tl, CONFIG).kind == "steady"


def test_fall_is_shrinking(tmp_path):
    tl = timeline_of(tmp_path, [LATER, BASE])
    assert row(tl, LEAK).kind == "shrinking"


def test_slope_is_the_change_per_second(tmp_path):
    tl = timeline_of(tmp_path, [BASE, LATER])
    leak = row(tl, LEAK)
    assert leak.slope > 0
    assert leak.slope == pytest.approx((leak.values[1] - leak.values[0]) / EVERY)
    shrinking = row(timeline_of(tmp_path / "b", [LATER, BASE]), LEAK)
    assert shrinking.slope == pytest.approx(-leak.slope)


def test_growth_below_the_threshold_is_not_a_grower():
    # +1% of the total, never falling: sampling noise, not a leak suspect
    assert classify([100, 100, 101], scale=100) == "steady"
    assert classify([100, 101, 103], scale=100) == "grower"


def test_small_dips_do_not_break_a_grower():
    assert classify([10, 30, 29.7, 60], scale=100) == "grower"  # noise
    assert classify([10, 30, 29, 60], scale=100) == "grower"    # below the meaningful 2%
    assert classify([10, 30, 20, 60], scale=100) == "sawtooth"


def test_values_equal_heapdiff_top_for_each_round(tmp_path):
    cap = make_capture(tmp_path / "cap", [BASE, LATER, BASE])
    tl = build_timeline(read_capture(cap))
    for i, r in enumerate(read_capture(cap).manifest.rounds):
        top = json.loads(run_heapdiff("top", cap / r.dir / "heap.pb.gz", "--nodecount", "0",
                                      "--format", "json").stdout)
        flat = {row["name"]: row["flat"] for row in top["rows"] if row["flat"]}
        assert {t.name: t.values[i] for t in tl.functions if t.values[i]} == flat
        assert tl.totals[i] == top["total"]
        assert (tl.sample_index, tl.unit) == (top["sample_type"], top["unit"])


def test_sample_index_option_picks_the_column(tmp_path):
    tl = timeline_of(tmp_path, [BASE, LATER], sample_index="alloc_objects")
    assert (tl.sample_index, tl.unit) == ("alloc_objects", "count")
    assert row(tl, LEAK).kind == "grower"


def test_memory_rows_are_rss_heapalloc_heapinuse(tmp_path):
    tl = timeline_of(tmp_path, [BASE, LATER])
    snaps = [load_snapshot([str(BASE)]), load_snapshot([str(LATER)])]
    assert [t.name for t in tl.memory] == ["RSS", "HeapAlloc", "HeapInuse"]
    rss, alloc, inuse = tl.memory
    assert rss.values == tuple(s.rss for s in snaps)
    assert alloc.values == tuple(s.memstats["HeapAlloc"] for s in snaps)
    assert inuse.values == tuple(s.memstats["HeapInuse"] for s in snaps)
    assert alloc.kind == "grower"


def test_memstats_come_from_the_text_trailer_without_vars_json(tmp_path):
    cap = make_capture(tmp_path / "cap", [BASE, LATER], skip=("vars",))
    tl = build_timeline(read_capture(cap))
    trailer = [load_snapshot([str(s / "heap.txt")]).memstats["HeapAlloc"] for s in (BASE, LATER)]
    assert list(tl.memory[1].values) == trailer


def test_missing_rss_is_none_and_unknown(tmp_path):
    cap = make_capture(tmp_path / "cap", [BASE, LATER], skip=("status", "smaps_rollup"))
    rss = build_timeline(read_capture(cap)).memory[0]
    assert rss.values == (None, None) and rss.kind == "unknown" and rss.first is None
    out = run_heapdiff("timeline", cap)
    assert out.returncode == 0, out.stderr
    assert "unknown" in out.stdout


def test_text_output_has_the_table_and_memory_rows(tmp_path):
    cap = make_capture(tmp_path / "cap", [BASE, LATER, LATER])
    out = run_heapdiff("timeline", cap, "--nodecount", "3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if "slope/min" in line)
    assert lines[header + 1].split()[0] == "grower" and lines[header + 1].endswith(LEAK)
    assert "/min" in lines[header + 1] and "showing 3 of" in out.stdout
    memory = lines[lines.index("Memory:") + 2:]
    assert [line.split()[-1] for line in memory] == ["RSS", "HeapAlloc", "HeapInuse"]


def test_json_output(tmp_path):
    cap = make_capture(tmp_path / "cap", [BASE, LATER, LATER])
    out = run_heapdiff("timeline", cap, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["sample_type"] == "inuse_space" and doc["unit"] == "bytes"
    assert doc["times"] == [START, START + EVERY, START + 2 * EVERY] and len(doc["labels"]) == 3
    leak = doc["functions"][0]
    assert (leak["name"], leak["kind"]) == (LEAK, "grower")
    assert leak["change"] == leak["values"][-1] - leak["values"][0] > 0
    assert all(isinstance(v, int) for v in leak["values"])
    assert [m["name"] for m in doc["memory"]] == ["RSS", "HeapAlloc", "HeapInuse"]


def test_names_are_escaped_for_the_terminal():
    evil = Trend(name="main.\x1b[2Jevil\n", values=(1, 2), slope=1.0, kind="grower")
    tl = Timeline(capture="cap", times=(0.0, 1.0), labels=("#1", "#2"), unit="bytes",
                  sample_index="inuse_space", granularity="functions", totals=(1, 2),
                  functions=(evil,), memory=())
    text = timeline_text(tl, [evil])
    assert "\x1b" not in text and "main.\\x1b[2Jevil\\x0a" in text


def test_folder_without_manifest_is_one_line_exit_2(tmp_path):
    out = run_heapdiff("timeline", BASE)
    assert out.returncode == 2
    assert out.stderr.startswith("heapdiff: ") and out.stderr.count("\n") == 1
    assert "not a capture folder" in out.stderr


def test_bad_manifest_is_one_line_exit_2(tmp_path):
    (tmp_path / "manifest.json").write_text('{"format": "something else"}')
    out = run_heapdiff("timeline", tmp_path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_one_round_is_not_enough(tmp_path):
    cap = make_capture(tmp_path / "cap", [BASE])
    with pytest.raises(InputError, match="at least 2"):
        build_timeline(read_capture(cap))
    out = run_heapdiff("timeline", cap)
    assert out.returncode == 2 and "at least 2" in out.stderr


def test_committed_service_capture_names_the_leak_as_top_grower():
    out = run_heapdiff("timeline", SAMPLES / "leaky_service" / "capture", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    top = doc["functions"][0]
    assert (top["name"], top["kind"]) == ("main.(*SessionStore).Remember", "grower")
    assert {t["name"]: t["kind"] for t in doc["functions"]}["main.(*Batcher).Add"] == "sawtooth"
    assert all(None not in m["values"] for m in doc["memory"])
