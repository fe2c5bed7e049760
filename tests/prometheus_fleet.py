"""A real fleet for the `--prometheus` tests: instances of tests/fleet_service (client_golang's
/metrics, built in GOPATH mode against Debian's golang-github-prometheus-client-golang-dev)
on 127.0.0.1, scraped every second by a real server on a free loopback port with a temporary
data folder: Debian's `prometheus`, or its `victoria-metrics` (single-node, scraping with
-promscrape.config). Everything started is stopped on exit, also when the test fails."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from heapdiff.common.gotool import find_go

from support import REPO, run_heapdiff

LEAK = 256 << 10          # bytes kept every 100 ms by the leaking instance: 2.5 MiB/s
HISTORY = 12              # seconds of scrapes before the commands run
GO = find_go()
PROMETHEUS = shutil.which("prometheus")
VICTORIA_METRICS = shutil.which("victoria-metrics")
GOPATH = Path("/usr/share/gocode")
CLIENT_GOLANG = GOPATH / "src/github.com/prometheus/client_golang/prometheus/promhttp"
VM_METRICS = GOPATH / "src/github.com/VictoriaMetrics/metrics"
SERVICE = REPO / "tests" / "fleet_service"

needs_fleet = pytest.mark.skipif(
    GO is None or PROMETHEUS is None or not CLIENT_GOLANG.is_dir(),
    reason="needs go (samples/ensure-go), prometheus and the client_golang source "
           f"({CLIENT_GOLANG}): apt-get install prometheus "
           "golang-github-prometheus-client-golang-dev (.ci/run does)")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Three instances, the middle one leaking LEAK, scraped for HISTORY seconds. A test
    module imports it: one fleet per module that uses it."""
    folder = tmp_path_factory.mktemp("fleet")
    binary = build_service(folder)
    with Fleet(binary, [0, LEAK, 0], folder) as f:
        f.wait(HISTORY)
        yield f


needs_victoria_metrics = pytest.mark.skipif(
    GO is None or VICTORIA_METRICS is None or not CLIENT_GOLANG.is_dir()
    or not VM_METRICS.is_dir(),
    reason="needs go (samples/ensure-go), victoria-metrics and the client_golang and "
           f"VictoriaMetrics metrics sources ({CLIENT_GOLANG}, {VM_METRICS}): apt-get install "
           "victoria-metrics golang-github-prometheus-client-golang-dev "
           "golang-github-victoriametrics-metrics-dev (.ci/run does)")


def prometheus_argv(config: Path, folder: Path, port: int) -> list[str]:
    assert PROMETHEUS is not None
    return [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]


def victoria_metrics_argv(config: Path, folder: Path, port: int) -> list[str]:
    """-search.latencyOffset=1s: by default VictoriaMetrics leaves the last 30 s out of every
    answer (samples that young may be incomplete), longer than the tests' whole window."""
    assert VICTORIA_METRICS is not None
    return [VICTORIA_METRICS, f"-promscrape.config={config}",
            f"-storageDataPath={folder / 'data'}", f"-httpListenAddr=127.0.0.1:{port}",
            "-search.latencyOffset=1s", "-loggerLevel=WARN"]


# server -> its command line, given the scrape config, a data folder and the port
SERVERS = {"prometheus": prometheus_argv, "victoria-metrics": victoria_metrics_argv}


def build_service(out: Path, tag: str = "") -> Path:
    """tests/fleet_service built against the Debian client_golang, or with tag "vmmetrics"
    against VictoriaMetrics' metrics package (a cached build: seconds)."""
    binary = out / ("fleet_service" + (f"_{tag}" if tag else ""))
    assert GO is not None
    subprocess.run([GO, "build", "-tags", tag, "-o", str(binary), "."], cwd=SERVICE,
                   check=True, timeout=600,
                   env={**os.environ, "GOTOOLCHAIN": "local", "GO111MODULE": "off",
                        "GOPATH": str(GOPATH), "GOFLAGS": ""})
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fleet:
    """Services started with the given -leak values (bytes kept every 100 ms), and the server
    (a SERVERS key) scraping them as job "api" every second: .url, .instances (host:port, in
    leak order)."""

    def __init__(self, binary: Path | list[Path], leaks: list[int], folder: Path,
                 server: str = "prometheus"):
        """binary: the services' build, or one per leak."""
        self.stack = ExitStack()
        self.instances: list[str] = []
        binaries = binary if isinstance(binary, list) else [binary] * len(leaks)
        try:
            for build, leak in zip(binaries, leaks, strict=True):
                proc = self._start([str(build), "-leak", str(leak)], stdout=subprocess.PIPE,
                                   text=True)
                first = proc.stdout.readline().split()
                assert first[:2] == ["listening", "on"], first
                self.instances.append(first[2])
            config = folder / "prometheus.yml"
            config.write_text(json.dumps({  # YAML is a superset of JSON
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "scrape_configs": [{"job_name": "api",
                                    "static_configs": [{"targets": self.instances}]}]}))
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            log = self.stack.enter_context((folder / f"{server}.log").open("w"))
            self._start(SERVERS[server](config, folder, port), stdout=subprocess.DEVNULL,
                        stderr=log)
        except BaseException:
            self.stack.close()
            raise

    def _start(self, argv: list, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(argv, **kw)
        self.stack.callback(_stop, proc)
        return proc

    def samples(self, query: str) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/v1/query?"
                                    + urllib.parse.urlencode({"query": query}), timeout=5) as r:
            return json.load(r)["data"]["result"]

    def wait(self, seconds_of_history: float, deadline: float = 45) -> None:
        """Until every instance has been scraped for seconds_of_history."""
        query = f"count_over_time(process_resident_memory_bytes[{int(seconds_of_history) + 5}s])"
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                found = self.samples(query)
            except OSError:  # still starting
                found = []
            if len(found) == len(self.instances) and all(
                    float(f["value"][1]) >= seconds_of_history for f in found):
                return
            time.sleep(0.5)
        raise AssertionError(f"the server had not scraped {self.instances} for "
                             f"{seconds_of_history} s within {deadline} s")

    def __enter__(self) -> "Fleet":
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


# What every server must answer alike: each test module that starts a fleet imports these
# (pytest collects them there, once per server).
MiB = 1 << 20


@pytest.fixture(scope="module")
def history(fleet) -> dict:
    done = run_heapdiff("timeline", "--prometheus", fleet.url, "--selector", '{job="api"}',
                        "--since", f"{HISTORY}s", "--step", "1s", "--format", "json",
                        timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_timeline_names_the_leaking_instance_first(fleet, history):
    ranked = [i["instance"] for i in history["instances"]]
    assert ranked[0] == fleet.instances[1]
    assert sorted(ranked) == sorted(fleet.instances)
    assert history["instances"][0]["kind"] == "grower"


def test_timeline_slopes_separate_the_leak_from_the_steady_ones(history):
    leaking, *steady = history["instances"]
    assert leaking["rss"]["slope"] > 1 * MiB  # per second; the leak keeps 2.5 MiB/s
    assert leaking["heap_inuse"]["last"] - leaking["heap_inuse"]["first"] > 10 * MiB
    for other in steady:
        assert abs(other["rss"]["slope"]) < 0.5 * MiB
