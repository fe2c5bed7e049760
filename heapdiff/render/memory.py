"""The memory of one moment as rows of text, and how it changed since a base: the values that
`heapdiff explain` prints and the TUI's Memory view lays out (terminal-safe strings)."""
from __future__ import annotations

from dataclasses import dataclass

from ..common.units import human_bytes, percent
from ..memory.container import Container
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


SPLIT_TITLE = "RSS by mapping (smaps)"


def split_rows(w: Waterfall) -> tuple[tuple[str, str, str], ...]:
    """A full smaps's RSS by mapping: (category, size, share of RSS); none without one."""
    total = sum(b for _, b in w.split)
    return tuple((c, human_bytes(b), percent(b, total)) for c, b in w.split)


def split_total(w: Waterfall) -> str:
    return human_bytes(sum(b for _, b in w.split))


def split_line(w: Waterfall) -> str | None:
    """The split on one line, and its sum (RSS exactly); None without a full smaps."""
    if not w.split:
        return None
    return (f"{SPLIT_TITLE}: " + ", ".join(f"{c} {size}" for c, size, _ in split_rows(w))
            + f" = {split_total(w)}")


@dataclass(frozen=True)
class ContainerLines:
    """Past RSS, as explain prints it: the heading, a row per charge (component, size, share
    of the usage, cause; terminal-safe), the total, the limit and the working set."""

    heading: str
    rows: tuple[tuple[str, str, str, str], ...]
    total: str
    limit: str
    working_set: str | None


def container_lines(c: Container, rss: int | None) -> ContainerLines:
    return ContainerLines(
        heading=(f"Container (cgroup {c.version}, {terminal(c.source)}): "
                 + (f"RSS {human_bytes(rss)}" if rss is not None else "no RSS given, from 0")
                 + f" to {c.usage_file} {human_bytes(c.usage)}"),
        rows=tuple((r.component, human_bytes(r.bytes), percent(r.bytes, c.usage),
                    terminal(r.cause)) for r in c.rows),
        total=f"= {c.usage_file} {human_bytes(c.usage)}",
        limit="limit: none" if c.limit is None else
        (f"limit {human_bytes(c.limit)}: {percent(c.usage, c.limit, 1)} used, "
         f"{human_bytes(c.headroom or 0)} headroom"),
        working_set=None if c.working_set is None else
        ("working set (usage - inactive_file, what Kubernetes evicts on): "
         f"{human_bytes(c.working_set)}"))


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
