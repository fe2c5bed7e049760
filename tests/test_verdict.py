"""The verdict on a diff as a whole: the report's headline, its "First:" advice, the table's
title and `diff`'s footer follow the direction and size of the whole profile's change (checked
against pprof's totals in the committed oracles); a fall of the alloc_* counters is warned
about; identical profiles say so."""
from __future__ import annotations

import json

from support import SAMPLES, run_heapdiff
from pbwire import heap_profile
from pprof_text import parse_top

from heapdiff.analysis.diff import Diff, DiffRow
from heapdiff.analysis.verdict import STEADY_FRACTION, Verdict, alloc_totals, verdict
from heapdiff.inputs.load import load_profile
from heapdiff.common.units import human
from heapdiff.model import ValueType
from heapdiff.render.verdict import first_step, headline, table_title

LEAKY = SAMPLES / "leaky_cache"
FRAGMENTATION = SAMPLES / "fragmentation"


def pprof_total(snapshot, sample_type: str) -> int:
    oracle = json.loads((snapshot / "heap.pb.gz.pprof.json").read_text())
    return parse_top(oracle["top"][f"{sample_type}/functions"])[0]


def pprof_delta(pair, name: str) -> int:
    """The flat delta pprof gives `name` in the pair's later-against-base diff."""
    oracle = json.loads((pair / "diff.pprof.json").read_text())
    _, rows = parse_top(oracle["top"]["diff-base/inuse_space/functions"])
    return next(flat for row_name, flat, _ in rows if row_name == name)


def report_json(base, new) -> dict:
    result = run_heapdiff("report", "--base", base, new, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def report_markdown(base, new) -> str:
    result = run_heapdiff("report", "--base", base, new)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_swapped_pair_is_headlined_by_the_whole_profiles_shrink():
    doc = report_json(LEAKY / "later", LEAKY / "base")
    before, after = pprof_total(LEAKY / "later", "inuse_space"), pprof_total(LEAKY / "base", "inuse_space")
    insert = -pprof_delta(LEAKY, "main.(*Cache).Insert")
    assert doc["verdict"] == {
        "direction": "shrank", "sample_type": "inuse_space", "unit": "bytes",
        "base_total": before, "new_total": after, "change": after - before,
        "leader": "main.(*Cache).Insert", "alloc_falls": doc["verdict"]["alloc_falls"]}
    assert doc["summary"][0] == (
        f"The whole profile shrank by {human(before - after, 'bytes')} (inuse_space: "
        f"{human(before, 'bytes')} -> {human(after, 'bytes')}, "
        f"{100 * (after - before) / before:.1f}%); most of all main.(*Cache).Insert, "
        f"-{human(-insert, 'bytes')} (50.1MiB -> 8.5MiB).")
    assert doc["summary"][0].startswith("The whole profile shrank by 41.4MiB (inuse_space: 57.9MiB -> 16.5MiB, -71.5%)")
    assert not any("grew by" in line or "growth path" in line for line in doc["summary"])


def test_a_falling_alloc_total_is_warned_about_with_the_order_taken():
    doc = report_json(LEAKY / "later", LEAKY / "base")
    before, after = pprof_total(LEAKY / "later", "alloc_space"), pprof_total(LEAKY / "base", "alloc_space")
    falls = {f["sample_type"]: f for f in doc["verdict"]["alloc_falls"]}
    assert set(falls) == {"alloc_objects", "alloc_space"}
    assert (falls["alloc_space"]["base_total"], falls["alloc_space"]["new_total"]) == (before, after)
    later, base = str(LEAKY / "later" / "heap.pb.gz"), str(LEAKY / "base" / "heap.pb.gz")
    assert doc["warnings"] == [
        f"Warning: alloc_space fell from {human(before, 'bytes')} to {human(after, 'bytes')} "
        f"(alloc_objects too), but allocation counters only grow while a process runs: the "
        f"process restarted between the two profiles, or base and new are swapped (heapdiff "
        f"took {later} as the base and {base} as the new)."]
    assert doc["summary"][-1] == (f"First: Check that {later} is the earlier profile of the same "
                                  "process run before reading the changes as growth.")


def test_a_falling_alloc_total_retitles_the_table_and_warns_in_markdown():
    text = report_markdown(LEAKY / "later", LEAKY / "base")
    assert "## Top changes (inuse\\_space)" in text and "## Top growth" not in text
    assert "\n> **Warning: alloc\\_space fell from 345MiB to 61.6MiB" in text


def test_a_genuine_shrink_has_no_warning_and_no_growth_advice():
    """fragmentation's later profile, after runtime.GC() freed most pairs: in-use fell while
    the process kept allocating (alloc_* grew)."""
    doc = report_json(FRAGMENTATION / "base", FRAGMENTATION / "later")
    before = pprof_total(FRAGMENTATION / "base", "inuse_space")
    after = pprof_total(FRAGMENTATION / "later", "inuse_space")
    assert after < before and doc["warnings"] == []
    assert (doc["verdict"]["direction"], doc["verdict"]["change"]) == ("shrank", after - before)
    assert doc["summary"][1].startswith(f"The whole profile shrank by {human(before - after, 'bytes')} ")
    text = report_markdown(FRAGMENTATION / "base", FRAGMENTATION / "later")
    assert "## Top shrinkage (inuse\\_space)" in text


def test_diff_text_ends_with_the_same_verdict_and_warning():
    result = run_heapdiff("diff", LEAKY / "later" / "heap.pb.gz", LEAKY / "base" / "heap.pb.gz")
    assert result.returncode == 0, result.stderr
    doc = report_json(LEAKY / "later", LEAKY / "base")
    assert result.stdout.splitlines()[-2:] == [doc["summary"][0], doc["warnings"][0]]


def test_a_growing_pair_keeps_its_headline_and_no_warning():
    result = run_heapdiff("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz")
    last = result.stdout.splitlines()[-1]
    insert = pprof_delta(LEAKY, "main.(*Cache).Insert")
    assert last.startswith(f"main.(*Cache).Insert grew by +{human(insert, 'bytes')} (inuse_space: ")
    assert "Warning" not in result.stdout


def test_a_profile_against_itself_says_no_change():
    doc = report_json(LEAKY / "later", LEAKY / "later")
    total = pprof_total(LEAKY / "later", "inuse_space")
    assert doc["verdict"]["direction"] == "unchanged" and doc["warnings"] == []
    assert doc["summary"][0] == (f"No change: inuse_space is {human(total, 'bytes')} in both "
                                 "profiles, function by function.")
    assert doc["summary"][-1] == ("First: Nothing changed between these profiles: take the new "
                                  "one later, once memory has grown.")
    assert "## Top" not in report_markdown(LEAKY / "later", LEAKY / "later")


def test_two_moments_with_identical_heap_profiles_say_no_change():
    """garbage_since_gc's snapshots differ in MemStats, not in the profile (no GC between)."""
    result = run_heapdiff("diff", SAMPLES / "garbage_since_gc" / "base" / "heap.pb.gz",
                          SAMPLES / "garbage_since_gc" / "later" / "heap.pb.gz")
    total = pprof_total(SAMPLES / "garbage_since_gc" / "later", "inuse_space")
    assert result.stdout.splitlines()[-1] == (
        f"No change: inuse_space is {human(total, 'bytes')} in both profiles, function by function.")


def row(name: str, base: int, new: int) -> DiffRow:
    return DiffRow(name, base, new, base, new)


def diff_of(base_total: int, rows: list[DiffRow]) -> Diff:
    new_total = base_total + sum(r.delta_flat for r in rows)
    return Diff(ValueType("inuse_space", "bytes"), "functions", "diff-base", False, base_total,
                new_total, base_total, new_total - base_total, tuple(rows))


def test_a_change_within_one_percent_is_steady_and_names_the_hidden_grower():
    rows = [row("main.grow", 0, 5 << 20), row("main.shrink", 10 << 20, (5 << 20) + 1000)]
    v = verdict(diff_of(1 << 30, rows))
    assert abs(v.change) <= STEADY_FRACTION * v.base_total
    assert v.direction == "steady" and table_title(v) == "Top changes"
    assert headline(v) == ("The whole profile held steady: +1000B (inuse_space: 1.0GiB -> "
                           "1.0GiB, +0.0%); the largest move: main.grow, +5.0MiB (0B -> 5.0MiB).")
    assert first_step(v) == ("The total held steady, so check whether main.grow's growth "
                             "(+5.0MiB) is a leak that shrinkage elsewhere hides.")


def test_a_change_just_over_one_percent_has_a_direction():
    v = verdict(diff_of(100 << 20, [row("main.grow", 0, (1 << 20) + 1)]))
    assert v.direction == "grew" and table_title(v) == "Top growth"
    assert first_step(v) == "Start with the growth path to main.grow."


RESTART = SAMPLES / "restart"


def test_a_real_restart_is_warned_about_though_in_use_grew():
    """restart: two processes of one binary; the successor holds more but has allocated less."""
    doc = report_json(RESTART / "base", RESTART / "later")
    warm = pprof_delta(RESTART, "main.warmCache")
    assert doc["verdict"]["direction"] == "grew" and doc["verdict"]["leader"] == "main.warmCache"
    assert doc["summary"][0].startswith(f"main.warmCache grew by +{human(warm, 'bytes')} (inuse_space: 0B -> ")
    before = pprof_total(RESTART / "base", "alloc_space")
    after = pprof_total(RESTART / "later", "alloc_space")
    assert after < before
    assert doc["warnings"][0].startswith(
        f"Warning: alloc_space fell from {human(before, 'bytes')} to {human(after, 'bytes')} "
        "(alloc_objects too), but allocation counters only grow while a process runs: the "
        "process restarted between the two profiles")
    assert doc["summary"][-1].startswith(f"First: Check that {RESTART / 'base' / 'heap.pb.gz'} is the earlier")
    assert "## Top changes (inuse\\_space)" in report_markdown(RESTART / "base", RESTART / "later")


ALLOC_STRINGS = ["", "alloc_objects", "count", "alloc_space", "bytes", "main.leaf",
                 "main.middle", "main.root", "main.go"]


def test_a_profile_with_negative_values_has_no_counters_to_compare(tmp_path):
    """A delta profile (?seconds=) or a saved diff holds changes, not cumulative counters: a
    lower alloc_* total there is no restart."""
    base, new = tmp_path / "base.pb", tmp_path / "delta.pb"
    base.write_bytes(heap_profile([([1, 2, 3], [4, 4096])], strings=ALLOC_STRINGS))
    new.write_bytes(heap_profile([([1, 2, 3], [1, 1024]), ([2, 3], [-1, -512])],
                                 strings=ALLOC_STRINGS))
    assert alloc_totals(load_profile(str(new))) == {}
    result = run_heapdiff("diff", base, new, "--sample-index", "alloc_space")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stdout


def test_the_footer_shows_a_hostile_name_escaped(tmp_path):
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", "main.evil\x1b[31m\u202e",
               "main.b", "main.c", "x.go"]
    base, new = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile([([1, 2, 3], [1, 16])], strings=strings))
    new.write_bytes(heap_profile([([1, 2, 3], [9, 144])], strings=strings))
    result = run_heapdiff("diff", base, new)
    assert result.stdout.splitlines()[-1] == (
        "main.evil\\x1b[31m\\u202e grew by +128B (inuse_space: 16B -> 144B); the whole profile "
        "changed by +128B.")


def test_growth_told_by_cum_alone_is_still_growth():
    """No row whose flat grew (only a cum changed): the headline tells the total's growth and
    names no grower."""
    rows = [DiffRow("main.caller", 0, 0, 0, 5 << 20)]
    v = Verdict("grew", "inuse_space", "bytes", 10 << 20, 15 << 20, 5 << 20, None, None)
    assert verdict(Diff(ValueType("inuse_space", "bytes"), "functions", "diff-base", False,
                        10 << 20, 15 << 20, 10 << 20, 5 << 20, tuple(rows))) == v
    assert headline(v) == "The whole profile grew by 5.0MiB (inuse_space: 10.0MiB -> 15.0MiB, +50.0%)."
    assert first_step(v) == "Start with the growth paths (heapdiff paths)."


def test_a_delta_profiles_verdict_follows_its_signed_change_not_its_totals_of_magnitudes():
    """A delta's totals are sums of |value| (as pprof totals them): 30 MiB of it may be a net
    fall of 4 MiB, and that fall is the verdict."""
    rows = [DiffRow("main.freed", 0, -17 << 20, 0, -17 << 20),
            DiffRow("main.kept", 0, 13 << 20, 0, 13 << 20)]
    v = verdict(Diff(ValueType("inuse_space", "bytes"), "functions", "diff-base", False,
                     0, 30 << 20, 30 << 20, -4 << 20, tuple(rows)))
    assert (v.direction, v.change) == ("shrank", -4 << 20)
    assert v.leader is not None and v.leader.name == "main.freed"
