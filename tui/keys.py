"""The app's own keys, one table: it makes the bindings, the footer's labels, the help
screen's rows and the command palette's entries (a human title and what it does, once each)."""
from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    key: str  # Textual's key name ("slash")
    action: str
    label: str  # the footer's word
    title: str  # the palette's entry
    what: str  # the help's and the palette's explanation
    shown: str = ""  # the key as the help prints it ("/"), when not the key itself
    footer: bool = False
    palette: bool = True  # False: an action that needs a key's context (n / N)

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.label, show=self.footer)


KEYS = (  # in the footer's order: at 80 columns only the first few fit
    Key("question_mark", "help", "help", "Help",
        "explain the numbers, the modes, the colours and every key", shown="?", footer=True),
    Key("f1", "help", "help", "Help", "", shown="F1", palette=False),
    Key("slash", "search", "search", "Search",
        "search the view (in Top: filter its rows by regex); Enter keeps the match, Esc "
        "ends the search", shown="/", footer=True),
    Key("s", "sample_type", "sample type", "Next sample type",
        "show the next sample type (inuse_space, inuse_objects, alloc_space, alloc_objects)",
        footer=True),
    Key("G", "granularity", "granularity", "Next granularity",
        "group by functions, files, lines or addresses, in turn", footer=True),
    Key("d", "mode", "diff mode", "Switch the diff mode",
        "pprof's -diff_base or -base (equal samples cancel)", footer=True),
    Key("n", "normalize", "normalize", "Normalize",
        "scale the new profile to the base's total, or stop (while a search is on, n is "
        "the next match)", footer=True),
    Key("n", "search_next(1)", "next match", "Next match", "the next match of the search",
        footer=True, palette=False),
    Key("N", "search_next(-1)", "previous match", "Previous match",
        "the previous match of the search", footer=True, palette=False),
    Key("f", "focus_selected", "focus", "Focus on the selected function",
        "keep only the samples through it (pprof's -focus)", footer=True),
    Key("i", "ignore_selected", "ignore", "Ignore the selected function",
        "drop the samples through it (pprof's -ignore)", footer=True),
    Key("F", "clear_filters", "clear focus", "Clear focus and ignore",
        "show every sample again"),
    Key("o", "sort", "sort", "Sort Top", "sort Top by the next column"),
    Key("O", "sort_reverse", "reverse the sort", "Reverse Top's order",
        "sort Top's column the other way"),
    Key("b", "direction", "callers", "Callers or callees in Tree",
        "Tree: top-down or callers (bottom-up)"),
    Key("g", "growth", "growth path", "Unfold the growth path",
        "Tree: unfold the largest growth path"),
    Key("c", "copy_name", "copy name", "Copy the selected name",
        "copy the selected function's name to the clipboard (OSC 52)"),
    Key("C", "copy_place", "copy file:line", "Copy the selected file:line",
        "copy the selected function's file:line to the clipboard (OSC 52)"),
    Key("e", "edit", "edit", "Open in $EDITOR",
        "open the selected function's file at its line in $EDITOR (--source maps paths)"),
    Key("x", "export", "export", "Export the view as Markdown",
        "write what this view shows, with its settings, to heapdiff-view-<view>.md"),
    Key("m", "report", "report", "Write the Markdown report",
        "write heapdiff's whole Markdown report (--report FILE)", footer=True),
    Key("ctrl+s", "screenshot", "screenshot", "Screenshot",
        "save an SVG screenshot in the current directory", palette=False),
    Key("q", "quit", "quit", "Quit", "quit heapdiff", footer=True, palette=False),
)
