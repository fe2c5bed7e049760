"""`heapdiff retainers`: the binary route's verdicts on the []*T / []T story, hints that never
pose as verdicts, and the refusal of a binary that did not write the profile."""
from __future__ import annotations

import json

from support import SAMPLES, run_heapdiff

POINTERS = SAMPLES / "pointer_slice"
BINARY = SAMPLES / "binaries" / "pointer_slice.gz"


def sites(heapdiff_json, *args):
    return heapdiff_json("retainers", *args)["sites"]


def test_the_pointer_slice_ranks_first_as_pointer_dense_with_its_exact_type(heapdiff_json):
    first = sites(heapdiff_json, POINTERS / "later" / "heap.pb.gz", "--binary", BINARY)[0]
    assert (first["function"], first["type"], first["evidence"]) == ("main.allocPointers", "[]*int", "binary")
    assert first["pointer_fraction"] == 1.0 and first["scan_bytes"] == first["inuse_bytes"] > 60 << 20


def test_the_value_slice_is_pointer_free_by_the_binary(heapdiff_json):
    found = sites(heapdiff_json, POINTERS / "later" / "heap.pb.gz", "--binary", BINARY)
    [values] = [s for s in found if s["function"] == "main.allocValues"]
    assert (values["type"], values["evidence"], values["scan_bytes"]) == ("[]int", "binary", 0)
    assert values["pointer_fraction"] == 0.0


def test_sites_are_ranked_by_scan_bytes(heapdiff_json):
    found = sites(heapdiff_json, POINTERS / "later" / "heap.pb.gz", "--binary", BINARY)
    scans = [s["scan_bytes"] for s in found if s["scan_bytes"] is not None]
    assert scans == sorted(scans, reverse=True)


def test_predicted_scan_bytes_account_for_the_runtimes_scan_heap(heapdiff_json):
    got = heapdiff_json("retainers", POINTERS / "later" / "heap.pb.gz", "--binary", BINARY,
                        "--metrics", POINTERS / "later" / "metrics.json")
    assert 0.8 <= got["scan_total"] / got["scan_heap"] <= 1.1
    assert got["known_share"] > 0.99


def test_profile_only_output_never_presents_a_hint_as_a_verdict(heapdiff_json):
    for s in sites(heapdiff_json, POINTERS / "later" / "heap.pb.gz"):
        assert s["evidence"] == "heuristic"
        assert s["verdict"] == "unknown" and s["scan_bytes"] is None
        assert s["type"] is None and s["pointer_fraction"] is None
        assert s["hint"] in ("likely-scan", "likely-noscan", "unknown")


def test_large_objects_without_a_rule_ask_for_the_binary(heapdiff_json):
    found = sites(heapdiff_json, POINTERS / "later" / "heap.pb.gz")
    big = [s for s in found if s["function"] in ("main.allocPointers", "main.allocValues")
           and s["inuse_objects"] <= 16]
    assert big and all(s["hint"] == "unknown" and "--binary" in s["reason"] for s in big)


def test_a_binary_that_did_not_write_the_profile_is_refused():
    result = run_heapdiff("retainers", SAMPLES / "leaky_cache" / "later" / "heap.pb.gz",
                          "--binary", BINARY)
    assert result.returncode == 2 and "is not the profile's" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_not_a_binary_is_a_one_line_error(tmp_path):
    fake = tmp_path / "app"
    fake.write_bytes(b"\x7fELF" + bytes(60))
    result = run_heapdiff("retainers", POINTERS / "later" / "heap.pb.gz", "--binary", fake)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_base_shows_which_pointer_dense_sites_grew(heapdiff_json):
    found = sites(heapdiff_json, POINTERS / "later" / "heap.pb.gz", "--binary", BINARY,
                  "--base", POINTERS / "base" / "heap.pb.gz")
    first = found[0]
    assert first["type"] == "[]*int" and (first["base_scan_bytes"] or 0) < first["scan_bytes"]


def test_text_output_labels_evidence_and_advice():
    result = run_heapdiff("retainers", POINTERS / "later" / "heap.pb.gz", "--binary", BINARY)
    assert "binary" in result.stdout and "[]int instead of []*int" in result.stdout
    hints = run_heapdiff("retainers", POINTERS / "later" / "heap.pb.gz")
    assert "hint:" in hints.stdout


REALISTIC = SAMPLES / "retainers"


def test_realistic_program_has_fifteen_kinds_of_site():
    expected = json.loads((REALISTIC / "expected.json").read_text())
    assert len(expected) >= 15
    assert {True, False} == {e["pointers"] for e in expected}


def test_binary_route_decides_95_percent_of_a_realistic_heap_and_is_never_wrong(heapdiff_json):
    """Checked against the truth from the source (samples/retainers/expected.json)."""
    expected = {e.get("leaf", e["function"]): e
                for e in json.loads((REALISTIC / "expected.json").read_text())}
    got = heapdiff_json("retainers", REALISTIC / "later" / "heap.pb.gz",
                        "--binary", SAMPLES / "binaries" / "retainers.gz")
    total = sum(s["inuse_bytes"] for s in got["sites"])
    decided = sum(s["inuse_bytes"] for s in got["sites"] if s["evidence"] == "binary")
    assert decided / total >= 0.95
    checked = 0
    for s in got["sites"]:
        truth = expected.get(s["function"])
        if truth is None:
            continue
        assert s["evidence"] == "binary", s
        assert (s["verdict"] == "scan") == truth["pointers"], s
        assert s["type"] == truth["type"], s
        assert (s["scan_bytes"] > 0) == truth["pointers"]
        checked += 1
    assert checked == len(expected)


def test_generic_instances_are_resolved_through_the_callers_dictionary(heapdiff_json):
    got = heapdiff_json("retainers", REALISTIC / "later" / "heap.pb.gz",
                        "--binary", SAMPLES / "binaries" / "retainers.gz")
    shapes = {s["function"]: s for s in got["sites"] if s["function"].startswith("main.mk[")}
    assert shapes["main.mk[go.shape.*uint8]"]["type"] == "[]*int"
    assert shapes["main.mk[go.shape.int]"]["type"] == "[]int"


def test_maps_are_judged_by_their_group_type(heapdiff_json):
    got = heapdiff_json("retainers", REALISTIC / "later" / "heap.pb.gz",
                        "--binary", SAMPLES / "binaries" / "retainers.gz")
    maps = {s["type"]: s for s in got["sites"] if (s["type"] or "").startswith("map[")}
    assert maps["map[string]*main.Node"]["verdict"] == "scan"
    assert maps["map[int64]int64"]["verdict"] == "noscan"


def test_retainers_and_gc_health_report_the_same_median_mark_cpu(heapdiff_json):
    """16 cycles: an even count, where the upper middle value is not the median."""
    later = SAMPLES / "leaky_cache" / "later"
    retainers = heapdiff_json("retainers", later / "heap.pb.gz", "--gctrace", later / "gctrace.log")
    from heapdiff.memory.gchealth import gc_health
    from heapdiff.inputs.snapshot import load_snapshot
    health = gc_health(load_snapshot([str(later / "gctrace.log")]))
    assert retainers["mark_cpu_ms_per_cycle"] == health.mark_cpu_ms_per_cycle
