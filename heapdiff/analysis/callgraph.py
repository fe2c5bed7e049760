"""The call graph of a diff, and the queries the CLI and the TUI share: built as plain dicts
(CallGraph), which is all `paths` and the report walk, and as a networkx DiGraph for the DOT
export, peek and the TUI (networkx takes 0.09 s to import, a fifth of `paths`).

Nodes are the diff's nodes (pprof's node identity at the chosen granularity, in the "info"
attribute, and its printed "name") with base, new and delta flat and cum; edges go caller ->
callee with base, new and delta weights. As in pprof, an edge counts once per sample however
often a recursive stack repeats it, and a node calling itself makes no edge.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .aggregate import FrameNodes, NodeInfo, aggregate, aggregate_weights
from ..common.arrays import concat_ranges, sorted_unique
from .diff import Diff, normalized, sample_index_in
from ..model import Profile
from ..common.kernel import compiled
from ..common.parallel import ordered_map

if TYPE_CHECKING:
    import networkx as nx

# Measured on the bench's 27k+42k pair: both sides' edges in 0.09-0.11 s against 0.17-0.21 s
# with chunks of 1 << 15 (smaller temporaries, fewer page faults).
CHUNK_SAMPLES = 1 << 12
INT64_MAX = int(np.iinfo(np.int64).max)
AROUND_SHARE = 8  # read windows around a node's entries when they are under 1/8 of all
# Up to this many possible (caller, callee) pairs (512 nodes), a chunk's edges are summed by
# one bincount over all pairs (2 MiB) instead of a sort: 17 -> 3 ms over the 42k profile.
DENSE_PAIRS = 1 << 18


@dataclass(frozen=True)
class Hop:
    caller: str
    callee: str
    delta: int


@dataclass(frozen=True)
class Path:
    """A chain of calls from a root to the node where the change is allocated."""

    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]
    leaf_delta: int  # the delta flat of the last node


@dataclass(frozen=True)
class CallGraph:
    """Nodes and edges with the attributes of build_graph's DiGraph, in the same order."""

    attrs: dict[str, Any]  # sample_type, unit, total
    nodes: dict[int, dict[str, Any]]
    edges: dict[tuple[int, int], dict[str, int]]  # (caller, callee)

    def callers(self) -> dict[int, list[tuple[int, int]]]:
        """{callee: [(caller, delta), ...]}"""
        out: dict[int, list[tuple[int, int]]] = {}
        for (u, v), data in self.edges.items():
            out.setdefault(v, []).append((u, data["delta"]))
        return out


def graph_data(d: Diff, bases: list[Profile], new: Profile,
               around: re.Pattern | None = None) -> CallGraph:
    """The diff's call graph: node attributes from the diff rows (all nodes, changed or not),
    edge weights aggregated from the samples of each side. With `around`, only the edges
    touching a node whose name it matches: what a peek needs, at a fraction of the work."""
    name = d.sample_type.type
    infos: dict[NodeInfo, int] = {}
    graph = CallGraph(dict(sample_type=name, unit=d.sample_type.unit, total=d.total), {}, {})
    sides = [(b, b.values[:, sample_index_in(b, name)], "base") for b in bases]
    index = sample_index_in(new, name)
    weights = normalized(new, bases, index) if d.normalized else new.values[:, index]
    sides.append((new, weights, "new"))
    for profile, w, side in sides:
        # node figures are the diff's own aggregation (cached on the profile); only the
        # edges need another walk over the samples
        agg = aggregate_weights(profile, w, d.granularity) if side == "new" and d.normalized \
            else aggregate(profile, sample_index_in(profile, name), d.granularity)
        fn = agg.frames
        ids = [infos.setdefault(info, len(infos)) for info in fn.infos]
        touching = None if around is None else \
            np.fromiter((bool(around.search(n)) for n in fn.names), bool, len(fn.names))
        flat, cum, edges = agg.flat, agg.cum, _edges(profile, fn, w, touching)
        for local, node in enumerate(ids):
            data = graph.nodes.get(node)
            if data is None:
                data = graph.nodes[node] = dict(name=fn.names[local], info=fn.infos[local],
                                                base_flat=0, new_flat=0, base_cum=0, new_cum=0)
            data[f"{side}_flat"] += int(flat[local])
            data[f"{side}_cum"] += int(cum[local])
        for (caller, callee), value in edges.items():
            key = ids[caller], ids[callee]
            weight = graph.edges.get(key)
            if weight is None:
                weight = graph.edges[key] = dict(base=0, new=0)
            weight[side] += value
    for data in graph.nodes.values():
        data["delta_flat"] = data["new_flat"] - data["base_flat"]
        data["delta_cum"] = data["new_cum"] - data["base_cum"]
    for weight in graph.edges.values():
        weight["delta"] = weight["new"] - weight["base"]
    return graph


def build_graph(d: Diff, bases: list[Profile], new: Profile,
                around: re.Pattern | None = None) -> nx.DiGraph:
    """graph_data as a networkx DiGraph (nodes and edges in the same order)."""
    import networkx as nx

    data = graph_data(d, bases, new, around)
    graph = nx.DiGraph(**data.attrs)
    graph.add_nodes_from(data.nodes.items())
    graph.add_edges_from((u, v, w) for (u, v), w in data.edges.items())
    return graph


def _edges(profile: Profile, fn: FrameNodes, weights: np.ndarray,
           touching: np.ndarray | None = None) -> dict[tuple[int, int], int]:
    """{(caller, callee): weight} for one profile: each edge once per sample. With `touching`
    (a mask over nodes), only the edges with an end there, read from the stack entries next to
    its frames instead of from every stack."""
    offsets = profile.stack_offsets
    depth = np.diff(offsets)
    live = (weights != 0) & (depth > 0)
    n = len(fn.infos)
    hits = None if touching is None else _entries_touching(profile, fn, touching)
    parts: Iterable[tuple[np.ndarray, np.ndarray]]
    if touching is not None and hits is not None and \
            len(hits) * AROUND_SHARE < len(profile.stack_locations):
        parts = [_pairs_around(profile, fn, weights, live, touching, hits)]
    elif (found := _compiled_edges(profile, fn, weights, touching)) is not None:
        return found
    else:  # every stack, on both cores: also for a node in most stacks (main.main)
        def chunk(c0: int):
            c1 = min(profile.num_samples, c0 + CHUNK_SAMPLES)
            sample = np.repeat(np.arange(c0, c1), depth[c0:c1])
            keep = live[sample]
            locations = profile.stack_locations[offsets[c0]:offsets[c1]][keep]
            return _pairs(fn, locations, sample[keep], None, weights, touching)
        parts = ordered_map(chunk, range(0, profile.num_samples, CHUNK_SAMPLES))
    edges: dict[tuple[int, int], int] = {}
    for pairs, values in parts:
        for p, v in zip(pairs.tolist(), np.rint(values).astype(np.int64).tolist()):
            key = (p // n, p % n)
            edges[key] = edges.get(key, 0) + v
    return dict(sorted(edges.items()))  # by (caller, callee), however the chunks fell


def _compiled_edges(profile: Profile, fn: FrameNodes, weights: np.ndarray,
                    touching: np.ndarray | None) -> dict[tuple[int, int], int] | None:
    """Every stack's edges by the compiled kernel (one pass, a hash of the edges, no sort),
    those with an end in `touching` when given; None without the kernel."""
    kernel = compiled()
    if kernel is None or weights.dtype != np.int64 or not len(fn.infos):
        return None
    found = kernel.edges(profile.stack_offsets, profile.stack_locations,
                         np.ascontiguousarray(weights), fn.offsets, fn.nodes, len(fn.infos))
    if found is None:
        return None
    if touching is not None:
        found = {edge: w for edge, w in found.items() if touching[edge[0]] or touching[edge[1]]}
    return dict(sorted(found.items()))


def _entries_touching(profile: Profile, fn: FrameNodes, touching: np.ndarray) -> np.ndarray:
    """The stack entries whose location has a touching frame."""
    has = np.zeros(len(fn.offsets) - 1, dtype=bool)
    has[np.repeat(np.arange(len(has)), np.diff(fn.offsets))[touching[fn.nodes]]] = True
    return np.flatnonzero(has[profile.stack_locations])


def _pairs_around(profile: Profile, fn: FrameNodes, weights: np.ndarray, live: np.ndarray,
                  touching: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_pairs over windows of stack entries: each entry in `hits` with its neighbours in the
    same stack, where the caller and the callee of its touching frames are."""
    offsets = profile.stack_offsets
    sample = np.searchsorted(offsets, hits, side="right") - 1
    keep = live[sample]
    hits, sample = hits[keep], sample[keep]
    lo, hi = np.maximum(hits - 1, offsets[sample]), np.minimum(hits + 2, offsets[sample + 1])
    entries = concat_ranges(lo, hi)
    window = np.repeat(np.arange(len(hits)), hi - lo)
    return _pairs(fn, profile.stack_locations[entries], window, sample[window], weights,
                  touching)


def _pairs(fn: FrameNodes, locations: np.ndarray, group: np.ndarray, owner: np.ndarray | None,
           weights: np.ndarray, touching: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(caller * n + callee, weight) of the edges in `locations` (stack entries, leaf first):
    calls between neighbouring frames of equal `group`, once per `owner` of the group (the
    sample, whose weight it carries; None: the group is the sample); a node calling itself is
    no edge."""
    n = len(fn.infos)
    per_loc = np.diff(fn.offsets)[locations]
    positions = concat_ranges(fn.offsets[locations], fn.offsets[locations] + per_loc)
    nodes = fn.nodes[positions].astype(np.int64)  # leaf first, innermost line first
    frame_group = np.repeat(group, per_loc)
    frame_owner = frame_group if owner is None else np.repeat(owner, per_loc)
    callee, caller = nodes[:-1], nodes[1:]
    real = (frame_group[:-1] == frame_group[1:]) & (caller != callee)
    if touching is not None:
        real &= touching[caller] | touching[callee]
    edge_keys = sorted_unique(_pack(frame_owner[:-1][real], _pack(caller[real], callee[real], n),
                                    n * n))
    pair_of, value_of = edge_keys % (n * n), weights[edge_keys // (n * n)]
    if n * n <= DENSE_PAIRS:  # a count per possible pair: no sort
        pairs = np.flatnonzero(np.bincount(pair_of, minlength=n * n))
        return pairs, np.bincount(pair_of, weights=value_of, minlength=n * n)[pairs]
    pairs, inverse = np.unique(pair_of, return_inverse=True)
    return pairs, np.bincount(inverse, weights=value_of, minlength=len(pairs))


def _pack(high: np.ndarray, low: np.ndarray, base: int) -> np.ndarray:
    """high * base + low in one int64 (every low below base), so that one np.unique sorts
    pairs. numpy integer arithmetic wraps without a word, and a wrapped key would merge
    unrelated edges: sizes beyond int64 are refused instead."""
    top = (int(high.max()) + 1) * base - 1 if len(high) else 0
    if top > INT64_MAX:
        raise OverflowError(f"call graph edge keys up to {top:,} do not fit in 64 bits; a "
                            "coarser granularity has fewer nodes")
    return high * base + low


def find(graph: nx.DiGraph, pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return [n for n, data in graph.nodes(data=True) if regex.search(data["name"])]


def node_of(graph: nx.DiGraph, info: NodeInfo) -> int | None:
    """The graph node of a node identity (a diff row's, a tree node's), if the graph has it."""
    return next((n for n, data in graph.nodes(data=True) if data["info"] == info), None)


def peek_nodes(graph: nx.DiGraph,
               node: int) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """Callers and callees of a node (graph nodes) with their edge weights, largest |delta|
    first, then by name."""
    callers = [(u, data) for u, _, data in graph.in_edges(node, data=True)]
    callees = [(v, data) for _, v, data in graph.out_edges(node, data=True)]
    order = lambda item: (-abs(item[1]["delta"]), graph.nodes[item[0]]["name"])  # noqa: E731
    return sorted(callers, key=order), sorted(callees, key=order)


def peek(graph: nx.DiGraph, node: int) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """Callers and callees of a node by name with their edge weights, largest |delta| first."""
    callers, callees = peek_nodes(graph, node)
    return ([(graph.nodes[u]["name"], data) for u, data in callers],
            [(graph.nodes[v]["name"], data) for v, data in callees])


def change_paths(graph: CallGraph, count: int = 5, growth: bool = True) -> list[Path]:
    """The paths that carry most of the net growth (or shrinkage): from each of the `count`
    nodes whose own allocations changed most, up through the caller edge that carries most of
    the change, to a root."""
    sign = 1 if growth else -1
    nodes = graph.nodes
    leaves = sorted((n for n, d in nodes.items() if sign * d["delta_flat"] > 0),
                    key=lambda n: (-sign * nodes[n]["delta_flat"], nodes[n]["name"]))
    callers_of = graph.callers()
    paths = []
    for leaf in leaves[:count]:
        chain = [leaf]
        hops = []
        seen = {leaf}
        node = leaf
        while True:
            callers = [(u, delta) for u, delta in callers_of.get(node, ())
                       if u not in seen and sign * delta > 0]
            if not callers:
                break
            caller, delta = max(callers, key=lambda c: (sign * c[1], -c[0]))
            hops.append(Hop(nodes[caller]["name"], nodes[node]["name"], delta))
            chain.append(caller)
            seen.add(caller)
            node = caller
        chain.reverse()
        hops.reverse()
        paths.append(Path(nodes=tuple(nodes[n]["name"] for n in chain), hops=tuple(hops),
                          leaf_delta=nodes[leaf]["delta_flat"]))
    return paths


def prune(graph: nx.DiGraph, node_fraction: float = 0.005,
          edge_fraction: float = 0.001) -> nx.DiGraph:
    """pprof's -nodefraction / -edgefraction on deltas: drop nodes whose |delta cum|, and edges
    whose |delta|, is below that fraction of the diff's total."""
    total = abs(graph.graph.get("total", 0))
    node_cut = abs(int(total * node_fraction))
    edge_cut = abs(int(total * edge_fraction))
    kept = [n for n, d in graph.nodes(data=True) if abs(d["delta_cum"]) > node_cut]
    pruned = graph.subgraph(kept).copy()
    pruned.remove_edges_from([(u, v) for u, v, d in pruned.edges(data=True)
                              if abs(d["delta"]) <= edge_cut])
    return pruned
