"""The vectorised pprof decoder reads every profile exactly as the generated upb module does."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from support import PUBLIC, PUBLIC_ORACLES, SAMPLES, needs_public, public_case
from heapdiff import profile_pb2 as pb
from heapdiff.inputs.decode.pprof import decode_pprof
from heapdiff.inputs.load import load_profile
from pbwire import heap_profile

# The public protobuf profiles, named by their committed oracles: listed even where absent
PUBLIC_PROTOS = sorted(PUBLIC / o.name.removesuffix(".pprof.json")
                       for o in PUBLIC_ORACLES.glob("*.pb.gz.pprof.json"))
REAL = [public_case(p, id=f"public/{p.name}") for p in PUBLIC_PROTOS] + \
    sorted(SAMPLES.glob("*/later/heap.pb.gz"))


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_samples_equal_upb_decoding(path: Path):
    data = gzip.decompress(path.read_bytes())
    reference = pb.Profile.FromString(data)
    profile = decode_pprof(data, str(path))
    assert profile.num_samples == len(reference.sample)
    ids = profile.locations.ids
    for i, sample in enumerate(reference.sample):
        assert profile.values[i].tolist() == list(sample.value)
        stack = profile.stack_locations[profile.stack_offsets[i]:profile.stack_offsets[i + 1]]
        assert ids[stack].tolist() == list(sample.location_id)
    labels = [(i, l.key, l.str, l.num) for i, s in enumerate(reference.sample) for l in s.label]
    got = list(zip(profile.labels.sample.tolist(), profile.labels.key.tolist(),
                   profile.labels.str.tolist(), profile.labels.num.tolist()))
    assert got == labels


@needs_public
def test_header_fields_are_kept():
    profile = load_profile(PUBLIC / "parca__alloc_objects.heap.pb.gz")
    assert [v.type for v in profile.sample_types] == ["alloc_objects", "alloc_space",
                                                      "inuse_objects", "inuse_space"]
    assert profile.default_sample_type == "alloc_space"
    assert profile.period == 524288 and profile.period_type.type == "space"
    assert profile.time_nanos > 0
    assert profile.mappings[0].filename.endswith("operator")


def test_mapping_build_id_is_kept():
    profile = load_profile(SAMPLES / "leaky_cache" / "later" / "heap.pb.gz")
    assert len(profile.mappings[0].build_id) == 40


def test_go_object_size_label_is_read():
    profile = load_profile(SAMPLES / "fragmentation" / "later" / "heap.pb.gz")
    sizes = profile.numeric_label("bytes")
    assert (sizes > 0).all() and 16 in sizes.tolist()


def test_unpacked_and_packed_repeated_fields_decode_alike():
    samples = [([1], [1, 16]), ([1, 2], [2, 32]), ([1, 2, 3], [3, 48]), ([3, 2, 1, 2], [4, 64])]
    packed = decode_pprof(heap_profile(samples, pack=True), "packed")
    unpacked = decode_pprof(heap_profile(samples, pack=False), "unpacked")
    for p in (packed, unpacked):
        assert p.values.tolist() == [v for _, v in samples]
        stacks = [p.locations.ids[p.stack_locations[a:b]].tolist()
                  for a, b in zip(p.stack_offsets[:-1], p.stack_offsets[1:])]
        assert stacks == [locs for locs, _ in samples]


def test_negative_values_of_delta_profiles_survive():
    profile = decode_pprof(heap_profile([([1], [-3, -1048576])]), "delta")
    assert profile.values.tolist() == [[-3, -1048576]]


def test_samples_with_no_stack_count_in_the_total_only():
    profile = decode_pprof(heap_profile([([], [5, 80]), ([1], [1, 16])]), "nostack")
    assert np.diff(profile.stack_offsets).tolist() == [0, 1]


def test_the_model_is_immutable():
    profile = decode_pprof(heap_profile([([1], [1, 16])]), "frozen")
    with pytest.raises(ValueError):
        profile.values[0, 0] = 7
