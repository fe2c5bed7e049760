"""Tree: the call tree top-down or, toggled, bottom-up (callers); children by |delta|, built
when a node opens; g unfolds the largest growth path."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from heapdiff.render.diff import signed
from heapdiff.units import human


class CallTreeView(Tree):
    def __init__(self, **kwargs):
        super().__init__("call tree", **kwargs)
        self.analysis = None
        self.bottom_up = False
        self.shown_bottom_up = None
        self.show_root = False

    def show(self, analysis) -> None:
        if analysis is self.analysis and self.shown_bottom_up == self.bottom_up:
            return  # already showing this analysis: switching tabs keeps the tree as it was
        self.analysis = analysis
        self.shown_bottom_up = self.bottom_up
        self.rebuild()

    def label(self, node) -> Text:
        unit = self.analysis.diff.sample_type.unit
        text = Text()
        text.append(f"{signed(node.delta, unit):>10} ", style="red" if node.delta > 0 else
                    "green" if node.delta < 0 else "")
        text.append(f"{human(node.new, unit):>9} ")
        text.append(node.name)  # Text.append: plain text, never markup
        return text

    def rebuild(self) -> None:
        self.clear()
        self.root.label = "callers (bottom-up)" if self.bottom_up else "call tree (top-down)"
        self._fill(self.root, ())
        self.root.expand()

    def _fill(self, parent, path) -> None:
        for child in self.analysis.tree(self.bottom_up).children(path):
            parent.add(self.label(child), data=child, allow_expand=True)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if node.data is not None and not node.children:
            self._fill(node, node.data.path)

    def unfold_growth(self) -> None:
        """Expand, from the root, the child with the largest growth at each level."""
        node = self.root
        while True:
            if not node.children and node.data is not None:
                self._fill(node, node.data.path)
            node.expand()
            grown = [c for c in node.children if c.data is not None and c.data.delta > 0]
            if not grown:
                break
            node = max(grown, key=lambda c: c.data.delta)
        self.call_after_refresh(self._reveal, node)

    def _reveal(self, node) -> None:
        """Select a node once the tree has laid out the lines its expansion added."""
        self.select_node(node)
        self.scroll_to_node(node)
