"""A table that renders only the rows on screen (Textual's line API), so a hundred thousand
rows cost what thirty do. Cells are plain text: names from profiles are never parsed as markup.
"""
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

HEADER = Style(bold=True, reverse=True)
CURSOR = Style(reverse=True)
GROW = Style(color="red")
SHRINK = Style(color="green")


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    right: bool = True


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

    def __init__(self, columns: list[Column], **kwargs):
        super().__init__(**kwargs)
        self.columns = columns
        self.rows: list[tuple[str, ...]] = []
        self.tones: list[int] = []

    def set_rows(self, rows: Sequence[tuple[str, ...]], tones: list[int] | None = None,
                 keep: int | None = None) -> None:
        self.rows = [tuple(terminal(c) for c in r) for r in rows]
        self.tones = tones or [0] * len(rows)
        self.virtual_size = Size(sum(c.width + 1 for c in self.columns) + 40, len(rows) + 1)
        self.cursor = min(keep if keep is not None else 0, max(0, len(rows) - 1))
        self.refresh()

    def _cell(self, text: str, column: Column, last: bool) -> str:
        if last:
            return text
        text = text[:column.width]
        return text.rjust(column.width) if column.right else text.ljust(column.width)

    def _line(self, cells: tuple[str, ...]) -> str:
        n = len(self.columns)
        return " ".join(self._cell(c, col, i == n - 1) for i, (c, col) in
                        enumerate(zip(cells, self.columns)))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            text = self._line(tuple(c.title for c in self.columns))
            return Strip([Segment(text[:width].ljust(width), HEADER)])
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width)
        text = self._line(self.rows[index])[self.scroll_offset.x:][:width].ljust(width)
        tone = self.tones[index]
        style = GROW if tone > 0 else SHRINK if tone < 0 else Style()
        if index == self.cursor:
            style = style + CURSOR
        return Strip([Segment(text, style)])

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

    def on_click(self, event) -> None:
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self.rows):
            self.cursor = index
