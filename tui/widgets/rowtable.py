"""A table that renders only the rows on screen (Textual's line API), so a hundred thousand
rows cost what thirty do. Cells are plain text: names from profiles are never parsed as markup.

It fits the terminal: a column is as wide as its widest cell (never cut), the last column (the
name) takes the rest, and when that leaves it too little, columns are dropped by their `rank`
(the highest first). The header scrolls sideways with the data."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from heapdiff.render.escape import terminal

MIN_LAST = 25  # the last column (the name) keeps at least this many cells on screen
HEADER = Style(bold=True, reverse=True)
CURSOR = Style(reverse=True)
PLAIN = Style()  # never a None style: Textual's NO_COLOR filter reads every segment's style
# tone (1 growth, -1 shrink) -> style, in colour and under NO_COLOR (where red and green
# would turn into greys of different brightness, growth the dimmer): growth bold there
TONES = {True: {1: Style(color="red"), -1: Style(color="green"), 0: PLAIN},
         False: {1: Style(bold=True), -1: PLAIN, 0: PLAIN}}
ARROWS = {True: " ▼", False: " ▲"}  # the sorted column's marker: descending, ascending


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # at least this wide; wider when a cell needs it
    right: bool = True
    rank: int = 0  # dropped when the terminal is narrow, the highest rank first; 0 never


@dataclass(frozen=True)
class Sorted:
    """Which column the rows are sorted by, and whether the header shows it descending."""
    column: int
    descending: bool


class RowTable(ScrollView, can_focus=True):
    """rows: tuples of cell strings; tones: per row, 1 growth, -1 shrink, 0 neither."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "up", show=False),
        Binding("down,j", "cursor(1)", "down", show=False),
        Binding("pageup,ctrl+b", "cursor(-20)", "page up", show=False),
        Binding("pagedown,ctrl+f", "cursor(20)", "page down", show=False),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
        Binding("enter", "choose", "open", show=False),
    ]
    cursor = reactive(0)
    sorting: reactive[Sorted | None] = reactive(None)

    class Chosen(Message):
        def __init__(self, table: "RowTable", index: int):
            super().__init__()
            self.table = table
            self.index = index

    class Moved(Message):
        def __init__(self, table: "RowTable", index: int):
            super().__init__()
            self.table = table
            self.index = index

    class HeaderClicked(Message):
        """A click on a column's title (the index in `columns`)."""

        def __init__(self, table: "RowTable", column: int):
            super().__init__()
            self.table = table
            self.column = column

    def __init__(self, columns: list[Column], **kwargs):
        super().__init__(**kwargs)
        self.columns = columns
        self.all_rows: list[tuple[str, ...]] = []  # every row set_rows was given, escaped
        self.all_tones: list[int] = []
        self.rows: list[tuple[str, ...]] = []  # the rows shown, in order
        self.tones: list[int] = []
        self.widths = [c.width for c in columns]
        self.shown_columns = list(range(len(columns)))  # those that fit, in order

    def set_columns(self, columns: list[Column]) -> None:
        """Other columns (a single profile's instead of a diff's); set_rows follows."""
        self.columns = columns
        self.widths = [c.width for c in columns]

    def set_rows(self, rows: Sequence[tuple[str, ...]], tones: list[int] | None = None,
                 keep: int | None = None) -> None:
        """All the rows, shown in this order; the columns widen to their widest cell."""
        self.all_rows = [tuple(terminal(c) for c in r) for r in rows]
        self.all_tones = tones or [0] * len(rows)
        self.widths = [max([c.width, len(c.title) + 2, *(len(r[i]) for r in self.all_rows)])
                       for i, c in enumerate(self.columns)]
        self.show(range(len(self.all_rows)), keep)

    def show(self, order: Sequence[int], keep: int | None = None) -> None:
        """Show the rows at these positions of set_rows's, in this order (a sort, a filter),
        without formatting or measuring them again; the cursor goes to position `keep`."""
        self.rows = [self.all_rows[i] for i in order]
        self.tones = [self.all_tones[i] for i in order]
        self._fit()
        self.cursor = min(keep if keep is not None else 0, max(0, len(self.rows) - 1))
        self.refresh()

    def _fit(self) -> None:
        """Drop columns by rank until the last one keeps MIN_LAST cells, and size the
        scrollable area: as wide as the longest last cell needs."""
        width = self.size.width or 80
        last = len(self.columns) - 1
        shown = list(range(len(self.columns)))
        fixed = lambda: sum(self.widths[i] + 1 for i in shown if i != last)  # noqa: E731
        while fixed() + MIN_LAST > width:
            droppable = [i for i in shown if self.columns[i].rank > 0]
            if not droppable:
                break
            shown.remove(max(droppable, key=lambda i: (self.columns[i].rank, i)))
        self.shown_columns = shown
        longest = max((len(r[last]) for r in self.rows), default=0)
        longest = max(longest, len(self.columns[last].title) + 2) if self.columns else 0
        self.virtual_size = Size(max(width, fixed() + longest), len(self.rows) + 1)

    def on_resize(self) -> None:
        self._fit()
        self.refresh()

    def watch_sorting(self) -> None:
        self.refresh()

    def _title(self, i: int) -> str:
        s = self.sorting
        return self.columns[i].title + (ARROWS[s.descending] if s and s.column == i else "")

    def _cell(self, text: str, i: int) -> str:
        if i == len(self.columns) - 1:
            return text
        column, width = self.columns[i], self.widths[i]
        return text.rjust(width) if column.right else text.ljust(width)

    def _line(self, cells: Sequence[str]) -> str:
        return " ".join(self._cell(cells[i], i) for i in self.shown_columns)

    def _strip(self, text: str, style: Style) -> Strip:
        """The line as seen through the window: scrolled sideways, cut and padded to it."""
        width, x = self.size.width, self.scroll_offset.x
        return Strip([Segment(text, style)]).crop(x, x + width).extend_cell_length(width, style)

    def render_line(self, y: int) -> Strip:
        if y == 0:
            return self._strip(self._line([self._title(i) for i in range(len(self.columns))]),
                               HEADER)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(self.size.width, PLAIN)
        style = TONES[not self.app.no_color][self.tones[index]]
        if index == self.cursor:
            style = style + CURSOR
        return self._strip(self._line(self.rows[index]), style)

    def watch_cursor(self, old: int, new: int) -> None:
        visible = self.size.height - 1
        if new < self.scroll_offset.y:
            self.scroll_to(y=new, animate=False)
        elif visible > 0 and new >= self.scroll_offset.y + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()
        if self.rows:
            self.post_message(self.Moved(self, new))

    def action_cursor(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = where if where >= 0 else len(self.rows) - 1

    def action_choose(self) -> None:
        if self.rows:
            self.post_message(self.Chosen(self, self.cursor))

    def column_at(self, x: int) -> int | None:
        """The column under screen column x of the header, if any."""
        x += self.scroll_offset.x
        for i in self.shown_columns:
            width = self.widths[i] if i != len(self.columns) - 1 else self.virtual_size.width
            if x < width:
                return i
            x -= width + 1
            if x < 0:
                return None
        return None

    def on_click(self, event) -> None:
        if event.y == 0:
            column = self.column_at(event.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.rows):
            self.cursor = index
