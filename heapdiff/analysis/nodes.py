"""pprof's node identity per granularity, in plain Python: what a frame stands for in a row.

Kept free of numpy so the small-profile route (analysis/small.py) names nodes exactly as the
columnar one (aggregate.py) does, from the same code, without paying numpy's import. The
records are NamedTuples (common/records.py), immutable values like frozen dataclasses:
importing dataclasses and making a dataclass cost more than a small profile's `top` can spend
on start-up.
"""
from __future__ import annotations

import posixpath

from ..common.records import Record

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Protocol

    class FunctionLike(Protocol):
        """What naming reads of a function (model.Function, decode/small.SmallFunction)."""

        @property
        def name(self) -> str: ...
        @property
        def filename(self) -> str: ...
        @property
        def start_line(self) -> int: ...

GRANULARITIES = ("functions", "filefunctions", "files", "lines", "addresses")


class NodeInfo(Record):
    """pprof's node identity; equal infos are one node."""

    address: int = 0
    name: str = ""
    file: str = ""
    start_line: int = 0
    line: int = 0
    column: int = 0
    objfile: str = ""

    def printable_name(self) -> str:
        """The name pprof prints for the node (graph.NodeInfo.NameComponents)."""
        parts = []
        if self.address:
            parts.append(f"{self.address:016x}")
        if self.name:
            parts.append(self.name)
        if self.line:
            parts.append(f"{self.file}:{self.line}" + (f":{self.column}" if self.column else ""))
        elif self.file:
            parts.append(self.file)
        elif self.name:
            pass
        elif self.objfile:
            parts.append(f"[{posixpath.basename(self.objfile)}]")
        else:
            parts.append("<unknown>")
        return " ".join(parts)


class Row(Record):
    name: str
    flat: int
    cum: int


def clean_path(path: str) -> str:
    """Go's filepath.Clean, which pprof applies to every file name."""
    if not path:
        return path
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


class LocationTables(Record):
    """The location columns node naming reads, as plain lists (CSR lines, as in Locations)."""

    address: Sequence[int]
    mapping: Sequence[int]  # index into objfiles, -1 for none
    line_offsets: Sequence[int]
    line_function: Sequence[int]  # index into functions, -1 for none
    line_number: Sequence[int]
    line_column: Sequence[int]


def location_nodes(granularity: str, functions: Sequence[FunctionLike], objfiles: Sequence[str],
                   locs: LocationTables) -> tuple[list[NodeInfo], list[int], list[int]]:
    """The nodes, and for every location the nodes of its frames (CSR offsets and nodes,
    innermost inlined frame first)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    use_function = granularity != "files"
    use_file = granularity in ("filefunctions", "files", "lines", "addresses")
    use_line = granularity in ("lines", "addresses")
    use_column = granularity == "addresses"
    use_address = granularity == "addresses"
    function_parts = [
        (f.name if use_function else "",
         clean_path(f.filename) if use_file else "",
         f.start_line)
        for f in functions]

    index: dict[NodeInfo, int] = {}
    infos: list[NodeInfo] = []

    def intern(info: NodeInfo) -> int:
        node = index.get(info)
        if node is None:
            node = index[info] = len(infos)
            infos.append(info)
        return node

    addresses, mapping, line_offsets = locs.address, locs.mapping, locs.line_offsets
    line_function, line_number, line_column = locs.line_function, locs.line_number, locs.line_column
    offsets = [0]
    nodes: list[int] = []
    for i in range(len(line_offsets) - 1):
        address = addresses[i] if use_address else 0
        objfile = objfiles[mapping[i]] if mapping[i] >= 0 else ""
        a, b = line_offsets[i], line_offsets[i + 1]
        if a == b:
            nodes.append(intern(NodeInfo(address=address, objfile=objfile)))
        for j in range(a, b):
            fn = line_function[j]
            if fn < 0:
                info = NodeInfo(address=address, objfile=objfile)
            else:
                name, file, start_line = function_parts[fn]
                info = NodeInfo(
                    address=address, name=name, file=file,
                    line=line_number[j] if use_line else 0,
                    column=line_column[j] if use_column else 0,
                    start_line=0 if name else start_line,
                    objfile="" if name else objfile)
            nodes.append(intern(info))
        offsets.append(len(nodes))
    return infos, offsets, nodes


def row_order(names: Sequence[str], flat: Sequence[int], cum: Sequence[int],
              sort: str = "flat") -> list[int]:
    """Nodes with a non-zero flat or cum, in pprof's order: by |flat| (or |cum|), then name,
    then the other figure."""
    shown = [n for n in range(len(names)) if flat[n] or cum[n]]
    if sort == "cum":
        shown.sort(key=lambda n: (-abs(cum[n]), names[n], -abs(flat[n])))
    else:
        shown.sort(key=lambda n: (-abs(flat[n]), names[n], -abs(cum[n])))
    return shown
