"""Top: functions with base, new and delta for flat and cum (a single profile: flat and cum
with their share of the total, as `heapdiff top`); every column sorts both ways; / filters."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.analysis.diff import Diff, DiffRow
from heapdiff.common.units import percent
from heapdiff.render.format import DiffCells, amount, diff_cells, signed_amount
from heapdiff.render.order import sort_rows

from ..plain import plain
from ..state import Analysis
from ..widgets.rowtable import Column, RowTable, Sorted
from .base import NodeChosen, NodeSelected, View, ViewFiltered

Cell = Callable[[DiffRow, DiffCells, Diff], str]


@dataclass(frozen=True)
class TopColumn:
    """A column of Top: how it shows, the order (render.order) it sorts by, its cell."""
    column: Column
    order: str
    cell: Cell
    descending: bool = True  # the order puts the largest first (the name: A to Z)


def _col(title: str, width: int, rank: int, order: str, cell: Cell, right: bool = True,
         descending: bool = True) -> TopColumn:
    return TopColumn(Column(title, width, right, rank), order, cell, descending)


# A diff's columns; rank: dropped first when narrow (base columns, then the shares, then the
# relative changes); Δ flat, Δ cum and the name always stay. Δ flat stays the third cell.
DIFF_COLUMNS = (
    _col("base flat", 6, 7, "base_flat", lambda r, c, d: c.base_flat),
    _col("new flat", 6, 4, "new_flat", lambda r, c, d: c.new_flat),
    _col("Δ flat", 6, 0, "delta_flat", lambda r, c, d: c.delta_flat),
    _col("flat Δ%", 6, 5, "delta_pct", lambda r, c, d: c.flat_percent),
    _col("flat%", 6, 6, "delta_flat", lambda r, c, d: percent(r.delta_flat, d.total)),
    _col("base cum", 6, 7, "base_cum", lambda r, c, d: c.base_cum),
    _col("new cum", 6, 4, "new_cum", lambda r, c, d: c.new_cum),
    _col("Δ cum", 6, 0, "delta_cum", lambda r, c, d: c.delta_cum),
    _col("cum Δ%", 6, 5, "delta_cum_pct", lambda r, c, d: c.cum_percent),
    _col("cum%", 6, 6, "delta_cum", lambda r, c, d: percent(r.delta_cum, d.total)),
    _col("status", 4, 3, "status", lambda r, c, d: r.status, right=False, descending=False),
    _col("name", 25, 0, "name", lambda r, c, d: r.name, right=False, descending=False),
)
# One profile, as `heapdiff top` shows it: shares of its total (sum of |values|), in its
# order (against nothing, the change is the value: the diff's own order is pprof's -top)
PROFILE_COLUMNS = (
    _col("flat", 6, 0, "delta_flat", lambda r, c, d: c.new_flat),
    _col("flat%", 6, 1, "delta_flat", lambda r, c, d: percent(abs(r.new_flat), d.new_total)),
    _col("cum", 6, 0, "delta_cum", lambda r, c, d: c.new_cum),
    _col("cum%", 6, 1, "delta_cum", lambda r, c, d: percent(abs(r.new_cum), d.new_total)),
    _col("name", 25, 0, "name", lambda r, c, d: r.name, right=False, descending=False),
)
DEFAULT_SORT = {DIFF_COLUMNS: 2, PROFILE_COLUMNS: 0}  # Δ flat; flat: pprof's -top order


class TopView(View, Vertical):
    slug, key, title = "top", "1", "Top"
    help = (("/", "filter the Top rows by regex, as you type; Enter keeps it, Esc clears it"),
            ("o / O", "sort Top by the next column / reverse the order (or click a title)"))
    BINDINGS = [Binding("escape", "close_filter", "clear filter", show=False)]
    DEFAULT_CSS = """
    TopView #top-filter-line { color: $text-muted; }
    TopView #top-filter-line.invalid { color: $text-error; }
    TopView Input.invalid { border: tall $error; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.analysis: Analysis | None = None
        self.table_columns: tuple[TopColumn, ...] = DIFF_COLUMNS
        self.column = 2  # the sorted column, an index of self.table_columns
        self.reverse = False  # the order upside down
        self.pattern: re.Pattern | None = None
        self.error = ""  # why the text in the filter box is not the filter applied
        self.shown: list[DiffRow] = []
        self._orders: dict[str, list[int]] = {}  # order -> positions in diff.rows, cached
        self._summary = ""  # the summary line shown

    def compose(self) -> ComposeResult:
        yield Static("", id="top-summary")
        yield Input(placeholder="filter (regex), Enter to keep, Esc to clear", id="top-filter")
        yield Static("", id="top-filter-line")
        yield RowTable([c.column for c in DIFF_COLUMNS], id="top-table")

    def on_mount(self) -> None:
        self.query_one("#top-filter").display = False
        self.query_one("#top-filter-line").display = False

    @property
    def sort(self) -> str:
        """The order (render.order) the rows are in."""
        return self.table_columns[self.column].order

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        if analysis is not self.analysis:
            self.analysis = analysis
            self._fill(analysis)
        self.refill(selected)

    def _fill(self, analysis: Analysis) -> None:
        """Format every row once per analysis; sorting and filtering only reorder them."""
        d = analysis.diff
        layout = PROFILE_COLUMNS if not analysis.bases else DIFF_COLUMNS
        if layout is not self.table_columns:
            self.table_columns, self.column, self.reverse = layout, DEFAULT_SORT[layout], False
        self._orders = {}
        unit = d.sample_type.unit
        cells = [tuple(c.cell(r, diff_cells(r, unit, whole=True), d) for c in layout)
                 for r in d.rows]
        tones = [0] * len(d.rows) if layout is PROFILE_COLUMNS else \
            [1 if r.delta_cum > 0 else -1 if r.delta_cum < 0 else 0 for r in d.rows]
        table = self.query_one(RowTable)
        table.set_columns([c.column for c in layout])
        table.set_rows(cells, tones)

    def focus_target(self) -> RowTable:
        return self.query_one(RowTable)

    def on_row_table_moved(self, event: RowTable.Moved) -> None:
        event.stop()
        if self.shown:
            self.post_message(NodeSelected(self.shown[event.index].info))

    def on_row_table_chosen(self, event: RowTable.Chosen) -> None:
        event.stop()
        self.post_message(NodeChosen(self.shown[event.index].info))

    def on_row_table_header_clicked(self, event: RowTable.HeaderClicked) -> None:
        event.stop()
        if event.column == self.column:
            self.reverse_sort()
        else:
            self.sort_by(event.column)

    def _order(self, rows: tuple[DiffRow, ...], order: str) -> list[int]:
        """The positions of the diff's rows in `order`, sorted once per analysis."""
        if order not in self._orders:
            index = {id(r): i for i, r in enumerate(rows)}
            self._orders[order] = [index[id(r)] for r in sort_rows(rows, order)]
        return self._orders[order]

    def refill(self, selected: NodeInfo | None = None) -> None:
        if self.analysis is None:
            return
        d = self.analysis.diff
        order = self._order(d.rows, self.sort)
        if self.reverse:
            order = order[::-1]
        if self.pattern is not None:
            search = self.pattern.search
            order = [i for i in order if search(d.rows[i].name)]
        self.shown = [d.rows[i] for i in order]
        keep = next((n for n, r in enumerate(self.shown) if r.info == selected), 0)
        table = self.query_one(RowTable)
        table.sorting = Sorted(self.column, self._descending())
        table.show(order, keep)
        self._summarize(self.analysis)

    def _summarize(self, analysis: Analysis) -> None:
        d, s = analysis.diff, analysis.settings
        unit = d.sample_type.unit
        sorted_by = self.table_columns[self.column].column.title
        direction = "▼" if self._descending() else "▲"
        if self.table_columns is PROFILE_COLUMNS:
            total, exact = amount(d.new_total, unit), f"{d.new_total:_}"
            figures = f"total {total}" + ("" if total == exact else f" ({exact} {unit})")
        else:
            figures = (f"base {amount(d.base_total, unit)} -> new {amount(d.new_total, unit)} "
                       f"({signed_amount(d.net_change, unit)})")
        text = (f"{d.sample_type.type}, {s.granularity}"
                + (f", mode {s.mode}" if self.table_columns is DIFF_COLUMNS else "")
                + (", normalized" if s.normalize else "")
                + f" | {figures} | {len(self.shown)} rows, sorted by {sorted_by} {direction}")
        # one line before and after, or as long as before: it wraps as before, and a
        # keystroke needs no layout of the whole screen
        summary = self.query_one("#top-summary", Static)
        same = len(text) == len(self._summary) or \
            max(len(text), len(self._summary)) <= summary.size.width
        summary.update(plain(text), layout=not same)
        self._summary = text

    def _descending(self) -> bool:
        """The header says ▼: the largest first (for a name, Z first)."""
        return self.table_columns[self.column].descending != self.reverse

    def sort_by(self, column: int) -> None:
        self.column, self.reverse = column, False
        self.refill(self.selected())

    def cycle_sort(self) -> None:
        """o: the next column to the right (then the first again), in its natural order."""
        self.sort_by((self.column + 1) % len(self.table_columns))

    def reverse_sort(self) -> None:
        """O: the same column, the other way round."""
        self.reverse = not self.reverse
        self.refill(self.selected())

    def selected(self) -> NodeInfo | None:
        table = self.query_one(RowTable)
        return self.shown[table.cursor].info if self.shown else None

    # --- the filter: typed in a box that leaves once Enter keeps it ---------------------
    def open_filter(self) -> None:
        box = self.query_one("#top-filter", Input)
        box.value = self.pattern.pattern if self.pattern else ""
        box.display = True
        self.query_one("#top-filter-line").display = False
        self.screen.set_focus(box)  # now, not after the keys already typed (focus() waits)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        box = self.query_one("#top-filter", Input)
        try:
            pattern = re.compile(event.value) if event.value else None
        except re.error as exc:
            self.error = f"invalid regex: {exc}"
            box.add_class("invalid")
            self._say()
            return
        self.error = ""
        box.remove_class("invalid")
        same = pattern == self.pattern  # the box set to the filter shown (/ again, Esc)
        self.pattern = pattern
        self._say()
        self.post_message(ViewFiltered(self.slug, f"filter /{event.value}/" if event.value else ""))
        if not same:
            self.refill(self.selected())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: keep the filter and give the keys back (an invalid regex stays to fix)."""
        event.stop()
        if not self.error:
            self._leave_box()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """The focus went elsewhere (a click, a tab): the box must not hold it unseen."""
        event.stop()
        if self.query_one("#top-filter").display:
            self._leave_box(focus=False)

    def _leave_box(self, focus: bool = True) -> None:
        box = self.query_one("#top-filter", Input)
        box.display = False
        box.remove_class("invalid")
        self.error = ""
        self._say()
        if focus:
            self.query_one(RowTable).focus()

    def _say(self) -> None:
        """The filter line: the regex kept, or why the one typed is not applied."""
        line = self.query_one("#top-filter-line", Static)
        kept = self.pattern.pattern if self.pattern else ""
        if self.error:
            text = self.error + (f" (still filtering by {kept})" if kept else "")
        elif kept and not self.query_one("#top-filter").display:
            text = f"filter: {kept}  (/ edits it, Esc clears it)"
        else:
            text = ""
        line.set_class(bool(self.error), "invalid")
        if text != str(line.content):  # not once per keystroke typed: each lays out
            line.update(plain(text))
        line.display = bool(text)

    def action_close_filter(self) -> None:
        box = self.query_one("#top-filter", Input)
        box.value = ""  # its Changed event clears the pattern too, after this
        box.display = False
        box.remove_class("invalid")
        self.pattern, self.error = None, ""
        self._say()
        self.post_message(ViewFiltered(self.slug, ""))
        self.refill(self.selected())
        self.query_one(RowTable).focus()
