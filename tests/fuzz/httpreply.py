"""Mutating a recorded HTTP reply as a hostile or broken server would send it: the body
mutated as any input is (inflated first when gzipped), the head changed as proxies, servers
and attackers change it (status, reason phrase, redirects, encodings, lengths that lie), and
the whole framed again (Content-Length, chunked, or chunks that lie)."""
from __future__ import annotations

import gzip
import random
from collections.abc import Callable

from .mutate import HOSTILE_NAMES, TEXT_NUMBERS

STATUSES = (200, 200, 204, 206, 301, 302, 304, 307, 400, 401, 403, 404, 429, 500, 502, 503,
            999, 99, 0)


def is_http(data: bytes) -> bool:
    return data.startswith(b"HTTP/")


def split(data: bytes) -> tuple[list[bytes], bytes]:
    """The head's lines (status line first) and the body, de-chunked if it was chunked."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if any(line.lower() == b"transfer-encoding: chunked" for line in lines):
        body = dechunk(body)
    lines = [line for line in lines if not line.lower().startswith(
        (b"transfer-encoding:", b"content-length:"))]
    return lines, body


def dechunk(body: bytes) -> bytes:
    out, rest = bytearray(), body
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        length = int(size.split(b";")[0] or b"0", 16)
        if length == 0:
            break
        out += rest[:length]
        rest = rest[length + 2:]
    return bytes(out)


def hostile(rng: random.Random) -> bytes:
    return rng.choice(HOSTILE_NAMES).replace("\udcff", "\xff").encode("latin-1", "replace")


def status(rng: random.Random, lines: list[bytes]) -> None:
    lines[0] = b"HTTP/1.1 %d %s" % (rng.choice(STATUSES), rng.choice((b"OK", b"Oops", b"")))


def reason(rng: random.Random, lines: list[bytes]) -> None:
    lines[0] = lines[0].split(b" ", 2)[0] + b" " + rng.choice((b"200", b"500", b"404")) + \
        b" " + hostile(rng)


def redirect(rng: random.Random, lines: list[bytes]) -> None:
    lines[0] = b"HTTP/1.1 %d Moved" % rng.choice((301, 302, 307, 308))
    lines.append(b"Location: " + rng.choice((hostile(rng), b"http://127.0.0.1:1/x",
                                              b"/debug/pprof/heap", b"file:///etc/passwd",
                                              b"http://[::1", b"")))


def header(rng: random.Random, lines: list[bytes]) -> None:
    name = rng.choice((b"Content-Type", b"Content-Encoding", b"Content-Disposition",
                       b"X-" + hostile(rng), b"Server", b"Retry-After", b"Date"))
    value = rng.choice((hostile(rng), b"gzip", b"br", b"deflate", b"text/html",
                        b"application/json", b"a" * rng.choice((100, 70000)),
                        rng.choice(TEXT_NUMBERS).encode("latin-1", "replace")))
    lines.insert(rng.randrange(1, len(lines) + 1), name + b": " + value)


def folded(rng: random.Random, lines: list[bytes]) -> None:
    """An obsolete continuation line, a line without a colon, or a bare LF."""
    lines.insert(rng.randrange(1, len(lines) + 1),
                 rng.choice((b" continued", b"no colon here", b"X-A: 1\nX-B: 2", b"\x00")))


HEAD_MUTATIONS: dict[str, Callable[[random.Random, list[bytes]], None]] = {
    "status": status, "reason": reason, "redirect": redirect, "header": header,
    "folded": folded,
}


def frame(rng: random.Random, lines: list[bytes], body: bytes) -> tuple[str, bytes]:
    """The head and body framed again, honestly or not."""
    ways: dict[str, Callable[[], list[bytes]]] = {
        "length": lambda: [b"Content-Length: %d" % len(body)],
        "chunked": lambda: [b"Transfer-Encoding: chunked"],
        "short-length": lambda: [b"Content-Length: %d" % max(0, len(body) - rng.randint(1, 99))],
        "long-length": lambda: [b"Content-Length: %d" % (len(body) + rng.choice((1, 1 << 40)))],
        "bad-length": lambda: [b"Content-Length: " + rng.choice((b"-1", b"x", b"1, 2", b""))],
        "both": lambda: [b"Content-Length: 3", b"Transfer-Encoding: chunked"],
        "none": lambda: [],
    }
    name = rng.choices(list(ways), weights=(4, 4, 1, 1, 1, 1, 1))[0]
    head = b"\r\n".join(lines + ways[name]()) + b"\r\n\r\n"
    if name in ("chunked", "both"):
        return name, head + chunked(rng, body)
    return name, head + body


def chunked(rng: random.Random, body: bytes) -> bytes:
    size = rng.choice((1, 4096, 8192, max(1, len(body))))
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
    lie = rng.random()
    if lie < .05:
        return out  # no last chunk
    if lie < .1:
        return b"ffffffffffffffffff\r\n" + out
    return out + b"0\r\n\r\n"


def mutate_reply(rng: random.Random, data: bytes, other: bytes,
                 body_mutation: Callable[[random.Random, bytes, bytes], tuple[list[str], bytes]],
                 ) -> tuple[list[str], bytes]:
    """A hostile variant of a recorded reply: the body (most often), the head, or both."""
    lines, body = split(data)
    steps: list[str] = []
    if rng.random() < .7:
        body_steps, body = body_mutation(rng, body, other)
        steps += [f"body:{step}" for step in body_steps]
    if not steps or rng.random() < .4:
        for _i in range(rng.choice((1, 1, 2))):
            name = rng.choice(list(HEAD_MUTATIONS))
            HEAD_MUTATIONS[name](rng, lines)
            steps.append(f"head:{name}")
    if rng.random() < .05:
        body = gzip.compress(body, mtime=0)
        lines.append(b"Content-Encoding: gzip")
        steps.append("content-encoding-gzip")
    name, reply = frame(rng, lines, body)
    steps.append(f"frame:{name}")
    return steps, reply
