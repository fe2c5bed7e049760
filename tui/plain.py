"""Strings from inputs, for Textual and Rich: plain Text, never markup (a function named
`[@click=app.quit]` is a name, not an action), with the characters a terminal would act on or
hide made visible as in heapdiff's text output."""
from __future__ import annotations

from rich.text import Text

from heapdiff.render.escape import terminal


def visible(text: str) -> str:
    """terminal(), keeping tabs (source lines are indented with them; Rich expands them)."""
    return "\t".join(terminal(part) for part in text.split("\t"))


def plain(text: str, style: str = "") -> Text:
    """Text from an input, shown literally."""
    return Text(terminal(text), style=style)
