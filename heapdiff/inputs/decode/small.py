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
from array import array
from collections.abc import Callable, Iterator

from ...analysis.nodes import LocationTables
from ...common.kernel import compiled
from ...common.records import Record
from ..names import namer

INT64 = 1 << 63
UINT64 = 1 << 64


class NotSmall(Exception):
    """The profile is not one this route reads; the columnar decoder decides."""


class SmallType(Record):
    type: str
    unit: str


class SmallFunction(Record):
    name: str  # as pprof prints it (names.py): always the system name on this route
    filename: str
    start_line: int
    system_name: str


class StackSamples(Record):
    """The samples as Python reads them. stacks maps a stack's varint bytes to its location
    indices (leaf first); values[k] is the value row of the sample with stack keys[k]."""

    stacks: dict[bytes, tuple[int, ...]]
    keys: list[bytes]  # per sample
    values: list[tuple[int, ...]]  # per sample

    def stack_samples(self) -> StackSamples:
        return self


class FramedSamples(Record):
    """The Sample records, for the compiled kernel's stack_sums to read and sum in one call
    (analysis/small.py); read as StackSamples only where it declines. decode may raise
    NotSmall: the checks of Python's reading run only then."""

    data: bytes
    starts: array  # int64: each Sample's payload
    ends: array
    dense: array  # int64: location id -> location index, -1 for none
    decode: Callable[[], StackSamples]

    def stack_samples(self) -> StackSamples:
        return self.decode()


class SmallProfile(Record):
    """The parts of a profile `top` reads (records, not the model's dataclasses: see
    analysis/nodes.py)."""

    sample_types: tuple[SmallType, ...]
    default_sample_type: str
    period: int
    functions: tuple[SmallFunction, ...]
    objfiles: tuple[str, ...]  # each mapping's file name
    addresses: list[bytes]  # per location, as varint bytes (decoded when rows show them)
    mapping: list[int]  # per location: index into objfiles, -1 for none
    line_offsets: list[int]  # lines in CSR layout, as in model.Locations
    line_function: list[int]
    line_number: list[int]
    line_column: list[int]
    samples: StackSamples | FramedSamples
    source: str

    @property
    def is_delta(self) -> bool:
        """Never: a duration or a negative value sends a profile to the columnar route."""
        return False

    @property
    def locations(self) -> list[bytes]:
        """One entry per location, as model.Profile.locations is counted."""
        return self.addresses

    def location_tables(self, with_addresses: bool) -> LocationTables:
        """The columns node naming reads; addresses decoded only when asked for."""
        addresses = list(map(_Values().__getitem__, self.addresses)) if with_addresses \
            else [0] * len(self.mapping)
        return LocationTables(
            address=addresses,
            mapping=self.mapping, line_offsets=self.line_offsets,
            line_function=self.line_function, line_number=self.line_number,
            line_column=self.line_column)


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


# One varint's bytes: continuation bytes, then the byte that ends it. In bytes that end a
# varint and hold no TOO_LONG run, VARINT's matches cover every byte.
VARINT = re.compile(rb"[\x80-\xff]{0,9}[\x00-\x7f]")
TOO_LONG = re.compile(rb"[\x80-\xff]{10}")


class _Values(dict):
    """A varint's bytes -> its value, each decoded once: a heap profile repeats its counts,
    sizes and ids over and over."""

    def __missing__(self, key: bytes) -> int:
        value, end = _varint(key, 0)
        self[key] = value
        return value


class _Reader:
    """Protobuf fields of one buffer: varints found by a regex in C, decoded once each."""

    def __init__(self, data: bytes):
        self.data = data
        self.values = _Values()

    def varint(self, pos: int) -> tuple[int, int]:
        byte = self.data[pos]
        if byte < 0x80:
            return byte, pos + 1
        match = VARINT.match(self.data, pos)
        if match is None:
            raise NotSmall("a varint longer than ten bytes")
        return self.values[match.group()], match.end()

    def varints(self, a: int, b: int) -> list[int]:
        """The varints packed in data[a:b]."""
        return self.split(self.data[a:b])

    def split(self, segment: bytes) -> list[int]:
        """The varints packed in segment."""
        if segment.isascii():  # every byte below 0x80: one-byte varints
            return list(segment)
        return list(map(self.values.__getitem__, _pieces(segment)))

    def fields(self, a: int, b: int):
        """(field, wire type, value or payload start, payload end) for each field in
        data[a:b]; only varints and length-delimited fields, field numbers below 16."""
        data = self.data
        pos = a
        while pos < b:
            tag = data[pos]
            if tag >= 0x80:
                raise NotSmall("a field number above 15")
            wire = tag & 7
            if wire == 0:
                value, pos = self.varint(pos + 1)
                yield tag >> 3, 0, value, pos
            elif wire == 2:
                length, start = self.varint(pos + 1)
                pos = start + length
                if pos > b:
                    raise NotSmall("a field runs past its message")
                yield tag >> 3, 2, start, pos
            else:
                raise NotSmall(f"wire type {wire}")
        if pos != b:
            raise NotSmall("a message ends inside a field")

    def message(self, a: int, b: int, known: int) -> dict[int, int]:
        """A message of varint fields 1..known, last value wins (as upb reads a scalar
        given twice); absent fields are 0."""
        out: dict[int, int] = {}
        data = self.data
        pos = a
        while pos < b:  # fields() inline: these are most of the records
            tag = data[pos]
            field = tag >> 3
            if tag & 7 or not 1 <= field <= known:
                raise NotSmall(f"field {field}")
            out[field], pos = self.varint(pos + 1)
        if pos != b:
            raise NotSmall("a message ends inside a field")
        return out

    def location(self, a: int, b: int) -> tuple[dict[int, bytes], list[dict[int, int]]]:
        """A Location's varint fields (id, mapping, address, is_folded) as their bytes, and
        its lines. Bytes, not numbers: ids are matched by their bytes, and an address is
        decoded only when a row shows it."""
        data = self.data
        fields: dict[int, bytes] = {}
        lines: list[dict[int, int]] = []
        pos = a
        while pos < b:
            tag = data[pos]
            if tag == 0x22:  # a Line
                length, start = self.varint(pos + 1)
                pos = start + length
                if pos > b:
                    raise NotSmall("a line runs past its location")
                lines.append(self.message(start, pos, 3))
            elif tag in LOCATION_VARINTS:
                match = VARINT.match(data, pos + 1)
                if match is None:
                    raise NotSmall("a varint longer than ten bytes")
                fields[tag >> 3] = match.group()
                pos = match.end()
            else:
                raise NotSmall(f"location tag {tag}")
        if pos != b:
            raise NotSmall("a location ends inside a field")
        return fields, lines


LOCATION_VARINTS = frozenset((0x08, 0x10, 0x18, 0x28))  # id, mapping_id, address, is_folded


def _signed(value: int) -> int:
    return value - UINT64 if value >= INT64 else value


def decode_small(data: bytes, source: str) -> SmallProfile:
    try:
        return _decode(data, source)
    except (LookupError, ValueError) as exc:  # past the end, an undefined id, bad UTF-8
        raise NotSmall(str(exc)) from None


def _decode(data: bytes, source: str) -> SmallProfile:
    reader = _Reader(data)
    sample_types: list[tuple[int, int]] = []
    scalars: dict[int, int] = {}
    comments: list[int] = []
    period_type = 0
    spans, rest = _split(reader)
    raw_strings = list(map(data.__getitem__, map(slice, *spans[6])))
    for field, wire, a, b in rest:
        if field == 1 and wire == 2:
            vt = reader.message(a, b, 2)
            sample_types.append((vt.get(1, 0), vt.get(2, 0)))
        elif field == 11 and wire == 2:
            if period_type:
                raise NotSmall("period_type twice")
            period_type = 1
            reader.message(a, b, 2)  # checked, not used by top
        elif field == 13:
            comments.extend([a] if wire == 0 else reader.varints(a, b))
        elif wire == 0 and field in (7, 8, 9, 10, 12, 14, 15):
            scalars[field] = a
        else:
            raise NotSmall(f"profile field {field}")

    strings = [s.decode("utf-8") for s in raw_strings]
    if not strings or strings[0] != "" or not sample_types:
        raise NotSmall("string table or sample types")
    sample_bytes, label_max = _sample_fields(reader, *spans[2])
    n = len(strings)
    if label_max >= n or any(c >= n for c in comments):
        raise NotSmall("a string index out of range")

    def string(index: int) -> str:
        if index >= n:
            raise NotSmall("a string index out of range")
        return strings[index]

    types = tuple(SmallType(string(t), string(u)) for t, u in sample_types)
    default = string(scalars.get(14, 0))
    if scalars.get(10, 0):  # duration_nanos: a delta profile (?seconds=N), told as one there
        raise NotSmall("a profile with a duration")
    function_index: dict[int, int] = {}
    funcs: list[SmallFunction] = []
    printed = namer()
    for f in _messages(reader, *spans[5], 5):
        function_index[f[0]] = len(funcs)
        name, system_name = string(f[1]), string(f[2])
        shown = printed(name, system_name)
        if system_name and shown != system_name:  # JSON would carry system_names: the
            raise NotSmall("a name pprof prints otherwise")  # columnar route maps them to rows
        funcs.append(SmallFunction(shown, string(f[3]), _signed(f[4]), system_name))
    mapping_index: dict[int, int] = {}
    objfiles: list[str] = []
    for m in _messages(reader, *spans[3], 10):
        mapping_index[m[0]] = len(objfiles)
        string(m[5])  # the build id: checked
        objfiles.append(string(m[4]))
    ids, addresses, mapping_ids, line_offsets, function_ids, line_number, line_column = \
        _locations(reader, *spans[4])
    location_index: dict[bytes, int] = {}  # by the id's varint bytes
    for location_id in ids:
        if len(location_id) > 1 and location_id[-1] == 0:
            raise NotSmall("an overlong location id")  # two encodings of one id: not ours
        location_index[location_id] = len(location_index)
    if len(location_index) != len(ids):
        raise NotSmall("duplicate location ids")
    # KeyError: an id no function or mapping has, not ours
    mapping = [mapping_index[m] if m else -1 for m in mapping_ids]
    line_function = [function_index[f] if f else -1 for f in function_ids]

    def decode_samples() -> StackSamples:
        keys, value_keys = sample_bytes()
        try:
            return _stack_samples(reader, keys, value_keys, len(sample_types), location_index)
        except (LookupError, ValueError) as exc:  # as decode_small, when read lazily
            raise NotSmall(str(exc)) from None

    starts, ends = spans[2]
    dense = _dense(reader, ids) if starts and compiled() is not None else None
    samples: StackSamples | FramedSamples = decode_samples() if dense is None else \
        FramedSamples(data, array("q", starts), array("q", ends), dense, decode_samples)
    return SmallProfile(
        sample_types=types, default_sample_type=default, period=_signed(scalars.get(12, 0)),
        functions=tuple(funcs), objfiles=tuple(objfiles),
        addresses=addresses, mapping=mapping, line_offsets=line_offsets,
        line_function=line_function, line_number=line_number, line_column=line_column,
        samples=samples, source=source)


def _stack_samples(reader: _Reader, keys: list[bytes], value_keys: list[bytes], num_types: int,
                   location_index: dict[bytes, int]) -> StackSamples:
    rows = _rows(reader, value_keys, num_types)
    distinct = set(keys)
    if TOO_LONG.search(b"|".join(distinct)):  # every key ends a varint (add checks it)
        raise NotSmall("a location id longer than ten bytes")
    stacks = {key: tuple(map(location_index.__getitem__, VARINT.findall(key)))
              for key in distinct}  # KeyError: a location id no location has
    return StackSamples(stacks=stacks, keys=keys, values=rows)


DENSE_SLACK = 4  # location ids up to 4x their count (+64) are looked up in a table


def _dense(reader: _Reader, ids: list[bytes]) -> array | None:
    """Location id -> index as a table for the kernel; None when the ids are too sparse."""
    values = list(map(reader.values.__getitem__, ids))
    if not values or max(values) > DENSE_SLACK * len(values) + 64:
        return None
    dense = array("q", [-1]) * (max(values) + 1)
    for index, location_id in enumerate(values):
        dense[location_id] = index
    return dense


# The records decoded in bulk, each kind in one go: samples, mappings, locations, functions and
# strings, by field number; the few others are read one by one, in file order.
BULK = (2, 3, 4, 5, 6)
Spans = dict[int, tuple[list[int], list[int]]]  # field -> its records' payload starts, ends


def _split(reader: _Reader) -> tuple[Spans, Iterator[tuple[int, int, int, int]]]:
    """The BULK records' payloads, and the others as _Reader.fields gives them: framed and
    sorted by the compiled kernel when there is one (a Python walk over every record was half
    of a small profile's decoding), else by fields()."""
    return _compiled_split(reader) or _python_split(reader)


def _compiled_split(reader: _Reader) -> tuple[Spans, Iterator[tuple[int, int, int, int]]] | None:
    data = reader.data
    kernel = compiled()
    count = None if kernel is None else kernel.frame(data, None, None, None, None)
    if kernel is None or count is None:  # a record it declines: fields() says what is wrong
        return None
    columns = [array("q", bytes(8 * count)) for _ in range(4)]
    kernel.frame(data, *columns)

    def chosen(mask: int, bytes_only: bool) -> list[list[int]] | None:
        out = [array("q", bytes(8 * count)) for _ in range(4)]
        n = kernel.select(data, *columns, mask, bytes_only, *out)
        return None if n is None else [c[:n].tolist() for c in out]

    spans: Spans = {}
    for field in BULK:
        found = chosen(1 << field, True)
        if found is None:
            return None
        spans[field] = (found[2], found[3])
    others = chosen(~sum(1 << f for f in BULK) & (1 << 64) - 1, False)
    return None if others is None else (spans, _typed(reader, *others))


def _typed(reader: _Reader, fields: list[int], starts: list[int], payloads: list[int],
           ends: list[int]) -> Iterator[tuple[int, int, int, int]]:
    """Framed records as _Reader.fields gives them: a varint's value, a payload's bounds."""
    data = reader.data
    for field, start, a, b in zip(fields, starts, payloads, ends):
        tag = data[start]
        if tag >= 0x80:
            raise NotSmall("a field number above 15")
        wire = tag & 7
        if wire == 2:
            yield field, 2, a, b
        elif wire == 0:
            yield field, 0, reader.varint(a)[0], b
        else:
            raise NotSmall(f"wire type {wire}")


def _python_split(reader: _Reader) -> tuple[Spans, Iterator[tuple[int, int, int, int]]]:
    spans: Spans = {field: ([], []) for field in BULK}
    rest = []
    for field, wire, a, b in reader.fields(0, len(reader.data)):
        if field in spans and wire == 2:
            starts, ends = spans[field]
            starts.append(a)
            ends.append(b)
        else:
            rest.append((field, wire, a, b))
    return spans, iter(rest)


def _messages(reader: _Reader, starts: list[int], ends: list[int],
              known: int) -> list[list[int]]:
    """The messages of varint fields 1..known at starts..ends, each as its values (absent 0):
    by the compiled kernel in one call when there is one, else message by message."""
    kernel = compiled()
    if kernel is not None and starts:
        out = array("Q", bytes(8 * known * len(starts)))
        if kernel.messages(reader.data, array("q", starts), array("q", ends), known, out):
            values = out.tolist()
            return [values[i:i + known] for i in range(0, len(values), known)]
    fields = range(1, known + 1)
    return [[m.get(f, 0) for f in fields]
            for m in map(reader.message, starts, ends, [known] * len(starts))]


Locations = tuple[list[bytes], list[bytes], list[int], list[int], list[int], list[int], list[int]]


def _locations(reader: _Reader, starts: list[int], ends: list[int]) -> Locations:
    """Each Location's id and address (their varint bytes; b"\\x00" when absent) and mapping
    id, and its Lines in CSR layout: offsets, function ids, numbers, columns. By the compiled
    kernel in one call when there is one (the Lines are most of a small profile's fields),
    else location by location."""
    kernel = compiled()
    found = None if kernel is None else _compiled_locations(kernel, reader.data, starts, ends)
    return found or _python_locations(reader, starts, ends)


def _compiled_locations(kernel, data: bytes, starts: list[int], ends: list[int]) -> Locations | None:
    n = len(starts)
    capacity = (sum(ends) - sum(starts)) // 2  # a Line takes at least its tag and length
    spans, mapping = array("q", bytes(32 * n)), array("Q", bytes(8 * n))
    offsets = array("q", bytes(8 * (n + 1)))
    functions = array("Q", bytes(8 * capacity))
    numbers, columns = array("q", bytes(8 * capacity)), array("q", bytes(8 * capacity))
    count = kernel.locations(data, array("q", starts), array("q", ends), spans, mapping,
                             offsets, functions, numbers, columns)
    if count is None:
        return None
    bounds = spans.tolist()
    ids = [data[a:b] if b else b"\x00" for a, b in zip(bounds[0::4], bounds[1::4])]
    addresses = [data[a:b] if b else b"\x00" for a, b in zip(bounds[2::4], bounds[3::4])]
    return (ids, addresses, mapping.tolist(), offsets.tolist(), functions[:count].tolist(),
            numbers[:count].tolist(), columns[:count].tolist())


def _python_locations(reader: _Reader, starts: list[int], ends: list[int]) -> Locations:
    ids: list[bytes] = []
    addresses: list[bytes] = []
    mapping: list[int] = []
    offsets = [0]
    functions: list[int] = []
    numbers: list[int] = []
    columns: list[int] = []
    values = reader.values
    for a, b in zip(starts, ends):
        location, lines = reader.location(a, b)
        location_id, address = location.get(1, b"\x00"), location.get(3, b"\x00")
        for varint in (location_id, address):
            if len(varint) == 10:
                values[varint]  # checked: at most 64 bits
        ids.append(location_id)
        addresses.append(address)
        mapping.append(values[location.get(2, b"\x00")])
        if 5 in location:
            values[location[5]]  # is_folded: checked (at most 64 bits), not used
        for line in lines:
            functions.append(line.get(1, 0))
            numbers.append(_signed(line.get(2, 0)))
            columns.append(_signed(line.get(3, 0)))
        offsets.append(len(functions))
    return ids, addresses, mapping, offsets, functions, numbers, columns


def _pieces(segment: bytes) -> list[bytes]:
    """The bytes of each varint packed in segment."""
    pieces = VARINT.findall(segment)
    if sum(map(len, pieces)) != len(segment):
        raise NotSmall("a packed field ends inside a varint, or one is too long")
    return pieces


def _sample_fields(reader: _Reader, starts: list[int], ends: list[int],
                   ) -> tuple[Callable[[], tuple[list[bytes], list[bytes]]], int]:
    """Each sample's packed location ids and packed values, and the largest string index its
    labels use: by the compiled kernel in one call when there is one (the samples are most of
    a small profile's records), else sample by sample. The kernel takes samples as Go writes
    them; _Samples reads the others. The ids and values are read (as bytes) when the returned
    function is called: where the kernel sums the samples, never."""
    kernel = compiled()
    data = reader.data
    odd = _Samples(reader)
    spans = array("q", bytes(32 * len(starts)))
    framed = None if kernel is None or not starts else \
        kernel.sample_spans(data, array("q", starts), array("q", ends), spans)
    if framed is None:
        for a, b in zip(starts, ends):
            odd.add(a, b)
        return lambda: (odd.keys, odd.value_keys), odd.label_max
    label_max, odd_count = framed
    # the odd samples are read now (their labels count in label_max), the others when asked
    odd_at = [i for i, first in enumerate(spans[0::4]) if first < 0] if odd_count else []
    for i in odd_at:
        odd.add(starts[i], ends[i])

    def read() -> tuple[list[bytes], list[bytes]]:
        bounds = spans.tolist()
        keys = [data[x:y] for x, y in zip(bounds[0::4], bounds[1::4])]
        value_keys = [data[x:y] for x, y in zip(bounds[2::4], bounds[3::4])]
        for k, i in enumerate(odd_at):
            keys[i], value_keys[i] = odd.keys[k], odd.value_keys[k]
        return keys, value_keys

    return read, max(label_max, odd.label_max)


def _rows(reader: _Reader, value_keys: list[bytes], num_types: int) -> list[tuple[int, ...]]:
    """Each sample's values; NotSmall for a negative one (a delta profile: the usual route
    totals those) or a count other than num_types."""
    rows = {}
    for key in set(value_keys):
        row = rows[key] = tuple(reader.split(key))
        if len(row) != num_types:
            raise NotSmall("a sample's values do not match the sample types")
        if any(value >= INT64 for value in row):
            raise NotSmall("a negative value")
    return list(map(rows.__getitem__, value_keys))


class _Samples:
    """Sample records, read as Go writes them (packed location ids, packed values, labels),
    anything else field by field. Labels are kept only as the largest string index they use,
    found once per distinct label."""

    def __init__(self, reader: _Reader):
        self.reader = reader
        self.labels: dict[bytes, int] = {}
        self.keys: list[bytes] = []
        self.value_keys: list[bytes] = []  # the packed values' bytes: decoded once each
        self.label_max = 0

    def add(self, a: int, b: int) -> None:
        """One Sample: the fields Go writes (one packed value field, one packed location
        field, labels; every length below 128) inline, in any order; anything else (a field
        given twice, a long one, an unpacked one) field by field."""
        data = self.reader.data
        pos = a
        stack: bytes | None = None
        values: bytes | None = None
        while pos < b and data[pos + 1] < 0x80:
            tag = data[pos]
            end = pos + 2 + data[pos + 1]
            if tag == 0x12 and values is None:
                values = data[pos + 2:end]
            elif tag == 0x0A and stack is None:
                stack = data[pos + 2:end]
            elif tag == 0x1A:
                self._label(data[pos + 2:end])
            else:
                break
            pos = end
        if pos != b:  # past b: the inline read overran its record, read it again slowly
            stack, values = self._fields(a, b)
        stack = stack or b""
        if stack and stack[-1] >= 0x80:
            raise NotSmall("a packed field ends inside a varint")
        self.keys.append(stack)
        self.value_keys.append(values or b"")

    def _label(self, label: bytes) -> None:
        known = self.labels.get(label)
        if known is None:
            fields = _Reader(label).message(0, len(label), 4)
            known = self.labels[label] = max(fields.get(1, 0), fields.get(2, 0), fields.get(4, 0))
        if known > self.label_max:
            self.label_max = known

    def _fields(self, a: int, b: int) -> tuple[bytes, bytes]:
        """A Sample field by field: its location ids and values as packed varint bytes."""
        data = self.reader.data
        stack = values = b""
        for field, wire, v, end in self.reader.fields(a, b):
            if field == 1:
                stack += self._varint_bytes(wire, v, end)
            elif field == 2:
                values += self._varint_bytes(wire, v, end)
            elif field == 3 and wire == 2:
                self._label(data[v:end])
            else:
                raise NotSmall(f"sample field {field}")
        return stack, values

    def _varint_bytes(self, wire: int, v: int, end: int) -> bytes:
        """A repeated varint field's bytes, packed (wire 2) or one value (wire 0)."""
        if wire != 2:
            return encode_varint(v)
        data = self.reader.data
        if end > v and data[end - 1] >= 0x80:
            raise NotSmall("a packed field ends inside a varint")
        return data[v:end]


def encode_varint(value: int) -> bytes:
    """A value's varint bytes, the form SmallProfile keeps ids, values and addresses in."""
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
