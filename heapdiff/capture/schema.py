"""What a capture manifest's JSON must look like before it is believed: a manifest comes from
whoever shared the folder. Every field has its type (a number is finite, a bool is not a
number), every string is text that can be printed (no lone surrogate), and the folder and file
names a round gives are plain names inside the capture folder, never a path out of it."""
from __future__ import annotations

import math
from typing import Any

from ..common.errors import InputError

# field -> (accepted JSON types, required); float means any finite number
MANIFEST_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "url": ((str,), True), "started": ((str,), True), "state": ((str,), True),
    "every_seconds": ((float,), True), "gc": ((bool,), False), "pid": ((int, type(None)), False),
    "heapdump": ((str, type(None)), False),
    "finished": ((str, type(None)), False), "rounds": ((list,), False),
    "format": ((str,), False), "version": ((int,), False),
}
ROUND_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "round": ((int,), True), "dir": ((str,), True), "time": ((str,), True),
    "unix": ((float,), True), "artifacts": ((list,), False),
}
ARTIFACT_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "name": ((str,), True), "source": ((str,), True), "ok": ((bool,), True),
    "file": ((str, type(None)), False), "bytes": ((int,), False),
    "seconds": ((float,), False), "error": ((str, type(None)), False),
}
NAMES = ("dir", "file")  # names inside the capture folder
JSON_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
              int: "a whole number", float: "a number", type(None): "null"}


def checked_manifest(raw: Any, source: str) -> dict[str, Any]:
    """raw (parsed JSON) as a manifest's fields, or InputError naming the first bad one."""
    fields(raw, MANIFEST_FIELDS, "the manifest", source)
    for i, r in enumerate(raw.get("rounds", ())):
        where = f"rounds[{i}]"
        fields(r, ROUND_FIELDS, where, source)
        for j, a in enumerate(r.get("artifacts", ())):
            fields(a, ARTIFACT_FIELDS, f"{where}.artifacts[{j}]", source)
    return raw


def fields(raw: Any, table: dict[str, tuple[tuple[type, ...], bool]], where: str,
           source: str) -> None:
    if not isinstance(raw, dict):
        bad(source, f"{where} is {kind(raw)}, not an object")
    for key in raw:
        if key not in table:
            bad(source, f"{where} has an unknown field {key!r}")
    for key, (types, required) in table.items():
        if key not in raw:
            if required:
                bad(source, f"{where} has no {key!r}")
            continue
        value, at = raw[key], f"{where}.{key}"
        if not any(fits(value, t) for t in types):
            bad(source, f"{at} is {kind(value)}, not "
                        f"{' or '.join(JSON_NAMES[t] for t in types)}")
        if isinstance(value, str):
            text(value, at, source)
            if key in NAMES:
                plain_name(value, at, source)


def fits(value: Any, t: type) -> bool:
    if isinstance(value, bool) or t is bool:
        return isinstance(value, bool) and t is bool
    if t is float:
        return isinstance(value, (int, float)) and math.isfinite(value)
    return isinstance(value, t)


def text(value: str, at: str, source: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        bad(source, f"{at} holds a lone surrogate (\\u{ord(value[_surrogate(value)]):04x}), "
                    "not text")


def _surrogate(value: str) -> int:
    return next(i for i, c in enumerate(value) if "\ud800" <= c <= "\udfff")


def plain_name(value: str, at: str, source: str) -> None:
    """A file or folder name inside the capture folder: no path, no way out."""
    if value in ("", ".", "..") or any(c in value for c in "/\\\0"):
        bad(source, f"{at} is {value!r}: not a plain name inside the capture folder")


def kind(value: Any) -> str:
    return next((name for t, name in JSON_NAMES.items() if fits(value, t)),
                "a number that is not finite")


def bad(source: str, message: str) -> None:
    raise InputError(source, f"malformed manifest: {message}")
