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

from dataclasses import dataclass

import numpy as np

from ..common.kernel import compiled
from .dump import HeapDump

SUPER = 0
# columns of own / retained: the node count sizes each subtree's preorder interval
BYTES, OBJECTS, POINTER_BYTES, NODES = 0, 1, 2, 3
WORD = 8


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
    fields = np.diff(dump.indptr)
    target = dump.resolve(dump.words)
    source = np.repeat(np.arange(n, dtype=np.int64), fields)
    kept = (target >= 0) & (target != source)
    source, target = source[kept], target[kept]
    held = dump.resolve(dump.root_words)
    got = held >= 0
    root_src = root_key[dump.root_of_word[got]]
    root_dst = held[got]
    # an object's referrers (edges, not distinct referrers: two words to one leaf keep it)
    indegree = np.bincount(target, minlength=n) + np.bincount(root_dst, minlength=n)
    outdegree = np.bincount(source, minlength=n)
    folded = (outdegree == 0) & (indegree == 1)

    # nodes: super, root keys, then every object that is not folded
    first = 1 + keys
    node_object = np.concatenate([np.full(first, -1, np.int64), np.flatnonzero(~folded)])
    object_node = np.full(n, -1, np.int64)
    object_node[~folded] = np.arange(first, node_object.size, dtype=np.int64)
    # a folded leaf's one referrer: an object's node or a root key's
    referrer = np.full(n, -1, np.int64)
    from_object = folded[target]
    referrer[target[from_object]] = object_node[source[from_object]]
    from_root = folded[root_dst]
    referrer[root_dst[from_root]] = 1 + root_src[from_root]
    object_node[folded] = referrer[folded]

    own = np.zeros((node_object.size, 4), np.int64)
    own[:, NODES] = 1
    sizes = dump.size.astype(np.int64)
    pointer_bytes = fields.astype(np.int64) * WORD
    home = object_node
    np.add.at(own[:, BYTES], home, sizes)
    np.add.at(own[:, OBJECTS], home, 1)
    np.add.at(own[:, POINTER_BYTES], home, pointer_bytes)

    unfolded = ~folded[target]
    edges = np.concatenate([
        np.stack([np.zeros(keys, np.int64), np.arange(1, first, dtype=np.int64)], 1),
        np.stack([1 + root_src[~from_root], object_node[root_dst[~from_root]]], 1),
        np.stack([object_node[source[unfolded]], object_node[target[unfolded]]], 1),
    ])
    idom, order = _dominator_tree(node_object.size, edges)
    reached = np.zeros(node_object.size, bool)
    reached[order] = True
    # objects folded into a node no root reaches are not reached either
    object_node = np.where(reached[np.maximum(object_node, 0)] & (object_node >= 0),
                           object_node, -1)
    retained = np.where(reached[:, None], own, 0)
    _accumulate(order[::-1].copy(), idom, retained)
    return Dominators(roots=keys, node_object=node_object, object_node=object_node,
                      folded=folded, idom=idom, retained=retained, own=own)


def preorder(tree: Dominators) -> tuple[np.ndarray, np.ndarray]:
    """Each node's first and last position in a preorder walk of the dominator tree: u
    dominates v iff first[u] <= first[v] <= last[u]. A node's first is the sum, over it and
    its dominators, of 1 + the subtrees of the siblings before it: summed up the tree by
    pointer jumping (log depth array steps, no loop per node)."""
    size = tree.retained[:, NODES]
    parent = tree.idom
    child = np.flatnonzero(parent >= 0)
    by_parent = child[np.argsort(parent[child], kind="stable")]
    sizes = size[by_parent]
    before = np.cumsum(sizes) - sizes
    starts = np.r_[True, parent[by_parent][1:] != parent[by_parent][:-1]]
    before -= np.maximum.accumulate(np.where(starts, before, 0))
    step = np.zeros(parent.size, np.int64)
    step[by_parent] = 1 + before
    itself = np.arange(parent.size)
    up = np.where(parent >= 0, parent, itself)   # SUPER and unreached nodes: themselves
    first = step                                 # the sum of step from a node up to up[node]
    while True:
        above = up[up]
        if np.array_equal(above, up):
            break
        first = first + np.where(up != itself, first[up], 0)
        up = above
    return first, first + size - 1


def _dominator_tree(nodes: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each node's immediate dominator from SUPER (-1 for SUPER and unreached nodes) and the
    reached nodes in BFS order (a node's dominator comes before it: it is nearer SUPER)."""
    import igraph  # the compiled Lengauer-Tarjan (a heavy import: only this command needs it)
    graph = igraph.Graph(n=nodes, edges=edges, directed=True)
    idom = np.array(graph.dominator(SUPER, mode="out"), dtype=np.float64)
    order = np.array(graph.bfs(SUPER, mode="out")[0], dtype=np.int64)
    return np.where(np.isnan(idom), -1, idom).astype(np.int64), order


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
