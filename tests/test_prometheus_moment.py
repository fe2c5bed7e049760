"""A Prometheus server's moment beside files, and in `report` and `tui`: `--prometheus URL
--instance X [--at TIME]` as `explain` takes it, against a real Prometheus server scraping
three real Go services (tests/prometheus_fleet.py), the leaking one's heap profile read from
its /debug/pprof/heap. The figures are checked against the server's own samples at the moment
and against the commands run on the files alone."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from prometheus_fleet import fleet, needs_fleet  # noqa: F401 - fleet: a fixture
from support import run_heapdiff
from tui_settle import through_the_cli
from tui.views.memory import MemoryView
from tui.widgets.textpanel import TextPanel
from heapdiff.fleet.query import iso
from heapdiff.render.escape import markdown

pytestmark = needs_fleet

MiB = 1 << 20
GO_ROWS = ("profile_inuse", "since_last_gc", "fragmentation", "free_retained", "stacks",
           "runtime_metadata", "outside_go", "untouched")  # with a profile: they add up to RSS


@pytest.fixture(scope="module")
def moment(fleet, tmp_path_factory) -> dict:
    """The leaking instance's heap profile, fetched now, and the server's time just after."""
    leaking = fleet.instances[1]
    profile = tmp_path_factory.mktemp("moment") / "heap.pb.gz"
    with urllib.request.urlopen(f"http://{leaking}/debug/pprof/heap", timeout=10) as reply:
        profile.write_bytes(reply.read())
    at = float(fleet.samples("time()")[1])
    return {"instance": leaking, "profile": profile, "at": at,
            "flags": ["--prometheus", fleet.url, "--instance", leaking, "--at", str(at)]}


def server_value(fleet, name: str, moment: dict) -> int:
    where = f'{{instance="{moment["instance"]}"}}'
    return int(fleet.samples(f"{name}{where} @ {moment['at']}")[0]["value"][1])


def json_of(*args) -> dict:
    done = run_heapdiff(*args, "--format", "json", timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def rows_of(document: dict) -> dict:
    return {r["component"]: r["bytes"] for r in document["waterfall"]}


def test_explain_starts_the_servers_waterfall_from_a_profile_beside_it(fleet, moment):
    report = json_of("explain", *moment["flags"], moment["profile"])
    rows = rows_of(report)
    alone = rows_of(json_of("explain", moment["profile"]))
    assert report["waterfall"][0]["component"] == "profile_inuse"
    assert rows["profile_inuse"] == alone["profile_inuse"] > 5 * MiB  # the leak is in it
    heap_alloc = server_value(fleet, "go_memstats_heap_alloc_bytes", moment)
    assert rows["since_last_gc"] == heap_alloc - rows["profile_inuse"]
    rss = server_value(fleet, "process_resident_memory_bytes", moment)
    assert report["rss"] == rss and sum(rows[c] for c in GO_ROWS) == rss
    assert report["sources"] == [str(moment["profile"]),
                                 f"{fleet.url} instance {moment['instance']} at "
                                 f"{iso(moment['at'])}"]


def test_report_inputs_name_the_server_the_instance_and_the_time(fleet, moment):
    done = run_heapdiff("report", *moment["flags"], moment["profile"], timeout=120)
    assert done.returncode == 0, done.stderr
    inputs = done.stdout.split("## Inputs", 1)[1].split("\n## ", 1)[0]
    source = f"{fleet.url} instance {moment['instance']} at {iso(moment['at'])}"
    assert f"| new | {markdown(source)} | Prometheus scrape |  |  |  |" in inputs.splitlines()


def test_report_json_memory_is_the_servers_moment_from_the_profile(fleet, moment):
    report = json_of("report", *moment["flags"], moment["profile"])
    source = f"{fleet.url} instance {moment['instance']} at {iso(moment['at'])}"
    assert [(i["moment"], i["path"], i["kind"]) for i in report["inputs"]] == [
        ("new", str(moment["profile"]), "heap profile"), ("new", source, "Prometheus scrape")]
    memory = report["memory"]
    assert memory["rss"] == server_value(fleet, "process_resident_memory_bytes", moment)
    assert rows_of(memory) == rows_of(json_of("explain", *moment["flags"], moment["profile"]))


def test_report_of_the_server_alone_reproduces_with_its_explain_command(fleet, moment):
    report = json_of("report", *moment["flags"])
    command = report["commands"]["memory"]
    assert command == (f"heapdiff explain --prometheus {fleet.url} --instance "
                       f"{moment['instance']} --at {iso(moment['at'])}")
    again = json_of(*command.split()[1:])
    assert rows_of(again) == rows_of(report["memory"]) and again["rss"] == report["memory"]["rss"]
    assert rows_of(report["memory"])["profile_inuse"] is None  # no profile on a server


def test_report_refuses_as_explain_does(fleet, moment):
    for args in (["--instance", "nowhere:1"], []):  # unknown; several without --instance
        said = [run_heapdiff(command, "--prometheus", fleet.url, "--at", moment["at"], *args,
                             timeout=60) for command in ("report", "explain")]
        assert [d.returncode for d in said] == [2, 2] and said[0].stdout == ""
        assert said[0].stderr == said[1].stderr and said[0].stderr.count("\n") == 1


def test_tui_memory_shows_the_servers_moment_from_the_profile(fleet, moment, monkeypatch):
    explained = run_heapdiff("explain", *moment["flags"], moment["profile"], timeout=120).stdout
    figures = re.compile(r"^\s+(\w+)\s+(\S+)\s+([\d.-]+%)", re.M)  # component size share
    shown: dict = {}

    async def check(app, pilot):
        await pilot.press("6")
        shown["text"] = app.query_one(MemoryView).query_one(TextPanel).text

    assert through_the_cli(monkeypatch, [str(moment["profile"]), *moment["flags"]], check) == 0
    text = shown["text"]
    rss_line = next(line for line in explained.splitlines() if line.startswith("RSS "))
    assert text.splitlines()[0] == rss_line  # the server's RSS, named by instance and time
    assert f"instance {moment['instance']} at {iso(moment['at'])}" in rss_line
    assert figures.findall(text) == figures.findall(explained)
    assert [c for c, *_ in figures.findall(text)] == list(GO_ROWS)


def test_tui_with_several_instances_and_no_instance_is_the_one_line(fleet, moment):
    done = run_heapdiff("tui", moment["profile"], "--prometheus", fleet.url, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    line, = done.stderr.splitlines()
    assert line.startswith(f"heapdiff: {fleet.url}: 3 instances at ")
    assert all(i in line for i in fleet.instances) and "--instance" in line
