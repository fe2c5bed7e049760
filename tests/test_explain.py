"""`heapdiff explain`: the waterfall adds up to RSS on every sample, each incident raises its
finding with the right leading row, and unknown rows name the file that would settle them."""
from __future__ import annotations

import pytest

from support import SAMPLES, run_heapdiff

SNAPSHOTS = sorted(p for p in SAMPLES.glob("*/*") if (p / "memstats.json").exists())

# incident sample -> (the finding it is about, the leading waterfall row)
INCIDENTS = {
    "garbage_since_gc": ("stale_profile", "since_last_gc"),
    "fragmentation": ("fragmentation", "fragmentation"),
    "mmap_offheap": ("outside_go_memory", "outside_go"),
    "ballast": ("virtual_ballast", "untouched"),
    "goroutines": ("goroutine_stacks", "stacks"),
    "gc_thrash": ("gc_thrash", None),
    "pointer_slice": ("gc_scan_cost", None),
}


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_waterfall_rows_add_up_to_rss_exactly(snapshot, heapdiff_json):
    got = heapdiff_json("explain", snapshot)
    assert got["rss"] > 0
    rows = [r["bytes"] for r in got["waterfall"]]
    assert None not in rows
    assert sum(rows) == got["rss"]
    assert [r["component"] for r in got["waterfall"]] == [
        "profile_inuse", "since_last_gc", "fragmentation", "free_retained", "stacks",
        "runtime_metadata", "outside_go", "untouched"]


@pytest.mark.parametrize("sample", sorted(INCIDENTS))
def test_each_incident_raises_its_finding_and_leads_with_its_cause(sample, heapdiff_json):
    finding, row = INCIDENTS[sample]
    got = heapdiff_json("explain", SAMPLES / sample / "later")
    assert finding in [f["id"] for f in got["findings"]]
    if row is not None:
        assert got["leading"] == row


def test_fragmentation_names_the_pinned_spans_and_their_class(heapdiff_json):
    got = heapdiff_json("explain", SAMPLES / "fragmentation" / "later")
    [finding] = [f for f in got["findings"] if f["id"] == "fragmentation"]
    assert 14 << 20 < finding["bytes"] < 18 << 20
    assert "16-byte objects" in finding["detail"]


def test_gc_scan_cost_is_silent_for_an_equally_large_pointer_free_heap(heapdiff_json):
    base = heapdiff_json("explain", SAMPLES / "pointer_slice" / "base")
    assert "gc_scan_cost" not in [f["id"] for f in base["findings"]]


def test_findings_carry_ids_severity_numbers_and_advice(heapdiff_json):
    got = heapdiff_json("explain", SAMPLES / "goroutines" / "later")
    for f in got["findings"]:
        assert set(f) == {"id", "severity", "bytes", "title", "detail", "advice"}
        assert f["severity"] in ("critical", "warning", "info") and f["advice"]


def test_profile_inuse_carries_its_sampling_error(heapdiff_json):
    got = heapdiff_json("explain", SAMPLES / "leaky_cache" / "later")
    row = got["waterfall"][0]
    assert row["component"] == "profile_inuse" and 0 < row["sigma"] < row["bytes"] / 5


def test_a_debug1_profile_alone_carries_memstats_and_needs_rss(heapdiff_json):
    got = heapdiff_json("explain", SAMPLES / "leaky_cache" / "later" / "heap.txt")
    rows = {r["component"]: r for r in got["waterfall"]}
    assert rows["fragmentation"]["bytes"] is not None
    assert rows["outside_go"]["bytes"] is None and "status" in rows["outside_go"]["needs"]


def test_memstats_alone_names_the_profile_it_lacks(heapdiff_json):
    got = heapdiff_json("explain", SAMPLES / "leaky_cache" / "later" / "vars.json",
                        SAMPLES / "leaky_cache" / "later" / "status.txt")
    rows = {r["component"]: r for r in got["waterfall"]}
    assert rows["profile_inuse"]["bytes"] is None and "heap profile" in rows["profile_inuse"]["needs"]
    assert sum(r["bytes"] for r in got["waterfall"] if r["bytes"] is not None) == got["rss"]


def test_two_moments_show_how_each_row_changed(heapdiff_json):
    pair = SAMPLES / "leaky_cache"
    got = heapdiff_json("explain", "--base", pair / "base", pair / "later")
    changes = {c["component"]: c for c in got["changes"]}
    base = heapdiff_json("explain", pair / "base")
    assert changes["rss"]["base"] == base["rss"]
    assert changes["profile_inuse"]["delta"] == (changes["profile_inuse"]["bytes"]
                                                 - changes["profile_inuse"]["base"]) > 40 << 20


def test_text_output_shows_bars_and_advice():
    result = run_heapdiff("explain", SAMPLES / "mmap_offheap" / "later")
    assert result.returncode == 0
    assert "█" in result.stdout and "outside_go_memory" in result.stdout and "Do:" in result.stdout


def test_gc_command_prints_a_timeline_with_sparklines():
    result = run_heapdiff("gc", SAMPLES / "gc_thrash" / "gctrace.log")
    assert result.returncode == 0
    assert "275 cycles" in result.stdout and "live MiB" in result.stdout
    assert any(ch in result.stdout for ch in "▁▂▃▄▅▆▇█")


def test_gc_health_has_one_json_shape_in_gc_and_explain(heapdiff_json):
    log = SAMPLES / "gc_thrash" / "gctrace.log"
    from_gc = heapdiff_json("gc", log)
    assert from_gc == heapdiff_json("explain", log)["gc"]
    assert from_gc["cycles"] == 275 and len(from_gc["live_mb"]) == 275


def test_gc_command_refuses_what_is_not_a_gctrace():
    result = run_heapdiff("gc", SAMPLES / "gc_thrash" / "later" / "memstats.json")
    assert result.returncode == 2 and "not a gctrace log" in result.stderr


def runaway_log(rising: bool) -> str:
    lines = []
    for k in range(12):
        live = 100 + (60 * k if rising else 0)
        lines.append(f"gc {k + 1} @{0.5 * k:.3f}s {30 + k if rising else 3}%: 0.1+200+0.1 ms clock, "
                     f"0.2+150/250/10+0.2 ms cpu, {live}->{live + 40}->{live} MB, {2 * live} MB goal, "
                     "0 MB stacks, 0 MB globals, 2 P")
    return "\n".join(lines) + "\n"


def test_gc_runaway_is_raised_when_the_goal_keeps_rising_under_heavy_gc(tmp_path, heapdiff_json):
    log = tmp_path / "gctrace.log"
    log.write_text(runaway_log(rising=True))
    got = heapdiff_json("explain", log)
    [runaway] = [f for f in got["findings"] if f["id"] == "gc_runaway"]
    assert runaway["severity"] == "critical" and "GOMEMLIMIT" in runaway["advice"]


def test_gc_runaway_stays_silent_on_a_steady_heap(tmp_path, heapdiff_json):
    log = tmp_path / "gctrace.log"
    log.write_text(runaway_log(rising=False))
    assert "gc_runaway" not in [f["id"] for f in heapdiff_json("explain", log)["findings"]]


def test_explain_base_and_the_report_say_the_same_and_never_that_nothing_leaks(heapdiff_json):
    from heapdiff.gather import gather

    base, later = SAMPLES / "leaky_cache" / "base", SAMPLES / "leaky_cache" / "later"
    explained = heapdiff_json("explain", later, "--base", base)["findings"]
    reported = gather([str(later)], [str(base)]).findings
    [free] = [f for f in explained if f["id"] == "free_retained"]
    assert "Nothing leaks" not in free["advice"] and "grew 41.4 MiB since the base" in free["advice"]
    assert [(f["id"], f["advice"]) for f in explained] == [(f.id, f.advice) for f in reported]
