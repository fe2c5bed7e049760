"""Is a fetched body what its endpoint should give? A login page served with status 200, a
proxy's error page or a truncated profile must not pass for a profile, so each body goes
through the decoder heapdiff will later read it with."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..common.errors import InputError
from ..inputs.decode.legacy_text import looks_like_legacy_heap
from ..inputs.decode.memstats import memstats_from_document
from ..inputs.decode.scrape import decode_scrape, looks_like_scrape
from ..common.units import human_bytes
from ..inputs.limits import cap
from ..retained.dump import HEADER as HEAPDUMP_HEADER, looks_like_heapdump
from ..inputs.load import GZIP_MAGIC, decode, gunzip

if TYPE_CHECKING:
    from .endpoints import Endpoint

HTML = (b"<!doctype html", b"<html", b"<head", b"<body")
HEAPDUMP_PARAMS, HEAPDUMP_EOF = 6, 0  # a heap dump's first record's tag and its last


def problem(endpoint: Endpoint, body: bytes, content_type: str, source: str,
            limit: int) -> str | None:
    """Why body is not a valid artifact of endpoint, in one line; None when it is. A body
    that inflates past limit bytes (--max-bytes) is refused: the cap holds after gunzip too."""
    if endpoint.check is None:  # /proc files come from the kernel
        return None
    if not body.strip():
        return "empty response"
    if content_type.lower().startswith("text/html") or body.lstrip()[:14].lower().startswith(HTML):
        return f"got HTML (text/html), not {endpoint.what}: a login or proxy page?"
    try:
        endpoint.check(body, source, endpoint, limit)
    except InputError as exc:
        return exc.message
    return None


def profile_body(body: bytes, source: str, endpoint: Endpoint, limit: int) -> None:
    data = gunzip(body, source, cap(limit, len(body), f"inflates to more than the "
                                  f"{human_bytes(limit)} cap (--max-bytes)")) \
        if body.startswith(GZIP_MAGIC) else body
    if not endpoint.kind.owns(decode(data, source)):
        raise InputError(source, f"not {endpoint.what} (gzip or raw protobuf)")


def heapdump_body(body: bytes, source: str, endpoint: Endpoint, limit: int) -> None:
    """The header, the params record that follows it and the EOF record that ends the dump:
    what tells a dump cut short or another file in its place, without decoding a body that may
    be as large as a heap (`heapdiff retained` reads the rest)."""
    if not looks_like_heapdump(body):
        raise InputError(source, f"not {endpoint.what}: it starts {body[:40]!r}")
    at = len(HEAPDUMP_HEADER)
    if body[at:at + 1] != bytes([HEAPDUMP_PARAMS]):
        raise InputError(source, f"not {endpoint.what}: no params record after the header")
    if body[-1:] != bytes([HEAPDUMP_EOF]):
        raise InputError(source, "truncated heap dump: it does not end with the EOF record")


def text_profile_body(body: bytes, source: str, endpoint: Endpoint, limit: int) -> None:
    if not looks_like_legacy_heap(body[:64]):
        raise InputError(source, f"not {endpoint.what}: it starts {body[:40]!r}")
    decode(body, source)


def vars_body(body: bytes, source: str, endpoint: Endpoint, limit: int) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InputError(source, f"not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("memstats"), dict):
        raise InputError(source, 'JSON without a "memstats" object: is expvar imported?')
    memstats_from_document(document, source)


def scrape_body(body: bytes, source: str, endpoint: Endpoint, limit: int) -> None:
    """A Prometheus text exposition with the Go runtime's or the process's memory series."""
    if not looks_like_scrape(bytes(body[:1 << 16]).decode("utf-8", errors="replace")):
        raise InputError(source, f"not {endpoint.what}: it starts {body[:40]!r}")
    decode_scrape(body, source)
