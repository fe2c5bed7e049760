"""The flame's geometry: rows of boxes (x, width, frame), depth by depth, each frame as wide as
its share of its parent. Callees too narrow for one cell are summed into one "other" box per
parent, so a function with 10,000 small callees still shows where its memory goes."""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Protocol, Union

from heapdiff.analysis.calltree import CallTree, Path, TreeNode

MAX_DEPTH = 40
OPENED = 2  # the narrowest frame (cells) whose callees are laid out below it
# what one frame is, by granularity, for an "other (N ...)" box's label
NOUNS = {"functions": "functions", "filefunctions": "functions", "files": "files",
         "lines": "lines", "addresses": "addresses"}


@dataclass(frozen=True)
class Other:
    """The callees of one parent too narrow to draw, as one box: their sums."""

    name: str
    base: int
    new: int
    size: int  # their extents summed: the box's share of the row
    count: int
    members: tuple[TreeNode, ...] = field(default=(), repr=False, compare=False)

    @property
    def delta(self) -> int:
        return self.new - self.base


Frame = Union[TreeNode, Other]
Box = tuple[int, int, Frame]  # x, width, frame


def extent(node: Frame) -> int:
    """A frame's share of its row: its larger side by size, since a delta profile's freed
    memory is negative."""
    return node.size if isinstance(node, Other) else max(abs(node.new), abs(node.base))


def spread(nodes: list[TreeNode], x: int, width: int, total: int, noun: str) -> list[Box]:
    """`nodes` side by side from x, largest first, each width * extent / total cells; those
    under one cell share one Other box in what is left."""
    end, out = x + width, []
    ordered = sorted(nodes, key=lambda n: -extent(n))
    for k, n in enumerate(ordered):
        w = width * extent(n) // total
        if w < 1:
            out.extend(_other(ordered[k:], x, end - x, width, total, noun))
            break
        out.append((x, w, n))
        x += w
    return out


def _other(narrow: list[TreeNode], x: int, room: int, width: int, total: int,
           noun: str) -> list[Box]:
    size = sum(map(extent, narrow))
    w = min(room, max(1, round(width * size / total)))
    if w < 1 or size == 0:
        return []
    if len(narrow) == 1:  # one frame is itself, selectable
        return [(x, w, narrow[0])]
    box: Frame = Other(f"other ({len(narrow):,} {noun})", sum(n.base for n in narrow),
                sum(n.new for n in narrow), size, len(narrow), tuple(narrow))
    return [(x, w, box)]


class Children(Protocol):
    def children(self, path: Path | tuple[()] = ()) -> list[TreeNode]: ...


class Known:
    """A tree's levels computed so far, and none below: laid out at once, for an answer to
    a zoom while the whole layout is computed."""

    def __init__(self, tree: CallTree):
        self.tree = tree

    def children(self, path: Path | tuple[()] = ()) -> list[TreeNode]:
        return self.tree.children(path) if self.tree.has_children_of(path) else []


def lay_out(tree: Children, zoom: TreeNode | None, width: int,
            granularity: str) -> tuple[list[list[Box]], int]:
    """The rows from the top (the zoomed frame alone, full width, or the roots) down to
    MAX_DEPTH, and the colour scale: the largest |delta| of the top row."""
    noun = NOUNS.get(granularity, "frames")
    top = [zoom] if zoom is not None else tree.children(())
    scale = max([abs(n.delta) for n in top] + [1])
    rows: list[list[Box]] = []
    level = spread(top, 0, width, sum(map(extent, top)) or 1, noun)
    while level and len(rows) < MAX_DEPTH:
        rows.append(level)
        below: list[Box] = []
        for x, w, node in level:
            # a frame one cell wide has no room to show its callees: zoom shows them, and
            # opening every narrow tower cost a big profile's flame a quarter of its time
            if isinstance(node, TreeNode) and w >= OPENED:
                kids = tree.children(node.path)
                # sides grow and shrink apart: the children's extents can outweigh the parent's
                total = max(extent(node), sum(map(extent, kids))) or 1
                below += spread(kids, x, w, total, noun)
        level = below
    return rows, scale


def find(rows: list[list[Box]], match: Callable[[TreeNode], bool]) -> tuple[int, int] | None:
    """The widest box whose frame satisfies `match`, or that sums one that does (the
    topmost of equals), or None."""
    best, where = 0, None
    for y, row in enumerate(rows):
        for i, (_, w, node) in enumerate(row):
            if w > best and (any(map(match, node.members)) if isinstance(node, Other)
                             else match(node)):
                best, where = w, (y, i)
    return where
