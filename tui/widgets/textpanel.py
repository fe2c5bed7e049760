"""A scrolling panel of text: the arrow keys, j/k, PageUp/PageDown, Home/End and the mouse
wheel move it when its text is longer (or, unwrapped, wider) than the screen."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Static


class TextPanel(ScrollableContainer):
    DEFAULT_CSS = """
    TextPanel { height: 1fr; }
    TextPanel > Static { width: 1fr; height: auto; }
    TextPanel.-nowrap > Static { width: auto; }
    """
    BINDINGS = [Binding("j", "scroll_down", "down", show=False),
                Binding("k", "scroll_up", "up", show=False)]

    def __init__(self, wrap: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.set_class(not wrap, "-nowrap")  # unwrapped: long lines scroll left and right

    def compose(self) -> ComposeResult:
        yield Static(markup=False)  # the text quotes inputs: never markup

    def set_text(self, text: Text | str) -> None:
        self.query_one(Static).update(text)

    @property
    def text(self) -> str:
        """What the panel shows, as plain text."""
        return str(self.query_one(Static).render())
