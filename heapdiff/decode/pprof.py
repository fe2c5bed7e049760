"""Decode a serialized (already gunzipped) pprof Profile into the columnar model.

The small tables (locations, functions, mappings, strings) go through upb, the generated
protobuf module. The samples, which are nearly all of the bytes, are decoded in chunks with
numpy: a Sample message holds nothing but varints, so its bytes split into varint tokens, and
a few vectorised steps walk the fields of every sample of the chunk at once. Samples that use
other wire types (no known writer does) fall back to upb one by one.
"""
from __future__ import annotations

import numpy as np
from google.protobuf.message import DecodeError

from .. import profile_pb2 as pb
from ..errors import InputError
from ..model import Function, Labels, Locations, Mapping, Profile, ValueType, frozen_array
from ..parallel import ordered_map
from ..progress import Report, silent
from .framing import FramingError, frame_records
from .varint import MAX_VARINT_BYTES, decode_at, values_at

CHUNK_SAMPLES = 16384
SAMPLE_FIELD = 2


class _Malformed(Exception):
    """A sample that breaks the format; carries the message for the user."""


class _NeedsSlowPath(Exception):
    """A chunk uses wire types the fast path does not handle."""


def decode_pprof(data: bytes | bytearray, source: str, progress: Report = silent) -> Profile:
    buf = np.frombuffer(data, dtype=np.uint8)
    progress(f"framing {source} ({len(data) >> 20} MiB)")
    try:
        records = frame_records(buf)
    except FramingError as exc:
        raise InputError(source, f"not a valid pprof profile: {exc}") from None
    is_sample = records.field == SAMPLE_FIELD
    header = _parse_tables(data, records, ~is_sample, source)
    tables = _Tables(header, source)
    starts = records.payload[is_sample]
    ends = records.end[is_sample]
    del records, is_sample
    try:
        values, offsets, stacks, labels = _decode_samples(
            buf, starts, ends, len(tables.sample_types), tables.location_lookup,
            lambda done: progress(f"decoding {source}: {done:,} of {len(starts):,} samples"))
    except _Malformed as exc:
        raise InputError(source, str(exc)) from None
    tables.check_label_strings(labels)
    return Profile(
        sample_types=tables.sample_types,
        default_sample_type=tables.string(header.default_sample_type, "default_sample_type"),
        period_type=tables.period_type,
        period=header.period,
        time_nanos=header.time_nanos,
        duration_nanos=header.duration_nanos,
        comments=tuple(tables.string(i, "comment") for i in header.comment),
        values=frozen_array(values, np.int64),
        stack_offsets=frozen_array(offsets, np.int64),
        stack_locations=stacks,
        labels=labels,
        locations=tables.locations,
        functions=tables.functions,
        mappings=tables.mappings,
        strings=tables.strings,
        source=source,
        format="pprof",
    )


def _freeze(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _parse_tables(data: bytes, records, keep: np.ndarray, source: str) -> pb.Profile:
    """Everything but the samples, parsed by upb from the concatenated records."""
    start, end = records.start[keep], records.end[keep]
    if len(start):
        joined = np.ones(len(start), dtype=bool)
        joined[1:] = start[1:] != end[:-1]  # True where a new contiguous run begins
        run_starts = start[joined]
        run_ends = end[np.append(np.flatnonzero(joined)[1:] - 1, len(end) - 1)]
        view = memoryview(data)
        blob = b"".join(view[a:b] for a, b in zip(run_starts.tolist(), run_ends.tolist()))
    else:
        blob = b""
    try:
        return pb.Profile.FromString(blob)
    except DecodeError as exc:
        raise InputError(source, f"not a valid pprof profile: {exc}") from None


class _Tables:
    """The profile's interned tables, resolved from ids to indices and checked."""

    def __init__(self, header: pb.Profile, source: str):
        self.source = source
        strings = tuple(header.string_table)
        if strings and strings[0] != "":
            raise InputError(source, "not a valid pprof profile: string_table[0] must be empty")
        self.strings = strings or ("",)
        self.sample_types = tuple(
            ValueType(self.string(v.type, "sample_type"), self.string(v.unit, "sample_type"))
            for v in header.sample_type)
        if not self.sample_types:
            raise InputError(source, "not a valid pprof profile: it declares no sample types")
        self.period_type = (
            ValueType(self.string(header.period_type.type, "period_type"),
                      self.string(header.period_type.unit, "period_type"))
            if header.HasField("period_type") else None)
        self.functions, function_index = self._functions(header)
        self.mappings, mapping_index = self._mappings(header)
        self.locations = self._locations(header, function_index, mapping_index)

    def string(self, index: int, what: str) -> str:
        if 0 <= index < len(self.strings):
            return self.strings[index]
        raise InputError(self.source, f"string index {index} out of range in {what} "
                                      f"(the string table has {len(self.strings)} entries)")

    def _functions(self, header):
        functions = []
        index = {}
        for f in header.function:
            index[f.id] = len(functions)
            functions.append(Function(
                name=self.string(f.name, f"function {f.id}"),
                system_name=self.string(f.system_name, f"function {f.id}"),
                filename=self.string(f.filename, f"function {f.id}"),
                start_line=f.start_line))
        return tuple(functions), index

    def _mappings(self, header):
        mappings = []
        index = {}
        for m in header.mapping:
            index[m.id] = len(mappings)
            mappings.append(Mapping(
                start=m.memory_start, limit=m.memory_limit, offset=m.file_offset,
                filename=self.string(m.filename, f"mapping {m.id}"),
                build_id=self.string(m.build_id, f"mapping {m.id}"),
                has_functions=m.has_functions, has_filenames=m.has_filenames,
                has_line_numbers=m.has_line_numbers, has_inline_frames=m.has_inline_frames))
        return tuple(mappings), index

    def _locations(self, header, function_index, mapping_index) -> Locations:
        n = len(header.location)
        ids = np.zeros(n, dtype=np.uint64)
        address = np.zeros(n, dtype=np.uint64)
        mapping = np.full(n, -1, dtype=np.int32)
        folded = np.zeros(n, dtype=bool)
        offsets = np.zeros(n + 1, dtype=np.int64)
        line_function: list[int] = []
        line_number: list[int] = []
        line_column: list[int] = []
        for i, loc in enumerate(header.location):
            ids[i] = loc.id
            address[i] = loc.address
            folded[i] = loc.is_folded
            if loc.mapping_id:
                if loc.mapping_id not in mapping_index:
                    raise InputError(self.source, f"location {loc.id} refers to mapping id "
                                                  f"{loc.mapping_id}, which the profile does not define")
                mapping[i] = mapping_index[loc.mapping_id]
            for line in loc.line:
                if line.function_id and line.function_id not in function_index:
                    raise InputError(self.source, f"location {loc.id} refers to function id "
                                                  f"{line.function_id}, which the profile does not define")
                line_function.append(function_index[line.function_id] if line.function_id else -1)
                line_number.append(line.line)
                line_column.append(line.column)
            offsets[i + 1] = len(line_function)
        if len(set(ids.tolist())) != n:
            raise InputError(self.source, "not a valid pprof profile: duplicate location ids")
        self.location_lookup = _IdLookup(ids)
        return Locations(
            ids=frozen_array(ids, np.uint64), address=frozen_array(address, np.uint64),
            mapping=frozen_array(mapping, np.int32), is_folded=frozen_array(folded, bool),
            line_offsets=frozen_array(offsets, np.int64),
            line_function=frozen_array(line_function, np.int32),
            line_number=frozen_array(line_number, np.int64),
            line_column=frozen_array(line_column, np.int64))

    def check_label_strings(self, labels: Labels) -> None:
        for column in (labels.key, labels.str, labels.num_unit):
            if len(column) and (column.max() >= len(self.strings) or column.min() < 0):
                bad = column[(column >= len(self.strings)) | (column < 0)][0]
                self.string(int(bad), "a sample label")


class _IdLookup:
    """Location id -> location index, by a dense table when ids are small (Go numbers them
    1..n), else by binary search. Indices come out in the narrowest dtype that holds them."""

    def __init__(self, ids: np.ndarray):
        self.size = len(ids)
        self.dtype = _stack_dtype(self.size)
        self.missing = np.iinfo(self.dtype).max  # never a valid index: size < max
        if self.size and int(ids.max()) < 4 * self.size + 1024:
            self.dense = np.full(int(ids.max()) + 1, self.missing, dtype=self.dtype)
            self.dense[ids.astype(np.int64)] = np.arange(self.size)
        else:
            self.dense = None
            self.order = np.argsort(ids)
            self.sorted_ids = ids[self.order]

    def indices(self, ids: np.ndarray) -> np.ndarray:
        """Indices for ids; `missing` where an id is not defined."""
        if not len(ids):
            return np.zeros(0, dtype=self.dtype)
        if self.dense is not None:
            if int(ids.max()) < len(self.dense):
                return self.dense.take(ids.astype(np.intp, copy=False))
            inside = ids < np.uint64(len(self.dense))
            out = np.full(len(ids), self.missing, dtype=self.dtype)
            out[inside] = self.dense[ids[inside].astype(np.intp)]
            return out
        if self.size == 0:
            return np.full(len(ids), self.missing, dtype=self.dtype)
        j = np.minimum(np.searchsorted(self.sorted_ids, ids), self.size - 1)
        return np.where(self.sorted_ids[j] == ids, self.order[j], self.missing).astype(self.dtype)


def _stack_dtype(num_locations: int):
    """The narrowest integer type for location indices (its maximum stays free to mark a
    missing location): stacks are most of a profile's memory."""
    if num_locations < np.iinfo(np.uint8).max:
        return np.uint8
    if num_locations < np.iinfo(np.uint16).max:
        return np.uint16
    return np.int32


def _decode_samples(buf, starts, ends, num_types, lookup, progress):
    n = len(starts)
    values = np.zeros((n, num_types), dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    # Every frame takes at least one payload byte, so this bounds the frame count. Pages past
    # the frames actually written are never touched, so they cost address space, not memory.
    bound = int((ends - starts).sum()) if n else 0
    stacks = np.empty(bound, dtype=lookup.dtype)
    # A label takes at least two payload bytes; like the stacks, untouched pages cost nothing.
    label_columns = [np.empty(bound // 2, dtype=t)
                     for t in (np.int64, np.int32, np.int32, np.int64, np.int32)]
    labels_filled = 0
    filled = 0

    def decode_chunk(c0: int):
        c1 = min(n, c0 + CHUNK_SAMPLES)
        try:
            chunk = _fast_chunk(buf, starts[c0:c1], ends[c0:c1], num_types, c0)
        except _NeedsSlowPath:
            chunk = _slow_chunk(buf, starts[c0:c1], ends[c0:c1], num_types, c0)
        chunk_values, counts, loc_ids, labels = chunk
        index = lookup.indices(loc_ids)
        if len(index) and index.max() == lookup.missing:
            bad = int(np.flatnonzero(index == lookup.missing)[0])
            sample = c0 + int(np.searchsorted(np.cumsum(counts), bad, side="right"))
            raise _Malformed(f"sample {sample} refers to location id {int(loc_ids[bad])}, "
                             f"which the profile does not define")
        return c0, c1, chunk_values, counts, index, labels

    for c0, c1, chunk_values, counts, index, labels in ordered_map(
            decode_chunk, range(0, n, CHUNK_SAMPLES)):
        progress(c1)
        values[c0:c1] = chunk_values
        stacks[filled:filled + len(index)] = index
        offsets[c0 + 1:c1 + 1] = filled + np.cumsum(counts)
        filled += len(index)
        k = len(labels[0])
        for column, part in zip(label_columns, (labels[0] + c0, *labels[1:])):
            column[labels_filled:labels_filled + k] = part
        labels_filled += k
    sample, key, strv, num, unit = (_freeze(c[:labels_filled]) for c in label_columns)
    return values, offsets, _freeze(stacks[:filled]), Labels(sample, key, strv, num, unit)


def _fast_chunk(buf, starts, ends, num_types, first):
    """Decode a chunk of Sample messages: walk the fields of all its samples at once, one
    field per step, then decode the varints of all location and value fields in one go."""
    m = len(starts)
    owner_parts, field_parts, a_parts, b_parts = [], [], [], []
    pos = starts.copy()
    active = np.flatnonzero(pos < ends)
    while len(active):
        p = pos[active]
        tag = buf[p]
        if (tag >= 0x80).any():  # a field number above 15: not a field of Sample
            raise _NeedsSlowPath
        wire = tag & 7
        if ((wire != 0) & (wire != 2)).any():
            raise _NeedsSlowPath
        value, size = decode_at(buf, p + 1)
        room = ends[active] - (p + 1 + size)
        if (size == 0).any() or (room < 0).any():
            raise _Malformed(f"sample {first + int(active[0])} or near it is truncated or "
                             "malformed (a varint runs past its end)")
        packed = wire == 2
        if (value[packed] > room[packed].astype(np.uint64)).any():
            raise _Malformed("a sample is malformed: a field runs past the end of its sample")
        body = p + 1 + size
        a = np.where(packed, body, p + 1)
        b = np.where(packed, body + value.astype(np.int64), body)
        owner_parts.append(active)
        field_parts.append(tag >> 3)
        a_parts.append(a)
        b_parts.append(b)
        pos[active] = b
        active = active[b < ends[active]]
    if owner_parts:
        owner, field = np.concatenate(owner_parts), np.concatenate(field_parts)
        seg_a, seg_b = np.concatenate(a_parts), np.concatenate(b_parts)
        if all(len(part) == m for part in owner_parts):
            # every sample has the same number of fields (Go's layout): byte order is the
            # step order transposed
            order = np.arange(len(owner)).reshape(len(owner_parts), m).T.ravel()
        else:
            order = np.argsort(seg_a)  # byte order: samples in order, fields in order within
        owner, field, seg_a, seg_b = owner[order], field[order], seg_a[order], seg_b[order]
    else:
        owner = field = seg_a = seg_b = np.zeros(0, dtype=np.int64)

    lo, hi = int(starts[0]), int(ends[-1])
    span = buf[lo:hi]
    is_loc = field == 1
    loc_ids, loc_counts = _varints_in_ranges(span, seg_a[is_loc] - lo, seg_b[is_loc] - lo,
                                             two_byte=True)
    counts = np.bincount(owner[is_loc], weights=loc_counts, minlength=m).astype(np.int64)

    is_val = field == 2
    values = _packed_values(buf, owner[is_val], seg_a[is_val], seg_b[is_val], m, num_types)
    if values is None:
        values, value_counts = _varints_in_ranges(span, seg_a[is_val] - lo, seg_b[is_val] - lo)
        per_sample = np.bincount(owner[is_val], weights=value_counts, minlength=m).astype(np.int64)
        wrong = np.flatnonzero(per_sample != num_types)
        if len(wrong):
            i = int(wrong[0])
            raise _Malformed(f"sample {first + i} has {per_sample[i]} values but the profile "
                             f"declares {num_types} sample types")
        values = values.view(np.int64).reshape(m, num_types)

    is_label = field == 3
    labels = _labels_of(buf, owner[is_label], seg_a[is_label], seg_b[is_label])
    return values, counts, loc_ids, labels


def _varints_in_ranges(span: np.ndarray, a: np.ndarray, b: np.ndarray, two_byte: bool = False):
    """The varints packed in the byte ranges [a, b) of span (disjoint, in byte order), and how
    many each range holds. With two_byte, values are expected below 2**14 (location ids) and
    decoded with a few narrow passes when no varint is longer than two bytes."""
    nonempty = b > a
    a_ne, b_ne = a[nonempty], b[nonempty]
    lengths = b_ne - a_ne
    # The span alternates gap, range, gap, range, ...: a mask by repeating runs.
    runs = np.empty(2 * len(a_ne) + 1, dtype=np.int64)
    runs[0:-1:2] = a_ne - np.concatenate(([0], b_ne[:-1]))
    runs[1::2] = lengths
    runs[-1] = len(span) - (b_ne[-1] if len(b_ne) else 0)
    pattern = np.zeros(len(runs), dtype=bool)
    pattern[1::2] = True
    data = span[np.repeat(pattern, runs)]
    is_end = data < 0x80
    first = np.cumsum(lengths) - lengths
    last = first + lengths - 1
    if len(data) and not is_end[last].all():
        raise _Malformed("a sample is malformed: a varint runs past the end of its field")
    if two_byte and len(data) and not (~is_end[:-1] & ~is_end[1:]).any():
        return _two_byte_varints(data, is_end, first, last, nonempty, len(a))
    end = np.flatnonzero(is_end).astype(np.int32)  # a chunk's bytes are far below 2**31
    start = np.empty_like(end)
    if len(end):
        start[0] = 0
        start[1:] = end[:-1] + 1
    length = end - start + 1
    if len(length) and length.max() > MAX_VARINT_BYTES:
        raise _Malformed("a sample is malformed: a varint is longer than ten bytes")
    values = values_at(data, start, length)
    counts = np.zeros(len(a), dtype=np.int64)
    counts[nonempty] = np.searchsorted(end, last, "right") - np.searchsorted(end, first)
    return values, counts


def _packed_values(buf, owner, seg_a, seg_b, m, num_types):
    """The common layout, one packed value field per sample holding exactly num_types varints,
    decoded varint by varint for all samples at once. None when the layout is otherwise."""
    if len(owner) != m:
        return None
    if len(owner) > 1 and (owner[1:] < owner[:-1]).any():
        order = np.argsort(owner, kind="stable")
        pos, stop = seg_a[order], seg_b[order]
    else:
        pos, stop = seg_a, seg_b
    values = np.empty((m, num_types), dtype=np.uint64)
    for t in range(num_types):
        value, size = decode_at(buf, pos)
        if (size == 0).any():
            return None
        values[:, t] = value
        pos = pos + size
    if (pos != stop).any():
        return None
    return values.view(np.int64)


def _two_byte_varints(data, is_end, first, last, nonempty, num_ranges):
    """Varints of one or two bytes: the value at each end byte, joined with the byte before
    it when that one continues a varint."""
    continued = np.zeros(len(data), dtype=bool)
    continued[1:] = ~is_end[:-1]
    value = data.astype(np.uint16)
    low = np.zeros(len(data), dtype=np.uint16)
    low[1:] = value[:-1] & 0x7F
    value = np.where(continued, (value << 7) | low, value)[is_end]
    ends_so_far = np.cumsum(is_end, dtype=np.int32)
    counts = np.zeros(num_ranges, dtype=np.int64)
    counts[nonempty] = ends_so_far[last] - ends_so_far[first] + is_end[first]
    return value, counts


def _labels_of(buf, owner, seg_a, seg_b):
    """Label messages: a few varint fields each, walked one field per step for all labels."""
    k = len(owner)
    columns = {1: np.zeros(k, dtype=np.int64), 2: np.zeros(k, dtype=np.int64),
               3: np.zeros(k, dtype=np.int64), 4: np.zeros(k, dtype=np.int64)}
    pos = seg_a.copy()
    active = np.flatnonzero(pos < seg_b)
    while len(active):
        p = pos[active]
        tag = buf[p]
        if (tag >= 0x80).any() or (tag & 7).any():
            raise _NeedsSlowPath
        value, size = decode_at(buf, p + 1)
        nxt = p + 1 + size
        if (size == 0).any() or (nxt > seg_b[active]).any():
            raise _Malformed("a sample label is truncated or malformed")
        field = tag >> 3
        for number, column in columns.items():
            rows = field == number
            column[active[rows]] = value[rows].view(np.int64)
        pos[active] = nxt
        active = active[nxt < seg_b[active]]
    return owner, columns[1], columns[2], columns[3], columns[4]


def _slow_chunk(buf, starts, ends, num_types, first):
    """The same as _fast_chunk, one Sample at a time through upb."""
    values = np.zeros((len(starts), num_types), dtype=np.int64)
    counts = np.zeros(len(starts), dtype=np.int64)
    loc_ids: list[int] = []
    label_rows: list[tuple[int, int, int, int, int]] = []
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        try:
            s = pb.Sample.FromString(buf[a:b].tobytes())
        except DecodeError as exc:
            raise _Malformed(f"sample {first + i} is malformed: {exc}") from None
        if len(s.value) != num_types:
            raise _Malformed(f"sample {first + i} has {len(s.value)} values but the profile declares "
                             f"{num_types} sample types")
        values[i] = s.value
        counts[i] = len(s.location_id)
        loc_ids.extend(s.location_id)
        label_rows.extend((i, l.key, l.str, l.num, l.num_unit) for l in s.label)
    rows = np.array(label_rows, dtype=np.int64).reshape(-1, 5)
    labels = tuple(rows[:, j] for j in range(5))
    return values, counts, np.array(loc_ids, dtype=np.uint64), labels
