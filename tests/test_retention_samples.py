"""The committed heap-dump samples (samples/retention/) are what MANIFEST.json says they are:
the engine's retained-size tests and the bench trust both."""
from __future__ import annotations

import hashlib
import json

import pytest

from tests.support import SAMPLES

DUMP_HEADER = b"go1.7 heap dump\n"
TAG_PARAMS = 6
ROOT_KINDS = {"global", "stack", "finalizer", "other"}
SHAPES = ("cycle", "finalizer", "global_map", "linked_list", "pointers_values", "shared_child",
          "stack_slice")


def retention_entry() -> dict:
    manifest = json.loads((SAMPLES / "MANIFEST.json").read_text())
    return next(e for e in manifest["samples"] if e["name"] == "retention")


ENTRY = retention_entry()


def params(data: bytes) -> tuple[int, bool, int, str, str]:
    """(tag, big endian, pointer size, GOARCH, Go version) of the record after the header."""
    at = len(DUMP_HEADER)

    def uvarint() -> int:
        nonlocal at
        value = shift = 0
        while data[at] & 0x80:
            value |= (data[at] & 0x7F) << shift
            shift += 7
            at += 1
        value |= data[at] << shift
        at += 1
        return value

    def string() -> str:
        nonlocal at
        n = uvarint()
        at += n
        return data[at - n:at].decode()

    tag, big_endian, ptr_size = uvarint(), uvarint(), uvarint()
    uvarint(), uvarint()  # the arena's start and end
    return tag, bool(big_endian), ptr_size, string(), string()


DUMPS = [(shape, moment) for shape in SHAPES for moment in ("base", "later")]


def test_every_shape_the_issue_names_has_a_sample():
    assert sorted(ENTRY["shapes"]) == list(SHAPES)


@pytest.mark.parametrize("shape,moment", DUMPS)
def test_dump_is_the_committed_file_the_manifest_describes(shape, moment):
    record = ENTRY["shapes"][shape]["dumps"][moment]
    data = (SAMPLES / record["file"]).read_bytes()
    assert len(data) == record["bytes"]
    assert hashlib.sha256(data).hexdigest() == record["sha256"]


@pytest.mark.parametrize("shape,moment", DUMPS)
def test_dump_header_and_params_match_the_manifest(shape, moment):
    record = ENTRY["shapes"][shape]["dumps"][moment]
    data = (SAMPLES / record["file"]).read_bytes()
    assert data.startswith(DUMP_HEADER)
    tag, big_endian, ptr_size, goarch, version = params(data)
    assert tag == TAG_PARAMS
    assert (big_endian, ptr_size, goarch, version) == (False, 8, "amd64", ENTRY["go_version"])
    assert ENTRY["platform"] == f"linux/{goarch}"
    assert data[-1] == 0  # the EOF record: the dump was written to the end


@pytest.mark.parametrize("shape", SHAPES)
def test_each_group_names_its_root_and_a_path_from_it(shape):
    for group in ENTRY["shapes"][shape]["groups"]:
        assert group["root"]["kind"] in ROOT_KINDS
        assert group["path"][0].startswith(group["root"]["name"])
        assert group["tolerance_bytes"] == 8192


@pytest.mark.parametrize("shape", SHAPES)
def test_constructed_and_measured_retained_bytes_agree_within_the_tolerance(shape):
    for group in ENTRY["shapes"][shape]["groups"]:
        for moment in group["moments"].values():
            if "constructed_bytes" in moment:
                assert moment["expected_retained_bytes"] == moment["constructed_bytes"]
                assert abs(moment["measured_bytes"] - moment["constructed_bytes"]) \
                    <= group["tolerance_bytes"]
            else:
                assert moment["expected_retained_bytes"] == moment["measured_bytes"]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_root_retains_more_at_later_than_at_base(shape):
    entry = ENTRY["shapes"][shape]
    for group in entry["groups"]:
        base, later = (group["moments"][m]["expected_retained_bytes"] for m in ("base", "later"))
        assert later > base > 0
    for moment in ("base", "later"):  # and the heap held it all
        held = sum(g["moments"][moment]["expected_retained_bytes"] for g in entry["groups"])
        assert entry["heap_alloc_bytes"][moment] > held


def test_pointer_slice_has_len_times_8_pointer_bytes_and_the_int_slice_none():
    groups = {g["root"]["name"]: g["moments"] for g in ENTRY["shapes"]["pointers_values"]["groups"]}
    for moment, length in (("base", 16384), ("later", 65536)):
        assert groups["main.ptrs"][moment]["pointer_bytes"] == length * 8
        assert groups["main.vals"][moment]["pointer_bytes"] == 0
        assert groups["main.vals"][moment]["expected_retained_bytes"] == length * 8


def test_shared_child_is_credited_to_the_holder_not_to_either_parent():
    entry = ENTRY["shapes"]["shared_child"]
    facts = entry["facts"]
    holder_object = 16
    for moment in ("base", "later"):
        retained = entry["groups"][0]["moments"][moment]["expected_retained_bytes"]
        assert retained == (holder_object + facts["left_retained_bytes"]
                            + facts["right_retained_bytes"]
                            + facts[f"child_retained_bytes_{moment}"])
    assert facts["left_retained_bytes"] != facts["right_retained_bytes"]  # told apart by size


def test_the_map_cache_states_why_its_pointer_bytes_are_unknown():
    group = ENTRY["shapes"]["global_map"]["groups"][0]
    assert all(m["pointer_bytes"] is None for m in group["moments"].values())
    assert "map" in group["note"]
