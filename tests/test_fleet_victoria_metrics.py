"""`heapdiff timeline --prometheus` and `explain --prometheus` against a real VictoriaMetrics
server (Debian's victoria-metrics, single-node, scraping with -promscrape.config) scraping
three real Go services on 127.0.0.1 every second: two with client_golang's /metrics, and
between them one with VictoriaMetrics' metrics package's, leaking 2.5 MiB/s (256 KiB kept
every 100 ms). It answers Prometheus' query API; where its replies differ from Prometheus'
(the newest samples held back, an error's errorType is the HTTP status and its message
echoes the whole query, time() is a vector), the tests say so."""
from __future__ import annotations

import json
import time

import pytest

from prometheus_fleet import (  # noqa: F401 - a fixture and the tests every server must pass
    HISTORY, LEAK, Fleet, MiB, build_service, history, needs_victoria_metrics,
    test_timeline_names_the_leaking_instance_first,
    test_timeline_slopes_separate_the_leak_from_the_steady_ones)
from support import run_heapdiff

pytestmark = needs_victoria_metrics

LATENCY_OFFSET = 1        # seconds: the server's -search.latencyOffset (prometheus_fleet.py)
GO_ROWS = ("heap_alloc", "fragmentation", "free_retained", "stacks", "runtime_metadata",
           "outside_go", "untouched")  # a profile-less waterfall: they add up to RSS


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vm_fleet")
    client_golang, vm_metrics = build_service(folder), build_service(folder, "vmmetrics")
    with Fleet([client_golang, vm_metrics, client_golang], [0, LEAK, 0], folder,
               server="victoria-metrics") as f:
        f.wait(HISTORY)
        yield f


def test_timeline_steps_are_the_windows_steps(history):
    for i in history["instances"]:
        times = [w["time"] for w in i["waterfall"]]
        assert history["start"] <= times[0] <= times[-1] <= history["end"]
        assert all(round(b - a, 3) == history["step"] for a, b in zip(times, times[1:]))


def test_timeline_waterfall_adds_up_to_rss_at_every_step(history):
    for i in history["instances"]:
        for step in i["waterfall"]:
            rows = {r["component"]: r["bytes"] for r in step["rows"]}
            assert rows["profile_inuse"] is None
            assert sum(rows[c] for c in GO_ROWS) == step["rss"]


def raw_samples(fleet, series: str, instance: str) -> list[tuple[float, float]]:
    """The instance's stored samples of the last minute, oldest first (a range vector)."""
    found = fleet.samples(f'{series}{{instance="{instance}"}}[1m]')
    return [(t, float(v)) for t, v in found[0]["values"]]


def at_or_before(samples: list[tuple[float, float]], t: float) -> float:
    return [v for when, v in samples if when <= t][-1]


@pytest.mark.parametrize("series, figure", [("process_resident_memory_bytes", "rss"),
                                            ("go_memstats_heap_alloc_bytes", "heap_alloc")])
def test_timeline_figures_are_the_servers_samples(fleet, history, series, figure):
    """Each step holds the last sample at or before it; but a step closer to the query's time
    than -search.latencyOffset (1 s here), which VictoriaMetrics fills with the step before."""
    for i in history["instances"]:
        stored = raw_samples(fleet, series, i["instance"])
        settled = [w for w in i["waterfall"] if w["time"] <= history["end"] - LATENCY_OFFSET]
        assert len(settled) >= HISTORY - 1
        for step in settled:
            value = step["rss"] if figure == "rss" else {
                r["component"]: r["bytes"] for r in step["rows"]}["heap_alloc"]
            assert value == at_or_before(stored, step["time"])


def test_explain_at_a_moment_is_the_servers_instant(fleet):
    moment = round(time.time() - 2, 3)  # VictoriaMetrics' time() is a vector, not a scalar
    leaking = fleet.instances[1]
    done = run_heapdiff("explain", "--prometheus", fleet.url, "--instance", leaking, "--at",
                        str(moment), "--format", "json", timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rss = at_or_before(raw_samples(fleet, "process_resident_memory_bytes", leaking), moment)
    alloc = at_or_before(raw_samples(fleet, "go_memstats_heap_alloc_bytes", leaking), moment)
    rows = {r["component"]: r["bytes"] for r in report["waterfall"]}
    assert report["rss"] == rss and rss > 20 * MiB  # the leak, seconds in
    assert rows["heap_alloc"] == alloc
    assert sum(rows[c] for c in GO_ROWS) == rss


def test_explain_reads_the_metrics_packages_own_names_from_the_server(fleet):
    """The leaking instance exports VictoriaMetrics' names: the GC CPU fraction, and RssFile,
    the floor of outside_go, which client_golang leaves out."""
    moment = round(time.time() - 2, 3)
    leaking = fleet.instances[1]
    done = run_heapdiff("explain", "--prometheus", fleet.url, "--instance", leaking, "--at",
                        str(moment), "--format", "json", timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    fraction = at_or_before(raw_samples(fleet, "go_memstats_gc_cpu_fraction", leaking), moment)
    files = at_or_before(raw_samples(fleet, "process_resident_memory_file_bytes", leaking),
                         moment)
    assert report["gc"]["cpu_percent"] == pytest.approx(100 * fraction, rel=1e-12)
    rows = {r["component"]: r["bytes"] for r in report["waterfall"]}
    assert rows["outside_go"] >= files > 0


def test_explain_without_instance_lists_the_instances(fleet):
    done = run_heapdiff("explain", "--prometheus", fleet.url, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    line, = done.stderr.splitlines()
    assert line.startswith(f"heapdiff: {fleet.url}: 3 instances at ")
    assert all(i in line for i in fleet.instances) and "--instance" in line


def test_explain_of_an_unknown_instance_names_those_there(fleet):
    done = run_heapdiff("explain", "--prometheus", fleet.url, "--instance", "nowhere:1",
                        timeout=60)
    assert done.returncode == 2
    line, = done.stderr.splitlines()
    assert "no series of instance nowhere:1" in line
    assert all(i in line for i in fleet.instances)


def test_a_selector_that_matches_nothing_is_one_line(fleet):
    done = run_heapdiff("timeline", "--prometheus", fleet.url, "--selector", '{job="web"}',
                        timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"heapdiff: {fleet.url}: no series match {{job=\"web\"}} ")
    assert len(done.stderr.splitlines()) == 1


def test_a_selector_the_server_refuses_quotes_its_reason(fleet):
    done = run_heapdiff("timeline", "--prometheus", fleet.url, "--selector", '{job=~"("}',
                        timeout=60)
    assert done.returncode == 2
    line, = done.stderr.splitlines()
    assert line.startswith(f"heapdiff: {fleet.url}: query_range: HTTP 422: ")
    assert "missing closing )" in line  # after the echo of the query, which is cut
