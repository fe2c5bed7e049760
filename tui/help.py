"""The help overlay (? or F1): what the numbers and colours mean, then every key (from the
views' own help and the app's key table), and how to close it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Markdown

from .keys import KEYS
from .views.base import View

CLOSE = "Esc, q or ? closes this help"
MEANINGS = (
    ("flat", "memory allocated by the function itself (pprof's flat)"),
    ("cum", "memory allocated by the function and everything it calls (pprof's cum)"),
    ("Δ", "new minus base: what grew (+) or shrank (−) between the two profiles"),
    ("Δ%", "the change as a share of the base total"),
    ("base / new", "the earlier and the later profile (or capture round), named in the line "
                   "under the title"),
    ("-diff_base", "(d, the default mode) new minus base, percentages of the base total, "
                   "as pprof -diff_base"),
    ("-base", "(d, the other mode) new minus base with equal samples cancelled, percentages "
              "of the changed total, as pprof -base"),
    ("normalized", "(n) the new profile scaled to the base's total before the difference, so "
                   "only the shape changes (pprof -normalize)"),
    ("sample type", "(s) inuse_space / inuse_objects: live now; alloc_space / alloc_objects: "
                    "allocated since the program started"),
    ("red", "growth (Δ > 0): what to look at first for a leak"),
    ("green", "shrink (Δ < 0)"),
    ("NO_COLOR", "without colours the sign says it: + grew, − shrank; the cursor row is "
                 "shown reversed"),
)
MOVING = (("↑ ↓ / j k", "move; Enter peeks at the selected function"),
          ("ctrl+p", "the command palette: every action by name"))


def _table(rows) -> str:
    return "| | |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)


def help_markdown(views: tuple[type[View], ...]) -> str:
    """The meanings, then the keys: the views' own help and the app's key table."""
    keys = [(f"{views[0].key}–{views[-1].key}", ", ".join(v.title for v in views)), *MOVING,
            *(row for v in views for row in v.help),
            *((k.shown or k.key, k.what) for k in KEYS if k.what)]
    return (f"# heapdiff help\n\n*{CLOSE}.*\n\n## What the numbers and colours mean\n\n"
            f"{_table(MEANINGS)}\n## Keys\n\n| key | what it does |\n|---|---|\n"
            + "".join(f"| {key} | {what} |\n" for key, what in keys)
            + f"\n*{CLOSE}.*\n")


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "close help")]

    def __init__(self, views: tuple[type[View], ...]):
        super().__init__()
        self.views = views

    def compose(self) -> ComposeResult:
        yield Markdown(help_markdown(self.views))
