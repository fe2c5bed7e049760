"""Source: the selected function's file (or, by files, the selected file) as pprof's `-list`
shows it, with base, new and Δ for flat and cum on each line, under a header naming the
file, the function and its totals. The file is found as the profile names it or under
--source DIR. The per-line figures are the analysis's, computed in a worker once per node.
With --source and --escapes each line with figures also shows the compiler's escape verdict
(allocs' engine), e.g. `heap:interface`, between its figures and its text."""
from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.analysis.diff import DiffRow
from heapdiff.escapes.allocs import FileVerdicts
from heapdiff.escapes.reasons import Escape
from heapdiff.render.escape import terminal
from heapdiff.render.format import amount, signed_amount

from ..plain import visible
from ..state import Analysis
from ..widgets.textpanel import TextPanel
from .base import Heavy, View

CONTEXT = 400
FIGURE = 9  # one figure's cells: "+41.7MiB" and a space
# the column heads over "line | base new Δ (flat) | base new Δ (cum) | source", and for a
# single profile (nothing to compare) over "line | flat | cum | source", as pprof -list
HEADS = {False: f"{'':>7}{' flat ':─^{3 * FIGURE - 1}} {' cum ':─^{3 * FIGURE - 1}}\n"
                f"{'line':>6}" + f"{'base':>{FIGURE}}{'new':>{FIGURE}}{'Δ':>{FIGURE}}" * 2 +
                "  source",
         True: f"{'line':>6}{'flat':>{FIGURE}}{'cum':>{FIGURE}}  source"}


def find_file(path: str, source_dir: str | None) -> Path | None:
    """The profile's path as is, or its longest suffix under source_dir."""
    if path and Path(path).is_file():
        return Path(path)
    if not source_dir or not path:
        return None
    parts = Path(path).parts
    for k in range(len(parts)):
        candidate = Path(source_dir, *parts[k:])
        if candidate.is_file():
            return candidate
    return None


def figures(row: DiffRow, unit: str, single: bool = False) -> str:
    """base, new and Δ of flat, then of cum, in FIGURE columns each; of a single profile,
    flat and cum."""
    if single:
        return f"{amount(row.new_flat, unit):>{FIGURE}}{amount(row.new_cum, unit):>{FIGURE}}"
    return "".join(f"{amount(base, unit):>{FIGURE}}{amount(new, unit):>{FIGURE}}"
                   f"{signed_amount(new - base, unit):>{FIGURE}}"
                   for base, new in ((row.base_flat, row.new_flat), (row.base_cum, row.new_cum)))


VERDICT = 22  # the verdict column's cells: "heap:nonconstant_size" and a space


def verdict_cell(escape: Escape | None) -> str:
    """heap:REASON, stack, or blank where the compiler says nothing of the line."""
    if escape is None or escape.verdict == "unknown":
        return " " * VERDICT
    label = f"heap:{escape.reason}" if escape.verdict == "heap" else escape.verdict
    return f" {label:<{VERDICT - 1}}"


def tone(row: DiffRow | None, single: bool = False) -> str:
    """Growth red, shrink green; a single profile has neither."""
    return "" if row is None or single else "red" if row.delta_cum > 0 else \
        "green" if row.delta_cum < 0 else ""


def header(analysis: Analysis, node: NodeInfo, file_name: str, found: Path | None,
           verdicts: FileVerdicts | None = None) -> Text:
    """The file, the function and the node's totals (pprof -list's ROUTINE line); with
    --source, why the escape verdicts are missing, or their column's head."""
    unit, single = analysis.diff.sample_type.unit, not analysis.bases
    text = Text(terminal(node.printable_name()), style="bold")
    text.append("  in " + terminal(str(found) if found else file_name or "(no file)"))
    if found is None:
        text.append(" (not found; give heapdiff tui --source DIR)", style="bold red")
    row = next((r for r in analysis.diff.rows if r.info == node), None)
    if row is None:
        text.append(f"\n{analysis.diff.sample_type.type}: unchanged")
    elif single:
        text.append(f"\n{analysis.diff.sample_type.type} flat {amount(row.new_flat, unit)}, "
                    f"cum {amount(row.new_cum, unit)}")
    else:
        text.append(f"\n{analysis.diff.sample_type.type} flat {amount(row.base_flat, unit)} → "
                    f"{amount(row.new_flat, unit)} ({signed_amount(row.delta_flat, unit)}), cum "
                    f"{amount(row.base_cum, unit)} → {amount(row.new_cum, unit)} "
                    f"({signed_amount(row.delta_cum, unit)})", style=tone(row))
    if verdicts is not None and verdicts.note:
        text.append(f"\nescape verdicts: {terminal(verdicts.note)}", style="dim")
    heads = HEADS[single]
    if verdicts is not None and verdicts.lines:
        heads = heads.replace("  source", f" {'escape':<{VERDICT - 1}}  source")
    text.append("\n" + heads, style="dim")
    return text


class SourceView(View, Vertical):
    slug, key, title = "source", "5", "Source"
    DEFAULT_CSS = "SourceView > #source-header { height: auto; }"

    def compose(self) -> ComposeResult:
        yield Static(id="source-header", markup=False)
        yield TextPanel(wrap=False, id="source-text")

    def focus_target(self) -> TextPanel:
        return self.query_one(TextPanel)

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        if selected is None:
            return None
        return analysis.pending(analysis.source_verdicts if analysis.source_dir and
                                analysis.escapes else analysis.source_lines, selected)

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        head, panel = self.query_one("#source-header", Static), self.query_one(TextPanel)
        if selected is None:
            head.update("select a function to see its source")
            panel.set_text("")
            return
        node_lines = analysis.source_lines(selected)
        lines, file_name = node_lines.lines, node_lines.file
        found = find_file(file_name, analysis.source_dir)
        unit, single = analysis.diff.sample_type.unit, not analysis.bases
        verdicts = analysis.source_verdicts(selected)
        head.update(header(analysis, selected, file_name, found, verdicts))
        text = Text()
        if found is None:  # the figures alone, line by line
            for number, r in sorted(lines.items()):
                text.append(f"{number:>6}{figures(r, unit, single)}\n", style=tone(r, single))
            panel.set_text(text)
            return
        source = found.read_text(errors="replace").splitlines()
        first = max(1, min(lines or [1]) - 5)
        for number in range(first, min(len(source), first + CONTEXT) + 1):
            row = lines.get(number)
            marks = figures(row, unit, single) if row else " " * ((2 if single else 6) * FIGURE)
            text.append(f"{number:>6}{marks}", style=tone(row, single))
            if verdicts is not None and verdicts.lines:
                text.append(verdict_cell(verdicts.lines.get(number)), style="bold")
            text.append("  " + visible(source[number - 1]) + "\n")
        panel.set_text(text)
