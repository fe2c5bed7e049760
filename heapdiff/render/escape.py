"""Names from profiles are data: escape them for each output, once, here."""
from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def terminal(text: str) -> str:
    """No control characters reach the terminal: ESC, newlines, tabs and the C1 range become
    visible \\xNN escapes."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|~])")  # what can open markup mid-line
HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown(text: str) -> str:
    """Literal text in Markdown (a table cell, a list item): control characters and newlines
    shown as \\xNN, Markdown punctuation backslash-escaped, HTML characters as entities."""
    visible = terminal(text)
    escaped = MARKDOWN_SPECIAL.sub(r"\\\1", visible)
    return "".join(HTML.get(ch, ch) for ch in escaped)


def mermaid(text: str) -> str:
    """Literal text inside a quoted Mermaid label: quotes and angle brackets as Mermaid entity
    codes (#quot; #lt; #gt;), control characters visible, no backticks or markup."""
    visible = terminal(text).replace("#", "#35;")  # first: the codes below bring their own #
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"),
                     ("|", "#124;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"),
                     ("}", "#125;")):
        visible = visible.replace(ch, code)
    return visible
