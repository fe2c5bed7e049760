"""The memory of one moment as rows of text, and how it changed since a base: the values that
`heapdiff explain` prints and the TUI's Memory view lays out (terminal-safe strings)."""
from __future__ import annotations

from dataclasses import dataclass

from ..common.units import human_bytes, percent
from ..memory.findings import Finding
from ..memory.waterfall import Waterfall
from .escape import terminal
from .format import bar, bar_scale, signed


@dataclass(frozen=True)
class WaterfallLine:
    """One waterfall row as explain prints it (terminal-safe text)."""

    component: str
    size: str  # "57.9MiB", or "unknown"
    share: str  # of RSS ("53.24%"), "" without RSS or for an unknown row
    bar: str
    what: str  # what the row is, with its sampling error; for an unknown row, what it needs
    bytes: int | None


@dataclass(frozen=True)
class ChangeLine:
    """One row of "how each row changed since the base"."""

    component: str
    base: str
    now: str
    change: str  # "" when either side is unknown
    delta: int | None


def rss_line(w: Waterfall) -> str:
    return (f"RSS {human_bytes(w.rss)} ({terminal(w.rss_source)})" if w.rss is not None
            else "RSS unknown: give /proc/PID/status or smaps_rollup")


def leading_line(w: Waterfall) -> str | None:
    return None if w.leading is None else \
        f"Leading cause of the gap between the profile and RSS: {w.leading.component}"


def waterfall_lines(w: Waterfall) -> list[WaterfallLine]:
    scale = bar_scale(r.bytes for r in w.rows)
    lines = []
    for r in w.rows:
        if r.bytes is None:
            lines.append(WaterfallLine(r.component, "unknown", "", "", f"needs {r.needs}", None))
            continue
        sigma = f" ±{human_bytes(r.sigma)}" if r.sigma else ""
        lines.append(WaterfallLine(r.component, human_bytes(r.bytes),
                                   percent(r.bytes, w.rss) if w.rss else "",
                                   bar(r.bytes, scale), terminal(r.cause) + sigma, r.bytes))
    return lines


def finding_lines(f: Finding) -> tuple[str, str, str]:
    """A finding's heading, detail and advice."""
    return (f"[{f.severity}] {f.id}: {terminal(f.title)}", terminal(f.detail),
            f"Do: {terminal(f.advice)}")


def changes(earlier: Waterfall, now: Waterfall):
    """(component, base, now, change) per row, RSS first; None where a side is unknown."""
    components = [r.component for r in earlier.rows]
    components += [r.component for r in now.rows if r.component not in components]
    rows = [("rss", earlier.rss, now.rss)]
    rows += [(c, earlier.get(c), now.get(c)) for c in components]
    return [(c, a, b, None if a is None or b is None else b - a) for c, a, b in rows]


CHANGES_TITLE = "How each row changed since the base:"
CHANGES_HEADER = f"{'component':<17} {'base':>10} {'now':>10} {'change':>11}"


def change_lines(earlier: Waterfall, now: Waterfall) -> list[ChangeLine]:
    fmt = lambda v: "unknown" if v is None else human_bytes(v)  # noqa: E731
    return [ChangeLine(c, fmt(a), fmt(b), "" if d is None else signed(d, "bytes"), d)
            for c, a, b, d in changes(earlier, now)]


def change_row(line: ChangeLine) -> str:
    return f"{line.component:<17} {line.base:>10} {line.now:>10} {line.change:>11}"
