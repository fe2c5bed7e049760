"""Timeline: a capture's rounds, per function (leak suspects first) and for RSS, HeapAlloc and
HeapInuse, with sparklines (memory first): what `heapdiff timeline DIR` prints. Moving onto a
function selects it for the other views; Enter peeks at it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.render.format import trend_cells

from ..plain import plain
from ..state import Analysis
from ..widgets.rowtable import Column, RowTable
from .base import Heavy, NodeChosen, NodeSelected, View

SPARK_WIDTH = 24
COLUMNS = [Column("kind", 9, False), Column("first", 9), Column("last", 9), Column("change", 10),
           Column("slope/min", 14), Column("trend", SPARK_WIDTH, False),
           Column("name", 60, False)]
TONE = {"grower": 1, "shrinking": -1}


class TimelineView(View, Vertical):
    slug, key, title = "timeline", "8", "Timeline"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.analysis = None
        self.functions: list[str | None] = []  # per row: the function, None for memory rows

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return None if analysis.capture is None else analysis.pending(analysis.timeline)

    def focus_target(self) -> RowTable:
        return self.query_one(RowTable)

    def node_at(self, index: int) -> NodeInfo | None:
        """The node of a function row, as the analysis shown knows it (None: a memory row)."""
        name = self.functions[index] if 0 <= index < len(self.functions) else None
        return None if name is None else self.analysis.node_named(name)

    def on_row_table_moved(self, event: RowTable.Moved) -> None:
        event.stop()
        node = self.node_at(event.index)
        if node is not None:
            self.post_message(NodeSelected(node))

    def on_row_table_chosen(self, event: RowTable.Chosen) -> None:
        event.stop()
        node = self.node_at(event.index)
        if node is not None:
            self.post_message(NodeChosen(node))

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-title")
        yield RowTable(COLUMNS, id="timeline-table")

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        self.analysis = analysis
        title = self.query_one("#timeline-title", Static)
        table = self.query_one(RowTable)
        tl = analysis.timeline()
        if tl is None:
            title.update("The timeline needs a capture folder: heapdiff capture URL --out DIR, "
                         "then heapdiff tui DIR.")
            self.functions = []
            table.set_rows([])
            return
        span = tl.times[-1] - tl.times[0]
        title.update(plain(f"{len(tl.times)} rounds over {span:.0f} s ({tl.labels[0]} .. "
                           f"{tl.labels[-1]}) · {tl.sample_index}, {tl.granularity} · growers "
                           "are leak suspects"))
        trends = [*tl.memory, *tl.functions]
        units = ["bytes"] * len(tl.memory) + [tl.unit] * len(tl.functions)
        rows = [(*trend_cells(t, u, SPARK_WIDTH, whole=True), t.name) for t, u in zip(trends, units)]
        self.functions = [None] * len(tl.memory) + [t.name for t in tl.functions]
        table.set_rows(rows, [TONE.get(t.kind, 0) for t in trends])
