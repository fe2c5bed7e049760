"""Retainers: pointer-dense sites with their evidence level."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from heapdiff.render.format import share, site_cells
from heapdiff.analysis.aggregate import NodeInfo

from ..plain import plain
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
        self.query_one("#retainers-title", Static).update(plain(
            f"verdicts for {share(r.known_share)} of in-use bytes "
            "(binary > source > heuristic; heuristic rows are hints)"
            + (f" · the profile has {r.note}" if r.note else "")))
        rows = []
        for s in r.sites:
            c = site_cells(s)
            verdict = c.verdict if s.evidence == "heuristic" else f"{c.verdict} {s.type or ''}"
            rows.append((c.scan, c.inuse, c.pointers, c.evidence, verdict,
                         f"{s.function} {s.file}:{s.line}"))
        self.query_one(RowTable).set_rows(rows, [1 if (s.scan_bytes or 0) > 0 else 0 for s in r.sites])
