"""The call tree of a diff, built lazily: a node is a call path (a prefix of stacks, from the
roots down, or from the leaves up for the callers' view), and its children are computed only
when asked, from the samples that pass through it. A million samples stay cheap because only
the expanded part of the tree ever exists, and stacks are never written out frame by frame:
each sample through a path keeps a cursor (location, inlined frame) into its stack as stored.

Values per node: base and new of the chosen sample type summed over the samples through the
path (no recursion question: a path is a path), and flat, those that end there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregate import NodeInfo, frame_nodes
from ..model import Profile


@dataclass(frozen=True, eq=False)
class _Side:
    """One profile in the shared node numbering. Stacks stay as stored (locations, leaf first);
    a location's inlined frames are looked up in a small table when a level is opened."""

    locations: np.ndarray  # the profile's stack_locations
    offsets: np.ndarray  # its stack_offsets
    frame_start: np.ndarray  # int64 per location: where its frames start in frame_node
    frame_count: np.ndarray  # int64 per location: how many frames (inlined calls + 1)
    frame_node: np.ndarray  # int32: shared node id of every frame, innermost first
    depth: np.ndarray  # int64 per sample: its frames, inlined ones included
    weights: np.ndarray  # int64 per sample
    sign: int  # +1 new, -1 base (for the delta)


@dataclass(frozen=True, eq=False)
class _Members:
    """The samples through one path of one side, and where each stands in its stack: the
    location position and the frame within that location of the next level's node."""

    samples: np.ndarray  # int64 sample ids
    position: np.ndarray  # int64 index into the side's locations
    frame: np.ndarray  # int64 frame index within that location (0: innermost)


@dataclass(frozen=True)
class TreeNode:
    path: tuple[int, ...]  # node ids, from the root (or from the leaf, bottom-up)
    name: str
    base: int
    new: int
    base_flat: int
    new_flat: int
    info: NodeInfo = NodeInfo()  # the last node of the path, as the diff's rows know it

    @property
    def delta(self) -> int:
        return self.new - self.base


class CallTree:
    def __init__(self, bases: list[Profile], new: Profile, sample_index_name: str,
                 granularity: str, weights_new: np.ndarray | None = None,
                 bottom_up: bool = False):
        self.infos: dict[NodeInfo, int] = {}
        self.node_infos: list[NodeInfo] = []  # by node id: the inverse of infos
        self.names: list[str] = []
        self.bottom_up = bottom_up
        self.sides = [self._side(b, b.values[:, b.sample_index(sample_index_name)],
                                 granularity, -1) for b in bases]
        w = new.values[:, new.sample_index(sample_index_name)] if weights_new is None else weights_new
        self.sides.append(self._side(new, w, granularity, +1))
        self._members: dict[tuple[int, ...], list[_Members]] = {
            (): [self._start(s) for s in self.sides]}
        self._children: dict[tuple[int, ...], list[TreeNode]] = {}

    def _side(self, profile: Profile, weights: np.ndarray, granularity: str, sign: int) -> _Side:
        """The profile's frames as shared node ids. Nothing per frame is built: a sample's
        depth is the sum of its locations' frame counts, and a level looks its frames up."""
        fn = frame_nodes(profile, granularity)
        ids = np.array([self.infos.setdefault(info, len(self.infos)) for info in fn.infos],
                       dtype=np.int32)
        self.names.extend([""] * (len(self.infos) - len(self.names)))
        self.node_infos.extend(list(self.infos)[len(self.node_infos):])
        for local, info in enumerate(fn.infos):
            self.names[self.infos[info]] = fn.names[local]
        count = np.diff(fn.offsets)
        offsets = profile.stack_offsets
        if fn.single:
            depth = np.diff(offsets).astype(np.int64)
        else:
            per_frame = np.take(count.astype(np.min_scalar_type(int(count.max()))),
                                profile.stack_locations.astype(np.intp, copy=False))
            starts = np.minimum(offsets[:-1], max(len(per_frame) - 1, 0))
            depth = np.add.reduceat(per_frame, starts, dtype=np.int64) if len(per_frame) \
                else np.zeros(len(starts), dtype=np.int64)
            depth[offsets[1:] == offsets[:-1]] = 0  # reduceat gives an empty range one item
        return _Side(profile.stack_locations, offsets, fn.offsets[:-1].astype(np.int64),
                     count.astype(np.int64), ids[fn.nodes], depth, weights.astype(np.int64),
                     sign)

    def _start(self, side: _Side) -> _Members:
        """Every sample with a value and a stack, standing at its root (top-down: the last
        location's outermost frame) or at its leaf (callers: the first location's innermost)."""
        samples = np.flatnonzero((side.weights != 0) & (side.depth > 0))
        if self.bottom_up:
            position = side.offsets[samples].astype(np.int64)
            frame = np.zeros(len(samples), dtype=np.int64)
        else:
            position = side.offsets[samples + 1].astype(np.int64) - 1
            frame = side.frame_count[side.locations[position]] - 1
        return _Members(samples, position, frame)

    def _step(self, side: _Side, m: _Members, location: np.ndarray) -> _Members:
        """Each member (standing at `location`) moved one frame deeper: towards the leaf, or
        towards the root for callers. Members whose stack ends here get a harmless position;
        depth filters them."""
        count = side.frame_count[location]
        if self.bottom_up:
            leave = m.frame == count - 1
            position = np.minimum(m.position + leave, len(side.locations) - 1)
            frame = np.where(leave, 0, m.frame + 1)
        else:
            leave = m.frame == 0
            position = np.maximum(m.position - leave, 0)
            frame = np.where(leave, side.frame_count[side.locations[position]] - 1, m.frame - 1)
        return _Members(m.samples, position, frame)

    def has_children_of(self, path: tuple[int, ...]) -> bool:
        """Whether children(path) is computed already (and so costs nothing)."""
        return path in self._children

    def children(self, path: tuple[int, ...] = ()) -> list[TreeNode]:
        """The nodes one level below `path`, largest |delta| first; computed once."""
        if path not in self._children:
            self._children[path] = self._compute_children(path)
        return self._children[path]

    def _compute_children(self, path: tuple[int, ...]) -> list[TreeNode]:
        members = self._members.get(path)
        if members is None:
            return []
        d = len(path)
        totals: dict[int, list[int]] = {}
        grouped: dict[int, list[_Members]] = {}
        empty = _Members(*(np.zeros(0, dtype=np.int64),) * 3)
        for k, (side, m) in enumerate(zip(self.sides, members)):
            if not len(m.samples):
                continue
            location = side.locations[m.position]
            child = side.frame_node[side.frame_start[location] + m.frame]
            weights, depth = side.weights[m.samples], side.depth[m.samples]
            flat = np.where(depth == d + 1, weights, 0)
            goes_on = depth > d + 1  # those with a level below
            deeper = self._step(side, m, location)
            order = np.argsort(child, kind="stable")
            nodes, starts = np.unique(child[order], return_index=True)
            value, ending = np.add.reduceat(weights[order], starts), np.add.reduceat(flat[order], starts)
            ends = np.append(starts[1:], len(order))
            for i, node in enumerate(nodes.tolist()):
                slot = totals.setdefault(node, [0, 0, 0, 0])
                at = 1 if side.sign > 0 else 0
                slot[at] += int(value[i])
                slot[at + 2] += int(ending[i])
                chosen = order[starts[i]:ends[i]]
                chosen = chosen[goes_on[chosen]]
                grouped.setdefault(node, [empty] * len(self.sides))[k] = _Members(
                    deeper.samples[chosen], deeper.position[chosen], deeper.frame[chosen])
        out = []
        for node, (base, new, base_flat, new_flat) in totals.items():
            self._members[path + (node,)] = grouped[node]
            out.append(TreeNode(path + (node,), self.names[node], base, new, base_flat, new_flat,
                                self.node_infos[node]))
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
