"""Is a fetched body what its endpoint should give? A login page served with status 200, a
proxy's error page or a truncated profile must not pass for a profile, so each body goes
through the decoder heapdiff will later read it with."""
from __future__ import annotations

import json

from ..inputs.decode.legacy_text import looks_like_legacy_heap
from ..inputs.decode.memstats import memstats_from_document
from ..common.errors import InputError
from ..inputs.load import decode, inflated
from ..model import Profile

WHAT = {"heap": "a pprof heap profile", "heap_text": "a debug=1 heap profile",
        "vars": "expvar JSON"}
HTML = (b"<!doctype html", b"<html", b"<head", b"<body")


def problem(name: str, body: bytes, content_type: str, source: str) -> str | None:
    """Why body is not a valid `name` artifact, in one line; None when it is."""
    if name not in WHAT:  # /proc files come from the kernel
        return None
    if not body.strip():
        return "empty response"
    if content_type.lower().startswith("text/html") or body.lstrip()[:14].lower().startswith(HTML):
        return f"got HTML (text/html), not {WHAT[name]}: a login or proxy page?"
    try:
        {"heap": _profile, "heap_text": _text_profile, "vars": _vars}[name](body, source)
    except InputError as exc:
        return exc.message
    return None


def _profile(body: bytes, source: str) -> None:
    artifact = decode(inflated(body, source), source)
    if not isinstance(artifact, Profile) or artifact.format != "pprof":
        raise InputError(source, f"not {WHAT['heap']} (gzip or raw protobuf)")


def _text_profile(body: bytes, source: str) -> None:
    if not looks_like_legacy_heap(body[:64]):
        raise InputError(source, f"not {WHAT['heap_text']}: it starts {body[:40]!r}")
    decode(body, source)


def _vars(body: bytes, source: str) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InputError(source, f"not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("memstats"), dict):
        raise InputError(source, 'JSON without a "memstats" object: is expvar imported?')
    memstats_from_document(document, source)
