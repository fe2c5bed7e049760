"""What every view declares, so that the list of views (tui/views/__init__.py) drives the
tabs, the number keys, the help screen, readiness and focus, and a new view is one class.

A view is a widget with these class attributes and methods; it says what the user selects or
chooses by posting NodeSelected / NodeChosen with the node's identity, never a display name."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.message import Message
from textual.widget import Widget

from heapdiff.analysis.aggregate import NodeInfo

from ..state import Analysis

Heavy = Callable[[], object]


class NodeSelected(Message):
    """The user moved onto a node: it becomes the selection every view shows."""

    def __init__(self, node: NodeInfo):
        super().__init__()
        self.node = node


class NodeChosen(NodeSelected):
    """The user chose a node (Enter): selected, and peeked at."""


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


