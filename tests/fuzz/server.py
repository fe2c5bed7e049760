"""The misbehaving service capture is fuzzed against: a raw TCP server on 127.0.0.1 that
answers each request with the bytes of a recorded reply (tests/fuzz/replies/, a real Go
service's, one of them mutated by the case), status line and headers included, so a case can
break the HTTP framing, the headers and the body alike. One reply per connection, then close."""
from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

# the request path and query -> the recorded reply (as tests/fuzz/record_replies names them)
REPLIES = {("/debug/pprof/heap", ""): "heap.http", ("/debug/pprof/heap", "gc=1"): "heap_gc.http",
           ("/debug/pprof/heap", "debug=1"): "heap_text.http", ("/debug/vars", ""): "vars.http"}
# the query API, whatever the query (tests/fuzz/record_prometheus_replies names them)
API_REPLIES = {"/api/v1/query_range": "prometheus_query_range.http",
               "/api/v1/query": "prometheus_query.http"}
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\nConnection: close\r\n\r\n" \
            b"404 page not found\n"
HEAD_LIMIT = 64 << 10


class ReplyServer:
    """Serves folder's replies while in a `with` block; url is its root."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def __enter__(self) -> ReplyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        self.listener.close()

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                conn.sendall(self.reply(head))
            except OSError:  # the client gave up (a timeout, a size cap): as it may
                pass

    def reply(self, head: bytes) -> bytes:
        target = head.split(b"\r\n", 1)[0].split(b" ")[1:2]
        parts = urlsplit(target[0].decode("latin-1")) if target else None
        name = (REPLIES.get((parts.path, parts.query)) or API_REPLIES.get(parts.path)) \
            if parts else None
        path = self.folder / name if name else None
        try:
            return path.read_bytes() if path else NOT_FOUND
        except OSError:  # the case made it something else than a file: no reply at all
            return b""
