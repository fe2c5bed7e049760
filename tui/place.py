"""Where a node is in the source, for c/C (copy file:line) and e ($EDITOR): a node by lines
has its own line; a function's is the line Source shows as most changed, once Source has
computed it, else the function's first line from the profile's function table."""
from __future__ import annotations

from heapdiff.analysis.aggregate import NodeInfo

from .state import Analysis


def place(analysis: Analysis, node: NodeInfo) -> tuple[str, int] | None:
    """(file, line), line 0 when only the file is known; None without a file."""
    if node.file and node.line:
        return node.file, node.line
    if analysis.pending(analysis.source_lines, node) is None:  # computed: costs nothing
        lines = analysis.source_lines(node)
        if lines.file and lines.lines:
            return lines.file, max(lines.lines, key=lambda n: abs(lines.lines[n].delta_cum))
    function = next((f for f in analysis.new.functions if f.name == node.name and f.filename),
                    None)
    if function is not None:
        return function.filename, function.start_line
    return (node.file, node.start_line) if node.file else None
