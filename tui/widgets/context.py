"""The lines under the title that say what is compared, on every screen: the base and new
inputs (files or capture rounds, with their times when the inputs have them), then the
settings that shape the numbers (sample type, granularity, mode, normalization) and every
filter in force (focus, ignore, a view's own filter). Paths are shortened from the left, so
the end of a path (the file's name) stays readable at 80 columns."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from heapdiff.render.escape import terminal

ELLIPSIS = "…"


@dataclass(frozen=True)
class Side:
    """One compared input: its file or round, and when it was taken ("" if unknown)."""
    name: str
    time: str = ""

    def label(self, name: str) -> str:
        return f"{name} ({self.time})" if self.time else name


@dataclass(frozen=True)
class Context:
    base: Side | None
    new: Side
    settings: tuple[str, ...] = ()  # "inuse_space", "functions", "diff-base", "normalized"
    filters: tuple[str, ...] = ()  # "focus main.x", "ignore y", "filter /re/"

    def settings_line(self) -> str:
        return " · ".join(self.settings + self.filters)

    def markdown_line(self) -> str:
        """Both lines in one, for an export: nothing shortened."""
        return f"{self.inputs_line(10_000)} · {self.settings_line()}"

    def inputs_line(self, width: int) -> str:
        """base A (time) → new B (time), the names shortened from the left to fit `width`."""
        sides: list[tuple[str, Side]] = \
            [("base ", self.base), ("new ", self.new)] if self.base else [("profile ", self.new)]
        arrow = " → "
        fixed = sum(len(word) + len(side.label("")) for word, side in sides) + \
            len(arrow) * (len(sides) - 1)
        names = [terminal(side.name) for _, side in sides]
        room = fit_widths([len(n) for n in names], max(len(names) * 8, width - fixed))
        return arrow.join(word + side.label(shorten(name, w))
                          for (word, side), name, w in zip(sides, names, room))


def fit_widths(lengths: list[int], room: int) -> list[int]:
    """Each name's width within `room`: equal shares, a short name's leftover to the others."""
    if sum(lengths) <= room:
        return lengths
    share = room // len(lengths)
    short = sum(n for n in lengths if n <= share)
    long = sum(1 for n in lengths if n > share)
    return [n if n <= share else (room - short) // long for n in lengths]


def shorten(text: str, width: int) -> str:
    """`text` in `width` cells, its start dropped (…/leaky_cache/new/heap.pb.gz)."""
    if len(text) <= width:
        return text
    return ELLIPSIS + text[len(text) - max(0, width - 1):] if width > 0 else ""


def clip(text: str, width: int) -> str:
    """`text` in `width` cells, its end dropped."""
    return text if len(text) <= width else text[:max(0, width - 1)] + ELLIPSIS


class ContextBar(Widget):
    """What is compared, and with which settings and filters: one line when both fit (a
    wide terminal), else two."""

    DEFAULT_CSS = """
    ContextBar { height: auto; padding: 0 1; background: $panel; color: $foreground; }
    """
    context: reactive[Context | None] = reactive(None, layout=True)

    def render(self) -> Text:
        if self.context is None:
            return Text("")
        width = max(20, self.size.width)
        settings = terminal(self.context.settings_line())
        whole = f"{self.context.inputs_line(10_000)} · {settings}"
        if len(whole) <= width:
            return Text(whole)
        return Text("\n".join((self.context.inputs_line(width), clip(settings, width))))
