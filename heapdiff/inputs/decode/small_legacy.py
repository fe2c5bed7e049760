"""A small debug=1 text heap profile as a SmallProfile, for `top` without numpy.

The text is read by legacy_text.py's own parser (the authority on the format, numpy-free);
this only lays what it read out as decode/small.py's SmallProfile. Anything that route does
not take (an error in the text or its MemStats trailer, a name pprof prints otherwise, a
negative value or address) raises NotSmall, and the columnar route gives the figures or the
error.
"""
from __future__ import annotations

from ...common.errors import InputError
from .legacy_text import parse_legacy_heap
from .small import (NotSmall, SmallFunction, SmallProfile, SmallType, StackSamples,
                    encode_varint)


def decode_small_legacy(text: str, source: str) -> SmallProfile:
    try:
        heap = parse_legacy_heap(text, source)
        if heap.trailer:  # checked as the columnar route checks it, and not kept
            from .memstats import memstats_from_trailer

            memstats_from_trailer(heap.trailer, source)
    except InputError as exc:
        raise NotSmall(str(exc)) from None
    records = heap.records
    if any(printed != name for printed, name, _ in records.functions):
        raise NotSmall("a name pprof prints otherwise")  # the columnar route maps them to rows
    if any(v < 0 for row in records.values for v in row) or \
            any(a < 0 for a in records.loc_address):
        raise NotSmall("a negative value or address")
    line_offsets = [0]
    for lines in records.loc_lines:
        line_offsets.append(line_offsets[-1] + len(lines))
    flat_lines = [entry for lines in records.loc_lines for entry in lines]
    keys = [",".join(map(str, stack)).encode() for stack in records.stacks]
    return SmallProfile(
        sample_types=tuple(SmallType(t, u) for t, u in heap.sample_types),
        default_sample_type="", period=heap.rate,
        functions=tuple(SmallFunction(name, file, 0, name)
                        for _, name, file in records.functions),
        objfiles=(), addresses=[encode_varint(a) for a in records.loc_address],
        mapping=[-1] * len(records.loc_address), line_offsets=line_offsets,
        line_function=[f for f, _ in flat_lines], line_number=[ln for _, ln in flat_lines],
        line_column=[0] * len(flat_lines),
        samples=StackSamples(
            stacks={key: tuple(stack) for key, stack in zip(keys, records.stacks)}, keys=keys,
            values=[tuple(row) for row in records.values]),
        source=source)

