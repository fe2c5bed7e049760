"""The object graph of a heap dump and its dominator tree, with retained sizes.

Nodes: 0 is a virtual super-root over the real roots, then one node per root key (a global,
a goroutine's frame, a finalizer, another root: roots.py names them), then the objects that
remain after folding. A pointer-free object with one referrer (a leaf with one in-edge) is
dominated by that referrer whatever else the graph holds, so it is folded into it before the
dominator pass: its bytes, object and pointer fields count in the referrer's own figures. That
is exact, and it takes most objects of a typical heap (byte slices, strings, *int) out of
igraph's Lengauer-Tarjan. Pointer bytes are 8 per pointer field of the runtime's bitmap, nil
or not (the words the GC must look at; a headed object's bitmap covers its whole slot). Objects
no root reaches (garbage the dump still holds since the last
GC) get no dominator and count nowhere.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from ..common.kernel import compiled
from .dump import HeapDump

SUPER = 0
# columns of own / retained: the node count sizes each subtree's preorder interval
BYTES, OBJECTS, POINTER_BYTES, NODES = 0, 1, 2, 3
WORD = 8
EDGE_CHUNK = 1 << 16   # edges handed to igraph per pair of lists


@dataclass(frozen=True, eq=False)
class Dominators:
    roots: int                  # root-key nodes are 1..roots
    node_object: np.ndarray     # int64 per node: its object's index in the dump (-1: not one)
    object_node: np.ndarray     # int64 per object: its node, or the node it was folded into;
                                # -1 where no root reaches it
    folded: np.ndarray          # bool per object: counted in its referrer's node
    idom: np.ndarray            # int64 per node: its immediate dominator (-1: super, unreached)
    retained: np.ndarray        # int64 nodes x 4: bytes, objects, pointer bytes it retains,
                                # and the nodes it dominates (itself included)
    own: np.ndarray             # int64 nodes x 4: its own object(s) with the folded leaves

    @property
    def reachable_bytes(self) -> int:
        return int(self.retained[SUPER, BYTES])

    @property
    def reachable_objects(self) -> int:
        return int(self.retained[SUPER, OBJECTS])


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) by one sort: numpy 2's hashing unique took
    12 s on 2M addresses where a sort takes 0.2 s."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]] if values.size else np.zeros(0, bool)
    inverse = np.empty(values.size, np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """distinct() of the rows of a 2-D int64 array."""
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    new = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)] if len(rows) else \
        np.zeros(0, bool)
    inverse = np.empty(len(rows), np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def dominators(dump: HeapDump, root_key: np.ndarray, keys: int) -> Dominators:
    """root_key maps each of dump.roots to a key 0..keys-1 (roots with one name share one)."""
    n = dump.objects
    first = 1 + keys
    # object indices as int32 where they fit: the edge columns are the pass's largest arrays
    index = "int32" if n + first < 1 << 31 else "int64"
    source, target = _object_edges(dump, index)
    held = dump.resolve(dump.root_words, index)
    got = held >= 0
    root_src = root_key[dump.root_of_word[got]].astype(index)
    root_dst = held[got]
    del held, got
    # an object's referrers (edges, not distinct referrers: two words to one leaf keep it)
    indegree = np.bincount(target, minlength=n) + np.bincount(root_dst, minlength=n)
    folded = (np.bincount(source, minlength=n) == 0) & (indegree == 1)
    del indegree

    # nodes: super, root keys, then every object that is not folded
    node_object = np.concatenate([np.full(first, -1, np.int64), np.flatnonzero(~folded)])
    object_node = np.full(n, -1, np.int64)
    object_node[~folded] = np.arange(first, node_object.size, dtype=np.int64)
    # a folded leaf's one referrer (never folded itself: it has an edge out): an object's
    # node or a root key's
    leaf = folded[target]
    object_node[target[leaf]] = object_node[source[leaf]]
    leaf = folded[root_dst]
    object_node[root_dst[leaf]] = 1 + root_src[leaf]
    del leaf

    graph = _graph(node_object.size, _edges(keys, root_src, root_dst, source, target,
                                            object_node, folded))
    del source, target, root_src, root_dst
    idom = _idom(graph)
    del graph
    own = _own(dump, object_node, node_object.size)   # after igraph's peak, not beside it
    reached = idom >= 0
    reached[SUPER] = True
    # objects folded into a node no root reaches are not reached either
    object_node = np.where(reached[np.maximum(object_node, 0)] & (object_node >= 0),
                           object_node, -1)
    retained = np.where(reached[:, None], own, 0)
    _accumulate(_children_first(idom, reached), idom, retained)
    return Dominators(roots=keys, node_object=node_object, object_node=object_node,
                      folded=folded, idom=idom, retained=retained, own=own)


def _object_edges(dump: HeapDump, index: str) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) objects of every pointer word that points into another object."""
    target = dump.resolve(dump.words, index)
    source = np.repeat(np.arange(dump.objects, dtype=index), np.diff(dump.indptr))
    kept = (target >= 0) & (target != source)
    return source[kept], target[kept]


def _own(dump: HeapDump, home: np.ndarray, nodes: int) -> np.ndarray:
    """Each node's own bytes, objects and pointer bytes: its object's and its folded leaves'.
    Byte sums go through bincount's float64 weights, exact below 2**53 (a dump's objects
    are records of the dump, so their sizes sum to less than its length)."""
    own = np.zeros((nodes, 4), np.int64)
    own[:, NODES] = 1
    own[:, BYTES] = np.bincount(home, weights=dump.size, minlength=nodes)
    own[:, OBJECTS] = np.bincount(home, minlength=nodes)
    own[:, POINTER_BYTES] = np.bincount(home, weights=np.diff(dump.indptr),
                                        minlength=nodes) * WORD
    return own


def _edges(keys: int, root_src: np.ndarray, root_dst: np.ndarray, source: np.ndarray,
           target: np.ndarray, object_node: np.ndarray,
           folded: np.ndarray) -> Iterator[tuple[int, int]]:
    """The graph's edges as (from, to) node pairs, a chunk at a time: super to each root
    key, root keys and objects to the objects that are not folded. python-igraph turns an
    array into a list of lists before it reads it (~170 bytes an edge, 2.2 GiB of a 1 GiB
    heap's peak); pairs from zip cost only the edge igraph keeps."""
    return chain.from_iterable(_edge_chunks(keys, root_src, root_dst, source, target,
                                            object_node, folded))


def _edge_chunks(keys: int, root_src: np.ndarray, root_dst: np.ndarray, source: np.ndarray,
                 target: np.ndarray, object_node: np.ndarray,
                 folded: np.ndarray) -> Iterator[Iterator[tuple[int, int]]]:
    """_edges' pairs as one zip per chunk (chained, they cost no Python frame per edge)."""
    yield zip([SUPER] * keys, range(1, 1 + keys))
    for src, dst in ((1 + root_src, root_dst), (source, target)):
        for at in range(0, src.size, EDGE_CHUNK):
            to = dst[at:at + EDGE_CHUNK]
            kept = ~folded[to]
            frm = src[at:at + EDGE_CHUNK][kept]
            yield zip((object_node[frm] if src is source else frm).tolist(),
                      object_node[to[kept]].tolist())


def _graph(nodes: int, edges: Iterator[tuple[int, int]]) -> Any:
    import igraph  # the compiled Lengauer-Tarjan (a heavy import: only this command needs it)
    return igraph.Graph(n=nodes, edges=edges, directed=True)


def _idom(graph: Any) -> np.ndarray:
    """Each node's immediate dominator from SUPER: -1 for SUPER and unreached nodes."""
    dominated = graph.dominator(SUPER, mode="out")   # a list; NaN for an unreached node
    idom = np.array(dominated, dtype=np.float64)
    del dominated
    return np.where(np.isnan(idom), -1, idom).astype(np.int64)


def summed_up(parent: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each node's value plus its ancestors', by pointer jumping (log depth array steps, no
    loop per node). parent -1: a root of the forest (SUPER, an unreached node), whose value
    must be 0."""
    up = np.where(parent >= 0, parent, np.arange(parent.size))
    sums = values
    while True:
        above = up[up]
        if np.array_equal(above, up):
            return sums
        sums = sums + sums[up]
        up = above


def _children_first(idom: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """The reached nodes, deepest first (a node's dominator after it)."""
    depth = summed_up(idom, (idom >= 0).astype(np.int64))
    nodes = np.flatnonzero(reached)
    return nodes[np.argsort(-depth[nodes], kind="stable")]


def preorder(tree: Dominators) -> tuple[np.ndarray, np.ndarray]:
    """Each node's first and last position in a preorder walk of the dominator tree: u
    dominates v iff first[u] <= first[v] <= last[u]. A node's first is the sum, over it and
    its dominators, of 1 + the subtrees of the siblings before it (summed_up)."""
    size = tree.retained[:, NODES]
    parent = tree.idom
    child = np.flatnonzero(parent >= 0)
    by_parent = child[np.argsort(parent[child], kind="stable")]
    sizes = size[by_parent]
    before = np.cumsum(sizes) - sizes
    starts = np.r_[True, parent[by_parent][1:] != parent[by_parent][:-1]]
    before -= np.maximum.accumulate(np.where(starts, before, 0))
    step = np.zeros(parent.size, np.int64)      # SUPER and unreached nodes: 0
    step[by_parent] = 1 + before
    first = summed_up(parent, step)
    return first, first + size - 1


def _accumulate(order: np.ndarray, parent: np.ndarray, values: np.ndarray) -> None:
    """values[parent[v]] += values[v], children first: the kernel's loop, or Python's."""
    kernel = compiled()
    if kernel is not None and kernel.accumulate(order, parent, values) is not None:
        return
    rows = values.tolist()
    up = parent.tolist()
    for v in order.tolist():
        p = up[v]
        if p >= 0:
            a, b = rows[p], rows[v]
            a[0] += b[0]
            a[1] += b[1]
            a[2] += b[2]
            a[3] += b[3]
    values[:] = np.array(rows, np.int64).reshape(values.shape)
