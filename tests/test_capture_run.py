"""`heapdiff capture` round after round against a real HTTP server on 127.0.0.1: the folders
and manifest it writes, rounds that fail later on, and Ctrl-C and SIGTERM at any moment."""
from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capture_folders import wait_for_rounds
from capture_server import Server
from support import REPO, run_heapdiff
from heapdiff.capture.manifest import read_capture
from heapdiff.inputs.snapshot import load_snapshot


@pytest.fixture(scope="module")
def server():
    with Server() as s:
        yield s


def command(url: str, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "heapdiff", "capture", url, "--out", str(out), *options]



def assert_only_complete_rounds(out: Path) -> tuple:
    """Every listed round has its folder and files, and nothing else is there."""
    rounds = read_capture(out).manifest.rounds
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json",
                                                            *(r.dir for r in rounds)])
    for r in rounds:
        assert sorted(p.name for p in (out / r.dir).iterdir()) == sorted(
            a.file for a in r.artifacts if a.ok)
    return rounds


def test_three_rounds_make_three_folders_that_load_as_snapshots(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/good", "--every", "0.2s", "--count", "3",
                          "--out", out)
    assert result.returncode == 0, result.stderr
    capture = read_capture(out)
    assert capture.manifest.state == "complete" and capture.manifest.finished
    assert capture.manifest.url == f"{server.url}/good"
    rounds = assert_only_complete_rounds(out)
    assert [r.round for r in rounds] == [1, 2, 3]
    for r in rounds:
        snap = load_snapshot([str(capture.round_path(r))])
        assert snap.profile is not None and snap.profile.format == "pprof"
        assert snap.memstats is not None
    lines = result.stderr.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["round", "1/3"], ["round", "2/3"],
                                                        ["round", "3/3"]]
    assert all(line.endswith("ok") for line in lines[:3])
    assert lines[3] == f"3 of 3 rounds with a heap profile in {out}"


def test_rounds_start_on_a_fixed_grid(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/good", "--every", "0.3s", "--count", "4",
                          "--out", out)
    assert result.returncode == 0, result.stderr
    starts = [r.unix for r in read_capture(out).manifest.rounds]
    for k, start in enumerate(starts):
        assert start - starts[0] == pytest.approx(0.3 * k, abs=0.05)


def test_duration_takes_rounds_up_to_its_end(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/good", "--every", "0.1s",
                          "--duration", "0.2s", "--out", out)
    assert result.returncode == 0, result.stderr
    assert len(read_capture(out).manifest.rounds) == 3


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_stop_signal_keeps_complete_rounds_and_exits_130(server, tmp_path, stop):
    out = tmp_path / "capture"
    capture = subprocess.Popen(command(f"{server.url}/good", out, "--every", "0.3s",
                                       "--count", "1000"),
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        wait_for_rounds(out, 2)
        capture.send_signal(stop)
        _, stderr = capture.communicate(timeout=10)
    finally:
        capture.kill()
    assert capture.returncode == 130, stderr
    assert "Traceback" not in stderr
    manifest = read_capture(out).manifest
    assert manifest.state == "interrupted" and manifest.finished
    rounds = assert_only_complete_rounds(out)
    assert len(rounds) >= 2
    assert stderr.splitlines()[-1] == (f"interrupted: {len(rounds)} complete rounds "
                                       f"({len(rounds)} with a heap profile) kept in {out}")


def test_stop_in_the_middle_of_a_round_drops_that_round_at_once(server, tmp_path):
    """The heap profile takes 1 s to come, so half a second after a round is committed the
    next one is in flight."""
    out = tmp_path / "capture"
    capture = subprocess.Popen(command(f"{server.url}/slowheap", out, "--every", "0.1s",
                                       "--count", "1000"),
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        wait_for_rounds(out, 1)
        time.sleep(0.5)
        sent = time.monotonic()
        capture.send_signal(signal.SIGINT)
        _, stderr = capture.communicate(timeout=10)
    finally:
        capture.kill()
    assert capture.returncode == 130, stderr
    assert time.monotonic() - sent < 0.9  # not waiting for the fetch in flight
    assert read_capture(out).manifest.state == "interrupted"
    assert len(assert_only_complete_rounds(out)) == 1


def test_missing_debug_vars_is_recorded_but_the_round_is_ok(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/novars", "--every", "0.1s", "--count", "1",
                          "--out", out)
    assert result.returncode == 0, result.stderr
    (r,) = read_capture(out).manifest.rounds
    assert r.has("heap") and r.has("heap_text")
    vars_ = r.artifact("vars")
    assert not vars_.ok and vars_.file is None
    assert vars_.error == "404 Not Found: is expvar imported?"
    assert "vars -  ok  (vars: 404 Not Found: is expvar imported?)" in result.stderr


def test_text_where_the_protobuf_belongs_is_recorded_not_ok(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/swapped", "--every", "0.1s", "--count", "1",
                          "--out", out)
    assert result.returncode == 0, result.stderr  # the debug=1 profile is a heap profile
    heap = read_capture(out).manifest.rounds[0].artifact("heap")
    assert not heap.ok and heap.error == "not a pprof heap profile (gzip or raw protobuf)"


def test_round_failing_mid_capture_is_recorded_and_capture_goes_on(tmp_path):
    out = tmp_path / "capture"
    with Server() as server:
        capture = subprocess.Popen(command(f"{server.url}/good", out, "--every", "0.3s",
                                           "--count", "5"),
                                   stderr=subprocess.PIPE, text=True, cwd=REPO)
        try:
            wait_for_rounds(out, 1)
            server.stop()
            _, stderr = capture.communicate(timeout=20)
        finally:
            capture.kill()
    assert capture.returncode == 1, stderr
    manifest = read_capture(out).manifest
    assert manifest.state == "complete"
    rounds = assert_only_complete_rounds(out)
    assert len(rounds) == 5 and rounds[0].has_profile and not rounds[-1].has_profile
    assert all(not a.ok and a.error.startswith("connection refused: nothing listens on")
               for a in rounds[-1].artifacts)
    assert "round 5/5" in stderr and "NO HEAP PROFILE" in stderr
    kept = sum(r.has_profile for r in rounds)
    assert stderr.splitlines()[-1] == f"{kept} of 5 rounds with a heap profile in {out}"


def test_gc_asks_for_a_gc_and_says_it_changes_the_service(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/good", "--every", "0.1s", "--count", "1",
                          "--gc", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "forces a GC in the service" in result.stderr.splitlines()[0]
    assert read_capture(out).manifest.gc
    assert "/good/debug/pprof/heap?gc=1" in server.requests


def test_pid_adds_the_proc_files(server, tmp_path):
    out = tmp_path / "capture"
    result = run_heapdiff("capture", f"{server.url}/good", "--every", "0.1s", "--count", "1",
                          "--pid", os.getpid(), "--out", out)
    assert result.returncode == 0, result.stderr
    capture = read_capture(out)
    (r,) = capture.manifest.rounds
    assert r.has("status") and r.has("smaps_rollup") and r.has("smaps")
    assert load_snapshot([str(capture.round_path(r))]).rss is not None


def test_terminal_shows_the_countdown_to_the_next_round(server, tmp_path):
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "wb") as stderr:
            result = subprocess.run(command(f"{server.url}/good", tmp_path / "capture",
                                            "--every", "1.2s", "--count", "2"),
                                    stderr=stderr, cwd=REPO, timeout=20)
        screen = read_all(leader)
    finally:
        os.close(leader)
    assert result.returncode == 0
    assert b"round 1/2 done, next in 2 s" in screen


def read_all(leader: int) -> bytes:
    """What a pty received, once the other side is closed (then reading fails with EIO)."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
