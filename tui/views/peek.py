"""Peek: the selected function between its callers (above) and its callees (below), as
pprof's -peek lays it out, each with the edge's base, new and Δ; Enter walks to one, Esc or
Backspace goes back to the view Peek was opened from."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, TabbedContent

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.render.escape import terminal
from heapdiff.render.format import amount, signed_amount

from ..state import Analysis
from ..widgets.rowtable import Column, RowTable
from .base import Heavy, NodeChosen, View

COLUMNS = [Column("Δ", 10), Column("base", 9), Column("new", 9), Column("function", 60, False)]
SINGLE = [Column("value", 10), Column("function", 60, False)]  # a profile without a base
SIDES = ("callers", "callees")  # top to bottom, around the node


class PeekView(View, Vertical):
    slug, key, title = "peek", "3", "Peek"
    help = (("Enter", "Peek: walk to the caller or callee"),
            ("Tab", "Peek: from the callers to the callees and back"),
            ("Esc ⌫", "Peek: back to the view it was opened from"))
    BINDINGS = [Binding("escape,backspace", "back", "back", show=False)]
    DEFAULT_CSS = """
    PeekView > .peek-label { height: 1; text-style: bold; }
    PeekView > #peek-title { height: auto; text-style: bold; background: $boost; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # per side, per row, the caller's or callee's identity
        self.nodes: dict[str, list[NodeInfo]] = {side: [] for side in SIDES}
        self.came_from: str | None = None  # the tab Peek was opened from, where Esc returns

    def compose(self) -> ComposeResult:
        yield Static("callers", id="peek-callers-label", classes="peek-label", markup=False)
        yield RowTable(COLUMNS, id="peek-callers")
        yield Static("", id="peek-title", markup=False)
        yield Static("callees", id="peek-callees-label", classes="peek-label", markup=False)
        yield RowTable(COLUMNS, id="peek-callees")

    def on_mount(self) -> None:
        tabs = next((a for a in self.ancestors if isinstance(a, TabbedContent)), None)
        if tabs is not None:
            self.watch(tabs, "active", self._tab_changed, init=False)

    def _tab_changed(self, old: str, new: str) -> None:
        if new == self.slug and old and old != self.slug:
            self.came_from = old

    def action_back(self) -> None:
        tabs = next((a for a in self.ancestors if isinstance(a, TabbedContent)), None)
        if tabs is not None:
            tabs.active = self.came_from or "top"

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return None if selected is None else analysis.pending(analysis.peek_graph, selected)

    def focus_target(self) -> RowTable:
        """The callers, or the callees when there are no callers (a root)."""
        callers, callees = self.query_one("#peek-callers", RowTable), \
            self.query_one("#peek-callees", RowTable)
        return callers if callers.rows or not callees.rows else callees

    def on_row_table_chosen(self, event: RowTable.Chosen) -> None:
        event.stop()
        side = (event.table.id or "").removeprefix("peek-")
        self.post_message(NodeChosen(self.nodes[side][event.index]))

    def on_row_table_moved(self, event: RowTable.Moved) -> None:
        event.stop()  # moving here only points at a row; Enter walks to it

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        from heapdiff.analysis.callgraph import node_of, peek_nodes

        unit = analysis.diff.sample_type.unit
        title = self.query_one("#peek-title", Static)
        graph = analysis.peek_graph(selected) if selected is not None else None
        node = node_of(graph, selected) if graph is not None and selected is not None else None
        if graph is None or node is None:
            title.update("select a function (in Top or Tree) to peek at it")
            for side in SIDES:
                self.nodes[side] = []
                self.query_one(f"#peek-{side}", RowTable).set_rows([])
            return
        data = graph.nodes[node]
        name = terminal(data["name"])
        title.update(Text(f"{name}: flat {signed_amount(data['delta_flat'], unit)}, "
                          f"cum {signed_amount(data['delta_cum'], unit)}"))
        single = not analysis.bases
        if single:
            title.update(Text(f"{name}: flat {amount(data['new_flat'], unit)}, "
                              f"cum {amount(data['new_cum'], unit)}"))
        for side, edges in zip(SIDES, peek_nodes(graph, node)):
            rows, tones = [], []
            for other, e in edges:
                rows.append((amount(e["new"], unit), graph.nodes[other]["name"]) if single else
                            (signed_amount(e["delta"], unit), amount(e["base"], unit),
                             amount(e["new"], unit), graph.nodes[other]["name"]))
                tones.append(0 if single else 1 if e["delta"] > 0 else -1 if e["delta"] < 0 else 0)
            self.nodes[side] = [graph.nodes[other]["info"] for other, _ in edges]
            table = self.query_one(f"#peek-{side}", RowTable)
            table.columns = SINGLE if single else COLUMNS
            table.set_rows(rows, tones)
            # the count first: a long name is cut at the screen's edge, the count is not
            self.query_one(f"#peek-{side}-label", Static).update(
                Text(f"{side} ({len(rows)}) of {name}"))
