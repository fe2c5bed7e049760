"""Decode a serialized (already gunzipped) pprof Profile into the columnar model.

The records are framed without a loop per record (framing.py); the small tables (locations,
functions, mappings, strings) go through upb, the generated protobuf module; the samples,
nearly all of the bytes, are decoded in chunks with numpy (samples.py).
"""
from __future__ import annotations

import numpy as np
from google.protobuf.message import DecodeError

from ... import profile_pb2 as pb
from ...common.errors import InputError
from ..names import namer
from ...model import Function, Labels, Locations, Mapping, Profile, ValueType, frozen_array
from ...common.progress import Report, silent
from .framing import FramingError, frame_records
from .samples import Malformed, decode_samples

SAMPLE_FIELD = 2
# What else a malformed profile can make numpy, upb or the framing raise: at this boundary it
# is the input's fault, said in one line, never a traceback.
MALFORMED = (ValueError, OverflowError, IndexError, KeyError, TypeError)


def decode_pprof(data: bytes | bytearray, source: str, progress: Report = silent) -> Profile:
    try:
        return _decode(data, source, progress)
    except MALFORMED as exc:
        raise InputError(source, f"not a valid pprof profile ({type(exc).__name__}: {exc})"
                         ) from None


def _decode(data: bytes | bytearray, source: str, progress: Report) -> Profile:
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
    _check_values_fit(tables.sample_types, starts, ends, source)
    try:
        values, offsets, stacks, labels = decode_samples(
            buf, starts, ends, len(tables.sample_types), tables.location_lookup,
            lambda done: progress(f"decoding {source}: {done:,} of {len(starts):,} samples"))
    except Malformed as exc:
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


def _check_values_fit(sample_types, starts: np.ndarray, ends: np.ndarray, source: str) -> None:
    """Every sample holds a value per sample type, each at least a byte: more values than the
    samples have bytes is a lie, refused before the values array (samples x types) exists."""
    values = len(starts) * len(sample_types)
    room = int((ends - starts).sum()) if len(starts) else 0
    if values > room:
        raise InputError(source, f"not a valid pprof profile: {len(starts):,} samples of "
                                 f"{len(sample_types):,} sample types need {values:,} values, "
                                 f"but the samples hold {room:,} bytes")


def _parse_tables(data: bytes | bytearray, records, keep: np.ndarray, source: str) -> pb.Profile:
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
        printed = namer()
        for f in header.function:
            index[f.id] = len(functions)
            system_name = self.string(f.system_name, f"function {f.id}")
            functions.append(Function(
                name=printed(self.string(f.name, f"function {f.id}"), system_name),
                system_name=system_name,
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
            self.dense: np.ndarray | None = np.full(int(ids.max()) + 1, self.missing,
                                                    dtype=self.dtype)
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
