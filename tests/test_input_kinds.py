"""The input registry: every kind is registered whole in one place, drives loading, snapshots
and capture, and nothing unregistered reaches a snapshot."""
from __future__ import annotations

import dataclasses

import pytest

from support import SAMPLES
from heapdiff.capture.endpoints import ENDPOINTS
from heapdiff.capture.manifest import ARTIFACT_FILES
from heapdiff.common.errors import InputError
from heapdiff.inputs.kinds import KINDS, kind_of
from heapdiff.inputs.load import decode, load
from heapdiff.inputs.snapshot import Snapshot, assemble, load_snapshot

LATER = SAMPLES / "leaky_cache" / "later"
CONTAINER = SAMPLES / "container" / "later"
# each kind's own file: leaky_cache's snapshot, but for the kinds only the container sample has
# (a lone memory.stat is a cgroup input by its keys) or the service's scrape (client_golang)
OWN_FILE = {k.name: LATER / k.file for k in KINDS} | {
    "smaps": CONTAINER / "smaps.txt", "cgroup": CONTAINER / "memory.stat",
    "scrape": SAMPLES / "leaky_service" / "scrape" / "metrics.prom",
    "heapdump": SAMPLES / "retention" / "shared_child" / "base.heapdump"}
SNAPSHOT_FIELDS = {f.name for f in dataclasses.fields(Snapshot)}


def sample_of(kind):
    return OWN_FILE[kind.name]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_is_registered_whole(kind):
    assert callable(kind.sniff) and callable(kind.decode)
    assert isinstance(kind.model, type)
    assert kind.label and kind.noun and kind.file
    assert kind.slot in SNAPSHOT_FIELDS
    assert all(also.slot in SNAPSHOT_FIELDS and also.label for also in kind.also)


def test_kinds_have_distinct_names_and_file_names():
    assert len({k.name for k in KINDS}) == len({k.file for k in KINDS}) == len(KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kinds_own_file_loads_as_that_kind(kind):
    assert kind_of(load(OWN_FILE[kind.name])) is kind


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_kind_is_not_mistaken_for_another(kind):
    artifact = load(OWN_FILE[kind.name])
    assert [k.name for k in KINDS if k.owns(artifact)] == [kind.name]


def test_the_not_recognised_message_names_every_text_kind():
    with pytest.raises(InputError) as raised:
        decode(b"hello\nworld\n", "x")
    named = [k.text_name for k in KINDS if k.text_name]
    # all but the binary kinds: the protobuf profile and the heap dump
    assert {k.name for k in KINDS if not k.text_name} == {"pprof", "heapdump"}
    assert all(name in raised.value.message for name in named)


def test_a_folder_without_inputs_names_every_kind_it_could_have_held(tmp_path):
    (tmp_path / "notes.md").write_text("# not an input\n")
    with pytest.raises(InputError) as caught:
        load_snapshot([str(tmp_path)])
    for kind in KINDS:
        assert kind.noun in caught.value.message


def test_an_unregistered_artifact_cannot_reach_a_snapshot():
    @dataclasses.dataclass(frozen=True)
    class Unregistered:
        source: str = "x"

    with pytest.raises(TypeError, match="not a registered input kind"):
        assemble([("x", Unregistered())])


def test_every_capture_endpoint_writes_its_kinds_file():
    assert {e.name: e.kind.file for e in ENDPOINTS} == ARTIFACT_FILES
    assert all(e.kind in KINDS for e in ENDPOINTS)


def loaded(*names: str) -> list:
    return [(str(LATER / n), load(LATER / n)) for n in names]


@pytest.mark.parametrize("order", [("heap.txt", "heap.pb.gz"), ("heap.pb.gz", "heap.txt")])
def test_a_protobuf_profile_beats_a_debug1_one_in_either_order(order):
    assert assemble(loaded(*order)).profile.format == "pprof"


@pytest.mark.parametrize("order", [("heap.txt", "vars.json"), ("vars.json", "heap.txt")])
def test_memstats_json_beats_a_debug1_trailer_in_either_order(order):
    assert assemble(loaded(*order)).memstats_source == str(LATER / "vars.json")


def test_a_debug1_trailer_gives_the_memstats_when_nothing_else_does():
    snapshot = assemble(loaded("heap.txt"))
    assert snapshot.memstats is snapshot.profile.memstats is not None


def test_otherwise_the_first_file_of_a_kind_wins():
    snapshot = assemble(loaded("vars.json", "memstats.json"))
    assert snapshot.memstats_source == str(LATER / "vars.json")
    assert snapshot.label(str(LATER / "memstats.json")) is None


def test_each_file_is_labelled_as_what_it_was_used_for():
    snapshot = assemble(loaded("heap.pb.gz", "heap.txt", "status.txt", "gctrace.log"))
    assert [snapshot.label(s) for s in snapshot.sources] == [
        "heap profile", "MemStats", "/proc status", "gctrace log"]
