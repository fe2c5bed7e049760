"""Flame: a diff icicle graph. Width by size (the new value; a gone frame keeps its base
width), colour by delta (growth red, shrink green, brighter for more); a readout of the frame
under the cursor, the zoom path and a legend frame it. The frame under the cursor is the
app's selection (f, i, Source, Peek act on it); z zooms into it, Esc out."""
from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.analysis.calltree import Path, TreeNode
from heapdiff.render.escape import terminal
from heapdiff.render.format import amount, change_percent, signed_amount

from ..export import code_block
from ..search import next_match
from ..state import Analysis
from .base import Heavy, NodeChosen, NodeSelected, View, typing
from .flamelayout import Box, Frame, Known, Other, find, lay_out

HEAD = 2  # the readout: the frame's name, its figures
FOOT = 2  # the zoom path, the legend
SEPARATOR = " › "
ZOOMED = "zoom: "
Parts = list[tuple[str, Style | None]]  # a chrome line: texts and their styles over the view's


def colour(delta: int, scale: int) -> Style:
    if scale <= 0 or delta == 0:
        return Style(bgcolor="grey30", color="white")
    strength = min(1.0, abs(delta) / scale)
    level = int(80 + 175 * strength)
    return Style(bgcolor=f"rgb({level},40,40)" if delta > 0 else f"rgb(40,{level},40)",
                 color="white")


# NO_COLOR: blocks in reverse video, growth marked "+" and bold, shrink "−" and plain, so
# growth never looks dimmer than shrink (a grey filter would make green the brighter)
MONO = {1: ("+", Style(reverse=True, bold=True)), -1: ("−", Style(reverse=True)),
        0: ("=", Style(reverse=True, dim=True))}
MONO_CURSOR = Style(reverse=False, bold=True, underline=True)
LEGEND = ((" ", colour(1, 1)), (" grew  ", None), (" ", colour(-1, 1)), (" shrank  ", None),
          (" ", colour(0, 1)), (" same · brighter: larger Δ", None))
MONO_LEGEND = (("+bold", MONO[1][1]), (" grew  ", None), ("−plain", MONO[-1][1]),
               (" shrank  ", None), ("=dim", MONO[0][1]), (" same", None))
WIDTH_NOTE = " · width: size"  # new, or base when gone: the help and README say so
SINGLE_LEGEND = ((" ", colour(1, 4)), (" ", colour(1, 1)), (" brighter: larger · ", None))
SINGLE_NOTE = "one profile, no base: width is size"


def sign(delta: int) -> int:
    return (delta > 0) - (delta < 0)


class FlameView(View, Widget, can_focus=True):
    slug, key, title = "flame", "4", "Flame"
    help = (("↑ ↓ ← → / k j h l", "Flame: to the caller, the first callee, the frames beside; "
                                  "the frame is the selection"),
            ("click / wheel", "Flame: select the frame clicked (double-click zooms into it) / "
                              "scroll a deep flame"),
            ("Enter", "Flame: peek at the selected frame's function"),
            ("colours", "Flame: red grew, green shrank, grey same, brighter for a larger Δ "
                        "(NO_COLOR: + bold, − plain, = dim); width: the new size, the base's "
                        "when gone"),
            ("z / Esc", "Flame: zoom into the selected frame / out one level (or click a "
                        "name on the zoom line)"))
    DEFAULT_CSS = "FlameView { height: 1fr; }"
    BINDINGS = [Binding("left,h", "move(-1)", "left", show=False),
                Binding("right,l", "move(1)", "right", show=False),
                Binding("up,k", "level(-1)", "up", show=False),
                Binding("down,j", "level(1)", "down", show=False),
                Binding("enter", "choose", "peek", show=False),
                Binding("z", "zoom", "zoom in", show=False),
                Binding("escape", "unzoom", "zoom out", show=False)]
    selected: reactive[tuple[int, int] | None] = reactive(None)  # (row, box) of the cursor

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.analysis: Analysis | None = None
        self.zoom: list[TreeNode] = []  # the path of frames zoomed into
        self.rows: list[list[Box]] = []
        self.scale = 1
        self.top = 0  # the first row drawn: the rows scroll to keep the cursor in sight
        self.laid_width = 0  # the width of the current (or coming) layout
        self.wanted: NodeInfo | None = None  # the app's selection, for the cursor to find
        self.laid_for: Analysis | None = None  # the analysis of the rows shown
        self.pending = False  # the rows shown are Known ones, the whole layout is coming

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return analysis.pending(analysis.tree, False)

    def focus_target(self) -> "FlameView":
        return self

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        """Lay out a new analysis; on the same one, put the cursor on the selection made in
        another view (its widest frame)."""
        self.wanted = selected
        if analysis is self.analysis:
            if not self.loading:
                self._place(None)
            return  # already laid out: switching tabs costs nothing
        rezoom = self._zoom_paths()
        self.analysis = analysis
        self.zoom = []
        self.layout_rows(rezoom=rezoom)

    def _zoom_paths(self) -> list[tuple[NodeInfo, ...]]:
        """The zoom path's frames by identity (infos from the root), for a recompute (s, d,
        n, G) to find them again in its own tree."""
        if not self.zoom or self.analysis is None:
            return []
        tree = self.analysis.tree(False)
        return [tree.infos_of(node.path) for node in self.zoom]

    def on_resize(self, event) -> None:
        # only a new width changes the layout: the loading indicator coming and going
        # resizes the view too, and must not start another layout
        if self.analysis is not None and max(event.size.width, 20) != self.laid_width:
            self.layout_rows(self._cursor_path())
        self._scroll()

    # --- layout, in a worker ----------------------------------------------------------------
    def layout_rows(self, keep: Path | None = None,
                    rezoom: list[tuple[NodeInfo, ...]] | None = None) -> None:
        """Lay out in a worker: opening deep levels of a big tree takes a while. The cursor
        then goes to the frame of path `keep`, else to the selection. A zoom or a resize
        answers at once with the frames computed so far (Known), until the worker's layout
        replaces them; a new analysis shows the loading indicator, and its worker finds the
        frames of the old zoom path (`rezoom`) again: the zoom stays where they still are."""
        # a view just shown may not be laid out yet: it spans the screen
        self.laid_width = max(self.size.width or self.app.size.width, 20)
        zoom = self.zoom[-1] if self.zoom else None
        assert self.analysis is not None
        self.pending = bool(self.rows) and self.analysis is self.laid_for
        if self.pending:
            self._laid_out(*lay_out(Known(self.analysis.tree(False)), zoom, self.laid_width,
                                    self.analysis.settings.granularity), keep)
        else:
            self.loading = True
        analysis = self.laid_for = self.analysis
        width = self.laid_width
        self.run_worker(lambda: self._layout(analysis, zoom, width, keep, rezoom or []),
                        thread=True, exclusive=True, group="flame")

    def _layout(self, analysis: Analysis, zoom: TreeNode | None, width: int,
                keep: Path | None, rezoom: list[tuple[NodeInfo, ...]]) -> None:
        tree = analysis.tree(False)
        found: list[TreeNode] = []
        for infos in rezoom:  # the zoom path, as far as this tree still has it
            node = tree.follow(infos)
            if node is None:
                break
            found.append(node)
        if found:
            zoom = found[-1]
        rows, scale = lay_out(tree, zoom, width, analysis.settings.granularity)
        self.app.call_from_thread(self._laid_out, rows, scale, keep, analysis,
                                  found if rezoom else None)

    def _laid_out(self, rows: list[list[Box]], scale: int, keep: Path | None,
                  analysis: Analysis | None = None,
                  zoom: list[TreeNode] | None = None) -> None:
        """The rows shown: the Known ones at once (no analysis given), then the worker's
        whole layout, unless the analysis changed meanwhile (a newer layout is coming);
        `zoom`: the zoom path found again after a recompute."""
        final = analysis is not None
        if final and analysis is not self.analysis:
            return
        if zoom is not None:
            self.zoom = zoom
        if final and self.pending:  # the frames shown meanwhile: the cursor stays on its own
            keep = self._cursor_path() or keep
        self.rows, self.scale = rows, scale
        self.selected, self.top = None, 0
        self._place(keep)
        if final:
            self.pending = self.loading = False
        if self.parent is not None and self.parent.display and not typing(self.app):
            self.focus()  # a loading widget took no focus
        self.refresh()

    def _place(self, keep: Path | None) -> None:
        """The cursor onto the frame of path `keep`, else onto the widest frame of the wanted
        node; none when that is not drawn (the readout says so), or the top without one."""
        current = self.node()
        if keep is None and isinstance(current, TreeNode) and current.info == self.wanted:
            return  # the cursor's frame is the selection already
        at = None if keep is None else find(self.rows, lambda n: n.path is keep)
        if at is None and self.wanted is not None:
            at = find(self.rows, lambda n: n.info == self.wanted)
        elif at is None and self.rows:
            at = (0, 0)
        self.selected = at
        self._scroll()
        self.refresh()

    def _cursor_path(self) -> Path | None:
        node = self.node()
        return node.path if isinstance(node, TreeNode) else None

    # --- drawing ----------------------------------------------------------------------------
    def _body(self) -> int:
        return max(1, self.size.height - HEAD - FOOT)

    def _scroll(self) -> None:
        """Keep the cursor's row among the rows drawn."""
        if self.size.height <= HEAD + FOOT:
            return  # not laid out yet: on_resize scrolls
        body, top = self._body(), self.top
        if self.selected is not None:
            y = self.selected[0]
            top = y if y < top else max(top, y - body + 1)
        self.top = max(0, min(top, len(self.rows) - body))

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        base = self.rich_style
        if y < HEAD:
            parts = self.readout()[y]
        elif y >= height - FOOT and height > HEAD + FOOT:
            parts = (self.zoom_line(), self.legend())[y - (height - FOOT)]
        else:
            return self._row(y - HEAD + self.top, width, base)
        segments = [Segment(text, base + style if style else base) for text, style in parts]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def _row(self, row: int, width: int, base: Style) -> Strip:
        if not 0 <= row < len(self.rows):
            return Strip.blank(width, base)
        mono, single = self.app.no_color, self.single
        segments, cursor = [], 0
        for i, (x, w, node) in enumerate(self.rows[row]):
            if x > cursor:
                segments.append(Segment(" " * (x - cursor), base))
            name = terminal(node.name)
            if mono:
                mark, style = MONO[sign(node.delta)]
                name = name if single else mark + name
            else:
                style = colour(node.delta, self.scale)
            if (row, i) == self.selected:
                style += MONO_CURSOR if mono else Style(reverse=True, bold=True)
            if w > 1:  # the last cell parts a frame from the next
                segments += [Segment(set_cell_size(name, w - 1), base + style), Segment(" ", base)]
            else:
                segments.append(Segment(" ", base + style))
            cursor = x + w
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def readout(self) -> tuple[Parts, Parts]:
        """The frame under the cursor: its name, then base, new, Δ and Δ as a share of the
        diff's total (pprof's percentage) for that call path. Without a cursor, the
        selection's own figures from the diff, and that it is not drawn."""
        bold = Style(bold=True)
        if self.analysis is None:
            return [], []
        node = self.node()
        if node is None:
            row = next((r for r in self.analysis.diff.rows if r.info == self.wanted), None)
            if row is None:
                return [("no frame selected: move to pick one", None)], []
            return ([(terminal(row.name), bold),
                     ("  (not drawn here: too narrow or too deep)", None)],
                    self.figures(row.base_cum, row.new_cum))
        return [(terminal(node.name), bold), (self._what(node), None)], \
            self.figures(node.base, node.new)

    def _what(self, node: Frame) -> str:
        """What the readout's figures are of, and, on an Other box, where the selection is."""
        if not isinstance(node, Other):
            return "  (this call path)"
        among = next((m for m in node.members if m.info == self.wanted), None)
        if among is None:
            return "  (too narrow to draw one by one)"
        return f"  (among them the selection, {terminal(among.name)})"

    def figures(self, base: int, new: int) -> Parts:
        assert self.analysis is not None
        d = self.analysis.diff
        unit, delta = d.sample_type.unit, new - base
        if self.single:  # a profile alone: its figures, as `top` gives them
            share = f" = {100 * new / d.total:.1f}% of total" if d.total else ""
            return [(amount(new, unit), Style(bold=True)), (share, None)]
        parts: Parts = [
            (f"base {amount(base, unit)} → new {amount(new, unit)}  Δ ", None),
            (signed_amount(delta, unit), Style(bold=True) if delta > 0 else None)]
        if d.total:  # pprof's percentage: of the base total with a base, else of the new
            parts.append((f" = {100 * delta / d.total:+.1f}% of total", None))
        if base:
            parts.append((f", {change_percent(delta, base)} of its base", None))
        return parts

    def zoom_line(self) -> Parts:
        if self.pending:
            return [("laying out the frames below…", None)]
        if not self.zoom:
            return [("z or double-click: zoom into the selected frame", None)]
        parts: Parts = [(ZOOMED, None)]
        for k, crumb in enumerate(self.crumbs()):
            parts += [(SEPARATOR, None)] * bool(k) + [(crumb, Style(bold=True))]
        return parts + [("  (Esc: out; click a name: back to it)", None)]

    def crumbs(self) -> list[str]:
        """The zoom path's names, the whole flame ("all") first."""
        return ["all"] + [terminal(n.name) for n in self.zoom]

    def crumb_at(self, x: int) -> int | None:
        """How many zoom levels the crumb at column x keeps (None: not on a crumb)."""
        at = cell_len(ZOOMED)
        for k, crumb in enumerate(self.crumbs()):
            if at <= x < at + cell_len(crumb):
                return k
            at += cell_len(crumb) + cell_len(SEPARATOR)
        return None

    def zoom_to(self, depth: int) -> None:
        """Back to the zoom path's first `depth` levels, the cursor on the frame left."""
        if 0 <= depth < len(self.zoom):
            left = self.zoom[depth]
            del self.zoom[depth:]
            self.layout_rows(left.path)

    @property
    def single(self) -> bool:
        """A profile shown alone: nothing grew or shrank, colours and marks say size."""
        return self.analysis is not None and not self.analysis.bases

    def legend(self) -> Parts:
        if self.single:
            return [*(() if self.app.no_color else SINGLE_LEGEND), (SINGLE_NOTE, None)]
        return [*(MONO_LEGEND if self.app.no_color else LEGEND), (WIDTH_NOTE, None)]

    # --- the cursor ---------------------------------------------------------------------------
    def node(self) -> Frame | None:
        if self.selected is None:
            return None
        y, i = self.selected
        if y < len(self.rows) and i < len(self.rows[y]):
            return self.rows[y][i][2]
        return None

    def _go(self, at: tuple[int, int]) -> None:
        """The cursor onto a frame the user picked: it becomes the app's selection."""
        self.selected = at
        self._scroll()
        self.refresh()
        node = self.node()
        if isinstance(node, TreeNode):
            self.wanted = node.info
            self.post_message(NodeSelected(node.info))

    def action_move(self, step: int) -> None:
        if not self.rows:
            return
        if self.selected is None:
            self._go((0, 0))
            return
        y, i = self.selected
        self._go((y, max(0, min(len(self.rows[y]) - 1, i + step))))

    def action_level(self, step: int) -> None:
        if not self.rows:
            return
        if self.selected is None:
            self._go((0, 0))
            return
        y, i = self.selected
        x, w, _ = self.rows[y][i]
        y = max(0, min(len(self.rows) - 1, y + step))
        # up: the caller; down: the first callee (none drawn: the cursor stays)
        under = next((k for k, (bx, bw, _) in enumerate(self.rows[y])
                      if bx < x + w and x < bx + bw), None)
        if under is not None:
            self._go((y, under))

    def action_choose(self) -> None:
        node = self.node()
        if isinstance(node, TreeNode):
            self.post_message(NodeChosen(node.info))

    def action_zoom(self) -> None:
        node = self.node()
        if isinstance(node, TreeNode) and not (self.zoom and self.zoom[-1] is node):
            self.zoom.append(node)
            self.layout_rows(node.path)

    def action_unzoom(self) -> None:
        self.zoom_to(len(self.zoom) - 1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, -1)

    def _wheel(self, event: events.MouseEvent, step: int) -> None:
        """The wheel scrolls the rows of a flame deeper than the view; the cursor stays."""
        event.stop()
        self.top = max(0, min(self.top + step, len(self.rows) - self._body()))
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        """A click selects the frame under it, a double click zooms into it; a click on the
        zoom path goes back to that level."""
        offset = event.get_content_offset(self)
        if offset is None or not self.rows or self.loading:
            return
        if offset.y == self.size.height - FOOT:
            depth = self.crumb_at(offset.x)
            if depth is not None:
                self.zoom_to(depth)
            return
        row = offset.y - HEAD + self.top
        if not HEAD <= offset.y < self.size.height - FOOT or not 0 <= row < len(self.rows):
            return
        for i, (x, w, _) in enumerate(self.rows[row]):
            if x <= offset.x < x + w:
                self._go((row, i))
                if event.chain >= 2:
                    self.action_zoom()
                return


    def markdown(self) -> str:
        """The icicle as laid out, one text line per depth."""
        width, base = self.size.width, self.rich_style
        return code_block([self._row(row, width, base).text.rstrip()
                           for row in range(len(self.rows))])

    def search(self, pattern: re.Pattern[str], step: int) -> bool | None:
        """The frames laid out, row by row from the top: the match becomes the selection."""
        frames = [(y, i) for y, row in enumerate(self.rows) for i in range(len(row))]
        names = [self.rows[y][i][2].name for y, i in frames]
        at = frames.index(self.selected) if self.selected in frames else 0
        found = next_match(names, pattern, at, step)
        if found is None:
            return False
        self._go(frames[found])
        return True

