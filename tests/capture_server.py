"""A real HTTP server on 127.0.0.1 serving the leaky_cache sample's artifacts at the pprof and
expvar paths, under a prefix that picks how it behaves: /good serves them, the others
misbehave on purpose as real services, proxies and networks do."""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from support import SAMPLES

LATER = SAMPLES / "leaky_cache" / "later"
HEAP = (LATER / "heap.pb.gz").read_bytes()
HEAP_TEXT = (LATER / "heap.txt").read_bytes()
VARS = (LATER / "vars.json").read_bytes()
LOGIN = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action=/login>"
         b"<input name=user><input name=password type=password></form></body></html>\n")
HUGE = 1 << 20
# a debug=1 profile whose frame address does not fit 64 bits: a decoder defect (OverflowError)
CRASHER = b"heap profile: 1: 1 [1: 1] @ heap/2\n1: 1 [1: 1] @ 0x1ffffffffffffffffff\n"
# a debug=1 profile with one 256 KB frame line that the frame pattern backtracks over
BACKTRACK = (b"heap profile: 1: 1 [1: 1] @ heap/1048576\n1: 1 [1: 1] @ 0x1\n#\t0x1\tf+0x1 "
             + b"+0x1 " * ((256 << 10) // 5) + b"\n")
BOMB = gzip.compress(bytes(4 << 20))  # 4 KB that inflate to 4 MiB
# a real heap dump (debug.WriteHeapDump), for --heapdump: /dump/heapdump/NAME serves DUMPS[NAME]
DUMP = (SAMPLES / "retention" / "cycle" / "base.heapdump").read_bytes()
DUMPS = {"good": DUMP, "cut": DUMP[:-4096], "profile": HEAP, "login": LOGIN, "empty": b"",
         "header-only": DUMP[:16]}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.requests.append(self.path)
        variant, _, path = parts.path.lstrip("/").partition("/")
        body = artifact("/" + path, parts.query)
        try:
            getattr(self, f"serve_{variant}", self.serve_missing)(body, path)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass

    def send(self, body: bytes, content_type: str = "application/octet-stream",
             status: int = 200, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def serve_good(self, body: bytes | None, path: str) -> None:
        if body is None:
            return self.serve_missing(body, path)
        self.send(body)

    def serve_novars(self, body: bytes | None, path: str) -> None:
        self.serve_good(None if path == "debug/vars" else body, path)

    def serve_slowheap(self, body: bytes | None, path: str) -> None:
        if path == "debug/pprof/heap":
            time.sleep(1)
        self.serve_good(body, path)

    def serve_missing(self, body: bytes | None, path: str) -> None:
        self.send(b"404 page not found\n", "text/plain; charset=utf-8", status=404)

    def serve_error(self, body: bytes | None, path: str) -> None:
        self.send(b"internal error\n", "text/plain; charset=utf-8", status=500)

    def serve_login(self, body: bytes | None, path: str) -> None:
        self.send(LOGIN, "text/html; charset=utf-8")

    def serve_swapped(self, body: bytes | None, path: str) -> None:
        self.send(HEAP_TEXT)  # the debug=1 text where the protobuf should be

    def serve_slow(self, body: bytes | None, path: str) -> None:
        time.sleep(3)
        self.serve_good(body, path)

    def serve_drip(self, body: bytes | None, path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(HEAP)))
        self.end_headers()
        for byte in HEAP[:50]:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.2)

    def serve_dump(self, body: bytes | None, path: str) -> None:
        """The profile and vars as /good serves them, and heap dumps good and bad under
        heapdump/: DUMPS by name, "short" (closed before its Content-Length), "missing"."""
        name = path.removeprefix("heapdump/") if path.startswith("heapdump/") else None
        if name is None:
            return self.serve_good(body, path)
        if name == "short":
            self.send(DUMP[:100_000], length=len(DUMP))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if name not in DUMPS:
            return self.serve_missing(body, path)
        self.send(DUMPS[name], "text/html; charset=utf-8" if name == "login" else
                  "application/octet-stream")

    def serve_crash(self, body: bytes | None, path: str) -> None:
        self.send(CRASHER if path == "debug/pprof/heap" else body or b"")

    def serve_crashlater(self, body: bytes | None, path: str) -> None:
        later = self.server.requests.count(self.path) > 1  # the second round on
        self.serve_good(CRASHER if later and path == "debug/pprof/heap" else body, path)

    def serve_backtrack(self, body: bytes | None, path: str) -> None:
        debug = path == "debug/pprof/heap" and "debug=1" in urlsplit(self.path).query
        self.serve_good(BACKTRACK if debug else body, path)

    def serve_bomb(self, body: bytes | None, path: str) -> None:
        self.serve_good(BOMB if path == "debug/pprof/heap" else body, path)

    def serve_huge(self, body: bytes | None, path: str) -> None:
        self.send(bytes(HUGE))

    def serve_flood(self, body: bytes | None, path: str) -> None:
        self.send_response(200)  # no Content-Length: the body ends when the connection does
        self.end_headers()
        for _ in range(HUGE // 4096):
            self.wfile.write(bytes(4096))

    def serve_short(self, body: bytes | None, path: str) -> None:
        self.send(HEAP, length=len(HEAP) + 1000)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def serve_reset(self, body: bytes | None, path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(HEAP)))
        self.end_headers()
        self.wfile.write(HEAP[:1000])
        self.wfile.flush()
        time.sleep(0.1)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # linger 0: a TCP reset, not an orderly close


def artifact(path: str, query: str) -> bytes | None:
    if path.rstrip("/") == "/debug/pprof/heap":
        return HEAP_TEXT if "debug=1" in query else HEAP
    return VARS if path == "/debug/vars" else None


class Server:
    """The server in a thread, for a `with` block; url is its root."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.requests = []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def requests(self) -> list[str]:
        return self.httpd.requests

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    """A port nothing listens on: bound, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
