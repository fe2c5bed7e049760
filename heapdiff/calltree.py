"""The call tree of a diff, built lazily: a node is a call path (a prefix of stacks, from the
roots down, or from the leaves up for the callers' view), and its children are computed only
when asked, from the samples that pass through it. A million samples stay cheap because only
the expanded part of the tree ever exists.

Values per node: base and new of the chosen sample type summed over the samples through the
path (no recursion question: a path is a path), and flat, those that end there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregate import NodeInfo, frame_nodes
from .arrays import expand_lists
from .model import Profile


@dataclass(frozen=True, eq=False)
class _Side:
    """One profile's expanded stacks in the shared node numbering, root first."""

    nodes: np.ndarray  # int32: every sample's frames, leaf first (as stored)
    offsets: np.ndarray  # int64 [samples + 1]
    weights: np.ndarray  # int64 per sample
    sign: int  # +1 new, -1 base (for the delta)


@dataclass(frozen=True)
class TreeNode:
    path: tuple[int, ...]  # node ids, from the root (or from the leaf, bottom-up)
    name: str
    base: int
    new: int
    base_flat: int
    new_flat: int

    @property
    def delta(self) -> int:
        return self.new - self.base


class CallTree:
    def __init__(self, bases: list[Profile], new: Profile, sample_index_name: str,
                 granularity: str, weights_new: np.ndarray | None = None,
                 bottom_up: bool = False):
        self.infos: dict[NodeInfo, int] = {}
        self.names: list[str] = []
        self.bottom_up = bottom_up
        self.sides = [self._side(b, b.values[:, b.sample_index(sample_index_name)],
                                 granularity, -1) for b in bases]
        w = new.values[:, new.sample_index(sample_index_name)] if weights_new is None else weights_new
        self.sides.append(self._side(new, w, granularity, +1))
        self._members: dict[tuple[int, ...], list[np.ndarray]] = {
            (): [np.flatnonzero((s.weights != 0) & (np.diff(s.offsets) > 0)) for s in self.sides]}

    def _side(self, profile: Profile, weights: np.ndarray, granularity: str, sign: int) -> _Side:
        """The profile's frames as shared node ids, leaf first as stored (children() indexes
        from the end for the top-down view): no copy of the stacks is reordered."""
        fn = frame_nodes(profile, granularity)
        ids = np.array([self.infos.setdefault(info, len(self.infos)) for info in fn.infos],
                       dtype=np.int32)
        self.names.extend([""] * (len(self.infos) - len(self.names)))
        for local, info in enumerate(fn.infos):
            self.names[self.infos[info]] = fn.names[local]
        locations = profile.stack_locations
        if fn.single:
            return _Side(ids[fn.first][locations], profile.stack_offsets,
                         weights.astype(np.int64), sign)
        expanded, starts = expand_lists(fn.offsets, ids[fn.nodes], locations)
        return _Side(expanded, starts[profile.stack_offsets], weights.astype(np.int64), sign)

    def children(self, path: tuple[int, ...] = ()) -> list[TreeNode]:
        """The nodes one level below `path`, largest |delta| first."""
        members = self._members.get(path)
        if members is None:
            return []
        d = len(path)
        totals: dict[int, list[int]] = {}
        grouped: dict[int, list[np.ndarray]] = {}
        for k, (side, samples) in enumerate(zip(self.sides, members)):
            depth = side.offsets[samples + 1] - side.offsets[samples]
            deeper = samples[depth > d]
            if self.bottom_up:  # leaf first, as stored
                child = side.nodes[side.offsets[deeper] + d]
            else:  # root first: count from the end of each stack
                child = side.nodes[side.offsets[deeper + 1] - 1 - d]
            ends = (side.offsets[deeper + 1] - side.offsets[deeper]) == d + 1
            for node in np.unique(child).tolist():
                mask = child == node
                chosen = deeper[mask]
                value = int(side.weights[chosen].sum())
                flat = int(side.weights[chosen[ends[mask]]].sum())
                slot = totals.setdefault(node, [0, 0, 0, 0])
                if side.sign > 0:
                    slot[1] += value
                    slot[3] += flat
                else:
                    slot[0] += value
                    slot[2] += flat
                grouped.setdefault(node, [np.zeros(0, dtype=np.int64)] * len(self.sides))
                grouped[node] = [chosen if j == k else g for j, g in enumerate(grouped[node])]
        out = []
        for node, (base, new, base_flat, new_flat) in totals.items():
            self._members[path + (node,)] = grouped[node]
            out.append(TreeNode(path + (node,), self.names[node], base, new, base_flat, new_flat))
        return sorted(out, key=lambda n: (-abs(n.delta), -n.new, n.name))

    def growth_path(self) -> list[TreeNode]:
        """From the root, the child with the largest growth at each level."""
        path: list[TreeNode] = []
        level = self.children(())
        while level:
            best = max(level, key=lambda n: n.delta)
            if best.delta <= 0:
                break
            path.append(best)
            level = self.children(best.path)
        return path
