"""Memory: what `heapdiff explain --base` prints, laid out for the screen from the same rows
(heapdiff.render.memory): how each row changed since the base, the waterfall with each row's
share of RSS and what it is, RSS by mapping (a full smaps), what the container is charged past
RSS and its limit (cgroup files), GC health with sparklines, and the findings. It scrolls."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.render.escape import terminal
from heapdiff.render.format import gc_scale, gc_summary, sparkline
from heapdiff.memory.waterfall import Waterfall
from heapdiff.render.memory import (CHANGES_HEADER, CHANGES_TITLE, SPLIT_TITLE, change_lines,
                                    change_row, container_lines, finding_lines, leading_line,
                                    rss_line, split_rows, split_total, waterfall_lines)

from ..state import Analysis
from ..widgets.textpanel import TextPanel
from .base import View

NO_MEMORY = ("No MemStats or /proc files given: heapdiff tui DIR with a snapshot folder, or add "
             "memstats.json and status.txt.")
SEVERITY_STYLES = {"critical": "bold red", "warning": "bold red", "info": "bold"}


def tone(delta: int | None) -> str:
    return "red" if delta is not None and delta > 0 else \
        "green" if delta is not None and delta < 0 else ""


def memory_text(analysis: Analysis) -> Text:
    w = analysis.waterfall
    if w is None:
        return Text(NO_MEMORY)
    text = Text()
    text.append(rss_line(w) + "\n", style="bold")
    if w.delta:
        text.append(f"Profile: {terminal(w.delta)}; the waterfall leaves it out\n", style="dim")
    if analysis.base_waterfall is not None:  # the change first: it is what a leak shows
        text.append(f"\n{CHANGES_TITLE}\n", style="bold")
        text.append(f"  {CHANGES_HEADER}\n", style="dim")
        for change in change_lines(analysis.base_waterfall, w):
            text.append(f"  {change_row(change)}\n", style=tone(change.delta))
    text.append("\nWhere RSS went (share of RSS):\n", style="bold")
    width = max(len(line.component) for line in waterfall_lines(w))
    for line in waterfall_lines(w):
        if line.bytes is None:
            text.append(f"  {line.component:<{width}} {line.size:>10}  {line.what}\n", style="dim")
            continue
        text.append(f"  {line.component:<{width}} {line.size:>10} {line.share:>8}  ")
        text.append(f"{line.bar}\n", style="red" if line.bytes >= 0 else "green")
        text.append(f"      {line.what}\n", style="dim")  # its own line: the figures stay whole
    if (leading := leading_line(w)) is not None:
        text.append(f"\n{leading}\n", style="bold")
    past_rss(text, w)
    if analysis.gc is not None:
        text.append("\n" + gc_summary(analysis.gc) + "\n")
        if analysis.gc.live_series:
            top = gc_scale(analysis.gc)
            text.append(f"live {sparkline(analysis.gc.live_series, top=top)}\n")
            text.append(f"goal {sparkline(analysis.gc.goal_series, top=top)}\n")
    text.append("\nFindings:" + ("" if analysis.findings else " none") + "\n", style="bold")
    for f in analysis.findings:
        head, detail, advice = finding_lines(f)
        text.append(f"{head}\n", style=SEVERITY_STYLES[f.severity])
        text.append(f"  {detail}\n  {advice}\n")
    return text


def past_rss(text: Text, w: Waterfall) -> None:
    """RSS split by mapping, and the rows from RSS to the cgroup's usage, when the inputs
    have them: explain's figures, a row a line as the waterfall's."""
    if w.split:
        text.append(f"\n{SPLIT_TITLE}:\n", style="bold")
        width = max(len(c) for c in ("= RSS", *(category for category, *_ in split_rows(w))))
        for category, size, share in split_rows(w):
            text.append(f"  {category:<{width}} {size:>10} {share:>8}\n")
        text.append(f"  {'= RSS':<{width}} {split_total(w):>10}\n")
    if w.container is None:
        return
    lines = container_lines(w.container, w.rss)
    text.append(f"\n{lines.heading}\n", style="bold")
    width = max(len(component) for component, *_ in lines.rows)
    for component, size, share, cause in lines.rows:
        text.append(f"  + {component:<{width}} {size:>10} {share:>8}\n")
        text.append(f"      {cause}\n", style="dim")
    text.append(f"  {lines.total}\n")
    text.append(f"  {lines.limit}\n", style="bold")
    if lines.working_set is not None:
        text.append(f"  {lines.working_set}\n")


class MemoryView(View, Vertical):
    slug, key, title = "memory", "6", "Memory"
    help = (("↑ ↓ PgUp PgDn", "Memory, Source: scroll (j k, Home End, the mouse wheel too)"),)

    def compose(self) -> ComposeResult:
        yield TextPanel(id="memory-text")

    def focus_target(self) -> TextPanel:
        return self.query_one(TextPanel)

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        self.query_one(TextPanel).set_text(memory_text(analysis))
