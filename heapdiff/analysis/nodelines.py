"""The source lines of a node, with their figures: the rows of a `lines` diff that belong to
the node, so that a front end can put them beside the file. A node of any granularity names a
function (and perhaps its file and line) or only a file: its lines are its function's, in
that function's file, or the whole file's."""
from __future__ import annotations

from dataclasses import dataclass, field

from .aggregate import NodeInfo
from .diff import Diff, DiffRow


@dataclass(frozen=True)
class NodeLines:
    file: str  # the path the profile gives ("" when it has none)
    lines: dict[int, DiffRow] = field(default_factory=dict)  # line number -> its row


def belongs(line: NodeInfo, node: NodeInfo) -> bool:
    """Whether a node of the lines granularity is part of `node` (of any granularity)."""
    if node.name:
        return line.name == node.name and (not node.file or line.file == node.file)
    return bool(node.file) and line.file == node.file


def node_lines(lines: Diff, node: NodeInfo) -> NodeLines:
    """`node`'s lines among the rows of `lines` (a diff at the lines granularity). A function
    without a file in its identity takes the file of its most changed line."""
    if lines.granularity != "lines":
        raise ValueError(f"node_lines needs a diff by lines, not by {lines.granularity}")
    mine = [r for r in lines.rows if belongs(r.info, node)]
    file = node.file or (mine[0].info.file if mine else "")
    return NodeLines(file, {r.info.line: r for r in mine if r.info.file == file})
