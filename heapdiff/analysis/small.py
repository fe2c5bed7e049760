"""`top`'s figures for a SmallProfile (decode/small.py), without numpy: the same nodes
(nodes.py) and the same sums as aggregate.py, by the compiled kernel's stack_sums over the
samples it framed, else in plain Python.

flat of a node: the samples whose leaf frame is the node; cum: the samples whose stack holds
it at least once. In Python, samples are summed per stack first, then each stack's nodes are
found once. Zero-valued samples add nothing (pprof skips them); the route takes no negative
values.
"""
from __future__ import annotations

from array import array

from ..common.kernel import compiled
from ..common.records import Record
from ..inputs.decode.small import INT64, UINT64, FramedSamples, SmallProfile, StackSamples
from .nodes import Row, location_nodes, row_order


class SmallAggregate(Record):
    total: int
    rows: list[Row]


def small_top(profile: SmallProfile, sample_index: int, granularity: str,
              sort: str = "flat") -> SmallAggregate:
    """NotSmall where the samples, read only now, are not the route's: `top` then takes the
    columnar route."""
    infos, offsets, nodes = location_nodes(granularity, profile.functions, profile.objfiles,
                                           profile.location_tables(granularity == "addresses"))
    sums = _kernel_sums(profile, sample_index, offsets, nodes, len(infos)) or \
        _python_sums(profile.samples.stack_samples(), sample_index, offsets, nodes, len(infos))
    total, flat, cum = sums
    names = [info.printable_name() for info in infos]
    order = row_order(names, flat, cum, sort)
    return SmallAggregate(total=total, rows=[Row(names[n], flat[n], cum[n]) for n in order])


Sums = tuple[int, list[int], list[int]]  # total, flat and cum per node


def _kernel_sums(profile: SmallProfile, sample_index: int, offsets: list[int], nodes: list[int],
                 count: int) -> Sums | None:
    """The kernel's stack_sums over the samples it framed: a third of top's time on 4,000
    samples went to Python's reading and summing of them. None where it declines."""
    samples = profile.samples
    kernel = compiled()
    if kernel is None or not isinstance(samples, FramedSamples):
        return None
    flat, cum = array("q", bytes(8 * count)), array("q", bytes(8 * count))
    total = kernel.stack_sums(samples.data, samples.starts, samples.ends,
                              len(profile.sample_types), sample_index, samples.dense,
                              array("q", offsets), array("i", nodes), flat, cum)
    return None if total is None else (total, flat.tolist(), cum.tolist())


def _python_sums(samples: StackSamples, sample_index: int, offsets: list[int], nodes: list[int],
                 count: int) -> Sums:
    weights: dict[bytes, int] = {}
    total = 0
    for key, row in zip(samples.keys, samples.values):
        value = row[sample_index]
        total += value
        if value:
            weights[key] = weights.get(key, 0) + value
    frames = [nodes[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
    flat = [0] * count
    cum = [0] * count
    union = set().union
    for key, weight in weights.items():
        stack = samples.stacks[key]
        if not stack:
            continue
        flat[frames[stack[0]][0]] += weight
        for node in union(*map(frames.__getitem__, stack)):
            cum[node] += weight
    if total >= INT64:  # past int64: wrapped, as pprof's sums and the columnar route's are
        total, flat, cum = _int64(total), list(map(_int64, flat)), list(map(_int64, cum))
    return total, flat, cum


def _int64(value: int) -> int:
    return (value + INT64) % UINT64 - INT64
