"""x: the current view as Markdown, with the header's line, in a file that never overwrites
another (heapdiff-view-top.md, then heapdiff-view-top-1.md, ...). Every string from an input
is escaped with heapdiff's Markdown escaper."""
from __future__ import annotations

import re
from collections.abc import Sequence

from heapdiff.render.escape import code_line, markdown

BACKTICKS = re.compile("`+")

def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                   right: Sequence[bool] = ()) -> str:
    """A GFM table; `right`: per column, whether its figures align right."""
    lines = ["| " + " | ".join(markdown(h) or " " for h in header) + " |",
             "|" + "|".join(" ---: " if i < len(right) and right[i] else " --- "
                            for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(markdown(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code_block(lines: Sequence[str]) -> str:
    """A fence longer than any run of backticks inside, so no line (a name) can close it."""
    body = [code_line(line) for line in lines]
    fence = "`" * max(3, 1 + max((len(run) for line in body for run in BACKTICKS.findall(line)),
                                 default=0))
    return "\n".join((fence + "text", *body, fence)) + "\n"


def paragraphs(texts: Sequence[str]) -> str:
    """Lines of text shown above a table (a summary, a title), as Markdown paragraphs."""
    return "".join(f"{markdown(t)}\n\n" for t in texts if t.strip())


def document(title: str, context: str, body: str) -> str:
    return f"# heapdiff: {markdown(title)}\n\n{markdown(context)}\n\n{body}"
