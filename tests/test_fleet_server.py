"""`heapdiff timeline --prometheus` and `explain --prometheus` against a real Prometheus
server scraping three real Go services (client_golang's /metrics) on 127.0.0.1 every second,
one of them leaking 2.5 MiB/s (256 KiB kept every 100 ms)."""
from __future__ import annotations

import json

import pytest

from prometheus_fleet import (  # noqa: F401 - fixtures and the tests every server must pass
    HISTORY, MiB, fleet, history, needs_fleet, test_timeline_names_the_leaking_instance_first,
    test_timeline_slopes_separate_the_leak_from_the_steady_ones)
from support import run_heapdiff

pytestmark = needs_fleet

GO_ROWS = ("heap_alloc", "fragmentation", "free_retained", "stacks", "runtime_metadata",
           "outside_go", "untouched")  # a profile-less waterfall: they add up to RSS


def test_timeline_json_echoes_the_window_and_the_selector(fleet, history):
    assert history["source"] == "prometheus" and history["url"] == fleet.url
    assert history["selector"] == '{job="api"}'
    assert history["end"] - history["start"] == pytest.approx(HISTORY) and history["step"] == 1
    for i in history["instances"]:
        times = [w["time"] for w in i["waterfall"]]
        assert times == sorted(times) and history["start"] <= times[0] <= times[-1] <= \
            history["end"]
        assert i["labels"] == {"instance": i["instance"], "job": "api"}


def test_timeline_waterfall_adds_up_to_rss_at_every_step(history):
    for i in history["instances"]:
        for step in i["waterfall"]:
            rows = {r["component"]: r["bytes"] for r in step["rows"]}
            assert rows["profile_inuse"] is None  # no heap profile on a server
            assert sum(rows[c] for c in GO_ROWS) == step["rss"]


def test_timeline_figures_are_the_servers_samples(fleet, history):
    end = history["end"]
    for i in history["instances"]:
        where = f'{{instance="{i["instance"]}"}}'
        rss = fleet.samples(f"process_resident_memory_bytes{where} @ {end}")
        alloc = fleet.samples(f"go_memstats_heap_alloc_bytes{where} @ {end}")
        assert i["rss"]["last"] == int(rss[0]["value"][1])
        assert i["heap_alloc"]["last"] == int(alloc[0]["value"][1])
        assert i["waterfall"][-1]["rss"] == int(rss[0]["value"][1])


def test_timeline_text_ranks_the_leak_first(fleet):
    done = run_heapdiff("timeline", "--prometheus", fleet.url, "--since", f"{HISTORY}s",
                        timeout=60)
    assert done.returncode == 0, done.stderr
    ranking = done.stdout.split("\n\n")[1].splitlines()
    assert ranking[0].split()[0] == "kind"
    assert ranking[1].split()[0] == "grower" and ranking[1].endswith(fleet.instances[1])


def test_explain_at_a_moment_is_the_servers_instant(fleet):
    at = fleet.samples("time()")  # a scalar: [t, "t"]
    moment = float(at[1])
    leaking = fleet.instances[1]
    done = run_heapdiff("explain", "--prometheus", fleet.url, "--instance", leaking, "--at",
                        str(moment), "--format", "json", timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    where = f'{{instance="{leaking}"}}'
    rss = int(fleet.samples(f"process_resident_memory_bytes{where} @ {moment}")[0]["value"][1])
    alloc = int(fleet.samples(f"go_memstats_heap_alloc_bytes{where} @ {moment}")[0]["value"][1])
    rows = {r["component"]: r["bytes"] for r in report["waterfall"]}
    assert report["rss"] == rss
    assert rows["heap_alloc"] == alloc
    assert sum(rows[c] for c in GO_ROWS) == rss


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
    assert done.stderr == (f"heapdiff: {fleet.url}: no series match {{job=\"web\"}} between "
                           "the start and the end (is the selector right, and has the server "
                           "scraped it then?)\n")


def test_a_selector_the_server_refuses_quotes_its_reason(fleet):
    done = run_heapdiff("timeline", "--prometheus", fleet.url, "--selector", '{job=~"("}',
                        timeout=60)
    assert done.returncode == 2
    line, = done.stderr.splitlines()
    assert line.startswith(f"heapdiff: {fleet.url}: query_range: bad_data: ")
    assert "missing closing )" in line
