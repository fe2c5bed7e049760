"""The app's search box: shown by /, it searches the active view as the user types. It
never keeps the keys while hidden: Enter or Esc hides it and gives the focus back to the
view, and losing the focus (a click, a tab switch) hides it too."""
from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBox(Input, can_focus=False):
    """Focusable only while shown: at start-up Textual would give the hidden box the focus."""

    DEFAULT_CSS = """
    SearchBox { display: none; height: 1; padding: 0 1; }
    SearchBox, SearchBox:focus { border: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "end search", show=False)]

    class Cancelled(Message):
        """Esc: the search ends."""

    def open(self) -> None:
        self.value = ""
        self.display = self.can_focus = True
        self.focus()

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def on_blur(self) -> None:
        self.display = self.can_focus = False
