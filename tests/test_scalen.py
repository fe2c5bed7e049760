"""The one deliberate difference from pprof (README): `-normalize` on a pair whose alloc_*
totals are identical. pprof's Profile.ScaleN leaves the sample types whose ratio is 1 as they
are, then drops every sample whose other scaled values are all 0, so the samples with nothing
in use lose their allocations too. On idle_frees (nothing sampled was allocated between base
and later) both profiles hold the same alloc_* value on every stack: normalizing the later one
to the base total multiplies it by exactly 1, and the right diff is no change, which heapdiff
gives; pprof's committed oracle reports a fall of the allocations that no longer have anything
in use."""
from __future__ import annotations

import json

import numpy as np
import pytest

from support import SAMPLES
from pprof_text import parse_top

from heapdiff.inputs.load import load_profile

IDLE = SAMPLES / "idle_frees"
ALLOC_TYPES = ("alloc_objects", "alloc_space")


def pprof_top(snapshot, key: str) -> tuple[int, list[tuple[str, int, int]]]:
    return parse_top(json.loads((snapshot / "heap.pb.gz.pprof.json").read_text())["top"][key])


def pprof_normalized_diff(sample_type: str) -> tuple[int, list[tuple[str, int, int]]]:
    oracle = json.loads((IDLE / "diff.pprof.json").read_text())
    return parse_top(oracle["top"][f"diff-base-normalize/{sample_type}/functions"])


@pytest.mark.parametrize("sample_type", ALLOC_TYPES)
def test_base_and_later_hold_the_same_allocations_function_by_function(sample_type):
    base = pprof_top(IDLE / "base", f"{sample_type}/functions")
    later = pprof_top(IDLE / "later", f"{sample_type}/functions")
    assert base[0] == later[0] > 0
    assert sorted(base[1]) == sorted(later[1])


@pytest.mark.parametrize("sample_type", ALLOC_TYPES)
def test_heapdiff_normalized_is_no_change_as_a_ratio_of_one_demands(sample_type, heapdiff_json):
    total = pprof_top(IDLE / "base", f"{sample_type}/functions")[0]
    got = heapdiff_json("diff", IDLE / "base" / "heap.pb.gz", IDLE / "later" / "heap.pb.gz",
                        "--sample-index", sample_type, "--normalize")
    assert (got["base_total"], got["new_total"], got["rows"]) == (total, total, [])


@pytest.mark.parametrize("sample_type", ALLOC_TYPES)
def test_pprof_keeps_only_the_allocations_of_samples_with_something_in_use(sample_type):
    base_total, rows = pprof_normalized_diff(sample_type)
    pprof_new_total = base_total + sum(flat for _, flat, _ in rows)
    later = load_profile(str(IDLE / "later" / "heap.pb.gz"))
    column = {vt.type: i for i, vt in enumerate(later.sample_types)}
    in_use = (later.values[:, column["inuse_objects"]] != 0) | (later.values[:, column["inuse_space"]] != 0)
    kept = int(later.values[in_use, column[sample_type]].sum())
    assert pprof_new_total == kept < base_total
    assert any(flat < 0 for _, flat, _ in rows)


def test_normalize_still_equals_pprof_where_the_ratio_is_not_one(heapdiff_json):
    """inuse_space fell (ratio 23.9/7.5): pprof and heapdiff scale it alike."""
    total, rows = pprof_normalized_diff("inuse_space")
    got = heapdiff_json("diff", IDLE / "base" / "heap.pb.gz", IDLE / "later" / "heap.pb.gz",
                        "--sample-index", "inuse_space", "--normalize")
    assert got["total"] == total
    assert sorted((r["name"], r["delta_flat"], r["delta_cum"]) for r in got["rows"]) == sorted(rows)
    assert np.isclose(got["new_total"], got["base_total"], rtol=1e-6)
