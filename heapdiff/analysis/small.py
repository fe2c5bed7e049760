"""`top`'s figures for a SmallProfile (decode/small.py), in plain Python: the same nodes
(nodes.py) and the same sums as aggregate.py, without numpy.

flat of a node: the samples whose leaf frame is the node; cum: the samples whose stack holds
it at least once. Samples are summed per stack first, then each stack's nodes are found once.
Zero-valued samples add nothing (pprof skips them); the route takes no negative values.
"""
from __future__ import annotations

from ..common.records import Record

from ..inputs.decode.small import INT64, UINT64, SmallProfile
from .nodes import Row, location_nodes, row_order


class SmallAggregate(Record):
    total: int
    rows: list[Row]


def small_top(profile: SmallProfile, sample_index: int, granularity: str,
              sort: str = "flat") -> SmallAggregate:
    weights: dict[bytes, int] = {}
    total = 0
    for key, row in zip(profile.keys, profile.values):
        value = row[sample_index]
        total += value
        if value:
            weights[key] = weights.get(key, 0) + value
    infos, offsets, nodes = location_nodes(granularity, profile.functions, profile.objfiles,
                                           profile.location_tables(granularity == "addresses"))
    frames = [nodes[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
    flat = [0] * len(infos)
    cum = [0] * len(infos)
    union = set().union
    for key, weight in weights.items():
        stack = profile.stacks[key]
        if not stack:
            continue
        flat[frames[stack[0]][0]] += weight
        for node in union(*map(frames.__getitem__, stack)):
            cum[node] += weight
    if total >= INT64:  # past int64: wrapped, as pprof's sums and the columnar route's are
        total, flat, cum = _int64(total), list(map(_int64, flat)), list(map(_int64, cum))
    names = [info.printable_name() for info in infos]
    order = row_order(names, flat, cum, sort)
    return SmallAggregate(total=total, rows=[Row(names[n], flat[n], cum[n]) for n in order])


def _int64(value: int) -> int:
    return (value + INT64) % UINT64 - INT64
