"""Names from profiles, servers and manifests are data: escape them for each output, once, here.

Every output first makes the characters a terminal or a viewer would act on, or hide, visible
as Python-style escapes (\\x1b, \\u202e): controls (Cc: C0, DEL, C1), format characters (Cf:
bidi overrides and isolates, zero-width characters, BOM) and the line and paragraph
separators (Zl, Zp). Each format then escapes its own syntax over that."""
from __future__ import annotations

import re
import unicodedata

INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})  # unicodedata categories shown as escapes
NOT_PLAIN = re.compile(r"[^\x20-\x7e]")  # candidates; printable ASCII never needs a look-up


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    if unicodedata.category(ch) not in INVISIBLE:
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else \
        f"\\U{code:08x}"


def terminal(text: str) -> str:
    """No control, bidi, zero-width or separator character reaches the terminal: each becomes
    a visible \\xNN, \\uNNNN or \\UNNNNNNNN escape (ESC, newlines and tabs included)."""
    return NOT_PLAIN.sub(_visible, text)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!|~])")  # what can open markup mid-line
AUTOLINK = re.compile(r"(?i)://|(?<![0-9a-z])www\.|@")  # what GFM turns into a link unasked
HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _unlinked(match: re.Match[str]) -> str:
    return "".join("\\" + ch if not ch.isalnum() else ch for ch in match.group())


def markdown(text: str) -> str:
    """Literal text in Markdown (a table cell, a list item): invisible characters and newlines
    shown as escapes, Markdown punctuation backslash-escaped, HTML characters as entities (so
    no <autolink>), and bare URLs, www. names and e-mail addresses broken by escapes so GFM
    does not link them."""
    visible = terminal(text)
    escaped = AUTOLINK.sub(_unlinked, MARKDOWN_SPECIAL.sub(r"\\\1", visible))
    return "".join(HTML.get(ch, ch) for ch in escaped)


def code_line(text: str) -> str:
    """One line inside a fenced code block: with its newlines and controls visible it cannot
    end the fence (a closing fence must start a line of its own)."""
    return terminal(text)


def dot(text: str) -> str:
    """The inside of a DOT quoted string: invisible characters as literal \\xNN text (the
    backslash itself escaped), backslashes and quotes escaped."""
    return terminal(text).replace("\\", "\\\\").replace('"', '\\"')


def mermaid(text: str) -> str:
    """Literal text inside a quoted Mermaid label: quotes and angle brackets as Mermaid entity
    codes (#quot; #lt; #gt;), invisible characters visible, no backticks or markup."""
    visible = terminal(text).replace("#", "#35;")  # first: the codes below bring their own #
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"),
                     ("|", "#124;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"),
                     ("}", "#125;")):
        visible = visible.replace(ch, code)
    return visible
