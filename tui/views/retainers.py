"""Retainers: pointer-dense sites with their evidence level."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.units import human_bytes

from ..state import Analysis
from ..widgets.rowtable import Column, RowTable
from .base import Heavy, View

COLUMNS = [Column("scan", 9), Column("in use", 9), Column("ptr%", 5), Column("evidence", 9, False),
           Column("verdict", 24, False), Column("site", 60, False)]


class RetainersView(View, Vertical):
    slug, key, title = "retainers", "7", "Retainers"

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return analysis.pending(analysis.retainers)

    def focus_target(self) -> RowTable:
        return self.query_one(RowTable)

    def compose(self) -> ComposeResult:
        yield Static("", id="retainers-title")
        yield RowTable(COLUMNS, id="retainers-table")

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        r = analysis.retainers()
        self.query_one("#retainers-title", Static).update(
            f"verdicts for {100 * r.known_share:.0f}% of in-use bytes "
            "(binary > source > heuristic; heuristic rows are hints)")
        rows = []
        for s in r.sites:
            verdict = f"hint: {s.hint}" if s.evidence == "heuristic" else f"{s.verdict} {s.type or ''}"
            rows.append(("?" if s.scan_bytes is None else human_bytes(s.scan_bytes),
                         human_bytes(s.inuse_bytes),
                         "" if s.pointer_fraction is None else f"{100 * s.pointer_fraction:.0f}%",
                         s.evidence, verdict, f"{s.function} {s.file}:{s.line}"))
        self.query_one(RowTable).set_rows(rows, [1 if (s.scan_bytes or 0) > 0 else 0 for s in r.sites])
