"""`heapdiff capture` fetches /metrics where the service exposes it: against the real leaky
service built with client_golang (-tags promhttp, Debian's source in GOPATH mode), and a 404
from a service without it is "not exposed", not a failure."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from capture_server import Server
from heapdiff.capture.endpoints import NOT_EXPOSED
from heapdiff.capture.manifest import Artifact, read_capture, write_manifest
from heapdiff.capture.timeline import build_timeline
from heapdiff.inputs.load import load
from heapdiff.model import Scrape
from heapdiff.common.gotool import find_go
from support import REPO, SAMPLES, run_heapdiff

GO = find_go()
GOPATH = Path("/usr/share/gocode")
CLIENT_GOLANG = GOPATH / "src" / "github.com" / "prometheus" / "client_golang"
needs_client_golang = pytest.mark.skipif(
    GO is None or not CLIENT_GOLANG.is_dir(),
    reason="the leaky service's /metrics needs Go (samples/ensure-go) and Debian's "
           f"golang-github-prometheus-client-golang-dev ({CLIENT_GOLANG})")


@pytest.fixture(scope="module")
def binary(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bin") / "leaky_service_prom"
    env = {**os.environ, "GOTOOLCHAIN": "local", "GO111MODULE": "off", "GOPATH": str(GOPATH)}
    subprocess.run([GO, "build", "-tags", "promhttp", "-o", str(out), "."],
                   cwd=SAMPLES / "programs" / "leaky_service", env=env, check=True, timeout=600)
    return out


@pytest.fixture(scope="module")
def capture(binary, tmp_path_factory) -> Path:
    """Three rounds of the leaking service, without --pid: no /proc file, so RSS can come
    only from /metrics."""
    out = tmp_path_factory.mktemp("live") / "capture"
    service = subprocess.Popen([str(binary), "-leak-every", "50ms", "-leak-kb", "256"],
                               stdout=subprocess.PIPE, text=True)
    try:
        first = service.stdout.readline().split()
        assert first[:2] == ["listening", "on"], first
        done = subprocess.run([sys.executable, "-m", "heapdiff", "capture", first[2], "--every",
                               "0.5s", "--count", "3", "--out", str(out)],
                              capture_output=True, text=True, cwd=REPO, timeout=60)
    finally:
        service.kill()
        service.wait()
    assert done.returncode == 0, done.stderr
    return out


@needs_client_golang
def test_every_round_has_the_services_scrape(capture):
    manifest = read_capture(capture).manifest
    for r in manifest.rounds:
        metrics = r.artifact("metrics")
        assert metrics.ok and metrics.file == "metrics.prom" and metrics.source.endswith("/metrics")
        scrape = load(capture / r.dir / "metrics.prom")
        assert isinstance(scrape, Scrape) and scrape.only.proc is not None


@needs_client_golang
def test_timeline_takes_rss_from_the_scrape_where_no_proc_file_gives_it(capture):
    c = read_capture(capture)
    rss = build_timeline(c).memory[0]
    assert rss.name == "RSS"
    expected = []
    for r in c.profile_rounds:
        scrape = load(capture / r.dir / "metrics.prom")
        assert isinstance(scrape, Scrape) and scrape.only.proc is not None
        expected.append(scrape.only.proc.rss)
    assert list(rss.values) == expected and all(v > 8 << 20 for v in expected)


@needs_client_golang
def test_the_leaks_rss_growth_shows_in_the_timeline(capture):
    rss = build_timeline(read_capture(capture)).memory[0]
    assert rss.values[-1] > rss.values[0]  # 5 MiB/s of leak over a second


@needs_client_golang
def test_timeline_takes_heap_alloc_from_the_scrape_where_no_memstats_file_gives_it(capture,
                                                                                  tmp_path):
    """The capture with every round's /debug/vars and debug=1 profile recorded as failed."""
    copy = tmp_path / "capture"
    shutil.copytree(capture, copy)
    manifest = read_capture(copy).manifest
    rounds = []
    for r in manifest.rounds:
        artifacts = []
        for a in r.artifacts:
            if a.name in ("vars", "heap_text") and a.ok:
                (copy / r.dir / a.file).unlink()
                a = Artifact(a.name, a.source, False, error="connection refused")
            artifacts.append(a)
        rounds.append(replace(r, artifacts=tuple(artifacts)))
    write_manifest(copy, replace(manifest, rounds=tuple(rounds)))
    c = read_capture(copy)
    alloc = build_timeline(c).memory[1]
    assert alloc.name == "HeapAlloc"
    expected = []
    for r in c.profile_rounds:
        scrape = load(copy / r.dir / "metrics.prom")
        assert isinstance(scrape, Scrape) and scrape.only.memstats is not None
        expected.append(scrape.only.memstats["HeapAlloc"])
    assert list(alloc.values) == expected and all(v > 1 << 20 for v in expected)


def test_a_service_without_metrics_records_it_as_not_exposed(tmp_path):
    out = tmp_path / "capture"
    with Server() as server:
        done = run_heapdiff("capture", f"{server.url}/good", "--every", "0.1s", "--count", "1",
                            "--out", out)
    assert done.returncode == 0, done.stderr
    (r,) = read_capture(out).manifest.rounds
    metrics = r.artifact("metrics")
    assert not metrics.ok and metrics.error == NOT_EXPOSED
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("round 1/1")]
    assert "metrics" not in line and line.endswith("  ok")  # left out: nothing failed
