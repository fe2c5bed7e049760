"""`heapdiff capture` against a real Go service (samples/programs/leaky_service), then
`heapdiff timeline` on what it wrote; and a service killed mid-capture."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from heapdiff.capture.manifest import read_capture
from heapdiff.inputs.load import load
from heapdiff.inputs.snapshot import load_snapshot
from heapdiff.memory.waterfall import waterfall
from heapdiff.common.gotool import find_go
from heapdiff.capture.timeline import build_timeline

from capture_folders import wait_for_rounds
from support import REPO, SAMPLES, run_heapdiff

GO = find_go()
pytestmark = pytest.mark.skipif(
    GO is None, reason="no Go toolchain: not on PATH and no .cache/go-venv (run samples/ensure-go)")

LEAK = "main.(*SessionStore).Remember"
# 5 MiB/s of leak, a batch dropped every 0.7 s: within a 2 s capture the leak is the only
# site that only grows.
FLAGS = ("-leak-every", "50ms", "-leak-kb", "256", "-flush-every", "700ms")


@pytest.fixture(scope="module")
def binary(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bin") / "leaky_service"
    subprocess.run([GO, "build", "-o", str(out), "./leaky_service"], cwd=SAMPLES / "programs",
                   env={**os.environ, "GOTOOLCHAIN": "local"}, check=True,
                   timeout=300)
    return out


class Service:
    """The service running on 127.0.0.1:0; always killed on exit."""

    def __init__(self, binary: Path):
        self.proc = subprocess.Popen([str(binary), *FLAGS], stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        assert first[:2] == ["listening", "on"], first
        self.url = first[2]

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc) -> None:
        self.proc.kill()
        self.proc.wait()


def capture_command(url: str, out: Path, pid: int, count: int) -> list[str]:
    return [sys.executable, "-m", "heapdiff", "capture", url, "--every", "0.5s",
            "--count", str(count), "--out", str(out), "--pid", str(pid)]


@pytest.fixture(scope="module")
def live(binary, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("live") / "capture"
    with Service(binary) as service:
        done = subprocess.run(capture_command(service.url, out, service.proc.pid, 4),
                              capture_output=True, text=True, cwd=REPO, timeout=30)
    assert done.returncode == 0, done.stderr
    return out


def test_live_capture_names_the_leak_as_top_grower(live):
    tl = build_timeline(read_capture(live))
    assert len(tl.times) == 4
    assert (tl.functions[0].name, tl.functions[0].kind) == (LEAK, "grower")


def test_live_capture_has_rss_and_heapalloc_every_round(live):
    rss, alloc = build_timeline(read_capture(live)).memory[:2]
    assert None not in rss.values and None not in alloc.values
    assert all(r > a for r, a in zip(rss.values, alloc.values))  # RSS holds the heap


def test_live_capture_reads_the_full_smaps_and_the_cgroup_every_round(live):
    capture = read_capture(live)
    for r in capture.manifest.rounds:
        assert r.has("smaps") and r.has("cgroup"), r.artifacts
        snap = load_snapshot([str(capture.round_path(r))])
        assert snap.smaps.kind == "smaps" and sum(b for _, b in snap.smaps.split) == snap.rss
        w = waterfall(snap)
        assert snap.rss + sum(row.bytes for row in w.container.rows) == snap.cgroup.usage


def test_live_timeline_has_the_cgroup_usage_of_every_round(live):
    capture = read_capture(live)
    row = build_timeline(capture).memory[3]
    usage = tuple(load_snapshot([str(capture.round_path(r) / "cgroup.txt")]).cgroup.usage
                  for r in capture.profile_rounds)
    assert row.name == "cgroup usage" and row.values == usage and None not in usage


def own_memory_cgroup() -> Path | None:
    """This process's cgroup v1 memory folder (what this machine has), or None."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            return folder if (folder / "memory.limit_in_bytes").is_file() else None
    return None


LIMIT = 256 << 20


def test_a_service_in_a_limited_cgroup_is_captured_up_to_its_usage_and_limit(binary, tmp_path):
    parent = own_memory_cgroup()
    if parent is None:
        pytest.skip("no cgroup v1 memory controller for this process")
    child = parent / f"heapdiff-capture-{os.getpid()}"
    try:
        child.mkdir()
        (child / "memory.limit_in_bytes").write_text(str(LIMIT))
    except OSError as exc:
        pytest.skip(f"may not create a child memory cgroup: {exc}")
    out = tmp_path / "capture"
    try:
        with Service(binary) as service:
            (child / "cgroup.procs").write_text(str(service.proc.pid))
            done = subprocess.run(capture_command(service.url, out, service.proc.pid, 2),
                                  capture_output=True, text=True, cwd=REPO, timeout=30)
        assert done.returncode == 0, done.stderr
    finally:
        child.rmdir()
    capture = read_capture(out)
    last = capture.manifest.rounds[-1]
    assert last.artifact("cgroup").source == f"/proc/{service.proc.pid}/cgroup"
    explained = run_heapdiff("explain", out, "--format", "json")
    assert explained.returncode == 0, explained.stderr
    doc = json.loads(explained.stdout)
    container = doc["container"]
    assert container["limit"] == LIMIT and container["version"] == "v1"
    assert doc["rss"] + sum(r["bytes"] for r in container["rows"]) == container["usage"]
    assert container["headroom"] == LIMIT - container["usage"] > 0


def test_timeline_command_on_live_capture(live):
    out = run_heapdiff("timeline", live, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["functions"][0]["name"] == LEAK



def test_service_killed_mid_capture_leaves_a_valid_folder(binary, tmp_path):
    out = tmp_path / "capture"
    with Service(binary) as service:
        capturing = subprocess.Popen(capture_command(service.url, out, service.proc.pid, 8),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=REPO)
        try:
            wait_for_rounds(out, 2)
            service.proc.send_signal(signal.SIGKILL)
            service.proc.wait()
            _, stderr = capturing.communicate(timeout=30)
        finally:
            capturing.kill()
            capturing.wait()
    assert "Traceback" not in stderr
    capture = read_capture(out)
    rounds = capture.manifest.rounds
    for r in rounds:
        assert (out / r.dir).is_dir()
        for a in r.artifacts:
            if a.ok:
                load(out / r.dir / a.file)
    assert rounds[0].has_profile
    assert not any(a.ok for a in rounds[-1].artifacts)  # after the kill: recorded as failed
    assert len(build_timeline(capture).times) == len(capture.profile_rounds)
