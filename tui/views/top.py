"""Top: functions with base, new and delta for flat and cum; sort by any column; / filters."""
from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.units import human
from heapdiff.render.format import diff_cells, signed
from heapdiff.render.order import sort_rows

from ..plain import plain
from ..state import Analysis
from ..widgets.rowtable import Column, RowTable
from .base import NodeChosen, NodeSelected, View, ViewFiltered

COLUMNS = [Column("base flat", 9), Column("new flat", 9), Column("Δ flat", 10), Column("Δ%", 8),
           Column("base cum", 9), Column("new cum", 9), Column("Δ cum", 10), Column("", 6, False),
           Column("name", 60, False)]
SORT_KEYS = ["base_flat", "new_flat", "delta_flat", "delta_pct", "base_cum", "new_cum",
             "delta_cum", "status", "name"]  # the orders (render.order) the o key cycles


class TopView(View, Vertical):
    slug, key, title = "top", "1", "Top"
    help = (("/", "filter the Top rows by regex, as you type"),
            ("o", "sort Top by the next column"))
    BINDINGS = [Binding("escape", "close_filter", "clear filter", show=False)]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.analysis = None
        self.sort = "delta_flat"
        self.pattern: re.Pattern | None = None
        self.shown = []

    def compose(self) -> ComposeResult:
        yield Static("", id="top-summary")
        yield Input(placeholder="filter (regex), Enter to keep, Esc to clear", id="top-filter")
        yield RowTable(COLUMNS, id="top-table")

    def on_mount(self) -> None:
        self.query_one("#top-filter").display = False

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        self.analysis = analysis
        self.refill(selected)

    def focus_target(self) -> RowTable:
        return self.query_one(RowTable)

    def on_row_table_moved(self, event: RowTable.Moved) -> None:
        event.stop()
        if self.shown:
            self.post_message(NodeSelected(self.shown[event.index].info))

    def on_row_table_chosen(self, event: RowTable.Chosen) -> None:
        event.stop()
        self.post_message(NodeChosen(self.shown[event.index].info))

    def refill(self, selected: NodeInfo | None = None) -> None:
        d = self.analysis.diff
        unit = d.sample_type.unit
        rows = [r for r in d.rows if self.pattern is None or self.pattern.search(r.name)]
        rows = sort_rows(rows, self.sort)
        self.shown = rows
        table = self.query_one(RowTable)
        cells = [(c.base_flat, c.new_flat, c.delta_flat, c.flat_percent, c.base_cum, c.new_cum,
                  c.delta_cum, r.status, r.name)
                 for r, c in ((r, diff_cells(r, unit)) for r in rows)]
        tones = [1 if r.delta_cum > 0 else -1 if r.delta_cum < 0 else 0 for r in rows]
        keep = next((i for i, r in enumerate(rows) if r.info == selected), 0)
        table.set_rows(cells, tones, keep)
        s = self.analysis.settings
        self.query_one("#top-summary", Static).update(plain(
            f"{d.sample_type.type}, {s.granularity}, mode {s.mode}"
            + (", normalized" if s.normalize else "")
            + f" | base {human(d.base_total, unit)} -> new {human(d.new_total, unit)} "
              f"({signed(d.net_change, unit)}) | {len(rows)} rows, "
              f"sorted by {self.sort}"))

    def cycle_sort(self) -> None:
        self.sort = SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)]
        self.refill(self.selected())

    def selected(self) -> NodeInfo | None:
        table = self.query_one(RowTable)
        return self.shown[table.cursor].info if self.shown else None

    def open_filter(self) -> None:
        box = self.query_one("#top-filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        try:
            self.pattern = re.compile(event.value) if event.value else None
        except re.error:
            return  # an unfinished regex: keep the last good filter while typing
        self.post_message(ViewFiltered(self.slug, f"filter /{event.value}/" if event.value else ""))
        self.refill(self.selected())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(RowTable).focus()

    def action_close_filter(self) -> None:
        box = self.query_one("#top-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.pattern = None
            self.post_message(ViewFiltered(self.slug, ""))
            self.refill(self.selected())
        self.query_one(RowTable).focus()
