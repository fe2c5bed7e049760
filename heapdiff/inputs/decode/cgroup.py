"""A cgroup's memory files, v2 (memory.current, memory.max, memory.high, memory.stat,
memory.events) and v1 (memory.usage_in_bytes, memory.limit_in_bytes, memory.stat,
memory.oom_control, memory.kmem.usage_in_bytes), as one artifact.

Most of these files are a bare number, which only the file's name explains, so the files of
one cgroup travel together as one text: the output of `tail -n +1 FILE...`, a `==> PATH <==`
line before each file's content. That is what `heapdiff capture --pid` writes and what a
folder's cgroup files are read as (inputs/snapshot.py gathers them by name). memory.stat,
memory.events and memory.oom_control are also recognised alone, by their keys."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ...common.errors import InputError
from ...model import CgroupMem
from .numbers import UINT64_MAX, integer

HEADER = re.compile(r"^==> (.*) <==$", re.MULTILINE)
KEYED_LINE = re.compile(r"^(\w+) (\S+)$")
# v1 writes "no limit" as the largest page-aligned page counter (9223372036854771712); any
# limit from 2^62 up is no limit anyone set.
NO_LIMIT_FROM = 1 << 62


@dataclass(frozen=True)
class CgroupFile:
    version: str | None  # the cgroup version the file belongs to; None: both have it
    field: str           # the CgroupMem field it fills
    read: Callable[[str, str, str], object]  # (text, source, file name) -> the value


def _number(text: str, source: str, name: str) -> int:
    return integer(text.strip(), source, name)


def _limit(text: str, source: str, name: str) -> int | None:
    value = text.strip()
    if value == "max":
        return None
    limit = integer(value, source, name)
    return None if limit >= NO_LIMIT_FROM else limit


def _keyed(text: str, source: str, name: str) -> dict[str, int]:
    """`key value` lines, every value a count or a size."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = KEYED_LINE.match(line.strip())
        if not m:
            raise InputError(source, f"{name} line {number} is not `key value`")
        out[m.group(1)] = integer(m.group(2), source, f"{name} {m.group(1)}", high=UINT64_MAX)
    if not out:
        raise InputError(source, f"{name} is empty")
    return out


FILES: dict[str, CgroupFile] = {
    "memory.current": CgroupFile("v2", "usage", _number),
    "memory.max": CgroupFile("v2", "limit", _limit),
    "memory.high": CgroupFile("v2", "high", _limit),
    "memory.events": CgroupFile("v2", "events", _keyed),
    "memory.usage_in_bytes": CgroupFile("v1", "usage", _number),
    "memory.limit_in_bytes": CgroupFile("v1", "limit", _limit),
    "memory.oom_control": CgroupFile("v1", "events", _keyed),
    "memory.kmem.usage_in_bytes": CgroupFile("v1", "kmem", _number),
    "memory.stat": CgroupFile(None, "stat", _keyed),
}
# A lone file's first key says which file it is: (key, file name, version or None).
FIRST_KEYS = (("anon", "memory.stat", "v2"), ("cache", "memory.stat", "v1"),
              ("low", "memory.events", "v2"), ("oom_kill_disable", "memory.oom_control", "v1"))
# memory.stat keys only v1 has (v2's are anon, file, kernel, ...)
V1_STAT_KEYS = ("cache", "rss", "total_rss")


def lone_file(first_line: str) -> tuple[str, str | None] | None:
    """(file name, version) of a lone memory.stat, memory.events or memory.oom_control, from
    its first line; None for anything else."""
    m = KEYED_LINE.match(first_line.strip())
    if not m or not m.group(2).isdigit():
        return None
    return next(((name, version) for key, name, version in FIRST_KEYS if key == m.group(1)),
                None)


def looks_like_cgroup(opening: str) -> bool:
    """A `tail -n +1` of cgroup memory files, or a lone file known by its keys."""
    first = opening.split("\n", 1)[0]
    m = HEADER.match(first)
    if m:
        return _name(m.group(1)) in FILES
    return lone_file(first) is not None


def bundle(files: Sequence[tuple[str, bytes | bytearray]]) -> bytes:
    """Files of one cgroup (path, content) as `tail -n +1` prints them."""
    return b"\n".join(b"==> " + path.encode() + b" <==\n" + bytes(data).rstrip(b"\n") + b"\n"
                      for path, data in files)


def decode_cgroup(text: str, source: str) -> CgroupMem:
    sections = _sections(text, source)
    values: dict[str, object] = {}
    versions = set()
    for name, content in sections:
        spec = FILES.get(name)
        if spec is None:
            continue  # another cgroup file (memory.pressure, memory.swap.current, ...)
        if spec.field in values:
            raise InputError(source, f"{name} is given twice (or with its other version's)")
        values[spec.field] = spec.read(content, source, name)
        if spec.version:
            versions.add(spec.version)
    if not values:
        raise InputError(source, "no cgroup memory file (" + ", ".join(FILES) + ")")
    stat = values.get("stat", {})
    assert isinstance(stat, dict)
    if any(key in stat for key in V1_STAT_KEYS):
        versions.add("v1")
    elif stat:
        versions.add("v2")
    if len(versions) > 1:
        raise InputError(source, "cgroup v1 and v2 files mixed: give one cgroup's files")
    return CgroupMem(version=versions.pop() if versions else "v2",
                     usage=values.get("usage"),  # type: ignore[arg-type]
                     limit=values.get("limit"),  # type: ignore[arg-type]
                     high=values.get("high"),  # type: ignore[arg-type]
                     kmem=values.get("kmem"),  # type: ignore[arg-type]
                     stat=stat, events=values.get("events", {}),  # type: ignore[arg-type]
                     files=tuple(name for name, _ in sections if name in FILES), source=source)


def _sections(text: str, source: str) -> list[tuple[str, str]]:
    """(file name, content) of each file in the text: the `==> PATH <==` sections, or the one
    lone file."""
    headers = list(HEADER.finditer(text))
    if not headers:
        known = lone_file(text.split("\n", 1)[0])
        if known is None:
            raise InputError(source, "not cgroup memory files")
        return [(known[0], text)]
    if text[:headers[0].start()].strip():
        raise InputError(source, "text before the first ==> FILE <== line")
    ends = [h.start() for h in headers[1:]] + [len(text)]
    return [(_name(h.group(1)), text[h.end():end].removeprefix("\n"))
            for h, end in zip(headers, ends)]


def _name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]
