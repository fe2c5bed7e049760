"""Retained size grouped by root, by type and by allocation site, with the dominator path from
a root down to each group, and two dumps' groups matched by name (addresses differ).

A group is the objects one root owns (its dominator subtree) that share a name (type, site or
size class). Its figures are the retained bytes, objects and pointer bytes of its outermost
members: those whose immediate dominator is not in the group (a linked list counts once, at
its head). A root's own group is its whole subtree. Objects several roots reach are owned by
none of them: their group's root is "several roots"."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..common.progress import Report, silent
from ..retainers.binary.image import Image
from .dominators import (BYTES, OBJECTS, POINTER_BYTES, SUPER, Dominators, distinct,
                         distinct_rows, dominators, preorder)
from .dump import HeapDump
from .names import ObjectNames, check_binary, object_names, root_name, size_class

SHARED = ("other", "several roots")
RUN_MARK = "\u00d7"         # "[]uint8 ×3" for a run of one name along a path
PATH_STEPS = 1 << 20        # a path longer than this is cut (a list of a million nodes)
PATHS = 200                 # the largest groups get their path (a walk up the tree each)


@dataclass(frozen=True)
class Group:
    root_kind: str
    root: str
    type: str | None
    site: str | None
    size_class: str | None
    retained_bytes: int
    retained_objects: int
    pointer_bytes: int
    path: tuple[str, ...] = ()
    base_retained_bytes: int | None = None
    delta_bytes: int | None = None
    # what named the members: "type" (headers), "field" (a typed parent's field), "type and
    # field", "site" or "size class"; None for a root's own group
    named_by: str | None = None
    field: str | None = None    # a field that named members (the first member's it named)

    @property
    def key(self) -> tuple[str, str, str | None, str | None, str | None]:
        return (self.root_kind, self.root, self.type, self.site, self.size_class)

    @property
    def is_root(self) -> bool:
        """The root's own group: its whole dominator subtree."""
        return self.type is None and self.site is None and self.size_class is None

    @property
    def name(self) -> str:
        """What the group holds: its type, else its site, else its size class; a root's own
        group: the root."""
        return self.type or self.site or self.size_class or f"{self.root} ({self.root_kind})"


@dataclass(frozen=True)
class Retention:
    source: str
    objects: int
    reachable_bytes: int
    reachable_objects: int
    reachable_pointer_bytes: int
    dump_bytes: int         # every object record's bytes, garbage since the last GC included
    groups: tuple[Group, ...]
    base: Retention | None = None


@dataclass(frozen=True, eq=False)
class Analysed:
    """A dump's groups with what they were computed from, for a caller that walks the tree
    itself (the TUI's Retained view: heapdiff/retained/tree.py)."""
    result: Retention
    tree: Dominators
    names: ObjectNames
    keys: tuple[tuple[str, str], ...]   # root-key node 1 + k is keys[k]: (kind, name)


def retention(dump: HeapDump, image: Image | None = None,
              progress: Report = silent) -> Retention:
    return analysed(dump, image, progress).result


def analysed(dump: HeapDump, image: Image | None = None,
             progress: Report = silent) -> Analysed:
    if image is not None:
        check_binary(dump, image)
    progress(f"naming {dump.objects:,} objects")
    names = object_names(dump, image)
    keys, root_key = _root_keys(dump, image, names)
    progress("the dominator tree")
    tree = dominators(dump, root_key, len(keys))
    progress("grouping by root, type and site")
    largest: dict[tuple, int] = {}
    groups = _root_groups(tree, keys) + _object_groups(dump, tree, keys, names, largest)
    groups.sort(key=lambda g: (-g.retained_bytes, g.key[:2], not g.is_root, g.name))
    groups[:PATHS] = [replace(g, path=dominator_path(tree, dump, names, keys, largest[g.key]))
                      if g.key in largest else g for g in groups[:PATHS]]
    result = Retention(dump.source, dump.objects, tree.reachable_bytes,
                       tree.reachable_objects, int(tree.retained[SUPER, POINTER_BYTES]),
                       int(dump.size.sum()), tuple(groups))
    return Analysed(result, tree, names, tuple(keys))


def _root_keys(dump: HeapDump, image: Image | None,
               names: ObjectNames) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The distinct (kind, name) of the roots, and each root's index among them."""
    finalized = _finalized_objects(dump)
    index: dict[tuple[str, str], int] = {}
    out = np.empty(len(dump.roots), np.int64)
    for i, root in enumerate(dump.roots):
        name = root_name(root, image)
        if root.kind == "finalizer" and name == root.name:
            obj = finalized.get(root.address, -1)
            held = names.label(obj, int(dump.size[obj]))[1] if obj >= 0 else "?"
            name = f"{name} on {held}"
        out[i] = index.setdefault((root.kind, name), len(index))
    return list(index), out


def _finalized_objects(dump: HeapDump) -> dict[int, int]:
    addresses = [r.address for r in dump.roots if r.kind == "finalizer"]
    found = dump.resolve(np.array(addresses, np.uint64)).tolist()
    return dict(zip(addresses, found))


def _root_groups(tree: Dominators, keys: list[tuple[str, str]]) -> list[Group]:
    out = []
    for k, (kind, name) in enumerate(keys):
        figures = tree.retained[1 + k]
        if figures[OBJECTS]:
            out.append(Group(kind, name, None, None, None, int(figures[BYTES]),
                             int(figures[OBJECTS]), int(figures[POINTER_BYTES]),
                             (f"{name} ({kind})",)))
    return out


def _owners(tree: Dominators) -> np.ndarray:
    """Each node's root-key node (SUPER: several roots), by pointer jumping up the tree."""
    up = tree.idom.copy()
    fixed = np.arange(tree.roots + 1)
    up[fixed] = fixed
    up[up < 0] = SUPER
    while True:
        jumped = up[up]
        if np.array_equal(jumped, up):
            return up
        up = jumped


def _object_groups(dump: HeapDump, tree: Dominators, keys: list[tuple[str, str]],
                   names: ObjectNames, largest_of: dict[tuple, int]) -> list[Group]:
    """The groups of object nodes; largest_of gets each group's largest outermost member."""
    nodes = np.flatnonzero((tree.node_object >= 0) & (tree.retained[:, OBJECTS] > 0))
    if nodes.size == 0:
        return []
    obj = tree.node_object[nodes]
    owner = _owners(tree)[nodes]
    sizes, size_code = distinct(dump.size[obj])
    t, s = names.type_of[obj], names.site_of[obj]
    c = np.where((t < 0) & (s < 0), size_code.reshape(-1), -1)
    label = np.stack([owner, t, s, c], 1)
    labels, group = distinct_rows(label)
    outer = _outermost(tree, nodes, group)
    which = group[outer]
    members = nodes[outer]
    figures = tree.retained[members]
    totals = np.zeros((labels.shape[0], 4), np.int64)
    np.add.at(totals, which, figures)
    # each group's largest member carries its path
    rank = np.lexsort((-figures[:, BYTES], which))
    first = rank[np.r_[True, which[rank][1:] != which[rank][:-1]]]
    largest = np.empty(labels.shape[0], np.int64)
    largest[which[first]] = members[first]
    named_by, fields = _named_by(names, obj, group, labels.shape[0])
    out = []
    for g, (own, ti, si, ci) in enumerate(labels.tolist()):
        kind, root = SHARED if own == SUPER else keys[own - 1]
        group_ = Group(kind, root,
                       names.types[ti] if ti >= 0 else None,
                       names.sites[si] if si >= 0 else None,
                       size_class(int(sizes[ci])) if ci >= 0 else None,
                       int(totals[g, BYTES]), int(totals[g, OBJECTS]),
                       int(totals[g, POINTER_BYTES]),
                       named_by=named_by[g] if ti >= 0 else "site" if si >= 0 else "size class",
                       field=fields[g])
        largest_of[group_.key] = int(largest[g])
        out.append(group_)
    return out


def _named_by(names: ObjectNames, obj: np.ndarray, group: np.ndarray,
              groups: int) -> tuple[list[str], list[str | None]]:
    """Per group of typed members: whether headers, parents' fields or both named them, and
    the field that named its first member a field named."""
    if names.field_of is None:
        return ["type"] * groups, [None] * groups
    by_field = names.field_of[obj] >= 0
    fielded = np.bincount(group[by_field], minlength=groups)
    members = np.bincount(group, minlength=groups)
    kinds = np.where(fielded == 0, "type", np.where(fielded == members, "field",
                                                    "type and field")).tolist()
    firsts, at = np.unique(group[by_field], return_index=True)
    field: list[str | None] = [None] * groups
    for g, i in zip(firsts.tolist(), at.tolist()):
        field[g] = names.fields[names.field_of[obj[by_field][i]]]
    return kinds, field


def _outermost(tree: Dominators, nodes: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Which of nodes no other node of their group dominates: in preorder within a group, a
    node inside an earlier member's interval is nested in it."""
    first, last = preorder(tree)
    span = np.int64(tree.node_object.size + 1)
    order = np.lexsort((first[nodes], group))
    g = group[order]
    reach = np.maximum.accumulate(g * span + last[nodes][order])
    nested = np.zeros(order.size, bool)
    nested[1:] = (g[1:] == g[:-1]) & (first[nodes][order][1:] <= reach[:-1] - g[1:] * span)
    outer = np.ones(nodes.size, bool)
    outer[order[nested]] = False
    return outer


def _node_label(tree: Dominators, dump: HeapDump, names: ObjectNames, node: int) -> str:
    obj = int(tree.node_object[node])
    return names.label(obj, int(dump.size[obj]))[1]


def dominator_path(tree: Dominators, dump: HeapDump, names: ObjectNames,
                   keys: Sequence[tuple[str, str]], node: int) -> tuple[str, ...]:
    """The dominator chain from the root down to node, runs of one name folded."""
    chain: list[str] = []
    for _ in range(PATH_STEPS):
        if node <= tree.roots:
            kind, name = SHARED if node == SUPER else keys[node - 1]
            chain.append(f"{name} ({kind})")
            break
        chain.append(_node_label(tree, dump, names, node))
        node = int(tree.idom[node])
    else:
        chain.append("\u2026")
    chain.reverse()
    out: list[str] = []
    counts: list[int] = []
    for step in chain:
        if out and out[-1] == step:
            counts[-1] += 1
        else:
            out.append(step)
            counts.append(1)
    return tuple(s if n == 1 else f"{s} {RUN_MARK}{n}" for s, n in zip(out, counts))


def compare(new: Retention, base: Retention) -> Retention:
    """new's groups matched to base's by root, type, site and size class; ranked by growth.
    A group only base has is listed with its loss."""
    before = {g.key: g for g in base.groups}
    seen = set()
    groups = []
    for g in new.groups:
        old = before.get(g.key)
        seen.add(g.key)
        b = old.retained_bytes if old else 0
        groups.append(replace(g, base_retained_bytes=b, delta_bytes=g.retained_bytes - b))
    for key, old in before.items():
        if key not in seen:
            groups.append(replace(old, retained_bytes=0, retained_objects=0, pointer_bytes=0,
                                  base_retained_bytes=old.retained_bytes,
                                  delta_bytes=-old.retained_bytes))
    groups.sort(key=lambda g: (-(g.delta_bytes or 0), -g.retained_bytes, g.key[:2],
                               not g.is_root, g.name))
    return replace(new, groups=tuple(groups), base=base)
