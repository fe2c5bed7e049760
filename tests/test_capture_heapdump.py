"""`heapdiff capture --heapdump PATH`: a heap dump fetched every round from the handler a
service mounts, off by default; from the real leaky service and from a server whose dump
replies go wrong on purpose (each one line, recorded for the dump alone)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from capture_server import DUMP, Server
from heapdiff.capture.manifest import read_capture
from heapdiff.common.gotool import find_go
from support import REPO, SAMPLES, run_heapdiff

GO = find_go()
needs_go = pytest.mark.skipif(
    GO is None, reason="no Go toolchain: not on PATH and no .cache/go-venv (run samples/ensure-go)")
HEADER = b"go1.7 heap dump\n"


def capture(url: str, out: Path, *options: object,
            every: str = "0.2s") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heapdiff", "capture", url, "--every", every,
                           "--out", str(out), *map(str, options)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


@pytest.fixture(scope="module")
def server():
    with Server() as s:
        yield s


# the real service

@pytest.fixture(scope="module")
def live_binary(tmp_path_factory) -> Path:
    if GO is None:
        pytest.skip("no Go toolchain: not on PATH and no .cache/go-venv (run samples/ensure-go)")
    binary = tmp_path_factory.mktemp("bin") / "leaky_service"
    subprocess.run([GO, "build", "-o", str(binary), "./leaky_service"], cwd=SAMPLES / "programs",
                   env={**os.environ, "GOTOOLCHAIN": "local"}, check=True, timeout=300)
    return binary


@pytest.fixture(scope="module")
def live(live_binary, tmp_path_factory) -> Path:
    """Two rounds of the leaky service with --heapdump /debug/heapdump, leaking 256 KiB every
    50 ms and serving no simulated traffic: between the rounds only the leak grows."""
    out = tmp_path_factory.mktemp("live") / "capture"
    service = subprocess.Popen([str(live_binary), "-leak-every", "50ms", "-request-every", "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        url = service.stdout.readline().split()[2]
        done = capture(url, out, "--count", "2", "--heapdump", "/debug/heapdump", every="0.5s")
    finally:
        service.kill()
        service.wait()
    assert done.returncode == 0, done.stderr
    return out


@needs_go
def test_live_service_heap_dump_is_written_every_round_whole(live):
    capture_ = read_capture(live)
    assert capture_.manifest.heapdump == "/debug/heapdump"
    for r in capture_.manifest.rounds:
        artifact = r.artifact("heapdump")
        assert artifact is not None and artifact.ok, r.artifacts
        data = (capture_.round_path(r) / "heap.heapdump").read_bytes()
        assert artifact.bytes == len(data) > 1 << 20  # the service's heap: MiBs
        assert data.startswith(HEADER) and data[-1] == 0
        assert b"amd64" in data[:64] or b"arm64" in data[:64]  # the params record's GOARCH


@needs_go
def test_live_round_snapshot_leaves_the_heap_dump_out(live):
    capture_ = read_capture(live)
    for r in capture_.manifest.rounds:
        files = [Path(f).name for f in capture_.round_files(r)]
        assert "heap.heapdump" not in files and "heap.pb.gz" in files


@needs_go
def test_live_dumps_diffed_by_retained_rank_the_leaking_global_first(live, live_binary):
    first, second = (live / r.dir / "heap.heapdump" for r in read_capture(live).manifest.rounds)
    done = run_heapdiff("retained", second, "--base", first, "--binary", live_binary,
                        "--format", "json")
    assert done.returncode == 0, done.stderr
    top = json.loads(done.stdout)["groups"][0]
    assert top["root"] == {"kind": "global", "name": "main.sessions"}
    assert top["delta_bytes"] >= 1 << 20  # 256 KiB every 50 ms for 0.5 s


# off by default

def test_without_heapdump_no_dump_is_asked_for(server, tmp_path):
    done = capture(f"{server.url}/dump", tmp_path / "c", "--count", "1")
    assert done.returncode == 0, done.stderr
    r = read_capture(tmp_path / "c").manifest
    assert r.heapdump is None and r.rounds[0].artifact("heapdump") is None
    assert not any("heapdump" in path for path in server.requests)


def test_heapdump_warns_that_it_stops_the_world(server, tmp_path):
    done = capture(f"{server.url}/dump", tmp_path / "c", "--count", "1",
                   "--heapdump", "/heapdump/good")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        "heapdiff: --heapdump: every round makes the service write a heap dump "
        "(/heapdump/good), which stops its world while it writes")
    round_dir = read_capture(tmp_path / "c").manifest.rounds[0].dir
    assert (tmp_path / "c" / round_dir / "heap.heapdump").read_bytes() == DUMP


# hostile replies: the dump's one-line error, the round kept for its profile

@pytest.mark.parametrize("name,error", [
    ("missing", "404 Not Found: is a heap-dump handler mounted there? "
                "(README: capture --heapdump)"),
    ("login", "got HTML (text/html), not a heap dump (debug.WriteHeapDump): a login or proxy "
              "page?"),
    ("profile", "not a heap dump (debug.WriteHeapDump): it starts b'\\x1f\\x8b"),
    ("empty", "empty response"),
    ("header-only", "not a heap dump (debug.WriteHeapDump): no params record after the header"),
    ("cut", "truncated heap dump: it does not end with the EOF record"),
    ("short", f"connection closed early: got 100000 of {len(DUMP)} bytes"),
])
def test_bad_dump_reply_is_one_line_for_the_dump_alone(server, tmp_path, name, error):
    done = capture(f"{server.url}/dump", tmp_path / "c", "--count", "1",
                   "--heapdump", f"/heapdump/{name}")
    assert done.returncode == 0, done.stderr  # the round has its heap profile
    assert "Traceback" not in done.stderr
    r = read_capture(tmp_path / "c").manifest.rounds[0]
    dump = r.artifact("heapdump")
    assert dump is not None and not dump.ok and dump.file is None
    assert dump.error.startswith(error) and "\n" not in dump.error, dump.error
    assert r.has("heap") and r.has("vars")
    assert not (tmp_path / "c" / r.dir / "heap.heapdump").exists()


def test_dump_larger_than_max_bytes_is_refused_by_its_length(server, tmp_path):
    done = capture(f"{server.url}/dump", tmp_path / "c", "--count", "1",
                   "--heapdump", "/heapdump/good", "--max-bytes", "256KiB")
    assert done.returncode == 0, done.stderr
    dump = read_capture(tmp_path / "c").manifest.rounds[0].artifact("heapdump")
    assert dump.error == (f"too large: {len(DUMP)} bytes, more than the 256KiB cap "
                          "(--max-bytes)")


@pytest.mark.parametrize("path", ["debug/heapdump", "http://elsewhere/x", "//host/x",
                                  "/debug/heap dump", "/x\x1b[31m"])
def test_heapdump_path_that_is_not_a_path_on_the_service_is_refused(server, tmp_path, path):
    done = capture(f"{server.url}/dump", tmp_path / "c", "--count", "1", "--heapdump", path)
    assert done.returncode == 2
    assert "is not a path on the service such as /debug/heapdump" in done.stderr
    assert not (tmp_path / "c").exists()
