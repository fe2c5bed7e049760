"""`heapdiff top --format json` equals `go tool pprof -top` (committed oracles), row by row,
for every sample type and granularity pprof was asked about."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import PUBLIC, PUBLIC_ORACLES, SAMPLES, needs_public, public_case
from pprof_text import canonical, elide_type_arguments, parse_top


PROFILE_WRITER = "runtime/pprof."


def merge_same_names(rows):
    """Generic instances (mk[go.shape.int], mk[go.shape.*uint8]) are one name, mk[...], in the
    text: the text profile has one node for them. Their rows add up (no stack holds both)."""
    merged: dict[str, list[int]] = {}
    for name, flat, cum in rows:
        entry = merged.setdefault(name, [0, 0])
        entry[0] += flat
        entry[1] += cum
    rows = [(name, flat, cum) for name, (flat, cum) in merged.items()]
    return sorted(rows, key=lambda r: (-abs(r[1]), r[0]))  # pprof's order


def public_top_oracles() -> list[Path]:
    return sorted(o for o in PUBLIC_ORACLES.glob("*.pprof.json")
                  if not o.name.endswith(".diff.pprof.json"))


def proto_cases() -> list:
    """(profile, oracle) per sample, then per public profile (skipped where they are absent)."""
    cases: list = [(o.parent / "heap.pb.gz", o)
                   for o in sorted(SAMPLES.glob("*/*/heap.pb.gz.pprof.json"))]
    # delta profiles (?seconds=N): pprof totals them as the sum of |value|
    cases += [(o.with_name(o.name.removesuffix(".pprof.json")), o)
              for o in sorted(SAMPLES.glob("*/*-delta.pb.gz.pprof.json"))]
    for o in public_top_oracles():
        name = o.name.removesuffix(".pprof.json")
        cases.append(public_case((PUBLIC / name, o), id=name))
    return cases


def case_id(case) -> str:
    profile = case[0]
    if profile.name != "heap.pb.gz":
        return f"{profile.parent.name}/{profile.name}"
    return f"{profile.parent.parent.name}/{profile.parent.name}"


def test_oracles_cover_every_sample():
    assert len(list(SAMPLES.glob("*/*/heap.pb.gz"))) == len(list(SAMPLES.glob("*/*/heap.pb.gz.pprof.json")))
    assert len(list(SAMPLES.glob("*/*/heap.pb.gz"))) >= 16


@needs_public
def test_oracles_cover_every_public_profile():
    readable_public = [p for p in PUBLIC.iterdir() if p.name.endswith((".pb.gz", "gobench.heap"))]
    assert {p.name for p in readable_public} == {o.name.removesuffix(".pprof.json")
                                                 for o in public_top_oracles()}


@pytest.mark.parametrize("case", proto_cases(), ids=case_id)
def test_top_json_equals_pprof_for_every_sample_type_and_granularity(case, heapdiff_json):
    profile, oracle_path = case
    oracle = json.loads(oracle_path.read_text())
    assert len(oracle["top"]) == 5 * len(oracle["sample_types"])
    for key, text in oracle["top"].items():
        sample_type, granularity = key.split("/")
        total, rows = parse_top(text)
        got = heapdiff_json("top", profile, "--sample-index", sample_type,
                            "--granularity", granularity)
        assert got["sample_type"] == sample_type
        assert got["total"] == total, key
        assert canonical([(r["name"], r["flat"], r["cum"]) for r in got["rows"]]) == canonical(rows), key


@pytest.mark.parametrize("text_oracle", sorted(SAMPLES.glob("*/*/heap.txt.pprof.json")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_debug1_text_profile_equals_pprof(text_oracle, heapdiff_json):
    """pprof without the binary only sees addresses in a debug=1 file, so its totals are the
    oracle for the file itself; the rows are checked against pprof on the protobuf profile the
    program wrote at the same instant (same records: totals equal). Two differences are Go's,
    not ours: the text elides generic type arguments as [...] (so instances share one node),
    and for the profile writer's own allocations (runtime/pprof.*) it expands an inlined frame
    the protobuf writer folds."""
    text_profile = text_oracle.parent / "heap.txt"
    proto_oracle = json.loads((text_oracle.parent / "heap.pb.gz.pprof.json").read_text())
    for key, text in json.loads(text_oracle.read_text())["top"].items():
        sample_type, granularity = key.split("/")
        text_total, _ = parse_top(text)
        proto_total, proto_rows = parse_top(proto_oracle["top"][key])
        assert text_total == proto_total, f"{key}: the two files are not of one instant"
        got = heapdiff_json("top", text_profile, "--sample-index", sample_type,
                            "--granularity", granularity)
        assert got["total"] == text_total, key
        # The text carries no function start lines (pprof splits `files` nodes by them) and
        # no columns (`addresses` nodes), so rows are compared at the other granularities.
        if granularity in ("functions", "filefunctions", "lines"):
            got_rows = [(r["name"], r["flat"], r["cum"]) for r in got["rows"]
                        if not r["name"].startswith(PROFILE_WRITER)]
            want = merge_same_names([(elide_type_arguments(n), f, c) for n, f, c in proto_rows
                                      if not n.startswith(PROFILE_WRITER)])
            assert canonical(got_rows) == canonical(want), key
