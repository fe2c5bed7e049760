"""The one resolver of the moments compared: files, a snapshot folder, a folder of snapshot
folders and a capture folder, read the same way by every command."""
from __future__ import annotations

import json
import shutil

import pytest

from capture_folders import make_capture
from support import SAMPLES, run_heapdiff
from heapdiff.common.errors import InputError
from heapdiff.inputs import kinds
from heapdiff.inputs.moments import resolve_one, resolve_pair, resolve_profiles

LEAKY = SAMPLES / "leaky_cache"
BASE, LATER = LEAKY / "base", LEAKY / "later"
OTHER = SAMPLES / "pointer_slice" / "later"


def test_files_are_one_moment_without_a_base():
    pair = resolve_pair([str(LATER / "heap.pb.gz"), str(LATER / "vars.json")], [])
    assert pair.base is None
    assert pair.new.paths == (str(LATER / "heap.pb.gz"), str(LATER / "vars.json"))


def test_two_heap_profiles_are_base_and_new_as_diff_takes_them():
    pair = resolve_pair([str(BASE / "heap.pb.gz"), str(LATER / "heap.txt")], [])
    assert (pair.base.paths, pair.new.paths) == ((str(BASE / "heap.pb.gz"),),
                                                 (str(LATER / "heap.txt"),))
    assert pair.new.profile_path() == str(LATER / "heap.txt")


def test_a_profile_and_another_artifact_stay_one_moment(tmp_path):
    (tmp_path / "notes.txt").write_text("not a profile\n")
    for other in (LATER / "memstats.json", LATER / "gctrace.log", tmp_path / "notes.txt",
                  tmp_path / "missing.pb.gz", LATER):
        pair = resolve_pair([str(LATER / "heap.pb.gz"), str(other)], [])
        assert pair.base is None, other


def test_a_profile_and_a_heap_dump_are_one_moment():
    """A dump's header also passes the pprof sniff; it is recognised as a dump, not a NEW."""
    dump = SAMPLES / "retention" / "global_map" / "later.heapdump"
    pair = resolve_pair([str(LATER / "heap.pb.gz"), str(dump)], [])
    assert pair.base is None
    assert pair.new.paths == (str(LATER / "heap.pb.gz"), str(dump))


def test_base_files_are_the_base_moment():
    pair = resolve_pair([str(LATER)], [str(BASE)])
    assert (pair.base.paths, pair.new.paths) == ((str(BASE),), (str(LATER),))


def test_a_snapshot_folder_is_one_moment_read_whole():
    pair = resolve_pair([str(LATER)], [])
    assert pair.base is None and pair.new.paths == (str(LATER),)


def test_a_folder_of_snapshot_folders_is_its_oldest_against_its_newest():
    pair = resolve_pair([str(LEAKY)], [])
    assert (pair.base.paths, pair.new.paths) == ((str(BASE),), (str(LATER),))
    assert pair.title == f"{LEAKY} (later against base)"


def test_dot_folders_are_not_snapshots(tmp_path):
    for name in ("a", "b", ".z"):
        shutil.copytree(BASE, tmp_path / name)
    assert resolve_pair([str(tmp_path)], []).new.paths == (str(tmp_path / "b"),)


def test_a_capture_folder_is_its_first_profile_round_against_its_last(tmp_path):
    capture = make_capture(tmp_path / "cap", [BASE, OTHER, LATER])
    pair = resolve_pair([str(capture)], [])
    assert pair.capture is not None and pair.title == f"{capture} (round 3 against round 1)"
    assert pair.base.profile.endswith("round-0001-20270115T080000Z/heap.pb.gz")
    assert pair.new.profile.endswith("round-0003-20270115T080000Z/heap.pb.gz")
    assert all("round-0003" in p for p in pair.new.paths)


def test_from_and_to_choose_a_captures_rounds(tmp_path):
    capture = make_capture(tmp_path / "cap", [BASE, OTHER, LATER])
    pair = resolve_pair([str(capture)], [], 2, -1)
    assert "round-0002" in pair.base.profile and "round-0003" in pair.new.profile


def test_one_moment_of_a_capture_is_its_latest_round_unless_one_is_named(tmp_path):
    capture = make_capture(tmp_path / "cap", [BASE, OTHER, LATER])
    assert "round-0003" in resolve_one([str(capture)]).profile
    assert "round-0001" in resolve_one([str(capture)], 1).profile


def test_one_moment_of_a_folder_of_snapshot_folders_is_its_newest():
    assert resolve_one([str(LEAKY)]).paths == (str(LATER),)


def test_a_folders_profile_is_the_one_its_snapshot_uses():
    assert resolve_one([str(LATER)]).profile_path() == str(LATER / "heap.pb.gz")


def test_top_of_a_snapshot_folder_decodes_its_profile_once(monkeypatch, heapdiff_json):
    decoded = []
    real = kinds.decode_pprof
    monkeypatch.setattr(kinds, "decode_pprof",
                        lambda data, source, progress: decoded.append(source) or real(data, source, progress))
    assert heapdiff_json("top", LATER)["source"] == str(LATER / "heap.pb.gz")
    assert decoded == [str(LATER / "heap.pb.gz")]


def test_a_folders_profile_is_chosen_as_its_snapshot_chooses_whatever_the_file_order(tmp_path):
    shutil.copy(LATER / "heap.pb.gz", tmp_path / "z.pb.gz")  # protobuf beats debug=1, though later
    shutil.copy(LATER / "heap.txt", tmp_path / "a.txt")
    assert resolve_one([str(tmp_path)]).profile_path() == str(tmp_path / "z.pb.gz")


def test_profiles_to_diff_from_a_folder_of_snapshot_folders():
    assert resolve_profiles([str(LEAKY)], []) == ([str(BASE / "heap.pb.gz")],
                                                  str(LATER / "heap.pb.gz"))


def test_profiles_to_diff_merge_every_base_before_the_new_one():
    bases, new = resolve_profiles([str(BASE), str(OTHER), str(LATER)], [str(OTHER / "heap.txt")])
    assert bases == [str(OTHER / "heap.txt"), str(BASE / "heap.pb.gz"), str(OTHER / "heap.pb.gz")]
    assert new == str(LATER / "heap.pb.gz")


def test_one_profile_alone_has_no_base():
    with pytest.raises(InputError, match="no base profile"):
        resolve_profiles([str(LATER / "heap.pb.gz")], [])


def test_a_folder_without_a_profile_says_so(tmp_path):
    shutil.copyfile(LATER / "vars.json", tmp_path / "vars.json")
    with pytest.raises(InputError, match="is a directory without a heap profile"):
        resolve_one([str(tmp_path)]).profile_path()


def json_of(*args):
    done = run_heapdiff(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_diff_of_a_folder_of_snapshot_folders_is_the_diff_of_their_profiles():
    assert json_of("diff", LEAKY) == json_of("diff", BASE / "heap.pb.gz", LATER / "heap.pb.gz")


def test_report_of_a_folder_of_snapshot_folders_has_the_growth_of_base_against_later():
    assert json_of("report", LEAKY)["growth"] == json_of("report", "--base", BASE, LATER)["growth"]
