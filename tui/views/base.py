"""What every view declares, so that the list of views (tui/views/__init__.py) drives the
tabs, the number keys, the help screen, readiness and focus, and a new view is one class.

A view is a widget with these class attributes and methods; it says what the user selects or
chooses by posting NodeSelected / NodeChosen with the node's identity, never a display name."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from heapdiff.analysis.aggregate import NodeInfo

from ..state import Analysis
from ..export import code_block, markdown_table, paragraphs
from ..search import next_match
from ..widgets.rowtable import RowTable
from ..widgets.textpanel import TextPanel

Heavy = Callable[[], object]


def typing(app) -> bool:
    """Whether the user types in a box on screen: a view that fills meanwhile leaves the keys
    there instead of taking the focus."""
    focused = app.focused
    return isinstance(focused, Input) and focused.display


class NodeSelected(Message):
    """The user moved onto a node: it becomes the selection every view shows."""

    def __init__(self, node: NodeInfo):
        super().__init__()
        self.node = node


class NodeChosen(NodeSelected):
    """The user chose a node (Enter): selected, and peeked at."""


class ViewFiltered(Message):
    """A view's own filter changed (Top's /): the header says so while that view is shown.
    `description` is what it says ("filter /main/"), "" once the filter is gone."""

    def __init__(self, slug: str, description: str):
        super().__init__()
        self.slug = slug
        self.description = description


if TYPE_CHECKING:
    _Widget = Widget
else:
    # A mixin at run time: a Widget base here would be given Widget's can_focus=False by
    # Textual's __init_subclass__, and it would shadow the Tree's or RowTable's own.
    _Widget = object


class View(_Widget):
    """The view protocol, mixed into a Textual widget (Static, Vertical, Tree, ...): to the
    type checker a View is a Widget, as every view is."""

    slug: ClassVar[str]  # the tab's id ("top")
    key: ClassVar[str]  # the number key that shows it ("1")
    title: ClassVar[str]  # the tab's and the help's name ("Top")
    help: ClassVar[tuple[tuple[str, str], ...]] = ()  # (keys, what they do) for the help screen

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        """The part to compute in a worker before show(), or None when there is none left."""
        return None

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        raise NotImplementedError

    def focus_target(self) -> Widget | None:
        """The widget that takes the focus once shown (None: the view takes none)."""
        return None



    # --- search (/ then n / N) and export (x): defaults that work on a view's RowTable or on
    # a Static's text; a view overrides them when its data is elsewhere (Tree, Flame) -------
    def search(self, pattern: re.Pattern[str], step: int) -> bool | None:
        """Move to a match of `pattern`: step 0 the first at or after the current line, 1 the
        next, -1 the previous (wrapping). True: moved, False: no match, None: this view has
        nothing to search."""
        lines = self.search_lines()
        if lines is None:
            return None
        table = self._table()
        at = table.cursor if table is not None else getattr(self, "_search_at", 0)
        found = next_match(lines, pattern, at, step)
        if found is None:
            return False
        if table is not None:
            table.cursor = found
        else:
            self._search_at = found
            (self._panel() or self).scroll_to(y=found, animate=False)
        return True

    def search_lines(self) -> list[str] | None:
        """The lines a search looks in: the table's rows, else the text shown, else None."""
        table = self._table()
        if table is not None:
            return [" ".join(row) for row in table.rows]
        if (panel := self._panel()) is not None:
            return panel.text.splitlines()
        if isinstance(self, Static):
            return str(self.content).splitlines()
        return None

    def markdown(self) -> str:
        """What the view shows, as Markdown: the lines above its table (a summary, a title)
        and the table, else its text as a code block."""
        table = self._table()
        if table is not None:
            above = [str(s.content) for s in self.query(Static) if s.display]
            return paragraphs(above) + markdown_table(
                [c.title for c in table.columns], table.rows, [c.right for c in table.columns])
        above = [str(s.content) for s in self.query(Static) if s.display
                 and not isinstance(s.parent, TextPanel)] if self._panel() else []
        return paragraphs(above) + code_block(self.search_lines() or [])

    def _table(self) -> RowTable | None:
        target = self.focus_target()
        return target if isinstance(target, RowTable) else None

    def _panel(self) -> TextPanel | None:
        """The scrolling text the view shows (Memory, Source), if that is what it shows."""
        target = self.focus_target()
        return target if isinstance(target, TextPanel) else None
