"""`heapdiff capture` against servers that misbehave: when the first round gets no heap
profile, one line `heapdiff: URL: why`, exit status 2 and nothing left on the disk. Each case
runs the real command against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import argparse
import time

import pytest

from capture_server import HUGE, HEAP, Server, free_port
from support import run_heapdiff
from heapdiff.commands.capture import base_url, duration, size
from heapdiff.common.errors import InputError


@pytest.fixture(scope="module")
def server():
    with Server() as s:
        yield s


def refused(url: str, tmp_path, *options: str, out: str = "out") -> str:
    """Run a capture into tmp_path/out whose first round must fail; return its one line after
    checking that it left tmp_path as it was."""
    before = sorted(tmp_path.rglob("*"))
    result = run_heapdiff("capture", url, "--every", "0.2s", "--count", "3",
                          "--out", tmp_path / out, *options)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert sorted(tmp_path.rglob("*")) == before
    return lines[0]


def test_refused_port_says_nothing_listens(tmp_path):
    port = free_port()
    line = refused(f"http://127.0.0.1:{port}", tmp_path)
    assert line == (f"heapdiff: http://127.0.0.1:{port}/debug/pprof/heap: "
                    f"connection refused: nothing listens on 127.0.0.1:{port}")


def test_404_asks_whether_pprof_is_mounted(server, tmp_path):
    line = refused(f"{server.url}/missing", tmp_path)
    assert line == (f"heapdiff: {server.url}/missing/debug/pprof/heap: "
                    "404 Not Found: is net/http/pprof mounted?")


def test_other_status_is_named(server, tmp_path):
    line = refused(f"{server.url}/error", tmp_path)
    assert line == f"heapdiff: {server.url}/error/debug/pprof/heap: 500 Internal Server Error"


def test_html_login_page_is_not_a_profile(server, tmp_path):
    line = refused(f"{server.url}/login", tmp_path)
    assert line == (f"heapdiff: {server.url}/login/debug/pprof/heap: got HTML (text/html), "
                    "not a pprof heap profile: a login or proxy page?")


def test_server_slower_than_the_timeout_is_too_slow(server, tmp_path):
    line = refused(f"{server.url}/slow", tmp_path, "--timeout", "0.5s")
    assert line == (f"heapdiff: {server.url}/slow/debug/pprof/heap: "
                    "too slow: no complete response within 0.5 s (--timeout)")


def test_server_dripping_bytes_is_stopped_at_the_total_deadline(server, tmp_path):
    """A byte every 0.2 s never trips a per-recv timeout of 1 s; the total deadline does."""
    start = time.monotonic()
    line = refused(f"{server.url}/drip", tmp_path, "--timeout", "1s")
    assert time.monotonic() - start < 4  # the whole drip takes 10 s
    assert line == (f"heapdiff: {server.url}/drip/debug/pprof/heap: "
                    "too slow: no complete response within 1 s (--timeout)")


def test_content_length_over_the_cap_is_refused_unread(server, tmp_path):
    line = refused(f"{server.url}/huge", tmp_path, "--max-bytes", "64KiB")
    assert line == (f"heapdiff: {server.url}/huge/debug/pprof/heap: too large: {HUGE} bytes, "
                    "more than the 64.0KiB cap (--max-bytes)")


def test_endless_body_is_dropped_at_the_cap(server, tmp_path):
    line = refused(f"{server.url}/flood", tmp_path, "--max-bytes", "64KiB")
    assert line == (f"heapdiff: {server.url}/flood/debug/pprof/heap: too large: more than the "
                    "64.0KiB cap (--max-bytes); stopped reading there")


def test_body_shorter_than_its_content_length_is_closed_early(server, tmp_path):
    line = refused(f"{server.url}/short", tmp_path)
    assert line == (f"heapdiff: {server.url}/short/debug/pprof/heap: connection closed early: "
                    f"got {len(HEAP)} of {len(HEAP) + 1000} bytes")


def test_reset_connection_is_named(server, tmp_path):
    line = refused(f"{server.url}/reset", tmp_path)
    assert line == f"heapdiff: {server.url}/reset/debug/pprof/heap: connection reset by the server"


def test_failed_first_round_leaves_an_existing_empty_folder_empty(server, tmp_path):
    (tmp_path / "out").mkdir()
    refused(f"{server.url}/missing", tmp_path)
    assert (tmp_path / "out").is_dir()


def test_failed_first_round_removes_the_folders_it_made(server, tmp_path):
    refused(f"{server.url}/missing", tmp_path, out="a/b")
    assert list(tmp_path.iterdir()) == []


def test_non_http_url_is_refused(tmp_path):
    line = refused("ftp://127.0.0.1/debug/pprof/heap", tmp_path)
    assert line == ("heapdiff: ftp://127.0.0.1/debug/pprof/heap: not an http:// or https:// URL "
                    "(capture reads a running service's pprof endpoints, e.g. "
                    "http://127.0.0.1:6060)")


def test_folder_not_empty_is_refused(server, tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    line = refused(f"{server.url}/good", tmp_path, out=".")
    assert line == f"heapdiff: {tmp_path}: not empty: capture writes into a new or empty folder"


def test_missing_pid_is_refused(server, tmp_path):
    line = refused(f"{server.url}/good", tmp_path, "--pid", str(2 ** 22 + 1))
    assert line == f"heapdiff: --pid: no process {2 ** 22 + 1} on this machine"


@pytest.mark.parametrize("given", ["http://h:6060", "http://h:6060/", "http://h:6060/debug/pprof/",
                                   "http://h:6060/debug/pprof/heap",
                                   "http://h:6060/debug/pprof/heap?debug=1",
                                   "http://h:6060/debug/vars"])
def test_endpoint_urls_are_stripped_to_the_base(given):
    assert base_url(given) == "http://h:6060"


def test_a_path_prefix_before_the_endpoints_is_kept():
    assert base_url("https://h/admin/debug/pprof/heap") == "https://h/admin"


def test_url_without_a_host_is_refused():
    with pytest.raises(InputError, match="no host"):
        base_url("http:///debug/pprof/heap")


@pytest.mark.parametrize("text, seconds", [("500ms", 0.5), ("30s", 30), ("10m", 600),
                                           ("1h", 3600), ("2", 2), ("0.2s", 0.2)])
def test_durations_parse(text, seconds):
    assert duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text, size_bytes", [("256MiB", 256 << 20), ("1GiB", 1 << 30),
                                              ("64KiB", 64 << 10), ("1000", 1000)])
def test_sizes_parse(text, size_bytes):
    assert size(text) == size_bytes


@pytest.mark.parametrize("text", ["0s", "-1s", "10x", "", "s"])
def test_bad_durations_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


@pytest.mark.parametrize("text", ["0", "12 parsecs", "MiB"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        size(text)
