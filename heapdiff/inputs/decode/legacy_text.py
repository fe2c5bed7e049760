"""The legacy text heap profile: runtime/pprof's `WriteTo(w, 1)`, net/http/pprof's `?debug=1`.

The numbers are raw sample counts; they are unsampled exactly as `go tool pprof` does it
(legacy_profile.go: the header's rate is twice MemProfileRate, each record is scaled by
1 / (1 - exp(-avg/rate)) with its own average object size, truncated toward zero). Unlike pprof,
which can only name frames with the binary at hand, heapdiff reads the names, files and lines
from the `#` frame lines Go prints under each record. The frames shown there (leading runtime
allocator frames hidden, as in the protobuf profile) are the stack; a record without frame
lines keeps its raw addresses, each minus one, as pprof does.

Reading the text (parse_legacy_heap) needs neither numpy nor the model: `top` reads a small
one that way (decode/small_legacy.py); the columnar Profile is made from what it read.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from ...common.errors import InputError
from ..names import namer
from .numbers import INT64_MAX, INT64_MIN, hex_address, integer

if TYPE_CHECKING:
    from ...model import Profile

HEADER = re.compile(
    r"^heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)/?(\d*)\s*$")
RECORD = re.compile(r"^(-?\d+): *(-?\d+) *\[ *(\d+): *(\d+) *\] *@((?: +0x[0-9a-fA-F]+)*) *$")
# In a frame line `#\t0xPC\tname+0xOFFSET\tfile:line` the name may hold spaces (generic
# shapes), so the name ends at the first `+0xOFFSET` and the file at the last colon: found by
# search and rpartition, never by one pattern with two open-ended parts (which backtracks).
OFFSET = re.compile(r"\+0x[0-9a-fA-F]+\s")
HEX = re.compile(r"0x([0-9a-fA-F]+)")
NOT_GO = ("heapz_v2", "heap_v2", "heapprofile")

SAMPLE_TYPES_WITH_ALLOC = (("alloc_objects", "count"), ("alloc_space", "bytes"),
                           ("inuse_objects", "count"), ("inuse_space", "bytes"))
SAMPLE_TYPES_INUSE = (("objects", "count"), ("space", "bytes"))


def looks_like_legacy_heap(head: bytes | bytearray) -> bool:
    return head.lstrip().startswith(b"heap profile:")


def scale(count: int, size: int, rate: int) -> tuple[int, int]:
    """pprof's scaleHeapSample, float64 for float64. Numbers it cannot unsample (an average
    size too small for the rate to tell from zero, a result past int64) raise ValueError."""
    if count == 0 or size == 0:
        return 0, 0
    if rate <= 1:
        return count, size
    try:
        factor = 1 / (1 - math.exp(-(size / count) / rate))
        scaled = int(count * factor), int(size * factor)
    except (ZeroDivisionError, OverflowError):
        raise ValueError("cannot be unsampled at this rate") from None
    if not all(INT64_MIN <= v <= INT64_MAX for v in scaled):
        raise ValueError("unsampled, does not fit 64 bits")
    return scaled


class LegacyHeap(NamedTuple):
    """What a legacy text profile says, in plain Python."""

    sample_types: tuple[tuple[str, str], ...]  # (type, unit)
    rate: int
    records: _Builder
    trailer: list[str]  # the MemStats trailer's lines, if any


def decode_legacy_heap(text: str, source: str) -> Profile:
    from .memstats import memstats_from_trailer

    heap = parse_legacy_heap(text, source)
    memstats = memstats_from_trailer(heap.trailer, source) if heap.trailer else None
    return heap.records.profile(heap.sample_types, heap.rate, source, memstats)


def parse_legacy_heap(text: str, source: str) -> LegacyHeap:
    lines = text.split("\n")  # not splitlines: U+2028 or U+0085 may be part of a name
    header = HEADER.match(lines[0].strip()) if lines else None
    if not header:
        raise InputError(source, f"broken heap profile header: {lines[0][:80]!r}")
    kind = header.group(5)
    if kind in NOT_GO:
        raise InputError(source, f"a {kind} heap profile (C++ gperftools), not a Go heap "
                                 "profile; heapdiff reads Go profiles")
    if kind != "heap":
        raise InputError(source, f"broken heap profile header: unknown kind {kind!r}")
    # the header prints 2*MemProfileRate
    rate = integer(header.group(6) or "0", source, "the header's sampling rate") // 2
    for number in header.group(1, 2, 3, 4):
        integer(number, source, "a header total", high=INT64_MAX)
    io, ib, ao, ab = header.group(1, 2, 3, 4)
    has_alloc = (ao != io and ao != "0") or (ab != ib and ab != "0")
    builder = _Builder()
    trailer: list[str] = []
    i = 1
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        if line.startswith("# runtime.MemStats"):
            trailer = lines[i:]
            break
        m = RECORD.match(line)
        if not m:
            raise InputError(source, f"line {i}: not a heap profile record: {line[:80]!r}")
        frames = []
        while i < len(lines) and lines[i].startswith("#") and not lines[i].startswith("# runtime."):
            f = _frame(lines[i].strip(), source, i + 1)
            if not f:
                raise InputError(source, f"line {i + 1}: bad frame line: {lines[i][:80]!r}")
            frames.append(f)
            i += 1
        values, block = _record_values(m, rate, has_alloc, source, i)
        addresses = [hex_address(a[2:], source, f"line {i}: an address")
                     for a in m.group(5).split()]
        builder.add(values, block, addresses, frames)
    return LegacyHeap(SAMPLE_TYPES_WITH_ALLOC if has_alloc else SAMPLE_TYPES_INUSE, rate,
                      builder, trailer)


def _frame(line: str, source: str, lineno: int) -> tuple[int, str | None, str | None, int] | None:
    """A frame line's address, function name, file and line (a bare `# 0xPC`: no name)."""
    if not line[1:2].isspace():
        return None
    parts = line[1:].split(None, 1)
    address = HEX.fullmatch(parts[0])
    if not address:
        return None
    pc = hex_address(address.group(1), source, f"line {lineno}: an address")
    if len(parts) == 1:
        return pc, None, None, 0
    rest = parts[1]
    offset = OFFSET.search(rest, 1)
    head, colon, number = rest.rpartition(":")
    if not offset or not colon or offset.end() >= len(head) or not number.isdigit():
        return None
    file = head[offset.end():].lstrip()
    return (pc, rest[:offset.start()], file,
            integer(number, source, f"line {lineno}: a line number", high=INT64_MAX)) if file else None


def _record_values(m, rate, has_alloc, source, lineno):
    values: list[int] = []
    block = 0
    pairs = [(m.group(3), m.group(4), "allocation")] if has_alloc else []
    pairs.append((m.group(1), m.group(2), "inuse"))
    for count_s, size_s, what in pairs:
        count, size = (integer(v, source, f"line {lineno}: {what} {noun}", INT64_MIN, INT64_MAX)
                       for v, noun in ((count_s, "count"), (size_s, "bytes")))
        if count == 0 and size != 0:
            raise InputError(source, f"line {lineno}: {what} count is 0 but {what} bytes is {size}")
        if count != 0:
            block = _go_div(size, count)
            try:
                count, size = scale(count, size, rate)
            except ValueError as exc:
                raise InputError(source, f"line {lineno}: the {what} record ({count_s} objects, "
                                         f"{size_s} bytes) {exc}") from None
        values += [count, size]
    return values, block


def _go_div(a: int, b: int) -> int:
    """Go's integer division truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


class _Builder:
    """Interns functions and locations (one per address) while records are read."""

    def __init__(self):
        self.functions: list[tuple[str, str, str]] = []  # printed name, own name, file
        self.printed = namer()
        self.function_index: dict[tuple[str, str], int] = {}
        self.location_index: dict[int, int] = {}
        self.loc_address: list[int] = []
        self.loc_lines: list[list[tuple[int, int]]] = []
        self.values: list[list[int]] = []
        self.blocks: list[int] = []
        self.stacks: list[list[int]] = []

    def add(self, values, block, addresses, frames):
        if frames:
            stack = self._symbolised(frames, addresses)
        else:
            stack = [self._location(a - 1, []) for a in addresses]
        self.values.append(values)
        self.blocks.append(block)
        self.stacks.append(stack)

    def _symbolised(self, frames, addresses):
        """Group the frame lines by address: consecutive lines with one address are one
        location (inlined calls), unless the record repeats that address (recursion)."""
        groups: list[tuple[int, list]] = []
        for pc, name, file, line in frames:
            if groups and groups[-1][0] == pc:
                groups[-1][1].append((name, file, line))
            else:
                groups.append((pc, [(name, file, line)]))
        stack = []
        calls = Counter(addresses)  # once, not per group: linear in the record's depth
        for pc, entries in groups:
            repeats = calls[pc + 1] or 1
            if repeats > 1 and len(entries) % repeats == 0:
                size = len(entries) // repeats
                parts = [entries[k:k + size] for k in range(0, len(entries), size)]
            else:
                parts = [entries]
            for part in parts:
                lines = [(self._function(n, f), ln) for n, f, ln in part if n is not None]
                stack.append(self._location(pc, lines))
        return stack

    def _function(self, name: str, file: str) -> int:
        key = (name, file)
        if key not in self.function_index:
            self.function_index[key] = len(self.functions)
            self.functions.append((self.printed(name, name), name, file))
        return self.function_index[key]

    def _location(self, address: int, lines: list[tuple[int, int]]) -> int:
        if address not in self.location_index:
            self.location_index[address] = len(self.loc_address)
            self.loc_address.append(address)
            self.loc_lines.append(lines)
        return self.location_index[address]

    def profile(self, sample_types, rate, source, memstats) -> Profile:
        import numpy as np

        from ...model import Function, Labels, Locations, Profile, ValueType, frozen_array

        n_loc = len(self.loc_address)
        line_counts = [len(lines) for lines in self.loc_lines]
        flat_lines = [entry for lines in self.loc_lines for entry in lines]
        offsets = np.zeros(n_loc + 1, dtype=np.int64)
        np.cumsum(line_counts, out=offsets[1:])
        locations = Locations(
            ids=frozen_array(np.arange(1, n_loc + 1), np.uint64),
            address=frozen_array(self.loc_address, np.uint64),
            mapping=frozen_array(np.full(n_loc, -1), np.int32),
            is_folded=frozen_array(np.zeros(n_loc), bool),
            line_offsets=frozen_array(offsets, np.int64),
            line_function=frozen_array([f for f, _ in flat_lines], np.int32),
            line_number=frozen_array([ln for _, ln in flat_lines], np.int64),
            line_column=frozen_array(np.zeros(len(flat_lines)), np.int64))
        n = len(self.values)
        stack_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(s) for s in self.stacks], out=stack_offsets[1:])
        strings = ("", "bytes")
        labels = Labels(sample=frozen_array(np.arange(n), np.int64),
                        key=frozen_array(np.ones(n), np.int32),
                        str=frozen_array(np.zeros(n), np.int32),
                        num=frozen_array(self.blocks, np.int64),
                        num_unit=frozen_array(np.zeros(n), np.int32))
        return Profile(
            sample_types=tuple(ValueType(*t) for t in sample_types), default_sample_type="",
            period_type=ValueType("space", "bytes"), period=rate, time_nanos=0,
            duration_nanos=0, comments=(),
            values=frozen_array(np.array(self.values, dtype=np.int64).reshape(n, len(sample_types)),
                                np.int64),
            stack_offsets=frozen_array(stack_offsets, np.int64),
            stack_locations=frozen_array([l for s in self.stacks for l in s], np.int32),
            labels=labels, locations=locations, mappings=(),
            functions=tuple(Function(name=printed, system_name=name, filename=file,
                                     start_line=0) for printed, name, file in self.functions),
            strings=strings, source=source, format="legacy-text", memstats=memstats)
