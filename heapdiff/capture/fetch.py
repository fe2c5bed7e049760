"""HTTP GET with a total deadline and a size cap, and one-line errors a person can act on.

A socket timeout bounds each recv, so a server that drips a byte a second would never time
out; here a watchdog shuts the socket down at the deadline, whatever the call is waiting on.
The body is read in pieces and dropped at the cap, so a runaway response costs at most the cap.
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import cast
from urllib.parse import SplitResult, urlsplit

from ..common.units import human_bytes
from .errors import FetchError

PIECE = 64 << 10
ERROR_BODY = 64 << 10  # of an error response, at most: enough for any reason an API gives
HANDSHAKE = 3.0  # seconds a TLS server takes at most to answer a hello; silence: not TLS


@dataclass(frozen=True)
class Response:
    body: bytes
    content_type: str



class NotTls(FetchError):
    """The server said nothing to a TLS hello."""


def get(url: str, timeout: float, max_bytes: int, error_body: bool = False) -> Response:
    """The body of a 200 response to GET url, whole, within timeout seconds and max_bytes.
    With error_body, a FetchError for another status carries the start of its body (an API
    that explains its refusals in JSON, as Prometheus's does)."""
    parts = urlsplit(url)
    host = cast(str, parts.hostname)  # the capture command checked that the URL names one
    connection = (Https if parts.scheme == "https"
                  else http.client.HTTPConnection)(host, parts.port, timeout=timeout)
    watchdog = Watchdog(timeout)
    try:
        connection.connect()
        watchdog.watch(connection.sock)
        response = _read(connection, parts, max_bytes, error_body)
    except (OSError, http.client.HTTPException, FetchError) as exc:
        if isinstance(exc, NotTls):
            raise
        if watchdog.fired or isinstance(exc, TimeoutError):
            raise _too_slow(timeout) from None
        if isinstance(exc, FetchError):
            raise
        raise FetchError(_describe(exc, parts)) from None
    finally:
        watchdog.cancel()
        connection.close()
    if watchdog.fired:  # its shutdown ends a body without a length as the server closing would
        raise _too_slow(timeout)
    return response


class Https(http.client.HTTPSConnection):
    """An HTTPS connection whose TLS handshake has its own short deadline: a plain HTTP
    server waits in silence for a request line that the TLS hello never ends, and that must
    be named for what it is at once, not after --timeout as "too slow"."""

    def __init__(self, host: str, port: int | None, timeout: float):
        self.tls = ssl.create_default_context()
        self.tls.set_alpn_protocols(["http/1.1"])
        super().__init__(host, port, timeout=timeout, context=self.tls)

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # TCP only
        sock = self.sock
        sock.settimeout(min(self.timeout or HANDSHAKE, HANDSHAKE))
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except TimeoutError:
            raise NotTls(f"TLS error: no TLS answer from {self.host}:{self.port} within "
                             f"{min(self.timeout or HANDSHAKE, HANDSHAKE):g} s: is it an "
                             "http:// port?") from None
        self.sock.settimeout(self.timeout)


def _too_slow(timeout: float) -> FetchError:
    return FetchError(f"too slow: no complete response within {timeout:g} s (--timeout)")


def _read(connection: http.client.HTTPConnection, parts: SplitResult, max_bytes: int,
          error_body: bool) -> Response:
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path, headers={"User-Agent": "heapdiff-capture"})
    response = connection.getresponse()
    if response.status != 200:
        body = response.read(min(ERROR_BODY, max_bytes)) if error_body else b""
        raise FetchError(_status_text(response), response.status, body)
    length = _content_length(response)
    if length is not None and length > max_bytes:
        raise FetchError(f"too large: {length} bytes, more than the {human_bytes(max_bytes)} "
                         "cap (--max-bytes)")
    pieces, total = [], 0
    while piece := response.read1(min(PIECE, max_bytes + 1 - total)):
        total += len(piece)
        if total > max_bytes:
            raise FetchError(f"too large: more than the {human_bytes(max_bytes)} cap "
                             "(--max-bytes); stopped reading there")
        pieces.append(piece)
    if length is not None and total < length:
        raise FetchError(f"connection closed early: got {total} of {length} bytes")
    return Response(b"".join(pieces), response.getheader("Content-Type", ""))


class Watchdog:
    """Shuts the watched socket down at the deadline, waking any call blocked on it. (The
    socket, not the connection: http.client hands the socket over to the response and drops
    it from the connection when the server will close after the body.)"""

    def __init__(self, seconds: float):
        self.fired = False
        self.sock: socket.socket | None = None
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def watch(self, sock: socket.socket) -> None:
        self.sock = sock
        if self.fired:  # the deadline passed while connecting
            self._shut()

    def _fire(self) -> None:
        self.fired = True
        self._shut()

    def _shut(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # closed meanwhile
                pass

    def cancel(self) -> None:
        self.timer.cancel()


def _content_length(response: http.client.HTTPResponse) -> int | None:
    raw = response.getheader("Content-Length")
    try:
        return int(raw) if raw is not None and not response.chunked else None
    except ValueError:
        raise FetchError(f"bad Content-Length {raw!r}") from None


def _status_text(response: http.client.HTTPResponse) -> str:
    text = f"{response.status} {response.reason}".strip()
    if response.status in (301, 302, 303, 307, 308):
        where = response.getheader("Location", "?")
        return f"{text}: redirected to {where} (a login or proxy page?)"
    if response.status in (401, 403):
        return f"{text}: the server wants credentials (a login or proxy in front of it?)"
    return text


def _describe(exc: OSError | http.client.HTTPException, parts: SplitResult) -> str:
    """One line for what went wrong below HTTP."""
    port = parts.port if parts.port is not None else 443 if parts.scheme == "https" else 80
    where = f"{parts.hostname}:{port}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused: nothing listens on {where}"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed before a response"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed early: got {len(exc.partial)} bytes of a chunk"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "connection reset by the server"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host {parts.hostname}"
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP response ({type(exc).__name__})"
    return exc.strerror or str(exc)
