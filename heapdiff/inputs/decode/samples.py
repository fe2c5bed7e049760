"""The samples of a pprof Profile, decoded in chunks with numpy.

A Sample message holds nothing but varints, so a few vectorised steps walk the fields of
every sample of a chunk at once (one field per step), and the varints of all location and
value fields are then decoded in one go. Chunks run on all cores. Samples that use other wire
types (no known writer does) fall back to upb one by one.
"""
from __future__ import annotations

import numpy as np
from google.protobuf.message import DecodeError

from ... import profile_pb2 as pb
from ...model import Labels, frozen_array
from ...common.parallel import ordered_map
from ...common.kernel import compiled
from .varint import MAX_VARINT_BYTES, decode_at, values_at

CHUNK_SAMPLES = 16384


class Malformed(Exception):
    """A sample that breaks the format; carries the message for the user."""


class _NeedsSlowPath(Exception):
    """A chunk uses wire types the fast path does not handle."""


def decode_samples(buf, starts, ends, num_types, lookup, progress):
    """Per sample its values, and the stacks (CSR: offsets into location indices) and labels
    of all samples: by the compiled kernel when it takes the profile, else with numpy."""
    return _compiled_samples(buf, starts, ends, num_types, lookup, progress) or \
        _numpy_samples(buf, starts, ends, num_types, lookup, progress)


def _compiled_samples(buf, starts, ends, num_types, lookup, progress):
    """The kernel's one pass over the samples, or None (no kernel, a sparse id table, or a
    sample it declines). Outputs are sized by the samples' bytes, as _numpy_samples sizes
    them, and only the part filled is kept."""
    kernel = compiled()
    if kernel is None or lookup.dense is None or num_types == 0:
        return None
    values, offsets, stacks, label_columns = _outputs(starts, ends, num_types, lookup)
    filled = kernel.samples(buf, starts, ends, num_types, lookup.dense, int(lookup.missing),
                            values, offsets, stacks, *label_columns)
    if filled is None:
        return None
    frames, labels = filled
    progress(len(starts))
    return _kept(values, offsets, stacks, frames, label_columns, labels)


def _outputs(starts, ends, num_types, lookup):
    """Both routes' output arrays: values and stack offsets per sample, and stacks and label
    columns sized by the samples' bytes. Every frame takes at least one payload byte, a label
    at least two, so these bound them; pages past what is written are never touched, so they
    cost address space, not memory."""
    n = len(starts)
    bound = int((ends - starts).sum()) if n else 0
    return (np.zeros((n, num_types), dtype=np.int64), np.zeros(n + 1, dtype=np.int64),
            np.empty(bound, dtype=lookup.dtype),
            [np.empty(bound // 2, dtype=t)
             for t in (np.int64, np.int32, np.int32, np.int64, np.int32)])


def _kept(values, offsets, stacks, frames, label_columns, labels):
    """The outputs with only the frames and labels written kept, frozen."""
    return (values, offsets, frozen_array(stacks[:frames], stacks.dtype),
            Labels(*(frozen_array(c[:labels], c.dtype) for c in label_columns)))


def _numpy_samples(buf, starts, ends, num_types, lookup, progress):
    n = len(starts)
    values, offsets, stacks, label_columns = _outputs(starts, ends, num_types, lookup)
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
            raise Malformed(f"sample {sample} refers to location id {int(loc_ids[bad])}, "
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
    return _kept(values, offsets, stacks, filled, label_columns, labels_filled)


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
            raise Malformed(f"sample {first + int(active[0])} or near it is truncated or "
                             "malformed (a varint runs past its end)")
        packed = wire == 2
        if (value[packed] > room[packed].astype(np.uint64)).any():
            raise Malformed("a sample is malformed: a field runs past the end of its sample")
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
            raise Malformed(f"sample {first + i} has {per_sample[i]} values but the profile "
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
        raise Malformed("a sample is malformed: a varint runs past the end of its field")
    # No two continuation bytes in a row: every varint is one or two bytes long.
    if two_byte and len(data) and not (~is_end[:-1] & ~is_end[1:]).any():
        return _two_byte_varints(data, is_end, first, last, nonempty, len(a))
    end = np.flatnonzero(is_end).astype(_position_type(len(data)))
    start = np.empty_like(end)
    if len(end):
        start[0] = 0
        start[1:] = end[:-1] + 1
    length = end - start + 1
    if len(length) and length.max() > MAX_VARINT_BYTES:
        raise Malformed("a sample is malformed: a varint is longer than ten bytes")
    values = values_at(data, start, length)
    # A range holds as many varints as end bytes fall within [first, last].
    counts = np.zeros(len(a), dtype=np.int64)
    counts[nonempty] = np.searchsorted(end, last, "right") - np.searchsorted(end, first)
    return values, counts


def _position_type(size: int):
    """int32 for positions in `size` bytes when they fit (half the bytes for the position
    arrays that follow); a chunk of a few enormous samples can pass 2**31 bytes: int64."""
    return np.int32 if size <= np.iinfo(np.int32).max else np.int64


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
    # ends_so_far[i]: end bytes in data[:i + 1]; a range's count is the difference across it.
    ends_so_far = np.cumsum(is_end, dtype=_position_type(len(data)))
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
            raise Malformed("a sample label is truncated or malformed")
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
            raise Malformed(f"sample {first + i} is malformed: {exc}") from None
        if len(s.value) != num_types:
            raise Malformed(f"sample {first + i} has {len(s.value)} values but the profile declares "
                             f"{num_types} sample types")
        values[i] = s.value
        counts[i] = len(s.location_id)
        loc_ids.extend(s.location_id)
        label_rows.extend((i, l.key, l.str, l.num, l.num_unit) for l in s.label)
    rows = np.array(label_rows, dtype=np.int64).reshape(-1, 5)
    labels = tuple(rows[:, j] for j in range(5))
    return values, counts, np.array(loc_ids, dtype=np.uint64), labels
