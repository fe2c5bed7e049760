"""A small pprof profile decoded in plain Python, for `top` without numpy or protobuf.

Importing numpy and the protobuf runtime costs more than decoding and aggregating a profile
of a few thousand samples, so a small, ordinary profile is read here instead. It is a fast
path, never an authority: anything it does not expect (a field it does not know, a message
field given twice, a negative value, a string or id out of range, bad UTF-8, a value count
that differs from the sample types) raises NotSmall, and the caller reads the file the usual
way (decode/pprof.py), which gives the figures or the error. Samples are kept grouped by their
stack's bytes: a heap profile has one sample per (stack, object size), so a stack is resolved
once however many sizes it has.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...analysis.nodes import LocationTables
from ...model import Function, Mapping, ValueType

INT64 = 1 << 63
UINT64 = 1 << 64


class NotSmall(Exception):
    """The profile is not one this route reads; the columnar decoder decides."""


@dataclass(frozen=True, eq=False)
class SmallProfile:
    """The parts of a profile `top` reads. stacks maps a stack's varint bytes to its location
    indices (leaf first); values[k] are the value rows of the samples with stack keys[k]."""

    sample_types: tuple[ValueType, ...]
    default_sample_type: str
    period: int
    functions: tuple[Function, ...]
    mappings: tuple[Mapping, ...]
    locations: LocationTables
    stacks: dict[bytes, tuple[int, ...]]
    keys: list[bytes]  # per sample
    values: list[tuple[int, ...]]  # per sample
    source: str


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        byte = data[pos]  # IndexError past the end: the caller turns it into NotSmall
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            if result >= UINT64:
                raise NotSmall("varint beyond 64 bits")
            return result, pos
        shift += 7
        if shift >= 70:
            raise NotSmall("varint longer than ten bytes")


# One varint's bytes: continuation bytes, then the byte that ends it.
VARINT = re.compile(rb"[\x80-\xff]{0,9}[\x00-\x7f]")


class _Values(dict):
    """A varint's bytes -> its value, each decoded once: a heap profile repeats its counts,
    sizes and location ids over and over."""

    def __missing__(self, key: bytes) -> int:
        value, end = _varint(key, 0)
        self[key] = value
        return value


def _varints(data: bytes, a: int, b: int, values: _Values) -> list[int]:
    """The varints packed in data[a:b]."""
    segment = data[a:b]
    if segment.isascii():  # every byte below 0x80: one-byte varints
        return list(segment)
    pieces = VARINT.findall(segment)
    if sum(map(len, pieces)) != len(segment):
        raise NotSmall("a packed field ends inside a varint, or one is too long")
    return list(map(values.__getitem__, pieces))


def _fields(data: bytes, a: int, b: int):
    """(field, wire type, value or payload start, payload end) for each field in data[a:b];
    only varints and length-delimited fields."""
    pos = a
    while pos < b:
        tag = data[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _varint(data, pos)
        wire = tag & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield tag >> 3, 0, value, pos
        elif wire == 2:
            length, start = _varint(data, pos)
            pos = start + length
            if pos > b:
                raise NotSmall("a field runs past its message")
            yield tag >> 3, 2, start, pos
        else:
            raise NotSmall(f"wire type {wire}")
    if pos != b:
        raise NotSmall("a message ends inside a field")


def _message(data: bytes, a: int, b: int, known: int) -> dict[int, int]:
    """A message of varint fields 1..known, last value wins (as upb reads a scalar given
    twice); absent fields are 0."""
    out: dict[int, int] = {}
    for field, wire, value, _ in _fields(data, a, b):
        if wire != 0 or not 1 <= field <= known:
            raise NotSmall(f"field {field}")
        out[field] = value
    return out


def _signed(value: int) -> int:
    return value - UINT64 if value >= INT64 else value


def decode_small(data: bytes, source: str) -> SmallProfile:
    try:
        return _decode(data, source)
    except (LookupError, ValueError) as exc:  # past the end, an undefined id, bad UTF-8
        raise NotSmall(str(exc)) from None


def _decode(data: bytes, source: str) -> SmallProfile:
    sample_types: list[tuple[int, int]] = []
    raw_strings: list[bytes] = []
    scalars: dict[int, int] = {}
    comments: list[int] = []
    period_type = 0
    functions: list[dict[int, int]] = []
    mappings: list[dict[int, int]] = []
    locations: list[tuple[dict[int, int], list[dict[int, int]]]] = []
    samples = _Samples()
    for field, wire, a, b in _fields(data, 0, len(data)):
        if field == 2 and wire == 2:
            samples.add(data, a, b)
        elif field == 4 and wire == 2:
            location: dict[int, int] = {}
            lines: list[dict[int, int]] = []
            for f, w, v, end in _fields(data, a, b):
                if f == 4 and w == 2:
                    lines.append(_message(data, v, end, 3))
                elif w == 0 and f in (1, 2, 3, 5):
                    location[f] = v
                else:
                    raise NotSmall(f"location field {f}")
            locations.append((location, lines))
        elif field == 5 and wire == 2:
            functions.append(_message(data, a, b, 5))
        elif field == 6 and wire == 2:
            raw_strings.append(data[a:b])
        elif field == 3 and wire == 2:
            mappings.append(_message(data, a, b, 10))
        elif field == 1 and wire == 2:
            vt = _message(data, a, b, 2)
            sample_types.append((vt.get(1, 0), vt.get(2, 0)))
        elif field == 11 and wire == 2:
            if period_type:
                raise NotSmall("period_type twice")
            period_type = 1
            _message(data, a, b, 2)  # checked, not used by top
        elif field == 13:
            comments.extend([a] if wire == 0 else _varints(data, a, b, samples.values))
        elif wire == 0 and field in (7, 8, 9, 10, 12, 14, 15):
            scalars[field] = a
        else:
            raise NotSmall(f"profile field {field}")

    strings = [s.decode("utf-8") for s in raw_strings]
    if not strings or strings[0] != "" or not sample_types:
        raise NotSmall("string table or sample types")
    if any(len(row) != len(sample_types) for row in samples.rows):
        raise NotSmall("a sample's values do not match the sample types")
    n = len(strings)
    if samples.label_max >= n or any(c >= n for c in comments):
        raise NotSmall("a string index out of range")

    def string(index: int) -> str:
        if index >= n:
            raise NotSmall("a string index out of range")
        return strings[index]

    types = tuple(ValueType(string(t), string(u)) for t, u in sample_types)
    default = string(scalars.get(14, 0))
    function_index: dict[int, int] = {}
    funcs: list[Function] = []
    for f in functions:
        function_index[f.get(1, 0)] = len(funcs)
        funcs.append(Function(name=string(f.get(2, 0)), system_name=string(f.get(3, 0)),
                              filename=string(f.get(4, 0)), start_line=_signed(f.get(5, 0))))
    mapping_index: dict[int, int] = {}
    maps: list[Mapping] = []
    for m in mappings:
        mapping_index[m.get(1, 0)] = len(maps)
        maps.append(Mapping(start=m.get(2, 0), limit=m.get(3, 0), offset=m.get(4, 0),
                            filename=string(m.get(5, 0)), build_id=string(m.get(6, 0)),
                            has_functions=bool(m.get(7)), has_filenames=bool(m.get(8)),
                            has_line_numbers=bool(m.get(9)),
                            has_inline_frames=bool(m.get(10))))
    location_index: dict[int, int] = {}
    address: list[int] = []
    mapping: list[int] = []
    line_offsets = [0]
    line_function: list[int] = []
    line_number: list[int] = []
    line_column: list[int] = []
    for location, lines in locations:
        location_index[location.get(1, 0)] = len(address)
        address.append(location.get(3, 0))
        mapping_id = location.get(2, 0)
        mapping.append(mapping_index[mapping_id] if mapping_id else -1)  # KeyError: not ours
        for line in lines:
            function_id = line.get(1, 0)
            line_function.append(function_index[function_id] if function_id else -1)
            line_number.append(_signed(line.get(2, 0)))
            line_column.append(_signed(line.get(3, 0)))
        line_offsets.append(len(line_function))
    if len(location_index) != len(address):
        raise NotSmall("duplicate location ids")
    stacks = {key: tuple(map(location_index.__getitem__, _varints(key, 0, len(key), samples.values)))
              for key in set(samples.keys)}
    return SmallProfile(
        sample_types=types, default_sample_type=default, period=_signed(scalars.get(12, 0)),
        functions=tuple(funcs), mappings=tuple(maps),
        locations=LocationTables(address=address, mapping=mapping, line_offsets=line_offsets,
                                 line_function=line_function, line_number=line_number,
                                 line_column=line_column),
        stacks=stacks, keys=samples.keys, values=samples.rows, source=source)


class _Samples:
    """Sample records, read as Go writes them (packed location ids, packed values, labels),
    anything else field by field. Labels are kept only as the largest string index they use,
    found once per distinct label."""

    def __init__(self) -> None:
        self.values = _Values()
        self.labels: dict[bytes, int] = {}
        self.keys: list[bytes] = []
        self.rows: list[tuple[int, ...]] = []
        self.label_max = 0

    def add(self, data: bytes, a: int, b: int) -> None:
        """One Sample: the layout Go writes (one packed location field, one packed value
        field, then labels, every length below 128) inline, any other field by field."""
        pos = a
        stack = b""
        row: list[int] = []
        if data[pos] == 0x0A and data[pos + 1] < 0x80:
            end = pos + 2 + data[pos + 1]
            stack = data[pos + 2:end]
            pos = end
        if pos < b and data[pos] == 0x12 and data[pos + 1] < 0x80:
            end = pos + 2 + data[pos + 1]
            row = _varints(data, pos + 2, end, self.values)
            pos = end
        while pos < b and data[pos] == 0x1A and data[pos + 1] < 0x80:
            end = pos + 2 + data[pos + 1]
            self._label(data[pos + 2:end])
            pos = end
        if pos != b:  # past b: the inline read overran its record, read it again slowly
            stack, row = self._fields(data, a, b)
        if stack and stack[-1] >= 0x80:
            raise NotSmall("a packed field ends inside a varint")
        if any(value >= INT64 for value in row):
            raise NotSmall("a negative value")
        self.keys.append(stack)
        self.rows.append(tuple(row))

    def _label(self, label: bytes) -> None:
        known = self.labels.get(label)
        if known is None:
            fields = _message(label, 0, len(label), 4)
            known = self.labels[label] = max(fields.get(1, 0), fields.get(2, 0), fields.get(4, 0))
        if known > self.label_max:
            self.label_max = known

    def _fields(self, data: bytes, a: int, b: int) -> tuple[bytes, list[int]]:
        stack = b""
        row: list[int] = []
        for field, wire, v, end in _fields(data, a, b):
            if field == 1:
                if wire == 2:
                    if end > v and data[end - 1] >= 0x80:
                        raise NotSmall("a packed field ends inside a varint")
                    stack += data[v:end]
                else:
                    stack += _encode(v)
            elif field == 2:
                row.extend(_varints(data, v, end, self.values) if wire == 2 else (v,))
            elif field == 3 and wire == 2:
                self._label(data[v:end])
            else:
                raise NotSmall(f"sample field {field}")
        return stack, row


def _encode(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
