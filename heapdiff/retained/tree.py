"""The dominator tree a level at a time, for a viewer that opens it node by node (the TUI's
Retained view): each node's children, largest retained first, from one sort of the immediate
dominators built once (a CSR: a node's children are one slice); the dominator path from the
root down to a node, as `heapdiff retained` prints a group's; and, with a base dump, each
node's counterpart there for its growth.

Objects have no identity across two dumps (addresses differ), so a node's counterpart is found
by names down the path: under the parent's counterpart, the base child of the same name, the
k-th largest of that name for the k-th largest here. Roots match by kind and name, as the
groups do."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dominators import BYTES, OBJECTS, POINTER_BYTES, SUPER
from .dump import HeapDump
from .groups import Analysed, Retention, compare, dominator_path

CHILDREN = 1000     # the children one node lists: a slice of a million pointers opens fast
BASE_CHILDREN = 10 * CHILDREN   # the base's children searched for counterparts


@dataclass(frozen=True)
class Node:
    node: int               # the node in the dump's dominator tree
    named_by: str           # a root's kind (global, stack, finalizer, other), or what named
                            # an object: "type", "site" or "size class" (", several roots"
                            # when no one root dominates it)
    name: str
    retained_bytes: int
    retained_objects: int
    pointer_bytes: int      # of everything it retains
    own_bytes: int          # its object's slot, with the pointer-free leaves folded into it
    children: int           # the nodes it immediately dominates
    base: int = -1          # its counterpart in the base's tree (-1: none, or no base)
    base_retained_bytes: int | None = None  # with a base: the counterpart's (0: none)

    @property
    def delta_bytes(self) -> int | None:
        if self.base_retained_bytes is None:
            return None
        return self.retained_bytes - self.base_retained_bytes


@dataclass(frozen=True)
class Level:
    """Some of a node's children, largest first, and how many more it has."""
    nodes: tuple[Node, ...]
    more: int


class RetainedTree:
    """One dump's dominator tree (and its base's, for growth), walked from the super-root."""

    def __init__(self, dump: HeapDump, found: Analysed, base: RetainedTree | None = None):
        self.dump, self.found, self.base = dump, found, base
        # the groups as `heapdiff retained` ranks them (by growth, with a base)
        self.result: Retention = compare(found.result, base.found.result) \
            if base is not None else found.result
        tree = found.tree
        parent = tree.idom
        # roots and objects that retain nothing (a frame holding no pointer) are not listed
        child = np.flatnonzero((parent >= 0) & (tree.retained[:, OBJECTS] > 0))
        self._order = child[np.lexsort((-tree.retained[child, BYTES], parent[child]))]
        self._start = np.searchsorted(parent[self._order], np.arange(parent.size + 1))

    @property
    def top(self) -> Node:
        """The super-root over every root: its figures are the reachable heap's."""
        return self._node(SUPER, self.base.top.node if self.base is not None else -1)

    def children(self, parent: Node, limit: int = CHILDREN) -> Level:
        start, end = int(self._start[parent.node]), int(self._start[parent.node + 1])
        nodes = self._order[start:min(end, start + limit)].tolist()
        counterparts = self._counterparts(parent, nodes)
        return Level(tuple(self._node(n, b) for n, b in zip(nodes, counterparts)),
                     max(0, end - start - limit))

    def path(self, node: Node) -> tuple[str, ...]:
        """The dominator path from the root down to node, runs of one name folded: the
        path `heapdiff retained` prints for a group whose largest member is node."""
        f = self.found
        return dominator_path(f.tree, self.dump, f.names, f.keys, node.node)

    def label(self, node: int) -> tuple[str, str]:
        """(what named the node, its name)."""
        if node == SUPER:
            return "", "all roots"
        if node <= self.found.tree.roots:
            return self.found.keys[node - 1]
        obj = int(self.found.tree.node_object[node])
        return self.found.names.label(obj, int(self.dump.size[obj]))

    def _node(self, node: int, base: int) -> Node:
        tree = self.found.tree
        named_by, name = self.label(node)
        if node > tree.roots and tree.idom[node] == SUPER:
            named_by += ", several roots"   # no one root dominates it
        figures = tree.retained[node]
        base_bytes = None
        if self.base is not None:
            base_bytes = int(self.base.found.tree.retained[base, BYTES]) if base >= 0 else 0
        return Node(node, named_by, name, int(figures[BYTES]), int(figures[OBJECTS]),
                    int(figures[POINTER_BYTES]), int(tree.own[node, BYTES]),
                    int(self._start[node + 1] - self._start[node]), base, base_bytes)

    def _counterparts(self, parent: Node, nodes: list[int]) -> list[int]:
        """Each node's counterpart under the parent's in the base (-1: none)."""
        base = self.base
        if base is None or parent.base < 0:
            return [-1] * len(nodes)
        start, end = int(base._start[parent.base]), int(base._start[parent.base + 1])
        waiting: dict[tuple[str, str], list[int]] = {}
        for b in reversed(base._order[start:min(end, start + BASE_CHILDREN)].tolist()):
            waiting.setdefault(base.label(b), []).append(b)   # the largest last: popped first
        out = []
        for n in nodes:
            same = waiting.get(self.label(n))
            out.append(same.pop() if same else -1)
        return out
