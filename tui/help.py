"""The help overlay (? or F1): what the numbers and colours mean, then every key (from the
views' own help and the app's key table), and how to close it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from .keys import KEYS
from .views.base import View

CLOSE = "Esc, q or ? closes this help"
MEANINGS = (
    ("flat", "memory allocated by the function itself (pprof's flat)"),
    ("cum", "memory allocated by the function and everything it calls (pprof's cum)"),
    ("Δ", "new minus base: what grew (+) or shrank (−) between the two profiles"),
    ("Δ%", "the change relative to the row's own base value (\"new\": none in the base)"),
    ("flat% / cum%", "a share of the profile's total"),
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


def _list(rows) -> str:
    """Compact at 80 columns (a Markdown table draws a rule between every two rows)."""
    return "".join(f"- **{a}**: {b}\n" for a, b in rows)


def help_markdown(views: tuple[type[View], ...]) -> str:
    """The meanings, then the keys: the views' own help and the app's key table."""
    keys = [(f"{views[0].key}–{views[-1].key}", ", ".join(v.title for v in views)), *MOVING,
            *(row for v in views for row in v.help),
            *((k.shown or k.key, k.what) for k in KEYS if k.what)]
    return (f"# heapdiff help\n\n*{CLOSE}; ↑ ↓ PgUp PgDn scroll.*\n\n"
            f"## What the numbers and colours mean\n\n{_list(MEANINGS)}\n"
            f"## Keys\n\n{_list(keys)}\n*{CLOSE}.*\n")


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "close help"),
                Binding("j", "scroll(1)", "down", show=False),
                Binding("k", "scroll(-1)", "up", show=False)]

    def __init__(self, views: tuple[type[View], ...]):
        super().__init__()
        self.views = views

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):  # takes the focus: the arrows and pages scroll it
            yield Markdown(help_markdown(self.views))

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help", VerticalScroll).scroll_relative(y=lines, animate=False)
