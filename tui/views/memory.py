"""Memory: the explain waterfall as bars, the findings, GC health with sparklines."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.units import human_bytes
from heapdiff.render.escape import terminal
from heapdiff.render.format import bar, bar_scale, gc_scale, gc_summary, sparkline

from ..state import Analysis
from .base import View


class MemoryView(View, Static):
    slug, key, title = "memory", "6", "Memory"

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        w = analysis.waterfall
        text = Text()
        if w is None:
            text.append("No MemStats or /proc files given: heapdiff tui DIR with a snapshot "
                        "folder, or add memstats.json and status.txt.")
            self.update(text)
            return
        text.append(f"RSS {human_bytes(w.rss) if w.rss is not None else 'unknown'}\n", style="bold")
        if w.delta:
            text.append(f"Profile: {w.delta}; left out below\n", style="dim")
        scale = bar_scale(r.bytes for r in w.rows)
        for r in w.rows:
            if r.bytes is None:
                text.append(terminal(f"{r.component:<17} {'unknown':>10}  needs {r.needs}") + "\n",
                            style="dim")
                continue
            text.append(terminal(f"{r.component:<17} {human_bytes(r.bytes):>10} "))
            text.append(bar(r.bytes, scale), style="red" if r.bytes >= 0 else "green")
            text.append("\n")
        if w.leading is not None:
            text.append(f"\nLeading cause: {terminal(w.leading.component)}\n", style="bold")
        if analysis.gc is not None:
            text.append("\n" + gc_summary(analysis.gc) + "\n")
            if analysis.gc.live_series:
                top = gc_scale(analysis.gc)
                text.append(f"live {sparkline(analysis.gc.live_series, top=top)}\n")
                text.append(f"goal {sparkline(analysis.gc.goal_series, top=top)}\n")
        for f in analysis.findings:
            text.append(f"\n[{f.severity}] {f.id}: {terminal(f.title)}\n", style="bold red" if
                        f.severity != "info" else "bold")
            text.append(f"  {terminal(f.detail)}\n  Do: {terminal(f.advice)}\n")
        self.update(text)
