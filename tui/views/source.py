"""Source: the selected function's file with per-line deltas, when the file is found
(--source DIR maps the profile's paths into a checkout)."""
from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from heapdiff.analysis.diff import diff_profiles
from heapdiff.render.format import signed

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


class SourceView(Static):
    def show(self, analysis, selected: str | None, source_dir: str | None) -> None:
        if not selected:
            self.update("select a function to see its source")
            return
        d = diff_profiles(analysis.bases, analysis.new, analysis.diff.sample_type.type, "lines",
                          analysis.settings.mode, analysis.settings.normalize)
        lines = {}
        file_name = ""
        for r in d.rows:
            name, _, where = r.name.rpartition(" ")
            if name == selected and ":" in where:
                file_name, _, line = where.rpartition(":")
                lines[int(line)] = r
        found = find_file(file_name, source_dir)
        text = Text()
        if found is None:
            text.append(f"{selected}: source file {file_name or '(unknown)'} not found; "
                        "give heapdiff tui --source DIR\n")
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
            text.append(source[number - 1] + "\n")
        self.update(text)
