"""Work over every stack entry goes in steps of heapdiff.common.steps.STEP entries, so that no
numpy call over a big profile holds the GIL for long (the TUI froze for up to a second while it
recomputed `d` or built the call tree): -base mode's sample hashes and the call tree's stack
depths must not change, wherever the steps cut the profile."""
from __future__ import annotations

import numpy as np
import pytest

from heapdiff.analysis.calltree import CallTree

from heapdiff.analysis.diff import _sample_hashes
from heapdiff.common import steps
from heapdiff.common.steps import stack_steps
from heapdiff.inputs.load import load_profile

from support import SAMPLES

PROFILE = SAMPLES / "leaky_cache" / "later" / "heap.pb.gz"


@pytest.mark.parametrize("size", [1, 7, 100, 1 << 30])
def test_hashes_are_the_same_whatever_the_step(monkeypatch, size):
    profile = load_profile(PROFILE)
    whole = _sample_hashes(profile, {})
    monkeypatch.setattr(steps, "STEP", size)
    stepped = _sample_hashes(profile, {})
    assert profile.num_samples > 50
    assert np.array_equal(whole[0], stepped[0]) and np.array_equal(whole[1], stepped[1])


@pytest.mark.parametrize("size", [1, 7, 1 << 30])
def test_call_tree_depths_are_the_same_whatever_the_step(monkeypatch, size):
    profile = load_profile(PROFILE)

    def depths() -> list[np.ndarray]:
        tree = CallTree([], profile, "inuse_space", "functions")  # inlined: not single
        return [side.depth for side in tree.sides]
    whole = depths()
    monkeypatch.setattr(steps, "STEP", size)
    assert all(np.array_equal(a, b) for a, b in zip(whole, depths()))
    assert int(whole[0].max()) > 5


def test_chunks_cover_every_sample_once_with_about_size_entries_each():
    offsets = np.array([0, 3, 3, 10, 11, 30, 31, 32], dtype=np.int64)  # an empty stack, a deep one
    chunks = stack_steps(offsets, 4)
    assert chunks[0][0] == 0 and chunks[-1][1] == 7
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))  # adjacent, no gap or overlap
    assert all(lo < hi for lo, hi in chunks)
    # a chunk starts at the sample holding a multiple of size: at most size entries and one
    # stack more (here the 19-deep one)
    assert [offsets[hi] - offsets[lo] for lo, hi in chunks] == [3, 8, 21]


def test_no_chunks_for_a_profile_without_samples():
    assert stack_steps(np.zeros(1, dtype=np.int64), 4) == []
