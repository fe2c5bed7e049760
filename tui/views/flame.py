"""Flame: a diff icicle graph. Width by the new value (a gone node keeps its base width),
colour by delta (growth red, shrink green); Enter zooms into the selected frame, Esc out."""
from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from heapdiff.analysis.calltree import TreeNode
from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.render.escape import terminal

from ..export import code_block
from ..search import next_match
from ..state import Analysis
from .base import Heavy, NodeSelected, View

MAX_DEPTH = 40


def colour(delta: int, scale: int) -> Style:
    if scale <= 0 or delta == 0:
        return Style(bgcolor="grey30", color="white")
    strength = min(1.0, abs(delta) / scale)
    level = int(80 + 175 * strength)
    return Style(bgcolor=f"rgb({level},40,40)" if delta > 0 else f"rgb(40,{level},40)",
                 color="white")


def extent(node: TreeNode) -> int:
    """A node's share of its row: its larger side by size, since a delta profile's freed
    memory is negative."""
    return max(abs(node.new), abs(node.base))


class FlameView(View, Widget, can_focus=True):
    slug, key, title = "flame", "4", "Flame"
    help = (("Enter / Esc", "Flame: zoom into the selected frame / out"),)
    DEFAULT_CSS = "FlameView { height: 1fr; }"
    BINDINGS = [Binding("left,h", "move(-1)", "left", show=False),
                Binding("right,l", "move(1)", "right", show=False),
                Binding("up,k", "level(-1)", "up", show=False),
                Binding("down,j", "level(1)", "down", show=False),
                Binding("enter", "zoom", "zoom in", show=False),
                Binding("escape", "unzoom", "zoom out", show=False)]
    selected = reactive((0, 0))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.analysis = None
        self.zoom: list = []  # the path of TreeNodes zoomed into
        self.rows: list[list[tuple[int, int, TreeNode]]] = []
        self.scale = 1
        self.laid_width = 0  # the width of the current (or coming) layout

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return analysis.pending(analysis.tree, False)

    def focus_target(self) -> "FlameView":
        return self

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        if analysis is self.analysis:
            return  # already laid out: switching tabs costs nothing
        self.analysis = analysis
        self.zoom = []
        self.layout_rows()

    def on_resize(self, event) -> None:
        # only a new width changes the layout: the loading indicator coming and going
        # resizes the view too, and must not start another layout
        if self.analysis is not None and max(event.size.width, 20) != self.laid_width:
            self.layout_rows()

    def layout_rows(self) -> None:
        """Lay out in a worker: opening deep levels of a big tree takes a while."""
        self.loading = True
        # a view just shown may not be laid out yet: it spans the screen
        self.laid_width = max(self.size.width or self.app.size.width, 20)
        self.run_worker(self._layout, thread=True, exclusive=True, group="flame")

    def _layout(self) -> None:
        rows, scale = self._compute(self.laid_width)
        self.app.call_from_thread(self._laid_out, rows, scale)

    def _laid_out(self, rows, scale) -> None:
        self.rows, self.scale = rows, scale
        self.selected = (0, 0)
        self.loading = False
        if self.parent is not None and self.parent.display:  # a loading widget took no focus
            self.focus()
        self.refresh()

    def _compute(self, width: int):
        """Rows of (x, width, node), depth by depth, down to one column."""
        tree = self.analysis.tree(False)
        top = tree.children(self.zoom[-1].path) if self.zoom else tree.children(())
        total = sum(map(extent, top)) or 1
        scale = max([abs(n.delta) for n in top] + [1])
        rows: list[list[tuple[int, int, TreeNode]]] = []
        level = self._spread_at(top, 0, width, total)
        while level and len(rows) < MAX_DEPTH:
            rows.append(level)
            below = []
            for x, w, node in level:
                kids = tree.children(node.path)
                below += self._spread_at(kids, x, w, extent(node) or 1)
            level = below
        return rows, scale

    def _spread_at(self, nodes, x, width, total):
        out = []
        for n in sorted(nodes, key=lambda n: -extent(n)):
            w = int(width * extent(n) / total)
            if w < 1:
                continue
            out.append((x, w, n))
            x += w
        return out

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self.rows):
            return Strip.blank(width)
        segments, cursor = [], 0
        for i, (x, w, node) in enumerate(self.rows[y]):
            if x > cursor:
                segments.append(Segment(" " * (x - cursor)))
            label = terminal(node.name)[:max(0, w - 1)].ljust(w)
            style = colour(node.delta, self.scale)
            if (y, i) == self.selected:
                style += Style(reverse=True, bold=True)
            segments.append(Segment(label, style))
            cursor = x + w
        return Strip(segments).adjust_cell_length(width)

    def node(self):
        y, i = self.selected
        if y < len(self.rows) and i < len(self.rows[y]):
            return self.rows[y][i][2]
        return None

    def action_move(self, step: int) -> None:
        y, i = self.selected
        if self.rows:
            self.selected = (y, max(0, min(len(self.rows[y]) - 1, i + step)))
            self.refresh()
            self._select()

    def action_level(self, step: int) -> None:
        y, i = self.selected
        if not self.rows:
            return
        x = self.rows[y][i][0]
        y = max(0, min(len(self.rows) - 1, y + step))
        nearest = min(range(len(self.rows[y])), key=lambda k: abs(self.rows[y][k][0] - x))
        self.selected = (y, nearest)
        self.refresh()
        self._select()

    def _select(self) -> None:
        """The frame the user moved onto becomes the selection (not the one a layout puts
        the cursor on)."""
        node = self.node()
        if node is not None:
            self.post_message(NodeSelected(node.info))

    def action_zoom(self) -> None:
        node = self.node()
        if node is not None:
            self.zoom.append(node)
            self.layout_rows()

    def action_unzoom(self) -> None:
        if self.zoom:
            self.zoom.pop()
            self.layout_rows()

    def markdown(self) -> str:
        """The icicle as laid out, one text line per depth."""
        return code_block([self.render_line(y).text.rstrip() for y in range(len(self.rows))])

    def search(self, pattern: re.Pattern[str], step: int) -> bool | None:
        """The frames laid out, row by row from the top: the match becomes the selection."""
        frames = [(y, i) for y, row in enumerate(self.rows) for i in range(len(row))]
        names = [self.rows[y][i][2].name for y, i in frames]
        at = frames.index(self.selected) if self.selected in frames else 0
        found = next_match(names, pattern, at, step)
        if found is None:
            return False
        self.selected = frames[found]
        self.refresh()
        self._select()
        return True
