"""Every command that takes files takes a capture folder: the pair commands its first round
against its last (or --from/--to), the one-moment commands its latest round (or --round)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from capture_folders import make_capture
from support import SAMPLES, run_heapdiff

from heapdiff.capture.manifest import Artifact, read_capture, write_manifest

LEAKY = SAMPLES / "leaky_cache"
BASE, LATER = LEAKY / "base", LEAKY / "later"
OTHER = SAMPLES / "pointer_slice" / "later"


@pytest.fixture
def capture(tmp_path):
    """Three rounds: the leaky cache's base, an unrelated profile, the leaky cache's later."""
    return make_capture(tmp_path / "cap", [BASE, OTHER, LATER])


def json_of(*args):
    """The command's JSON without the input paths, which name the files read."""
    done = run_heapdiff(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return without_paths(json.loads(done.stdout))


def without_paths(document):
    if isinstance(document, dict):
        return {k: without_paths(v) for k, v in document.items()
                if k not in ("base", "new", "source", "sources")}
    return [without_paths(v) for v in document] if isinstance(document, list) else document


def test_diff_of_a_capture_is_its_first_round_against_its_last(capture):
    assert json_of("diff", capture) == json_of("diff", BASE / "heap.pb.gz", LATER / "heap.pb.gz")


def test_diff_from_and_to_pick_the_rounds(capture):
    assert json_of("diff", capture, "--from", "2", "--to", "-1") == \
        json_of("diff", OTHER / "heap.pb.gz", LATER / "heap.pb.gz")


def test_top_of_a_capture_is_its_latest_round_unless_round_is_given(capture):
    assert json_of("top", capture) == json_of("top", LATER / "heap.pb.gz")
    assert json_of("top", capture, "--round", "1") == json_of("top", BASE / "heap.pb.gz")


def test_explain_of_a_capture_reads_every_artifact_of_its_latest_round(capture):
    captured = ("heap.pb.gz", "heap.txt", "vars.json", "status.txt", "smaps_rollup.txt")
    assert json_of("explain", capture) == json_of("explain", *(LATER / f for f in captured))


def test_report_of_a_capture_reports_growth_since_its_first_round(capture):
    from_capture = run_heapdiff("report", capture, "--format", "json").stdout
    direct = run_heapdiff("report", "--base", BASE, LATER, "--format", "json").stdout
    assert without_paths(json.loads(from_capture))["growth"] == \
        without_paths(json.loads(direct))["growth"]
    markdown = run_heapdiff("report", capture).stdout
    assert markdown.startswith(f"# heapdiff report: {capture} (round 3 against round 1)".replace("_", "\\_"))
    assert "main.(\\*Cache).Insert" in markdown


def test_rounds_without_a_heap_profile_are_passed_over(capture):
    manifest = read_capture(capture).manifest
    last = manifest.rounds[-1]
    failed = tuple(Artifact(a.name, a.source, False, error="connection refused") for a in last.artifacts)
    write_manifest(capture, replace(manifest, rounds=(*manifest.rounds[:-1], replace(last, artifacts=failed))))
    assert json_of("top", capture) == json_of("top", OTHER / "heap.pb.gz")


def test_a_round_that_does_not_exist_is_one_line_and_exit_2(capture):
    done = run_heapdiff("top", capture, "--round", "9")
    assert done.returncode == 2
    assert done.stderr.strip() == ("heapdiff: --round: round 9 has no heap profile in "
                                   f"{capture} (rounds with one: 1, 2, 3)")


def test_a_capture_with_one_profile_round_cannot_be_diffed(tmp_path):
    one = make_capture(tmp_path / "one", [LATER])
    done = run_heapdiff("diff", one)
    assert done.returncode == 2
    assert "1 round(s) with a heap profile: a diff needs two" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_broken_manifest_is_one_line_and_exit_2(capture):
    (capture / "manifest.json").write_text("{not json")
    done = run_heapdiff("top", capture)
    assert done.returncode == 2
    assert done.stderr.startswith(f"heapdiff: {capture}/manifest.json: not valid JSON")
    assert len(done.stderr.splitlines()) == 1


def sources_of_explain(folder) -> list[str]:
    done = run_heapdiff("explain", folder, "--format", "json")
    assert done.returncode == 0, done.stderr
    return [source.rsplit("/", 1)[1] for source in json.loads(done.stdout)["sources"]]


def test_the_text_profile_is_not_decoded_again_when_vars_json_gave_the_memstats(capture):
    assert sorted(sources_of_explain(capture)) == ["heap.pb.gz", "smaps_rollup.txt",
                                                   "status.txt", "vars.json"]


def test_the_text_profile_gives_the_memstats_when_there_is_no_vars_json(tmp_path):
    capture = make_capture(tmp_path / "cap", [BASE, LATER], skip=("vars",))
    assert "heap.txt" in sources_of_explain(capture)
