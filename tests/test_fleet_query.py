"""What a user types for --prometheus (selectors, windows, moments) and what heapdiff makes
of it: label matchers under heapdiff's own metric names, seconds, unix times."""
from __future__ import annotations

import argparse
import json

import pytest

from heapdiff.fleet.api import REASON, _api_error, base_url
from heapdiff.fleet.query import default_step, duration, iso, matchers, moment, selector, \
    timeout
from heapdiff.common.errors import InputError


@pytest.mark.parametrize("text, seconds", [
    ("30s", 30), ("5m", 300), ("6h", 21600), ("2d", 172800), ("1w", 604800), ("500ms", 0.5),
    ("90", 90), ("1.5h", 5400)])
def test_durations_take_prometheus_units(text, seconds):
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["0s", "", "6 hours", "-5m", "1y", "h"])
def test_a_duration_that_is_none_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="is not a duration"):
        duration(text)


@pytest.mark.parametrize("text, unix", [
    ("1796556567.777", 1796556567.777), ("2026-12-06T10:30:00Z", 1796553000.0),
    ("2026-12-06T10:30:00", 1796553000.0), ("2026-12-06T11:30:00+01:00", 1796553000.0)])
def test_moments_are_unix_seconds_or_rfc3339_utc_by_default(text, unix):
    assert moment(text) == unix


@pytest.mark.parametrize("text", ["yesterday", "nan", "inf", "-1", "1e20", "", "10000-01-01"])
def test_a_moment_that_is_no_time_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="is not a time"):
        moment(text)


def test_iso_writes_utc_to_the_second_or_the_millisecond():
    assert iso(1796553000.0) == "2026-12-06T10:30:00Z"
    assert iso(1796553000.25) == "2026-12-06T10:30:00.250Z"


@pytest.mark.parametrize("text, inner", [
    ('{job="api"}', 'job="api"'), ("{}", ""), (' { job="api", pod=~"web-.*", } ',
                                               'job="api", pod=~"web-.*"')])
def test_a_selector_gives_its_label_matchers(text, inner):
    assert matchers(text) == inner


@pytest.mark.parametrize("text", ['job="api"', 'up{job="api"}', "{job", ""])
def test_a_selector_without_braces_around_it_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="label matchers in braces"):
        matchers(text)


def test_the_query_puts_heapdiffs_names_under_the_users_matchers():
    assert selector(("a_bytes", "b_total"), 'job="api"') == \
        '{__name__=~"a_bytes|b_total", job="api"}'
    assert selector(("a_bytes",), "") == '{__name__=~"a_bytes"}'


def test_the_default_step_gives_about_240_points_in_whole_seconds():
    assert default_step(6 * 3600) == 90
    assert default_step(60) == 1


@pytest.mark.parametrize("text, base", [
    ("http://prom:9090", "http://prom:9090"), ("http://prom:9090/", "http://prom:9090"),
    ("https://thanos.example/prometheus/", "https://thanos.example/prometheus"),
    ("http://prom:9090/api/v1/query?query=up", "http://prom:9090")])
def test_the_server_address_keeps_a_route_prefix_and_drops_an_api_path(text, base):
    assert base_url(text) == base


@pytest.mark.parametrize("text", ["prom:9090", "ftp://prom", "http://", "http://prom:x"])
def test_an_address_that_is_no_http_url_is_refused(text):
    with pytest.raises(InputError):
        base_url(text)


def test_a_timeout_past_an_hour_is_refused():
    assert timeout("90s") == 90
    with pytest.raises(argparse.ArgumentTypeError, match="longer than 1h"):
        timeout("99999999999999h")


# VictoriaMetrics 1.79's reply to a query_range with the selector {job=~"("} (its message
# quotes heapdiff's whole query, here shortened to its start and end).
VM_REFUSAL = json.dumps({
    "status": "error", "errorType": "422",
    "error": 'error when executing query="{__name__=~\\"go_memstats_heap_alloc_bytes|'
             + "go_memstats_sys_bytes|" * 20 + 'process_resident_memory_bytes\\", job=~\\"(\\"}" '
             "on the time range (start=1796565427543, end=1796565439543, step=1000): cannot "
             "execute query: cannot expand WITH expressions: invalid regexp in job=\"(\": "
             "error parsing regexp: missing closing ): `^(?:()$`"}).encode()


def test_a_long_server_error_keeps_its_start_and_its_reason():
    reason = _api_error(VM_REFUSAL)
    assert reason is not None and len(reason) == REASON + len(" ... ")
    assert reason.startswith("HTTP 422: error when executing query=")
    assert reason.endswith("error parsing regexp: missing closing ): `^(?:()$`")


def test_a_short_server_error_is_quoted_whole():
    body = json.dumps({"status": "error", "errorType": "bad_data",
                       "error": "1:12: parse error: unexpected end of input"}).encode()
    assert _api_error(body) == "bad_data: 1:12: parse error: unexpected end of input"
