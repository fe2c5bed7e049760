"""The Prometheus HTTP query API (/api/v1/query, /api/v1/query_range), which Prometheus,
Thanos, Mimir and VictoriaMetrics all answer. Every reply is checked before use: a server is
input like a file, so a wrong shape, an error reply, NaN or a reply too large or too slow is
one InputError naming the server, never a crash or a hang (capture's fetch caps the bytes and
holds an overall deadline, also against a server that drips its reply)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..capture.errors import FetchError
from ..common.errors import InputError

TIMEOUT = 30.0          # seconds for one request, connecting to the last byte
# of one reply: 240 points of a dozen names for ~150 instances; parsed, about 12 times as much
MAX_BYTES = 32 << 20
REASON = 300            # characters of a server's error message quoted, at most
REASON_HEAD = 80        # of which from its start (the rest from its end)

Labels = tuple[tuple[str, str], ...]  # sorted by name; __name__ included


@dataclass(frozen=True)
class Sample:
    """One series of an instant query: its labels and value (non-finite values are dropped
    before they get here)."""
    labels: Labels
    value: float


@dataclass(frozen=True)
class Range:
    """One series of a range query: its labels and its finite (unix time, value) points."""
    labels: Labels
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Server:
    url: str  # the base URL, as the user gave it, without a trailing slash
    timeout: float = TIMEOUT
    max_bytes: int = MAX_BYTES

    def instant(self, query: str, at: float) -> list[Sample]:
        data = self._get("query", {"query": query, "time": _number(at)}, "vector")
        return [Sample(_labels(self, item), value)
                for item in data if (value := _value(self, _field(self, item, "value")))
                is not None]

    def range(self, query: str, start: float, end: float, step: float) -> list[Range]:
        data = self._get("query_range", {"query": query, "start": _number(start),
                                          "end": _number(end), "step": _number(step)}, "matrix")
        out = []
        for item in data:
            values = _field(self, item, "values")
            if not isinstance(values, list):
                raise self.error("a series' values are not a list")
            points = tuple((_time(self, v), value) for v in values
                           if (value := _value(self, v)) is not None)
            out.append(Range(_labels(self, item), points))
        return out

    def error(self, message: str) -> InputError:
        return InputError(self.url, message)

    def _get(self, endpoint: str, params: dict[str, str], result_type: str) -> list[dict]:
        from ..capture.fetch import get  # http.client and ssl: only when a server is asked

        url = f"{self.url}/api/v1/{endpoint}?{urlencode(params)}"
        try:
            body = get(url, self.timeout, self.max_bytes, error_body=True).body
        except FetchError as exc:
            reason = _api_error(exc.body) if exc.body else None
            raise self.error(f"{endpoint}: {reason}" if reason else str(exc)) from None
        try:
            reply = json.loads(body)
        except (ValueError, RecursionError):
            raise self.error(f"{endpoint}: the reply is not JSON: is this a Prometheus "
                             "server's address?") from None
        if not isinstance(reply, dict) or reply.get("status") not in ("success", "error"):
            raise self.error(f"{endpoint}: the reply is not a Prometheus API reply (no "
                             "\"status\")")
        if reply["status"] == "error":
            raise self.error(f"{endpoint}: {_api_error(body) or 'the server refused'}")
        data = reply.get("data")
        if not isinstance(data, dict) or data.get("resultType") != result_type \
                or not isinstance(data.get("result"), list):
            raise self.error(f"{endpoint}: the reply holds no {result_type} result")
        return data["result"]


def base_url(text: str) -> str:
    """The server's address: http(s), a host, any path prefix kept (a Thanos or Mimir route
    such as /prometheus), an /api/v1/... tail dropped."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(text, "not an http:// or https:// URL of a Prometheus-compatible "
                               "server (e.g. http://prometheus:9090)")
    try:
        parts.port
    except ValueError:
        raise InputError(text, "bad port in the URL") from None
    path = parts.path.split("/api/v1", 1)[0].rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _api_error(body: bytes) -> str | None:
    """errorType: error of a Prometheus error reply, shortened; None when it is not one.
    VictoriaMetrics gives the HTTP status as the errorType ("422"), said as such, and quotes
    the whole query before its reason, so a long message keeps its start (what failed) and
    its end (why), not the echo of heapdiff's own query between them."""
    try:
        reply = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(reply, dict) or not isinstance(reply.get("error"), str):
        return None
    kind = reply.get("errorType")
    if isinstance(kind, str) and kind.isdigit():
        kind = f"HTTP {kind}"
    text = f"{kind}: {reply['error']}" if isinstance(kind, str) and kind else reply["error"]
    if len(text) <= REASON:
        return text
    return text[:REASON_HEAD] + " ... " + text[len(text) - (REASON - REASON_HEAD):]


def _field(server: Server, item: object, name: str) -> object:
    if not isinstance(item, dict):
        raise server.error("a result is not an object")
    return item.get(name)


def _labels(server: Server, item: object) -> Labels:
    metric = _field(server, item, "metric")
    if not isinstance(metric, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                               for k, v in metric.items()):
        raise server.error("a series' labels are not an object of strings")
    return tuple(sorted(metric.items()))


def _time(server: Server, pair: list) -> float:
    t = pair[0]
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
        raise server.error("a sample's time is not a number")
    return float(t)


def _value(server: Server, pair: object) -> float | None:
    """The value of a [time, "value"] pair; None when it is not finite (NaN, ±Inf: a stale
    or broken series says nothing about memory)."""
    if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], str):
        raise server.error("a sample is not a [time, \"value\"] pair")
    _time(server, pair)
    try:
        value = float(pair[1])
    except ValueError:
        raise server.error("a sample's value is not a number") from None
    return value if math.isfinite(value) else None


def _number(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")
