"""Tree: the call tree top-down or, toggled, bottom-up (callers); children by |delta|, built
when a node opens; g unfolds the largest growth path. Its header names the figures and the
direction; shown with a node selected elsewhere, it opens the path that carries most of
that node's weight, down to it."""
from __future__ import annotations

import re
from collections.abc import Callable

from rich.text import Text
from textual.widgets import Tree
from textual.worker import get_current_worker

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.analysis.calltree import CallTree, TreeNode
from heapdiff.render.escape import markdown, terminal
from heapdiff.render.format import amount, signed_amount

from ..state import Analysis
from ..widgets.vimtree import VimTree
from .base import Heavy, NodeSelected, View, typing

# Textual's Tree lays out its lines recursively, one Python frame per level, and each line
# keeps its whole path: past a few hundred levels it fails (RecursionError, and a 1,000-frame
# stack hung the app), so the tree opens no deeper than this.
MAX_DEPTH = 256
SEARCH_LIMIT = 20_000  # the nodes a search walks: about 4 s on the 600k-sample bench profile
LEAF = "  "  # in place of the ▶ of a node that opens: a leaf's figures line up with its siblings'
# over the figures, past the ▶: a diff's, or a single profile's (nothing to compare)
COLUMNS = {False: f" {'Δ cum':>10} {'new cum':>9} function",
           True: f" {'cum':>10} {'flat':>9} function"}
DIRECTIONS = {False: "top-down: callees below (b: callers)",
              True: "bottom-up: callers below (b: callees)"}


def heading(bottom_up: bool, single: bool = False) -> str:
    """The header line: the figures each line shows, and which way the tree grows."""
    return f"{COLUMNS[single]} · {DIRECTIONS[bottom_up]}"


class CallTreeView(View, VimTree):
    slug, key, title = "tree", "2", "Tree"
    help = (("h l", "Tree: close or open a node (or go to its parent)"),
            ("b", "Tree: top-down or callers (bottom-up)"),
            ("g", "Tree: unfold the largest growth path"))
    DEFAULT_CSS = """
    CallTreeView { border-top: hkey $primary; border-title-align: left;
                   border-title-color: $text; border-title-style: bold; }
    """
    def __init__(self, **kwargs):
        super().__init__("call tree", **kwargs)
        self.analysis = None
        self.bottom_up = False
        self.shown_bottom_up = None
        self.show_root = False
        self.pending_growth = False  # g pressed before the tree was shown: unfold once it is
        self.found: tuple[tuple, list[tuple[TreeNode, ...]]] | None = None  # (search, paths)
        self.found_at = 0
        self.border_title = heading(False)

    def heavy(self, analysis: Analysis, selected: NodeInfo | None) -> Heavy | None:
        return analysis.pending(analysis.tree, self.bottom_up)

    def show(self, analysis: Analysis, selected: NodeInfo | None) -> None:
        rebuilt = analysis is not self.analysis or self.shown_bottom_up != self.bottom_up
        if rebuilt:
            self.analysis = analysis
            self.shown_bottom_up = self.bottom_up
            self.rebuild()
        # else already showing this analysis: switching tabs keeps the tree as it was
        if self.pending_growth:
            self.pending_growth = False
            self.call_after_refresh(self.unfold_growth)
        elif selected is not None and (rebuilt or self.shown_info() != selected):
            self.reveal(selected)

    def shown_info(self) -> NodeInfo | None:
        node = self.cursor_node
        return node.data.info if node is not None and node.data is not None else None

    def focus_target(self) -> "CallTreeView":
        return self

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data is not None:
            self.post_message(NodeSelected(event.node.data.info))

    def render_label(self, node, base_style, style) -> Text:
        if node.allow_expand or node.data is None:
            return super().render_label(node, base_style, style)
        return Text.assemble(LEAF, super().render_label(node, base_style, style))

    def label(self, node) -> Text:
        unit = self.analysis.diff.sample_type.unit
        text = Text()
        if not self.analysis.bases:  # a single profile: its figures, no change to colour
            text.append(f"{amount(node.new, unit):>10} {amount(node.new_flat, unit):>9} ")
        else:
            text.append(f"{signed_amount(node.delta, unit):>10} ", style="red" if node.delta > 0 else
                        "green" if node.delta < 0 else "")
            text.append(f"{amount(node.new, unit):>9} ")
        text.append(terminal(node.name))  # Text.append: plain text, never markup
        return text

    def rebuild(self) -> None:
        self.found = None  # a search's matches are paths of the tree shown before
        self.clear()
        self.root.label = "callers (bottom-up)" if self.bottom_up else "call tree (top-down)"
        self.border_title = heading(self.bottom_up, not self.analysis.bases)
        self._fill(self.root, ())
        self.root.expand()

    def _fill(self, parent, path) -> None:
        for child in self.analysis.tree(self.bottom_up).children(path):
            parent.add(self.label(child), data=child,
                       allow_expand=not child.leaf and child.path.depth < MAX_DEPTH)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if node.data is None or node.children:
            return
        tree = self.analysis.tree(self.bottom_up)
        if tree.has_children_of(node.data.path):
            self._fill(node, node.data.path)
            return
        # a node near the root of a million samples takes a while: off the event loop
        analysis, path = self.analysis, node.data.path

        def compute() -> None:
            tree.children(path)
            self.app.call_from_thread(filled, analysis)

        def filled(for_analysis) -> None:
            if for_analysis is self.analysis and not node.children:
                self._fill(node, path)
        self.run_worker(compute, thread=True, group="tree-expand")

    def unfold_growth(self) -> None:
        """Expand, from the root, the child with the largest growth at each level (the path
        is found in a worker, then unfolded from the computed levels)."""
        tree, analysis = self.analysis.tree(self.bottom_up), self.analysis
        self.loading = True  # answered at once; the path takes a moment on a big profile

        def compute() -> None:
            path = tree.growth_path()
            self.app.call_from_thread(unfold, analysis, path)

        def unfold(for_analysis, path) -> None:
            self.loading = False
            if not typing(self.app):
                self.focus()  # the loading indicator took it
            if for_analysis is self.analysis:
                self._unfold(path)
        self.run_worker(compute, thread=True, group="tree-expand")

    def reveal(self, selected: NodeInfo) -> None:
        """Open the path carrying most of the weight of `selected` (chosen in another view)
        down to it and put the cursor on it; the path is searched in a worker. Not in the
        tree (or deeper than MAX_DEPTH): the tree stays as it is."""
        tree, analysis = self.analysis.tree(self.bottom_up), self.analysis

        def compute() -> None:
            path = tree.path_to(selected, MAX_DEPTH)
            if path:
                self.app.call_from_thread(unfold, analysis, path)

        def unfold(for_analysis, path) -> None:
            if for_analysis is self.analysis:
                self._unfold(path)
        self.run_worker(compute, thread=True, group="tree-expand")

    def _unfold(self, path, open_last: bool = True) -> None:
        """Open the tree along `path` (TreeNodes from the root), whose levels are computed,
        and the last node too unless asked not to (a search's match)."""
        node = self.root
        self._open(node)
        if len(path) > MAX_DEPTH:
            self.notify(f"The growth path is {len(path)} frames deep; the tree shows the first "
                        f"{MAX_DEPTH}.", markup=False)
        for step in path[:MAX_DEPTH]:
            node = next(c for c in node.children if c.data is not None and c.data.path == step.path)
            if open_last or step is not path[-1]:
                self._open(node)
        if open_last:
            self.call_after_refresh(self._reveal, node)
        else:  # a match: the cursor on it, as it was (selecting a node would toggle it)
            self.call_after_refresh(self.move_cursor, node)

    def _open(self, node) -> None:
        if not node.allow_expand:  # a leaf (or past MAX_DEPTH): nothing opens
            return
        if not node.children and node.data is not None:
            self._fill(node, node.data.path)
        node.expand()

    def _reveal(self, node) -> None:
        """Select a node once the tree has laid out the lines its expansion added."""
        self.select_node(node)
        self.scroll_to_node(node)

    # --- search: the paths whose function matches, depth first in the tree's order --------
    def search(self, pattern: re.Pattern[str], step: int) -> bool | None:
        """Walk the tree (in a worker, the first time for this search) and unfold it to the
        first match, or the next / previous one."""
        if self.analysis is None:
            return None
        key = (pattern.pattern, self.analysis, self.bottom_up)
        if self.found is not None and self.found[0] == key:
            return self._go(step)
        tree, analysis = self.analysis.tree(self.bottom_up), self.analysis

        def compute() -> None:
            worker = get_current_worker()  # a newer search (the next keystroke) stops this one

            def first(path: tuple[TreeNode, ...]) -> None:  # shown at once; the walk goes on
                self.app.call_from_thread(done, [path], False)
            matches = matching_paths(tree, pattern, SEARCH_LIMIT, lambda: worker.is_cancelled,
                                     first)
            if not worker.is_cancelled:
                self.app.call_from_thread(done, matches, True)

        def done(matches: list[tuple[TreeNode, ...]], complete: bool) -> None:
            if analysis is not self.analysis:
                return
            shown = self.found is not None and self.found[0] == key and bool(self.found[1])
            self.found = (key, matches)  # the first match stays where it was: index 0
            if not shown:
                self.found_at = 0
                if not self._go(0) and complete:
                    self.notify(f"no match for {pattern.pattern}", markup=False, timeout=2)
        self.run_worker(compute, thread=True, exclusive=True, group="tree-search")
        return True

    def markdown(self) -> str:
        """The open part of the tree, as shown: a nested list with Δ and new per node."""
        unit = self.analysis.diff.sample_type.unit if self.analysis else ""
        title = "callers (bottom-up)" if self.shown_bottom_up else "call tree (top-down)"
        lines = [f"{title}: Δ, new, function\n"]
        stack = [(child, 0) for child in reversed(self.root.children)]
        while stack:
            node, depth = stack.pop()
            if node.data is not None:
                data = node.data
                lines.append(f"{'  ' * depth}- {signed_amount(data.delta, unit)} "
                             f"{amount(data.new, unit)} {markdown(data.name)}")
            if node.is_expanded:
                stack.extend((child, depth + 1) for child in reversed(node.children))
        return "\n".join(lines) + "\n"

    def _go(self, step: int) -> bool:
        matches = self.found[1] if self.found else []
        if not matches:
            return False
        self.found_at = 0 if step == 0 else (self.found_at + step) % len(matches)
        self._unfold(list(matches[self.found_at]), open_last=False)
        return True


def matching_paths(tree: CallTree, pattern: re.Pattern[str], limit: int,
                   stopped: Callable[[], bool] = lambda: False,
                   first: Callable[[tuple[TreeNode, ...]], None] = lambda path: None,
                   ) -> list[tuple[TreeNode, ...]]:
    """Every path from the root to a node whose name matches, in the order the tree shows
    them (depth first, children by |delta|), walking at most `limit` nodes; `first` is told
    the first match as soon as it is found (on a big profile the walk takes seconds)."""
    out: list[tuple[TreeNode, ...]] = []
    stack: list[tuple[TreeNode, ...]] = [(child,) for child in reversed(tree.children(()))]
    walked = 0
    while stack and walked < limit and not stopped():
        path = stack.pop()
        walked += 1
        if pattern.search(path[-1].name):
            out.append(path)
            if len(out) == 1:
                first(path)
        if len(path) < MAX_DEPTH:
            stack.extend(path + (child,) for child in reversed(tree.children(path[-1].path)))
    return out
