"""`--prometheus` against servers that misbehave: a real HTTP server on 127.0.0.1 answers the
query API the wrong way on purpose (a refusal, HTML, odd JSON, NaN, a reply too large or too
slow, terminal escapes in labels). Each gets one line `heapdiff: URL: what is wrong` and exit
status 2, or, where the reply is usable, output with the server's strings escaped."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from support import SAMPLES, run_heapdiff

EVIL = "web-1\x1b]0;pwned\x07\u202e"  # an OSC title change, BEL and a bidi override


def matrix(result: list) -> dict:
    return {"status": "success", "data": {"resultType": "matrix", "result": result}}


def series(name: str, instance: str, values: list, job: str = "api") -> dict:
    return {"metric": {"__name__": name, "instance": instance, "job": job}, "values": values}


def good_series(instance: str, rss: list[str]) -> list[dict]:
    """RSS and the MemStats a waterfall needs, at t = 100, 101, ..."""
    points = lambda value: [[100 + k, value] for k in range(len(rss))]  # noqa: E731
    return [series("process_resident_memory_bytes", instance,
                   [[100 + k, v] for k, v in enumerate(rss)]),
            *(series(f"go_memstats_{name}_bytes", instance, points(str(value)))
              for name, value in (("heap_alloc", 4 << 20), ("heap_inuse", 5 << 20),
                                  ("heap_idle", 3 << 20), ("heap_released", 1 << 20),
                                  ("sys", 12 << 20), ("stack_sys", 1 << 19)))]


REPLIES = {  # variant -> (status, body)
    "refused": (400, {"status": "error", "errorType": "bad_data",
                      "error": "parse error: unexpected \x1b[31m"}),
    "error200": (200, {"status": "error", "errorType": "execution",
                       "error": "query timed out in expression evaluation"}),
    "html": (200, "<!DOCTYPE html><html><body>Sign in</body></html>"),
    "gateway": (502, "<html>Bad Gateway</html>"),
    "nostatus": (200, {"data": {"resultType": "matrix", "result": []}}),
    "scalar": (200, {"status": "success", "data": {"resultType": "scalar",
                                                   "result": [1, "1"]}}),
    "oddlabels": (200, matrix([{"metric": {"instance": 5}, "values": [[1, "1"]]}])),
    "oddpair": (200, matrix([series("process_resident_memory_bytes", "a", [[1, 2]])])),
    "oddtime": (200, matrix([series("process_resident_memory_bytes", "a", [["x", "2"]])])),
    "nan": (200, matrix([series("process_resident_memory_bytes", "a",
                                [[1, "NaN"], [2, "+Inf"]])])),
    "empty": (200, matrix([])),
    "deep": (200, "[" * 100_000),
    "escapes": (200, matrix(good_series(EVIL, ["20000000", "30000000", "40000000"]))),
    "someNaN": (200, matrix(good_series("a", ["20000000", "NaN", "40000000"]))),
    "twojobsrange": (200, matrix([
        {**item, "metric": {**item["metric"], "job": job}}
        for job in ("api", "api-canary") for item in good_series("a", ["1000000", "2000000"])])),
    "vgood": (200, {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": item["metric"], "value": item["values"][-1]}
        for item in good_series("a", ["20000000", "30000000"])]}}),
    "vempty": (200, {"status": "success", "data": {"resultType": "vector", "result": []}}),
    "twojobs": (200, {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"__name__": "process_resident_memory_bytes", "instance": "a", "job": job},
         "value": [1, "1000"]} for job in ("api", "api-canary")]}}),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        variant = parts.path.strip("/").split("/")[0]
        self.server.queries.append(parse_qs(parts.query).get("query", [""])[0])
        try:
            if variant == "drip":
                return self.drip()
            if variant.startswith("huge"):
                return self.reply(200, b"[" + b"0," * (1 << 20) + b"0]",
                                  length=variant == "huge")
            status, body = REPLIES[variant]
            self.reply(status, body if isinstance(body, str) else json.dumps(body))
        except (BrokenPipeError, ConnectionResetError):  # heapdiff gave up, as it should
            pass

    def reply(self, status: int, body: str | bytes, length: bool = True) -> None:
        """Without a length, the body ends when the connection closes (HTTP/1.0)."""
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drip(self) -> None:
        """Headers at once, then a byte of a valid reply every 0.2 s: never done in time."""
        data = json.dumps(matrix([])).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.2)


@pytest.fixture(scope="module")
def httpd():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.queries = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def timeline(url: str, *extra: str):
    return run_heapdiff("timeline", "--prometheus", url, "--since", "1m", *extra, timeout=60)


def refusal(done) -> str:
    """The one line of a refused command (exit 2, nothing on stdout)."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    line, = done.stderr.splitlines()
    return line


@pytest.mark.parametrize("variant, message", [
    ("refused", "query_range: bad_data: parse error: unexpected \\x1b[31m"),
    ("error200", "query_range: execution: query timed out in expression evaluation"),
    ("html", "query_range: the reply is not JSON: is this a Prometheus server's address?"),
    ("gateway", "502 Bad Gateway"),
    ("nostatus", "query_range: the reply is not a Prometheus API reply (no \"status\")"),
    ("scalar", "query_range: the reply holds no matrix result"),
    ("oddlabels", "a series' labels are not an object of strings"),
    ("oddpair", "a sample is not a [time, \"value\"] pair"),
    ("oddtime", "a sample's time is not a number"),
    ("nan", "the 1 series under {} hold no finite value between the start and the end"),
    ("empty", "no series match {} between the start and the end (is the selector right, and "
              "has the server scraped it then?)"),
    ("deep", "query_range: the reply is not JSON: is this a Prometheus server's address?"),
])
def test_a_bad_reply_is_one_line(server, variant, message):
    url = f"{server}/{variant}"
    assert refusal(timeline(url)) == f"heapdiff: {url}: {message}"


def test_a_server_that_is_down_is_one_line(server):
    done = timeline("http://127.0.0.1:1")
    assert refusal(done) == ("heapdiff: http://127.0.0.1:1: connection refused: nothing "
                             "listens on 127.0.0.1:1")


def test_a_reply_beyond_max_bytes_is_dropped(server):
    line = refusal(timeline(f"{server}/huge", "--max-bytes", "1MiB"))
    assert line == (f"heapdiff: {server}/huge: too large: 2097155 bytes, more than the "
                    "1.0MiB cap (--max-bytes)")


def test_a_reply_without_a_length_is_cut_at_max_bytes(server):
    line = refusal(timeline(f"{server}/hugestream", "--max-bytes", "1MiB"))
    assert line == (f"heapdiff: {server}/hugestream: too large: more than the 1.0MiB cap "
                    "(--max-bytes); stopped reading there")


def test_a_dripping_server_is_cut_off_at_the_timeout(server):
    started = time.monotonic()
    line = refusal(timeline(f"{server}/drip", "--timeout", "1s"))
    assert time.monotonic() - started < 10
    assert line == (f"heapdiff: {server}/drip: too slow: no complete response within 1 s "
                    "(--timeout)")


def test_label_values_reach_the_terminal_escaped(server):
    done = timeline(f"{server}/escapes")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "\u202e" not in done.stdout
    assert "web-1\\x1b]0;pwned\\x07\\u202e" in done.stdout


def test_label_values_in_json_are_data(server):
    done = timeline(f"{server}/escapes", "--format", "json")
    assert done.returncode == 0, done.stderr
    instance, = json.loads(done.stdout)["instances"]
    assert instance["instance"] == EVIL
    assert instance["labels"] == {"instance": EVIL, "job": "api"}
    assert instance["rss"] == {"first": 20000000, "last": 40000000, "slope": 10000000.0,
                               "kind": "grower"}


def test_nan_samples_are_gaps_not_zeros(server):
    done = timeline(f"{server}/someNaN", "--format", "json")
    assert done.returncode == 0, done.stderr
    instance, = json.loads(done.stdout)["instances"]
    assert instance["rss"]["first"] == 20000000 and instance["rss"]["last"] == 40000000
    assert [w["rss"] for w in instance["waterfall"]] == [20000000, None, 40000000]


def test_the_query_asks_for_the_users_matchers(httpd, server):
    timeline(f"{server}/empty", "--selector", '{job="api", pod=~"web-.*"}')
    query = httpd.queries[-1]
    assert query.startswith('{__name__=~"go_memstats_heap_alloc_bytes|')
    assert query.endswith('", job="api", pod=~"web-.*"}')


def test_one_instance_in_two_jobs_is_two_processes(server):
    done = timeline(f"{server}/twojobsrange", "--format", "json")
    assert done.returncode == 0, done.stderr
    found = {i["instance"]: i["labels"]["job"] for i in json.loads(done.stdout)["instances"]}
    assert found == {"a job=api": "api", "a job=api-canary": "api-canary"}


def explain(url: str, *extra: str):
    return run_heapdiff("explain", "--prometheus", url, "--at", "100", *extra, timeout=60)


def test_explain_of_an_instance_in_two_jobs_asks_for_a_selector(server):
    line = refusal(explain(f"{server}/twojobs", "--instance", "a"))
    assert line == (f"heapdiff: {server}/twojobs: instance a is scraped by 2 jobs (api, "
                    "api-canary): add --selector '{job=\"...\"}'")


def test_explain_with_nothing_there_is_one_line(server):
    line = refusal(explain(f"{server}/vempty", "--selector", '{job="api"}'))
    assert line == (f"heapdiff: {server}/vempty: no Go or process series under {{job=\"api\"}} "
                    "at 1970-01-01T00:01:40Z")


def test_explain_wants_a_vector(server):
    line = refusal(explain(f"{server}/empty"))
    assert line == f"heapdiff: {server}/empty: query: the reply holds no vector result"


def test_explain_without_files_or_a_server_is_one_line():
    line = refusal(run_heapdiff("explain", timeout=60))
    assert line == "heapdiff: explain: give the files of one moment, --prometheus URL, or both"


def test_explain_of_a_server_moment_starts_from_a_profile_given_beside_it(server):
    profile = SAMPLES / "leaky_cache" / "later" / "heap.pb.gz"
    alone = json.loads(run_heapdiff("explain", profile, "--format", "json").stdout)
    done = explain(f"{server}/vgood", "--instance", "a", str(profile), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {r["component"]: r["bytes"] for r in report["waterfall"]}
    inuse = {r["component"]: r["bytes"] for r in alone["waterfall"]}["profile_inuse"]
    assert rows["profile_inuse"] == inuse > 0
    assert rows["since_last_gc"] == (4 << 20) - inuse  # the server's HeapAlloc less it
    assert report["rss"] == 30000000 and "heap_alloc" not in rows
    assert report["sources"] == [str(profile), f"{server}/vgood instance a at "
                                                "1970-01-01T00:01:40Z"]


def test_a_scrape_file_beside_the_server_is_read_as_alone_and_fills_the_fields_first(server):
    scrape = SAMPLES / "leaky_service" / "scrape" / "metrics.prom"
    alone = json.loads(run_heapdiff("explain", scrape, "--format", "json").stdout)
    done = explain(f"{server}/vgood", "--instance", "a", str(scrape), "--format", "json")
    assert done.returncode == 0, done.stderr  # its one process, though it is not instance a
    report = json.loads(done.stdout)
    assert report["rss"] == alone["rss"] != 30000000  # the file's, not the server's
    assert report["waterfall"] == alone["waterfall"]


def test_explain_of_a_server_moment_against_files_of_an_earlier_one(server):
    done = explain(f"{server}/vgood", "--instance", "a", "--base",
                   str(SAMPLES / "leaky_cache" / "base"), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {r["component"]: r["bytes"] for r in report["waterfall"]}
    assert report["rss"] == 30000000 and rows["heap_alloc"] == 4 << 20
    assert rows["free_retained"] == (3 << 20) - (1 << 20)
    assert {c["component"] for c in report["changes"]} >= {"rss", "heap_alloc"}


def test_timeline_json_has_the_documented_keys(server):
    done = timeline(f"{server}/someNaN", "--format", "json", "--until", "102", "--step", "1")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == ["source", "url", "selector", "start", "end", "step", "instances"]
    assert (document["start"], document["end"], document["step"]) == (42, 102, 1)
    instance, = document["instances"]
    assert list(instance) == ["instance", "labels", "kind", "rss", "heap_alloc", "heap_inuse",
                              "heap_free_retained", "stacks", "gc_cycles", "waterfall"]
    assert instance["gc_cycles"] == {"first": None, "last": None, "slope": 0.0,
                                     "kind": "unknown"}  # no go_gc_duration_seconds here
    assert list(instance["waterfall"][0]) == ["time", "rss", "rows"]
    assert [w["time"] for w in instance["waterfall"]] == [100, 101, 102]


def test_timeline_text_details_the_first_instances_only_when_told(server):
    done = timeline(f"{server}/twojobsrange", "--nodecount", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("  waterfall:") == 1
    assert done.stdout.endswith("(the details of 1 of 2 instances; --nodecount 0 shows all)\n")
    every = timeline(f"{server}/twojobsrange", "--nodecount", "0")
    assert every.stdout.count("  waterfall:") == 2


def test_a_window_before_1970_is_one_line(server):
    line = refusal(timeline(f"{server}/empty", "--since", "99999999999w", "--until", "100"))
    assert line == (f"heapdiff: {server}/empty: --since 6.048e+16s from 1970-01-01T00:01:40Z "
                    "starts before 1970")
