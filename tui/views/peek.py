"""Peek: callers and callees of the selected function, with deltas; Enter walks to one."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from heapdiff.common.units import human
from heapdiff.render.format import signed

from ..widgets.rowtable import Column, RowTable

COLUMNS = [Column("Δ", 10), Column("base", 9), Column("new", 9), Column("", 9, False),
           Column("function", 60, False)]


class PeekView(Vertical):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="peek-title")
        yield RowTable(COLUMNS, id="peek-table")

    def show(self, analysis, selected: str | None) -> None:
        from heapdiff.analysis.callgraph import peek

        unit = analysis.diff.sample_type.unit
        title = self.query_one("#peek-title", Static)
        graph = analysis.peek_graph(selected) if selected is not None else None
        nodes = [n for n, d in graph.nodes(data=True) if d["name"] == selected] if graph else []
        if graph is None or not nodes:
            title.update("select a function (in Top or Tree) to peek at it")
            self.query_one(RowTable).set_rows([])
            return
        data = graph.nodes[nodes[0]]
        callers, callees = peek(graph, nodes[0])
        title.update(f"{selected}: flat {signed(data['delta_flat'], unit)}, "
                     f"cum {signed(data['delta_cum'], unit)}")
        rows, tones, self.names = [], [], []
        for label, edges in (("caller", callers), ("callee", callees)):
            for name, e in edges:
                rows.append((signed(e["delta"], unit), human(e["base"], unit),
                             human(e["new"], unit), label, name))
                tones.append(1 if e["delta"] > 0 else -1 if e["delta"] < 0 else 0)
                self.names.append(name)
        self.query_one(RowTable).set_rows(rows, tones)
