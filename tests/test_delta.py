"""Delta profiles (/debug/pprof/heap?seconds=N): recognised, totalled as pprof totals them (the
sum of |value|), and told as a change over their span, never as the live heap. The sample is
samples/delta (samples/programs/delta fetched its own ?seconds=2 while it dropped a 16 MiB
table and kept 24 MiB of sessions); top and diff on it are checked row by row against pprof in
test_top_matches_pprof and test_diff_matches_pprof."""
from __future__ import annotations

import json
import re

import pytest

from support import PUBLIC, SAMPLES, needs_public
from pprof_text import parse_top

from heapdiff.analysis.diff import diff_profiles
from heapdiff.cli import main
from heapdiff.inputs.load import load_profile
from heapdiff.render.format import change_percent

DELTA = SAMPLES / "delta"
HEAP_DELTA = DELTA / "heap-delta.pb.gz"
ALLOCS_DELTA = DELTA / "allocs-delta.pb.gz"
SHOWN = re.compile(r"accounting for (-?\d+)B")


def pprof_top(profile, key: str) -> str:
    return json.loads(profile.with_name(profile.name + ".pprof.json").read_text())["top"][key]


def signed_sum(profile, key: str) -> int:
    """What pprof's rows add up to ("Showing nodes accounting for"): the signed sum."""
    match = SHOWN.search(pprof_top(profile, key))
    assert match is not None
    return int(match.group(1))


@pytest.mark.parametrize("path", [HEAP_DELTA, ALLOCS_DELTA], ids=lambda p: p.name)
def test_a_delta_profile_is_recognised_by_the_span_net_http_pprof_sets(path):
    profile = load_profile(path)
    assert profile.is_delta
    assert 2_000_000_000 <= profile.duration_nanos < 3_000_000_000
    assert (profile.values[:, profile.sample_index("inuse_space")] < 0).any()


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*/*/heap.pb.gz"))
                         + sorted(SAMPLES.glob("*/*/heap.txt")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_a_profile_of_one_moment_is_no_delta(path):
    assert not load_profile(path).is_delta


@needs_public
def test_no_public_profile_is_a_delta():
    readable = [p for p in PUBLIC.iterdir() if p.name.endswith((".pb.gz", "gobench.heap"))]
    assert readable and not any(load_profile(p).is_delta for p in readable)


def test_a_diff_written_for_pprof_is_no_delta_though_it_holds_negative_values():
    export = load_profile(SAMPLES / "leaky_cache" / "diff-export.pb.gz")
    assert (export.values < 0).any()
    assert not export.is_delta


def test_top_total_is_the_sum_of_absolute_values_as_pprof_says(heapdiff_json):
    total, _ = parse_top(pprof_top(HEAP_DELTA, "inuse_space/functions"))
    got = heapdiff_json("top", HEAP_DELTA, "--sample-index", "inuse_space")
    assert got["total"] == total == 42_483_685
    assert sum(r["flat"] for r in got["rows"]) == signed_sum(HEAP_DELTA, "inuse_space/functions")
    assert "change over 2.01 s" in got["delta"]


def test_diff_totals_are_each_sides_top_total_and_its_net_change_is_signed():
    later = DELTA / "later" / "heap.pb.gz"
    d = diff_profiles([load_profile(HEAP_DELTA)], load_profile(later), "inuse_space")
    base_top, _ = parse_top(pprof_top(HEAP_DELTA, "inuse_space/functions"))
    new_top, _ = parse_top(pprof_top(later, "inuse_space/functions"))
    assert (d.base_total, d.new_total) == (base_top, new_top)
    assert d.net_change == new_top - signed_sum(HEAP_DELTA, "inuse_space/functions")
    assert len(d.deltas) == 1
    assert d.deltas[0].startswith("base: a delta profile (?seconds=N): the change over 2.01 s")


def test_diff_json_gives_the_signed_net_change_beside_the_totals(heapdiff_json):
    got = heapdiff_json("diff", HEAP_DELTA, DELTA / "later")
    later_top, _ = parse_top(pprof_top(DELTA / "later" / "heap.pb.gz", "inuse_space/functions"))
    assert got["net_change"] == later_top - signed_sum(HEAP_DELTA, "inuse_space/functions")
    assert got["net_change"] != got["new_total"] - got["base_total"]


def test_diff_text_says_which_side_is_a_delta(capsys):
    assert main(["diff", str(DELTA / "base"), str(HEAP_DELTA)]) == 0
    text = capsys.readouterr().out
    assert "Delta: new: a delta profile (?seconds=N): the change over 2.01 s" in text


@pytest.mark.parametrize("command", [["paths"], ["peek", "main.main"]], ids=lambda c: c[0])
def test_paths_and_peek_say_which_side_is_a_delta(command, capsys):
    files = [str(DELTA / "base"), str(HEAP_DELTA)]
    assert main([command[0], *files, *command[1:]]) == 0
    assert capsys.readouterr().out.startswith(
        "Delta: new: a delta profile (?seconds=N): the change over 2.01 s")


def test_explain_says_a_delta_is_a_change_and_leaves_it_out_of_the_waterfall(heapdiff_json):
    got = heapdiff_json("explain", HEAP_DELTA, DELTA / "later" / "memstats.json",
                        DELTA / "later" / "status.txt")
    assert "the change over 2.01 s, not the live heap" in got["delta"]
    rows = {r["component"]: r for r in got["waterfall"]}
    assert rows["profile_inuse"]["bytes"] is None
    assert "not a delta profile" in rows["profile_inuse"]["needs"]
    assert "since_last_gc" not in rows  # it would be HeapAlloc minus a 2 s change
    assert sum(r["bytes"] for r in got["waterfall"] if r["bytes"] is not None) == got["rss"]


def test_retainers_count_every_sample_pprof_counts_freed_memory_negative(heapdiff_json):
    got = heapdiff_json("retainers", HEAP_DELTA)
    assert "the change over 2.01 s" in got["delta"]
    assert sum(s["inuse_bytes"] for s in got["sites"]) == signed_sum(HEAP_DELTA,
                                                                      "inuse_space/addresses")
    by_function = {}
    for s in got["sites"]:
        by_function[s["function"]] = by_function.get(s["function"], 0) + s["inuse_bytes"]
    _, rows = parse_top(pprof_top(HEAP_DELTA, "inuse_space/functions"))
    pprof_flat = {name: flat for name, flat, _ in rows}
    assert by_function["main.openSession"] == pprof_flat["main.openSession"] > 0
    assert by_function["main.blocks"] == pprof_flat["main.blocks"] < 0


def test_report_says_a_delta_is_a_change_before_anything_else(heapdiff_json, capsys):
    assert main(["report", str(HEAP_DELTA)]) == 0
    markdown = capsys.readouterr().out
    first_section = markdown.index("\n## ")
    assert markdown.index("**Delta:**") < first_section
    assert "the change over 2.01 s, not the live heap" in markdown
    got = heapdiff_json("report", HEAP_DELTA)
    assert [i.get("delta", "") != "" for i in got["inputs"]] == [True]
    assert "the change over 2.01 s" in got["retainers"]["delta"]


def test_a_change_from_a_negative_base_has_the_changes_sign():
    assert change_percent(20, -16) == "+125.0%"
    assert change_percent(-4, 16) == "-25.0%"


def test_top_text_prints_percentages_of_magnitudes_as_pprof_does(capsys):
    """pprof's report.percentage takes |value / total|: freed memory is 39.43% of the total,
    and sum% is the magnitude of the running sum (pprof -top on the same file)."""
    assert main(["top", str(SAMPLES / "delta" / "heap-delta.pb.gz")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"-16\.0MiB 39\.43% 19\.78% -16\.0MiB 39\.43%  main\.blocks", out)
    assert re.search(r"24\.0MiB 59\.21% 59\.21%  24\.0MiB 59\.21%  main\.openSession", out)
