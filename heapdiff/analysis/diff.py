"""The diff of a new profile against base profiles, with the numbers of `go tool pprof -top`.

pprof merges the base, negated, into the new profile; every node's flat and cum then come out
as new - base. heapdiff aggregates each side on its own and merges the nodes by pprof's node
identity, which gives the same deltas and keeps the base and new columns pprof throws away.
Modes (pprof's flags): `diff-base` (-diff_base: percentages of the base total) and `base`
(-base: equal samples cancel, percentages of the sum of |net| over the merged samples);
`normalize` scales the new profile to the base's total first (-normalize).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .aggregate import Aggregate, NodeInfo, aggregate, aggregate_weights
from .sampletypes import pair_sample_type
from ..common.errors import InputError
from ..common.steps import stack_steps
from ..inputs.delta import delta_note
from ..inputs.names import merged, system_names
from ..model import Profile, ValueType

MODES = ("diff-base", "base")


@dataclass(frozen=True)
class DiffRow:
    name: str  # what pprof prints for the node: info.printable_name()
    base_flat: int
    new_flat: int
    base_cum: int
    new_cum: int
    info: NodeInfo = NodeInfo()  # the node itself: front ends look the row up by it

    @property
    def delta_flat(self) -> int:
        return self.new_flat - self.base_flat

    @property
    def delta_cum(self) -> int:
        return self.new_cum - self.base_cum

    @property
    def status(self) -> str:
        """'new' (absent from the base), 'gone' (absent from the new profile) or ''."""
        if self.base_cum == 0 and self.base_flat == 0:
            return "new"
        if self.new_cum == 0 and self.new_flat == 0:
            return "gone"
        return ""


@dataclass(frozen=True)
class Diff:
    sample_type: ValueType
    granularity: str
    mode: str
    normalized: bool
    base_total: int  # sum of |value| over the base samples
    new_total: int  # sum of |value| over the new samples (after normalizing), as `top` says
    total: int  # pprof's denominator for percentages in this mode
    net_change: int  # signed new sum - signed base sum (new_total - base_total but for deltas)
    rows: tuple[DiffRow, ...]  # every node whose flat or cum changed, pprof's order
    deltas: tuple[str, ...] = ()  # "base: a delta profile ..." per side that is one
    # printed function name -> the profiles' own names, where they differ (names.system_names)
    system_names: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)


def sample_index_in(profile: Profile, name: str | None) -> int:
    try:
        return profile.sample_index(name)
    except KeyError as exc:
        raise InputError(profile.source, exc.args[0]) from None


@dataclass(frozen=True, eq=False)
class Side:
    """What a diff needs of one profile, so that the profile itself can be dropped: its
    aggregate, totals, and for -base its sample keys and values."""

    agg: Aggregate
    sample_type: ValueType
    sum: int  # sum of values
    abs_sum: int  # sum of |values|
    keys: tuple[np.ndarray, np.ndarray] | None = None
    values: np.ndarray | None = None
    delta: str = ""  # delta_note of the profile: '' unless it is a delta profile
    system_names: dict[str, tuple[str, ...]] = field(default_factory=dict)


def side_of(profile: Profile, sample_type: str | None, granularity: str, mode: str,
            registry: dict, scale_to: int | None = None) -> Side:
    """Summarize one profile. With scale_to (the base sum), its values are normalized first."""
    index = sample_index_in(profile, sample_type)
    weights = profile.values[:, index]
    if scale_to is not None:
        weights = scaled(weights, scale_to)
        agg = aggregate_weights(profile, weights, granularity)
    else:
        agg = aggregate(profile, index, granularity)
    keys = _sample_hashes(profile, registry) if mode == "base" else None
    return Side(agg=agg, sample_type=profile.sample_types[index], sum=int(weights.sum()),
                abs_sum=int(np.abs(weights).sum()), keys=keys,
                values=weights if mode == "base" else None, delta=delta_note(profile),
                system_names=system_names(profile.functions))


def diff_sides(bases: list[Side], new: Side, granularity: str, mode: str,
               normalize: bool) -> Diff:
    if mode not in MODES:
        raise ValueError(f"unknown diff mode {mode!r}")
    infos: dict[NodeInfo, int] = {}
    base_flat, base_cum = _merge(infos, [b.agg for b in bases])
    new_flat, new_cum = _merge(infos, [new.agg])
    size = len(infos)
    base_flat, base_cum = _pad(base_flat, size), _pad(base_cum, size)
    new_flat, new_cum = _pad(new_flat, size), _pad(new_cum, size)

    base_total = sum(b.abs_sum for b in bases)
    if mode == "diff-base":
        total = base_total if base_total > 0 else new.abs_sum
    else:
        total = _net_total(new, bases)

    nodes = list(infos)
    changed = np.flatnonzero((new_flat != base_flat) | (new_cum != base_cum)).tolist()
    rows = [DiffRow(nodes[n].printable_name(), int(base_flat[n]), int(new_flat[n]),
                    int(base_cum[n]), int(new_cum[n]), nodes[n]) for n in changed]
    rows.sort(key=lambda r: (-abs(r.delta_flat), r.name, -abs(r.delta_cum)))
    return Diff(sample_type=new.sample_type, granularity=granularity, mode=mode,
                normalized=normalize, base_total=base_total, new_total=new.abs_sum, total=total,
                net_change=new.sum - sum(b.sum for b in bases), rows=tuple(rows),
                system_names=merged(side.system_names for side in [*bases, new]),
                deltas=tuple(f"{side}: {s.delta}" for side, s in
                             [*(("base", b) for b in bases), ("new", new)] if s.delta))


def diff_profiles(bases: list[Profile], new: Profile, sample_type: str | None = None,
                  granularity: str = "functions", mode: str = "diff-base",
                  normalize: bool = False) -> Diff:
    """The diff of profiles in memory (see diff_sides for one side at a time). The sample
    type is picked as pprof picks it for the pair (sampletypes.py): their types may differ."""
    name = pair_sample_type(bases, new, sample_type, normalize)
    registry: dict = {}
    base_sides = [side_of(b, name, granularity, mode, registry) for b in bases]
    scale_to = sum(b.sum for b in base_sides) if normalize else None
    new_side = side_of(new, name, granularity, mode, registry, scale_to)
    return diff_sides(base_sides, new_side, granularity, mode, normalize)


def normalized(new: Profile, bases: list[Profile], index: int) -> np.ndarray:
    """The new profile's column `index` normalized to the bases (pprof's Profile.Normalize)."""
    name = new.sample_types[index].type
    base_sum = sum(int(b.values[:, b.sample_index(name)].sum()) for b in bases)
    return scaled(new.values[:, index], base_sum)


def scaled(values: np.ndarray, target_sum: int) -> np.ndarray:
    """values scaled by target_sum / their sum, each rounded half away from zero (Go's
    math.Round), as pprof's ScaleN does; all zero when their sum is zero."""
    own_sum = int(values.sum())
    ratio = 0.0 if own_sum == 0 else float(target_sum) / float(own_sum)
    if ratio == 1.0:
        return values
    product = values.astype(np.float64) * ratio
    return (np.sign(product) * np.floor(np.abs(product) + 0.5)).astype(np.int64)


def _merge(infos: dict[NodeInfo, int], aggs: list[Aggregate]) -> tuple[np.ndarray, np.ndarray]:
    """Sum flat and cum of several aggregates into the shared node numbering `infos`."""
    flat = np.zeros(0, dtype=np.int64)
    cum = np.zeros(0, dtype=np.int64)
    for agg in aggs:
        index = np.array([infos.setdefault(info, len(infos)) for info in agg.frames.infos],
                         dtype=np.int64)
        flat, cum = _pad(flat, len(infos)), _pad(cum, len(infos))
        np.add.at(flat, index, agg.flat)
        np.add.at(cum, index, agg.cum)
    return flat, cum


def _pad(array: np.ndarray, size: int) -> np.ndarray:
    if len(array) >= size:
        return array
    return np.concatenate([array, np.zeros(size - len(array), dtype=array.dtype)])


# --- the -base denominator: sum of |net| over samples merged by pprof's sample key ----------

def _keyed(side: Side) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """A side's sample keys and values, which side_of keeps in -base mode."""
    assert side.keys is not None and side.values is not None
    return side.keys, side.values


def _net_total(new: Side, bases: list[Side]) -> int:
    """Samples with the same stack (by pprof's location key) and labels cancel when pprof
    merges the negated base into the new profile; the total is the sum of |net values|.
    Samples are grouped by two 64-bit hashes of that key (_sample_hashes)."""
    parts = [_keyed(new)] + [(keys, -values) for keys, values in map(_keyed, bases)]
    h1 = np.concatenate([k[0] for k, _ in parts])
    h2 = np.concatenate([k[1] for k, _ in parts])
    values = np.concatenate([v for _, v in parts])
    if not len(values):
        return 0
    order = np.lexsort((h2, h1))
    h1, h2, values = h1[order], h2[order], values[order]
    starts = np.ones(len(h1), dtype=bool)
    starts[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    net = np.add.reduceat(values, np.flatnonzero(starts))
    return int(np.abs(net).sum())


MULTIPLIERS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def _sample_hashes(profile: Profile, registry: dict) -> tuple[np.ndarray, np.ndarray]:
    """Two 64-bit hashes per sample of pprof's sample key (its canonical locations in stack
    order, and its labels), so that -base groups equal samples of all profiles with one sort
    instead of a dict of tuples. Each is a polynomial over the stack, the sum of
    (location + 1) * M**position modulo 2**64 for its own odd multiplier M, then mixed with
    the labels' hash and the depth.

    What a collision would do: two different keys agreeing in both hashes are merged as
    pprof would merge equal ones. Only _net_total reads the hashes, to sum |net| over the
    groups, and |x + y| == |x| + |y| when x and y have one sign; so a collision changes
    nothing unless it joins groups of opposite signs (a base sample with a new one), and then
    it lowers -base's percentage denominator by 2 * min(|x|, |y|). Flat, cum and every delta
    come from the aggregates and cannot change. For n samples the odds that random keys
    collide are about n**2 / 2**129 (6e-27 for two million); the hashes are not
    cryptographic, so a profile crafted to collide could skew that one percentage."""
    canonical = _canonical_locations(profile, registry).astype(np.uint64) + np.uint64(1)
    offsets = profile.stack_offsets
    depth = np.diff(offsets)
    label_mix = _label_hashes(profile, registry)
    deepest = int(depth.max()) if len(depth) else 0
    powers = [_powers(multiplier, deepest) for multiplier in MULTIPLIERS]
    sums = [np.zeros(profile.num_samples, dtype=np.uint64) for _ in MULTIPLIERS]
    for lo, hi in stack_steps(offsets):
        starts = offsets[lo:hi] - offsets[lo]
        frames = canonical[profile.stack_locations[offsets[lo]:offsets[hi]]]
        position = np.arange(len(frames), dtype=np.int64) - np.repeat(starts, depth[lo:hi])
        nonempty = depth[lo:hi] > 0
        for total, power in zip(sums, powers):
            if nonempty.any():
                total[lo:hi][nonempty] = np.add.reduceat(frames * power[position],
                                                         starts[nonempty])
    out = [(total ^ mix) * multiplier + depth.astype(np.uint64)
           for total, mix, multiplier in zip(sums, label_mix, MULTIPLIERS)]
    return out[0], out[1]


def _powers(multiplier: np.uint64, n: int) -> np.ndarray:
    """multiplier ** i for i < n, modulo 2**64 (array products wrap silently)."""
    steps = np.full(max(n - 1, 0), multiplier, dtype=np.uint64)
    return np.concatenate(([np.uint64(1)], np.cumprod(steps, dtype=np.uint64)))


def _canonical_locations(profile: Profile, registry: dict) -> np.ndarray:
    """pprof's locationKey per location: address relative to its mapping, the mapping's key,
    the lines (function key, line, column), folded or not; numbered across profiles."""
    locs = profile.locations
    mapping_keys = []
    for m in profile.mappings:
        # pprof's Mapping.key: one binary loaded at another address (another run, ASLR) is
        # the same mapping, so the key is the size, offset and build ID or file, never the
        # start, and locations key on their address relative to the start. The size is
        # rounded up to the next 4 KiB boundary, as pprof does "to avoid minor
        # discrepancies" between the limits profiles report for one mapping.
        size = m.limit - m.start
        size = size + 0xFFF - ((size + 0xFFF) % 0x1000)
        mapping_keys.append((size, m.offset, m.build_id or m.filename))
    functions = [(f.start_line, f.name, f.system_name, f.filename) for f in profile.functions]
    out = np.zeros(len(locs), dtype=np.int64)
    offsets = locs.line_offsets.tolist()
    for i in range(len(locs)):
        mapping = int(locs.mapping[i])
        address = int(locs.address[i])
        mkey = None
        if mapping >= 0:
            address -= profile.mappings[mapping].start
            mkey = mapping_keys[mapping]
        lines = tuple((functions[f] if f >= 0 else None, int(n), int(c))
                      for f, n, c in zip(locs.line_function[offsets[i]:offsets[i + 1]].tolist(),
                                         locs.line_number[offsets[i]:offsets[i + 1]],
                                         locs.line_column[offsets[i]:offsets[i + 1]]))
        key = ("loc", mkey, address, bool(locs.is_folded[i]), lines)
        out[i] = registry.setdefault(key, len(registry))
    return out


def _label_idents(profile: Profile, registry: dict) -> np.ndarray:
    """Per label, the registry's number for its (key, string, unit) strings. A heap profile
    has a label per sample but few distinct ones: each distinct triple is looked up once
    (a Python lookup per label took seconds on a million samples, holding the GIL)."""
    labels, strings = profile.labels, profile.strings
    columns = [c.astype(np.int64) for c in (labels.key, labels.str, labels.num_unit)]
    triples = np.stack(columns, axis=1) if len(labels) else np.zeros((0, 3), dtype=np.int64)
    order = np.lexsort(triples.T[::-1])
    ordered = triples[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    distinct = ordered[starts].tolist()
    numbers = np.array([registry.setdefault(("label", strings[k], strings[s], strings[u]),
                                            len(registry)) for k, s, u in distinct],
                       dtype=np.int64)
    ident = np.empty(len(order), dtype=np.int64)
    ident[order] = numbers[np.cumsum(starts) - 1] if len(order) else numbers
    return ident


def _label_hashes(profile: Profile, registry: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, an order-free mix of its labels (sum of one hash per label)."""
    labels = profile.labels
    ident = _label_idents(profile, registry)
    out = []
    for multiplier in MULTIPLIERS:
        per_label = ((ident.astype(np.uint64) + np.uint64(7)) * multiplier
                     ^ labels.num.astype(np.uint64)) * multiplier
        mix = np.zeros(profile.num_samples, dtype=np.uint64)
        np.add.at(mix, labels.sample, per_label)
        out.append(mix)
    return out[0], out[1]
