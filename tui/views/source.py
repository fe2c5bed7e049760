"""Source: the selected function's file (or, by files, the selected file) with per-line
deltas, when the file is found (--source DIR maps the profile's paths into a checkout). The
per-line figures are the analysis's, computed in a worker for each node once."""
from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.render.escape import terminal
from heapdiff.render.format import signed

from ..plain import visible
from ..state import Analysis
from .base import Heavy, View

CONTEXT = 400


def find_file(path: str, source_dir: str | None) -> Path | None:
    """The profile's path as is, or its longest suffix under source_dir."""
    if path and Path(path).is_file():
        return Path(path)
    if not source_dir or not path:
        return None
    parts = Path(path).parts
    for k in range(len(parts)):
        candidate = Path(source_dir, *parts[k:])
        if candidate.is_file():
            return candidate
    return None


class SourceView(View, Static):
    slug, key, title = "source", "5", "Source"

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return None if selected is None else analysis.pending(analysis.source_lines, selected)

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        if selected is None:
            self.update("select a function to see its source")
            return
        node_lines = analysis.source_lines(selected)
        lines, file_name = node_lines.lines, node_lines.file
        found = find_file(file_name, analysis.source_dir)
        text = Text()
        if found is None:
            text.append(terminal(f"{selected.printable_name()}: source file "
                                 f"{file_name or '(unknown)'} not found") +
                        "; give heapdiff tui --source DIR\n")
            for number, r in sorted(lines.items()):
                text.append(f"{number:>6} {signed(r.delta_cum, analysis.diff.sample_type.unit):>10}\n")
            self.update(text)
            return
        unit = analysis.diff.sample_type.unit
        source = found.read_text(errors="replace").splitlines()
        first = max(1, min(lines or [1]) - 5)
        for number in range(first, min(len(source), first + CONTEXT) + 1):
            row = lines.get(number)
            mark = f"{signed(row.delta_cum, unit):>10}" if row else " " * 10
            text.append(f"{number:>6} {mark} ", style="red" if row and row.delta_cum > 0 else
                        "green" if row and row.delta_cum < 0 else "")
            text.append(visible(source[number - 1]) + "\n")
        self.update(text)
