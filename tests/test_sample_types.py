"""Profiles whose sample types differ (samples/sample_types, re-encoded by its Go program from
its own heap and allocs profiles): a pair's sample type is the one pprof picks and its numbers
pprof's (committed oracles, pairs/*.pprof.json); every pair command accepts such pairs; and
retainers, report and explain read a profile with only some heap types, saying what it lacks."""
from __future__ import annotations

import asyncio
import json
import re

import pytest

from heapdiff.analysis.sampletypes import TypeList, pair_types, pick
from heapdiff.inputs.load import load_profile
from pprof_text import canonical, parse_top
from support import SAMPLES, run_heapdiff

TYPES = SAMPLES / "sample_types"
PAIRS = {"allocs-heap": ("allocs.pb.gz", "later/heap.pb.gz"),
         "heap-inuse_space": ("base/heap.pb.gz", "inuse_space.pb.gz"),
         "spaces-heap": ("spaces.pb.gz", "later/heap.pb.gz"),
         "inuse_objects-inuse_space": ("inuse_objects.pb.gz", "inuse_space.pb.gz")}
MODE_FLAGS = {"diff-base": [], "base": ["--mode", "base"], "diff-base-normalize": ["--normalize"]}
DERIVED = ("allocs.pb.gz", "inuse_space.pb.gz", "inuse_objects.pb.gz", "alloc_space.pb.gz",
           "spaces.pb.gz")
PAIR = (TYPES / "base" / "heap.pb.gz", TYPES / "inuse_space.pb.gz")  # inuse_space in common


def oracle(pair: str) -> dict:
    return json.loads((TYPES / "pairs" / f"{pair}.pprof.json").read_text())


def files(pair: str):
    base, new = PAIRS[pair]
    return TYPES / base, TYPES / new


def pprof_type(text: str) -> str:
    return re.search(r"^Type: (\S+)$", text, re.M).group(1)


def test_every_pair_has_an_oracle():
    assert sorted(p.stem.removesuffix(".pprof") for p in (TYPES / "pairs").glob("*.json")) \
        == sorted(PAIRS)


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_diff_json_equals_pprof_for_every_common_type_and_the_default(pair, heapdiff_json):
    got_keys = oracle(pair)["top"]
    for key, text in got_keys.items():
        mode, sample_type, granularity = key.split("/")
        total, rows = parse_top(text)
        index = [] if sample_type == "default" else ["--sample-index", sample_type]
        got = heapdiff_json("diff", *files(pair), *index, "--granularity", granularity,
                            *MODE_FLAGS[mode])
        assert got["sample_type"] == pprof_type(text), key
        assert got["total"] == total, key
        mine = [(r["name"], r["delta_flat"], r["delta_cum"]) for r in got["rows"]]
        assert canonical(mine) == canonical(rows), key


def test_a_heap_profile_against_an_allocs_base_reads_the_bases_default_alloc_space():
    text = oracle("allocs-heap")["top"]["diff-base/default/functions"]
    assert pprof_type(text) == "alloc_space"  # the heap profile names no default; the base does
    result = run_heapdiff("diff", *files("allocs-heap"), "--nodecount", "1")
    assert "Type: alloc_space (bytes)" in result.stdout


def test_a_new_profile_cut_down_to_the_common_types_takes_the_first_of_them():
    """spaces.pb.gz (base) has [inuse_space, alloc_space]; the heap profile (new) loses two of
    its types in the merge, so its empty default becomes the first common type, alloc_space."""
    base, new = (TypeList.of(load_profile(p)) for p in files("spaces-heap"))
    merged = pair_types([base], new)
    assert merged.types == ("alloc_space", "inuse_space")
    assert pick(merged, None) == pprof_type(oracle("spaces-heap")["top"]["diff-base/default/functions"])


@pytest.mark.parametrize("pair", ["heap-inuse_space", "spaces-heap"])
def test_normalize_refuses_differing_types_as_pprof_does(pair):
    assert "incompatible sample types" in oracle(pair)["refused"]["diff-base-normalize"]
    result = run_heapdiff("diff", *files(pair), "--normalize")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("heapdiff: --normalize: ") and result.stderr.count("\n") == 1
    assert "same ones, in the same order" in result.stderr


@pytest.mark.parametrize("command", [["diff"], ["paths"], ["sizes"], ["peek", "main"],
                                     ["diff", "--format", "pprof", "-o", "/dev/null"]])
def test_a_pair_with_no_common_type_is_refused_in_one_line(command):
    assert oracle("inuse_objects-inuse_space")["refused"]["diff-base"] == \
        "profiles have empty common sample type list"
    name, *rest = command
    result = run_heapdiff(name, *files("inuse_objects-inuse_space"), *rest)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "have no sample type in common" in result.stderr


@pytest.mark.parametrize("name", DERIVED)
def test_top_on_a_profile_with_some_heap_types_equals_pprof(name, heapdiff_json):
    recorded = json.loads((TYPES / f"{name}.pprof.json").read_text())
    assert len(recorded["top"]) == 5 * len(recorded["sample_types"])
    for key, text in recorded["top"].items():
        sample_type, granularity = key.split("/")
        total, rows = parse_top(text)
        got = heapdiff_json("top", TYPES / name, "--sample-index", sample_type,
                            "--granularity", granularity)
        assert got["total"] == total, key
        assert canonical([(r["name"], r["flat"], r["cum"]) for r in got["rows"]]) == \
            canonical(rows), key


# --- every pair command on base (four types) against new (inuse_space alone) -----------

def pair_oracle_rows() -> tuple[int, list]:
    return parse_top(oracle("heap-inuse_space")["top"]["diff-base/default/functions"])


def test_pprof_export_holds_the_common_type_and_pprofs_numbers(tmp_path):
    out = tmp_path / "diff.pb.gz"
    assert run_heapdiff("diff", *PAIR, "--format", "pprof", "-o", out).returncode == 0
    exported = load_profile(out)
    assert [vt.type for vt in exported.sample_types] == ["inuse_space"]
    result = run_heapdiff("top", out, "--format", "json")
    got = json.loads(result.stdout)
    _, rows = pair_oracle_rows()
    assert canonical([(r["name"], r["flat"], r["cum"]) for r in got["rows"]]) == canonical(rows)


def test_dot_export_draws_the_common_type(tmp_path):
    out = tmp_path / "diff.dot"
    assert run_heapdiff("diff", *PAIR, "--format", "dot", "-o", out).returncode == 0
    dot = out.read_text()
    assert dot.startswith("digraph") and "inuse_space" in dot and "main.keepBuffers" in dot


def test_paths_follow_the_largest_growth_of_the_common_type():
    got = json.loads(run_heapdiff("paths", *PAIR, "--format", "json").stdout)
    _, rows = pair_oracle_rows()
    leaf, flat, _ = max(rows, key=lambda r: r[1])
    assert got["sample_type"] == "inuse_space"
    assert got["paths"][0]["nodes"][-1] == leaf and got["paths"][0]["leaf_delta"] == flat


def test_peek_shows_the_callers_of_a_function_with_pprofs_delta():
    result = run_heapdiff("peek", *PAIR, "^main.keepIndex$")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("main.keepIndex: flat +") and "main.main" in result.stdout


def test_sizes_add_up_to_the_net_change_pprof_reports(heapdiff_json):
    got = heapdiff_json("sizes", *PAIR)
    _, rows = pair_oracle_rows()
    assert got["sample_type"] == "inuse_space"
    assert sum(r["delta"] for r in got["rows"]) == sum(flat for _, flat, _ in rows)


def test_report_on_the_pair_shows_growth_of_the_common_type_and_the_retainers_note(heapdiff_json):
    got = heapdiff_json("report", "--base", PAIR[0], PAIR[1])
    total, rows = pair_oracle_rows()
    assert got["growth"]["sample_type"] == "inuse_space"
    assert got["growth"]["base_total"] == total
    mine = [(r["name"], r["delta_flat"], r["delta_cum"]) for r in got["growth"]["rows"]]
    assert canonical(mine) == canonical(rows)
    assert got["retainers"]["note"].startswith("no inuse_objects")


def test_tui_offers_only_the_common_types_and_shows_pprofs_pick():
    from tui.app import HeapdiffApp
    from tui_settle import settled

    async def main():
        app = HeapdiffApp([str(TYPES / "later" / "heap.pb.gz")], [str(TYPES / "spaces.pb.gz")])
        async with app.run_test(size=(140, 40)) as pilot:
            await settled(pilot)
            assert app.analysis.sample_types == ("alloc_space", "inuse_space")
            assert app.analysis.diff.sample_type.type == "alloc_space"
            await pilot.press("s")
            await settled(pilot)
            assert app.analysis.diff.sample_type.type == "inuse_space"
            await pilot.press("n")  # pprof's -normalize refuses these types: said, not crashed
            await settled(pilot)
            assert app.analysis.diff.sample_type.type == "inuse_space"
            assert not app.settings.normalize
    asyncio.run(main())


# --- one profile with some heap types: retainers, explain, report ----------------------

def test_retainers_on_inuse_space_alone_estimate_objects_from_the_size_labels(heapdiff_json):
    alone = heapdiff_json("retainers", TYPES / "inuse_space.pb.gz")
    full = heapdiff_json("retainers", TYPES / "later" / "heap.pb.gz")
    assert alone["note"].startswith("no inuse_objects: object counts are")
    assert "note" not in full
    key = lambda s: (s["function"], s["line"], s["inuse_bytes"])  # noqa: E731
    assert sorted(map(key, alone["sites"])) == sorted(map(key, full["sites"]))
    estimated = sum(s["inuse_objects"] for s in alone["sites"])
    real = sum(s["inuse_objects"] for s in full["sites"])
    assert abs(estimated - real) <= real // 10_000  # rounding per sample only


def test_retainers_on_inuse_objects_alone_derive_bytes_from_the_size_labels(heapdiff_json):
    alone = heapdiff_json("retainers", TYPES / "inuse_objects.pb.gz")
    full = heapdiff_json("retainers", TYPES / "later" / "heap.pb.gz")
    assert alone["note"].startswith("no inuse_space: in-use bytes are objects x object size")
    key = lambda s: (s["function"], s["line"], s["inuse_objects"])  # noqa: E731
    assert len(alone["sites"]) == len(full["sites"])
    for site, real in zip(sorted(alone["sites"], key=key), sorted(full["sites"], key=key)):
        assert key(site) == key(real)
    # a sample's count and bytes are scaled and truncated apart: off by under one object each
    derived, real_bytes = (sum(s["inuse_bytes"] for s in r["sites"]) for r in (alone, full))
    assert abs(derived - real_bytes) <= real_bytes // 1000


def test_retainers_refuse_a_profile_without_an_in_use_type_in_one_line():
    result = run_heapdiff("retainers", TYPES / "alloc_space.pb.gz")
    assert result.returncode == 2
    assert result.stderr == (f"heapdiff: {TYPES / 'alloc_space.pb.gz'}: retainers needs the live "
                             "heap: no in-use sample type, inuse_space or inuse_objects (sample "
                             "types: alloc_space)\n")


def test_explain_on_inuse_space_alone_shows_pprofs_total_and_says_what_is_estimated(heapdiff_json):
    total, _ = parse_top(json.loads((TYPES / "inuse_space.pb.gz.pprof.json").read_text())
                         ["top"]["inuse_space/functions"])
    got = heapdiff_json("explain", TYPES / "inuse_space.pb.gz", TYPES / "later" / "memstats.json")
    rows = {r["component"]: r["bytes"] for r in got["waterfall"]}
    assert rows["profile_inuse"] == total
    text = run_heapdiff("explain", TYPES / "inuse_space.pb.gz").stdout
    assert "no inuse_objects: object counts are in-use bytes / object size" in text


def test_explain_names_what_a_profile_without_an_in_use_type_lacks():
    text = run_heapdiff("explain", TYPES / "alloc_space.pb.gz").stdout
    assert "profile_inuse    unknown  needs a heap profile" in text
    assert "alloc_space.pb.gz has no in-use sample type" in text


def test_report_on_inuse_space_alone_has_retainers_with_the_note():
    result = run_heapdiff("report", TYPES / "inuse_space.pb.gz")
    assert result.returncode == 0, result.stderr
    assert "## Pointer-dense retainers" in result.stdout and "main.keepBuffers" in result.stdout
    assert "The profile has no inuse\\_objects" in result.stdout


def test_report_without_an_in_use_type_says_why_there_are_no_retainers():
    result = run_heapdiff("report", TYPES / "alloc_space.pb.gz")
    assert result.returncode == 0, result.stderr
    assert "Not known: " in result.stdout and "has no in-use sample type" in result.stdout


def test_tui_retainers_on_inuse_space_alone_say_object_counts_are_estimated():
    from textual.widgets import Static

    from tui.app import HeapdiffApp
    from tui.views.retainers import RetainersView
    from tui_settle import settled

    async def main():
        app = HeapdiffApp([str(PAIR[1])], [str(PAIR[0])])
        async with app.run_test(size=(160, 40)) as pilot:
            await settled(pilot)
            await pilot.press("7")
            await settled(pilot)
            title = app.query_one(RetainersView).query_one("#retainers-title", Static)
            assert "the profile has no inuse_objects" in str(title.render())
            assert app.analysis.diff.sample_type.type == "inuse_space"
    asyncio.run(main())


def test_a_later_base_that_changes_the_pick_gives_the_same_diff_as_all_in_memory(heapdiff_json):
    """diff reads one profile at a time: the first base (a heap profile) suggests inuse_space,
    the second (allocs) makes pprof's merged default alloc_space, so the sides already
    summarized are read again for it."""
    from heapdiff.analysis.diff import diff_profiles

    heap, allocs, new = TYPES / "base" / "heap.pb.gz", TYPES / "allocs.pb.gz", TYPES / "later" / "heap.pb.gz"
    got = heapdiff_json("diff", "--base", heap, "--base", allocs, new)
    whole = diff_profiles([load_profile(heap), load_profile(allocs)], load_profile(new))
    assert got["sample_type"] == whole.sample_type.type == "alloc_space"
    assert got["total"] == whole.total and got["new_total"] == whole.new_total
    assert [(r["name"], r["delta_flat"], r["delta_cum"]) for r in got["rows"]] == \
        [(r.name, r.delta_flat, r.delta_cum) for r in whole.rows]


def test_pprof_export_names_the_default_pprofs_merge_keeps(tmp_path):
    """Opened without -sample_index, the export shows what the diff showed: the heap profile
    names no default, the allocs base does (alloc_space), and the merge keeps it."""
    out = tmp_path / "diff.pb.gz"
    assert run_heapdiff("diff", *files("allocs-heap"), "--format", "pprof", "-o", out).returncode == 0
    exported = load_profile(out)
    assert exported.default_sample_type == "alloc_space"
    assert [vt.type for vt in exported.sample_types] == \
        ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]
