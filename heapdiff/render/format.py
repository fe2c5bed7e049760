"""Figures as strings, shared by every output (text, Markdown, the TUI): signed changes,
percentages, bars, sparklines, verdict labels and the cells of the rows each output shows.
Names in cells are not escaped here: each output escapes for its own medium. A whole sentence
(gc_summary) is made safe for a terminal; Markdown escapes over that and gets the same result."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ..common.units import human, human_bytes
from .escape import terminal

if TYPE_CHECKING:  # the engines' records, imported by the commands that make them
    from ..analysis.diff import DiffRow
    from ..capture.timeline import Trend
    from ..memory.gchealth import GCHealth
    from ..retained.groups import Group
    from ..retainers.analyze import Site

BAR_WIDTH = 24
MAX_DECIMALS = 4  # past this a size label gives its exact bytes
SPARK = "▁▂▃▄▅▆▇█"


def figure(value: float | None, unit: str) -> str:
    """A value in human units; "-" for one that is not known."""
    return "-" if value is None else human(value, unit)


def size_labels(sizes: Sequence[int]) -> list[str]:
    """Object sizes as human_bytes prints them, except where two different sizes would print
    alike (8,642,560 and 8,552,448 bytes are both 8.2MiB): those get as many more decimals as
    it takes (8.24MiB, 8.16MiB), and exact bytes when even MAX_DECIMALS do not."""
    labels = [human_bytes(s) for s in sizes]
    for decimals in range(2, MAX_DECIMALS + 1):
        clashing = _clashing(sizes, labels)
        if not clashing:
            return labels
        for i in clashing:
            labels[i] = human_bytes(sizes[i], decimals)
    for i in _clashing(sizes, labels):
        labels[i] = f"{sizes[i]}B"
    return labels


def _clashing(sizes: Sequence[int], labels: list[str]) -> list[int]:
    """The positions whose label another, different size shares."""
    by_label: dict[str, set[int]] = {}
    for size, label in zip(sizes, labels):
        by_label.setdefault(label, set()).add(size)
    return [i for i, label in enumerate(labels) if len(by_label[label]) > 1]


def signed(value: float | None, unit: str) -> str:
    """A change with its sign ("+1.5MiB", "-20B", "0B"); "-" for one that is not known."""
    if value is None:
        return "-"
    return ("+" if value > 0 else "-" if value < 0 else "") + human(abs(value), unit)


def amount(value: int | float, unit: str) -> str:
    """A figure no column may cut: bytes and durations in human units, counts with every
    digit, grouped (19_649_597; 1_538): one count format at every size, where human() groups
    only from 100_000 up for the CLI's tables."""
    if unit in ("bytes", "nanoseconds") or abs(value) < 1000 and not float(value).is_integer():
        return human(value, unit)  # a fraction of a count (a rate, a normalized value)
    return f"{round(value):_}"


def signed_amount(value: int | float, unit: str) -> str:
    """amount() with the change's sign ("+19_649_597", "-1.5MiB", "0")."""
    return ("+" if value > 0 else "-" if value < 0 else "") + amount(abs(value), unit)


def change_percent(delta: int, base: int) -> str:
    """A change relative to its base, as pprof's diff shows it; "new" when there was none. Its
    sign is the change's, also from a delta profile's negative base."""
    if base == 0:
        return "new" if delta else ""
    return f"{100 * delta / abs(base):+.1f}%"


def share(fraction: float, digits: int = 0) -> str:
    """A fraction (0.25) as a percentage ("25%")."""
    return f"{100 * fraction:.{digits}f}%"


def per_minute(t: Trend, unit: str, change: Callable[[float, str], str] = signed) -> str:
    """A trend's slope per minute; "-" with fewer than two known values."""
    return "-" if len(t.known) < 2 else change(t.slope * 60, unit) + "/min"


def bar_scale(values: Iterable[int | None]) -> int:
    """The one scale for a set of bars: the largest |value| (unknown ones left out), at least 1."""
    return max([abs(v) for v in values if v is not None] + [1])


def bar(value: int, scale: int) -> str:
    """|value| as up to BAR_WIDTH cells of `scale`: full for growth, light for a negative."""
    if not scale:
        return ""
    cells = round(BAR_WIDTH * abs(value) / scale)
    return ("█" if value >= 0 else "░") * cells


def sparkline(series: Sequence[float], width: int = 60, top: float | None = None) -> str:
    """The series squeezed into `width` cells (maximum per cell), scaled to `top`."""
    if not series:
        return ""
    step = max(1, -(-len(series) // width))
    cells = [max(series[i:i + step]) for i in range(0, len(series), step)]
    top = top or max(cells) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int((len(SPARK) - 1) * c / top))] for c in cells)


def gc_scale(gc: GCHealth) -> int:
    """The one top (MiB) for the live heap and goal sparklines, so the two compare."""
    return max(gc.goal_series + gc.live_series + (1,))


def spark(values: Sequence[float | None], width: int) -> str:
    """A sparkline that keeps unknown values as blanks, at most `width` wide, scaled to its
    own peak."""
    known = [v for v in values if v is not None]
    if len(known) == len(values):
        return sparkline(known, width=width)
    if len(values) > width:  # too long to keep the gaps: squeeze the known values
        return sparkline(known, width=width)
    top = max(known, default=0) or 1
    return "".join(" " if v is None else sparkline((v,), top=top) for v in values)


def verdict_label(s: Site) -> str:
    """What a retainer site is known to hold: the verdict, or a heuristic's hint marked as one."""
    return f"hint: {s.hint}" if s.evidence == "heuristic" else s.verdict


def gc_summary(gc: GCHealth) -> str:
    """GC health in one line, each figure only when it is known."""
    parts = [f"GC ({terminal(gc.source)}):"]
    if gc.cycles is not None:
        parts.append(f"{gc.cycles} cycles" + (f" ({gc.forced} forced)" if gc.forced else ""))
    if gc.per_second is not None:
        parts.append(f"{gc.per_second:.1f}/s")
    if gc.cpu_percent is not None:
        parts.append(f"GC CPU {gc.cpu_percent:.1f}%")
    if gc.live is not None:
        parts.append(f"live {human_bytes(gc.live)}")
    if gc.goal is not None and gc.goal < 1 << 62:
        parts.append(f"goal {human_bytes(gc.goal)}")
    if gc.mark_cpu_ms_per_mib is not None:
        parts.append(f"mark {gc.mark_cpu_ms_per_mib:.3f} ms CPU per live MiB")
    if gc.scan_heap is not None:
        parts.append(f"scan heap {human_bytes(gc.scan_heap)}")
    return " ".join(parts)


@dataclass(frozen=True)
class DiffCells:
    """A diff row's figures; each output picks the columns it shows."""
    base_flat: str
    new_flat: str
    delta_flat: str
    flat_percent: str
    base_cum: str
    new_cum: str
    delta_cum: str
    cum_percent: str


def diff_cells(r: DiffRow, unit: str, whole: bool = False) -> DiffCells:
    """The row's cells; whole: counts with every digit (the TUI's, whose columns widen)."""
    value, change = (amount, signed_amount) if whole else (human, signed)
    return DiffCells(value(r.base_flat, unit), value(r.new_flat, unit),
                     change(r.delta_flat, unit), change_percent(r.delta_flat, r.base_flat),
                     value(r.base_cum, unit), value(r.new_cum, unit), change(r.delta_cum, unit),
                     change_percent(r.delta_cum, r.base_cum))


def trend_cells(t: Trend, unit: str, width: int, whole: bool = False,
                ) -> tuple[str, str, str, str, str, str]:
    """kind, first, last, change, slope per minute and a sparkline `width` wide; whole:
    counts with every digit (the TUI's, as diff_cells)."""
    value, change = (amount, signed_amount) if whole else (human, signed)
    first, last = ("-" if v is None else value(v, unit) for v in (t.first, t.last))
    return (t.kind, first, last, "-" if t.change is None else change(t.change, unit),
            per_minute(t, unit, change), spark(t.values, width))


@dataclass(frozen=True)
class SiteCells:
    """A retainer site's figures: scan bytes ("?" when unknown), in-use bytes, the pointer
    share of its objects ("" when unknown), the evidence level and the verdict label."""
    scan: str
    inuse: str
    pointers: str
    evidence: str
    verdict: str


def site_cells(s: Site) -> SiteCells:
    return SiteCells("?" if s.scan_bytes is None else human_bytes(s.scan_bytes),
                     human_bytes(s.inuse_bytes),
                     "" if s.pointer_fraction is None else share(s.pointer_fraction),
                     s.evidence, verdict_label(s))


def held_as(g: Group, escape: Callable[[str], str]) -> str:
    """What a heap dump's group holds, saying what named it: a type (and the field that named
    it), an allocation site or a size. Each name passes through escape (the identity where the
    caller escapes the whole line)."""
    if g.is_root:
        return "everything it dominates"
    if g.type is not None:
        field = f" (named by {escape(g.field)})" if g.field else ""
        return escape(g.type) + field + (f" allocated at {escape(g.site)}" if g.site else "")
    if g.site is not None:
        return f"allocated at {escape(g.site)}"
    return f"{escape(g.size_class or '')}s"
