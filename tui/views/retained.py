"""Retained: the heap dump's dominator tree (heapdiff.retained.tree), largest first: the roots
(globals, goroutine frames, finalizers, objects several roots share) and, opened one node at a
time, what each node dominates, so a dump of millions of objects builds a widget per row shown.
With a base dump, each row's growth. p shows the dominator path from the root to the
highlighted node, as `heapdiff retained` prints a group's. Every name is the dump's: plain
text, never markup."""
from __future__ import annotations

import re
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static, Tree

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.units import human_bytes
from heapdiff.render.escape import markdown, terminal
from heapdiff.render.format import held_as, signed_amount
from heapdiff.retained.groups import Retention
from heapdiff.retained.tree import Node, RetainedTree

from ..export import paragraphs
from ..plain import plain
from ..state import Analysis, Dumps
from ..search import next_match
from ..widgets.rowtable import Column, RowTable
from ..widgets.vimtree import VimTree
from .base import Heavy, View
from .tree import MAX_DEPTH

NO_DUMP = ("No heap dump given: fetch one with `heapdiff capture --heapdump /debug/heapdump`, "
           "or give a DUMP beside the profile (heapdiff tui heap.pb.gz heap.heapdump).")
FIGURES = f"{'retained':>10} {'objects':>9} {'pointers':>9} {'own':>9}  name (named by)"
GROWTH = f"{'Δ retained':>10} "
ARROW = " \u2192 "  # between the steps of a path, as `heapdiff retained` prints them
LEAF = "  "  # in place of the ▶ of a node that opens: a leaf's figures line up


def row(node: Node) -> Text:
    """A node's line: growth (with a base), its figures, then its name as plain text."""
    text = Text()
    delta = node.delta_bytes
    if delta is not None:
        text.append(f"{signed_amount(delta, 'bytes'):>10} ",
                    style="red" if delta > 0 else "green" if delta < 0 else "")
    text.append(f"{human_bytes(node.retained_bytes):>10} {node.retained_objects:>9,} "
                f"{human_bytes(node.pointer_bytes):>9} {human_bytes(node.own_bytes):>9}  ")
    text.append(terminal(f"{node.name} ({node.named_by})"))  # Text.append: never markup
    return text


def more_row(more: int) -> Text:
    return Text(f"… {more:,} smaller not listed", style="dim")


class DominatorTree(VimTree):
    """The tree widget: a node's children are listed when it is first opened."""

    def __init__(self, **kwargs):
        super().__init__("all roots", **kwargs)
        self.show_root = False
        self.retained: RetainedTree | None = None

    def fill(self, retained: RetainedTree) -> None:
        self.retained = retained
        self.clear()
        self._list_children(self.root, retained.top)
        self.root.expand()

    def _list_children(self, parent, node: Node) -> None:
        assert self.retained is not None
        level = self.retained.children(node)
        depth, above = 0, parent
        while above is not self.root:
            depth, above = depth + 1, above.parent
        for child in level.nodes:  # a linked list's chain opens no deeper than MAX_DEPTH
            parent.add(row(child), data=child,
                       allow_expand=child.children > 0 and depth + 1 < MAX_DEPTH)
        if level.more:
            parent.add_leaf(more_row(level.more))

    def render_label(self, node, base_style, style) -> Text:
        if node.allow_expand or node.data is None and node is self.root:
            return super().render_label(node, base_style, style)
        return Text.assemble(LEAF, super().render_label(node, base_style, style))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if node.data is not None and not node.children:
            self._list_children(node, node.data)

    def open_lines(self) -> list[tuple[int, Node | None, Text]]:
        """The open part of the tree, in order: (depth, node, its line)."""
        out = []
        stack = [(child, 0) for child in reversed(self.root.children)]
        while stack:
            line, depth = stack.pop()
            out.append((depth, line.data, line.label))
            if line.is_expanded:
                stack.extend((child, depth + 1) for child in reversed(line.children))
        return out


def group_table(result: Retention) -> tuple[list[Column], list[tuple[str, ...]], list[int]]:
    """The groups as `heapdiff retained` ranks them: columns, rows and tones (growth red)."""
    growth = result.base is not None
    columns = [Column("growth", 10)] if growth else []
    columns += [Column("retained", 10), Column("objects", 9), Column("pointers", 9),
                Column("root", 24, False), Column("held as", 30, False),
                Column("dominator path", 40, False)]
    rows: list[tuple[str, ...]] = []
    tones: list[int] = []
    for g in result.groups:
        cells = (human_bytes(g.retained_bytes), f"{g.retained_objects:,}",
                 human_bytes(g.pointer_bytes), f"{g.root} ({g.root_kind})", held_as(g, str),
                 ARROW.join(g.path))
        delta = g.delta_bytes or 0
        rows.append((signed_amount(delta, "bytes"), *cells) if growth else cells)
        tones.append((delta > 0) - (delta < 0))
    return columns, rows, tones


class BuildStatus(Static):
    """The view's loading widget while its process builds the dominator trees: what the process
    last said it was doing, and the time it has taken (a 1 GiB heap's dump takes tens of
    seconds). One widget: Textual lays a loading widget over the view without mounting
    children of its own."""

    DEFAULT_CSS = """
    BuildStatus { width: 100%; height: 100%; content-align: center middle; color: $accent; }
    """
    STEP = 0.25  # seconds between two looks at the status

    def __init__(self, dumps: Dumps | None) -> None:
        super().__init__(id="retained-status")
        self.dumps = dumps
        self.started = time.monotonic()

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(self.STEP, self.tick)

    def tick(self) -> None:
        said = self.dumps.status if self.dumps is not None else ""
        self.update(plain(f"● {said or 'starting'} ({time.monotonic() - self.started:.0f} s)"))


class RetainedView(View, Vertical):
    slug, key, title = "retained", "9", "Retained"
    help = (("p", "Retained: the dominator path from the root to the highlighted node"),
            ("t", "Retained: the dominator tree or the groups, as `heapdiff retained` ranks "
                  "them"))
    DEFAULT_CSS = """
    RetainedView DominatorTree { height: 1fr; }
    RetainedView #retained-path { height: auto; max-height: 8; border-top: hkey $primary; }
    """
    BINDINGS = [Binding("p", "path", "path to root", show=False),
                Binding("t", "groups", "tree or groups", show=False)]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.shown: RetainedTree | None = None
        self.grouped = False  # t: the groups instead of the tree
        self.dumps: Dumps | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="retained-title")
        yield Static("", id="retained-columns")
        yield DominatorTree(id="retained-tree")
        yield RowTable([], id="retained-groups")
        yield Static("", id="retained-path")

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        self.dumps = analysis.dumps  # whose status the loading widget shows
        return analysis.pending(analysis.retention)

    def get_loading_widget(self) -> Widget:
        return BuildStatus(self.dumps)

    def focus_target(self) -> Widget | None:
        if self.shown is None:
            return None
        return self.query_one(RowTable) if self.grouped else self.query_one(DominatorTree)

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        retained = analysis.retention()
        tree = self.query_one(DominatorTree)
        title = self.query_one("#retained-title", Static)
        columns = self.query_one("#retained-columns", Static)
        path = self.query_one("#retained-path", Static)
        table = self.query_one(RowTable)
        if retained is None:
            failure = analysis.dumps.failure if analysis.dumps is not None else None
            title.update(plain(f"heapdiff: {failure}" if failure else NO_DUMP))
            tree.display = columns.display = path.display = table.display = False
            return
        if retained is self.shown:  # switching tabs keeps the tree as it was
            return
        self.shown = retained
        title.update(plain(summary(retained)))
        columns.update(Text(LEAF + (GROWTH if retained.base is not None else "") + FIGURES,
                            style="bold"))
        path.display = False
        tree.fill(retained)
        tree.move_cursor_to_line(0)
        header, rows, tones = group_table(retained.result)
        table.set_columns(header)
        table.set_rows(rows, tones)
        self._mode()

    def _mode(self) -> None:
        tree, table = self.query_one(DominatorTree), self.query_one(RowTable)
        tree.display = self.query_one("#retained-columns").display = not self.grouped
        table.display = self.grouped
        if self.grouped:
            self.query_one("#retained-path").display = False

    def action_groups(self) -> None:
        """t: the groups (as `heapdiff retained` ranks them) or the tree."""
        if self.shown is None:
            return
        self.grouped = not self.grouped
        self._mode()
        target = self.focus_target()
        if target is not None:
            target.focus()

    def action_path(self) -> None:
        """p: the dominator path from the root down to the highlighted node."""
        tree = self.query_one(DominatorTree)
        node = tree.cursor_node
        panel = self.query_one("#retained-path", Static)
        if self.grouped or tree.retained is None or node is None or node.data is None:
            return
        panel.update(plain(path_line(tree.retained, node.data)))
        panel.display = True

    def search_lines(self) -> list[str] | None:
        if self.shown is None or self.grouped:
            return super().search_lines() if self.shown is not None else None
        return [line.plain for _, _, line in self.query_one(DominatorTree).open_lines()]

    def search(self, pattern: re.Pattern[str], step: int) -> bool | None:
        """Among the lines open: the tree's cursor moves to a match."""
        if self.grouped:
            return super().search(pattern, step)
        lines = self.search_lines()
        if lines is None:
            return None
        tree = self.query_one(DominatorTree)
        found = next_match(lines, pattern, max(tree.cursor_line, 0), step)
        if found is None:
            return False
        tree.move_cursor_to_line(found)
        return True

    def markdown(self) -> str:
        """The summary, then the open part of the tree as shown, and the path if shown."""
        above = [str(s.content) for s in self.query(Static) if s.display
                 and s.id in ("retained-title", "retained-path")]
        if self.shown is None:
            return paragraphs(above)
        if self.grouped:
            return super().markdown()
        growth = self.shown.base is not None
        lines = [f"dominator tree: {'Δ retained, ' if growth else ''}retained, objects, "
                 "pointer bytes, own bytes, name (named by)\n"]
        for depth, node, label in self.query_one(DominatorTree).open_lines():
            if node is None:
                lines.append(f"{'  ' * depth}- {markdown(label.plain)}")
                continue
            figures = f"{signed_amount(node.delta_bytes or 0, 'bytes')} " if growth else ""
            lines.append(f"{'  ' * depth}- {figures}{human_bytes(node.retained_bytes)}, "
                         f"{node.retained_objects:,} objects, {human_bytes(node.pointer_bytes)}"
                         f", own {human_bytes(node.own_bytes)}: "
                         f"{markdown(node.name)} ({node.named_by})")
        return paragraphs(above) + "\n".join(lines) + "\n"


def summary(retained: RetainedTree) -> str:
    r = retained.result
    line = (f"{r.source}: reachable from the roots {human_bytes(r.reachable_bytes)} in "
            f"{r.reachable_objects:,} objects, {human_bytes(r.reachable_pointer_bytes)} of "
            "pointers")
    if r.base is not None:
        line += f"; base {r.base.source}: {human_bytes(r.base.reachable_bytes)}"
    return line


def path_line(retained: RetainedTree, node: Node) -> str:
    return "path: " + ARROW.join(retained.path(node))

