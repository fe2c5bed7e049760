"""The call tree of a diff, built lazily: a node is a call path (a prefix of stacks, from the
roots down, or from the leaves up for the callers' view), and its children are computed only
when asked, from the samples that pass through it. A million samples stay cheap because only
the expanded part of the tree ever exists, and stacks are never written out frame by frame:
each sample through a path keeps a cursor (location, inlined frame) into its stack as stored.

Values per node: base and new of the chosen sample type summed over the samples through the
path (no recursion question: a path is a path), and flat, those that end there.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .aggregate import NodeInfo, frame_nodes
from ..common.steps import stack_steps
from ..model import Profile


# Up to this many members of one side, a level is grouped one member at a time.
FEW = 32


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


# A child node's id, the weight through it, the weight ending there, and the members going on.
Group = tuple[int, int, int, _Members]


@dataclass(frozen=True, eq=False)
class Path:
    """A call path as its last node and the path above it. A tree makes each path once (a
    node's children are computed once), so identity is equality, and a path 100,000 frames
    deep costs one object, not a tuple of 100,000 ids per level."""

    parent: Path | None
    node: int  # node id (-1 at the root)
    depth: int

    def nodes(self) -> tuple[int, ...]:
        """The node ids from the root (or from the leaf, bottom-up)."""
        out = []
        at: Path | None = self
        while at is not None and at.parent is not None:
            out.append(at.node)
            at = at.parent
        return tuple(reversed(out))


@dataclass(frozen=True)
class TreeNode:
    path: Path
    name: str
    base: int
    new: int
    base_flat: int
    new_flat: int
    info: NodeInfo = NodeInfo()  # the last node of the path, as the diff's rows know it
    leaf: bool = False  # no sample goes on below it: it has no children

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
        self.root = Path(None, -1, 0)
        # the samples through each path whose children are not computed yet: a level's are
        # dropped once its children exist, so memory follows the frontier, not the depth
        self._members: dict[Path, list[_Members]] = {
            self.root: [self._start(s) for s in self.sides]}
        self._children: dict[Path, list[TreeNode]] = {}
        # a level is computed once though workers ask at once (a node opened while the
        # path to the selection is searched): computing pops the level's members
        self._computing = threading.RLock()

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
            depth = np.zeros(profile.num_samples, dtype=np.int64)
            frames = count.astype(np.int64)
            for lo, hi in stack_steps(offsets):  # GIL and memory: see common/steps.py
                starts = offsets[lo:hi] - offsets[lo]
                nonempty = offsets[lo + 1:hi + 1] > offsets[lo:hi]
                if nonempty.any():
                    depth[lo:hi][nonempty] = np.add.reduceat(
                        frames[profile.stack_locations[offsets[lo]:offsets[hi]]],
                        starts[nonempty])
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

    def has_children_of(self, path: Path | tuple[()]) -> bool:
        """Whether children(path) is computed already (and so costs nothing)."""
        return (path or self.root) in self._children

    def children(self, path: Path | tuple[()] = ()) -> list[TreeNode]:
        """The nodes one level below `path` (() or tree.root: the roots), largest |delta|
        first; computed once."""
        at = path or self.root
        if at not in self._children:
            with self._computing:
                if at not in self._children:
                    self._children[at] = self._compute_children(at)
        return self._children[at]

    def _compute_children(self, path: Path) -> list[TreeNode]:
        members = self._members.pop(path, None)
        if members is None:
            return []
        d = path.depth
        totals: dict[int, list[int]] = {}
        grouped: dict[int, list[_Members]] = {}
        empty = _Members(*(np.zeros(0, dtype=np.int64),) * 3)
        for k, (side, m) in enumerate(zip(self.sides, members)):
            if not len(m.samples):
                continue
            groups = self._groups_few if len(m.samples) <= FEW else self._groups
            at = 1 if side.sign > 0 else 0
            for node, value, flat, deeper in groups(side, m, d):
                slot = totals.setdefault(node, [0, 0, 0, 0])
                slot[at] += value
                slot[at + 2] += flat
                grouped.setdefault(node, [empty] * len(self.sides))[k] = deeper
        out = []
        for node, (base, new, base_flat, new_flat) in totals.items():
            child_path = Path(path, node, d + 1)
            self._members[child_path] = grouped[node]
            out.append(TreeNode(child_path, self.names[node], base, new, base_flat, new_flat,
                                self.node_infos[node],
                                not any(len(m.samples) for m in grouped[node])))
        return sorted(out, key=lambda n: (-abs(n.delta), -n.new, n.name))

    def _groups(self, side: _Side, m: _Members, d: int) -> Iterator[Group]:
        """The members at depth d grouped by the node they stand at: per node, the weight
        through it, the weight ending there, and those going on, moved one frame deeper."""
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
            chosen = order[starts[i]:ends[i]]
            chosen = chosen[goes_on[chosen]]
            yield node, int(value[i]), int(ending[i]), _Members(
                deeper.samples[chosen], deeper.position[chosen], deeper.frame[chosen])

    def _groups_few(self, side: _Side, m: _Members, d: int) -> Iterator[Group]:
        """_groups for a handful of members, one at a time: deep in a tree numpy's cost per
        call would dominate (a 100,000-frame recursion is 100,000 levels of one sample)."""
        by_node: dict[int, tuple[list[int], list[list[int]]]] = {}
        for sample, position, frame in zip(m.samples.tolist(), m.position.tolist(),
                                           m.frame.tolist()):
            location = int(side.locations[position])
            node = int(side.frame_node[side.frame_start[location] + frame])
            weight, depth = int(side.weights[sample]), int(side.depth[sample])
            sums, going = by_node.setdefault(node, ([0, 0], [[], [], []]))
            sums[0] += weight
            if depth == d + 1:
                sums[1] += weight
            elif depth > d + 1:
                for column, value in zip(going, (sample, *self._step_one(side, position, frame,
                                                                           location))):
                    column.append(value)
        for node, ((value, flat), going) in by_node.items():
            yield node, value, flat, _Members(*(np.array(c, dtype=np.int64) for c in going))

    def _step_one(self, side: _Side, position: int, frame: int, location: int) -> tuple[int, int]:
        """_step for one member that goes on."""
        if self.bottom_up:
            if frame == int(side.frame_count[location]) - 1:
                return position + 1, 0
            return position, frame + 1
        if frame == 0:
            return position - 1, int(side.frame_count[side.locations[position - 1]]) - 1
        return position, frame - 1

    def infos_of(self, path: Path) -> tuple[NodeInfo, ...]:
        """The nodes of `path` from the root by identity: what another tree of the same
        profiles (another sample type, mode or normalization) knows the path by."""
        return tuple(self.node_infos[n] for n in path.nodes())

    def follow(self, infos: tuple[NodeInfo, ...]) -> TreeNode | None:
        """The node at the end of the path of these nodes from the root (infos_of another
        tree's path), None when this tree has no such path."""
        node: TreeNode | None = None
        for info in infos:
            node = next((c for c in self.children(node.path if node else ()) if c.info == info),
                        None)
            if node is None:
                return None
        return node

    def path_to(self, info: NodeInfo, max_depth: int) -> list[TreeNode] | None:
        """From the root, the path that carries most of `info`'s weight (base + new of the
        samples through it), down to `info`'s first node on it: at each level, the child
        through which most of the samples that pass through `info` go. None when no sample
        does within max_depth levels."""
        node_id = self.infos.get(info)
        if node_id is None:
            return None
        through = self._through(node_id)
        carried: dict[Path, int] = {}

        def carries(n: TreeNode) -> int:
            """The weight of the samples through n that reach `info` at n or below it."""
            if n.info == info:
                return abs(n.base) + abs(n.new)
            if n.leaf:
                return 0
            if n.path not in carried:
                members = self._members.get(n.path)
                carried[n.path] = sum(carries(c) for c in self.children(n.path)) \
                    if members is None else \
                    sum(int(np.abs(side.weights[m.samples[through[k][m.samples]]]).sum())
                        for k, (side, m) in enumerate(zip(self.sides, members)))
            return carried[n.path]

        path: list[TreeNode] = []
        level = self.children(self.root)
        while level and len(path) < max_depth:
            best = max(level, key=carries)  # the first of equals: the tree's own order
            if not carries(best):
                return None
            path.append(best)
            if best.info == info:
                return path
            level = self.children(best.path)
        return None

    def _through(self, node: int) -> list[np.ndarray]:
        """Per side, per sample: whether its stack has a frame of `node`."""
        out = []
        for side in self.sides:
            frames = np.concatenate(([0], np.cumsum(side.frame_node == node)))
            at_location = frames[side.frame_start + side.frame_count] > frames[side.frame_start]
            entries = at_location[side.locations]
            has = np.zeros(len(side.offsets) - 1, dtype=bool)
            filled = side.offsets[1:] > side.offsets[:-1]  # reduceat gives an empty range one item
            if len(entries):
                has[filled] = np.logical_or.reduceat(entries, side.offsets[:-1][filled])
            out.append(has)
        return out

    def growth_path(self) -> list[TreeNode]:
        """From the root, the child with the largest growth at each level."""
        path: list[TreeNode] = []
        level = self.children(self.root)
        while level:
            best = max(level, key=lambda n: n.delta)
            if best.delta <= 0:
                break
            path.append(best)
            level = self.children(best.path)
        return path
