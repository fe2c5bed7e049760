"""Peek: callers and callees of the selected function, with deltas; Enter walks to one."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.units import human
from heapdiff.render.format import signed

from ..plain import plain
from ..state import Analysis
from ..widgets.rowtable import Column, RowTable
from .base import Heavy, NodeChosen, View

COLUMNS = [Column("Δ", 10), Column("base", 9), Column("new", 9), Column("", 9, False),
           Column("function", 60, False)]


class PeekView(View, Vertical):
    slug, key, title = "peek", "3", "Peek"
    help = (("Enter", "Peek: walk to the caller or callee"),)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.nodes: list[NodeInfo] = []  # per row, the caller's or callee's identity

    def compose(self) -> ComposeResult:
        yield Static("", id="peek-title")
        yield RowTable(COLUMNS, id="peek-table")

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return None if selected is None else analysis.pending(analysis.peek_graph, selected)

    def focus_target(self) -> RowTable:
        return self.query_one(RowTable)

    def on_row_table_chosen(self, event: RowTable.Chosen) -> None:
        event.stop()
        self.post_message(NodeChosen(self.nodes[event.index]))

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
            self.query_one(RowTable).set_rows([])
            return
        data = graph.nodes[node]
        callers, callees = peek_nodes(graph, node)
        title.update(plain(f"{data['name']}: flat {signed(data['delta_flat'], unit)}, "
                           f"cum {signed(data['delta_cum'], unit)}"))
        rows, tones, self.nodes = [], [], []
        for label, edges in (("caller", callers), ("callee", callees)):
            for other, e in edges:
                rows.append((signed(e["delta"], unit), human(e["base"], unit),
                             human(e["new"], unit), label, graph.nodes[other]["name"]))
                tones.append(1 if e["delta"] > 0 else -1 if e["delta"] < 0 else 0)
                self.nodes.append(graph.nodes[other]["info"])
        self.query_one(RowTable).set_rows(rows, tones)
