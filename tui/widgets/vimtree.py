"""A Textual Tree moved through with vim's keys: j and k down and up, l opens the node, h closes
it or goes to its parent. The call tree and the dominator tree are both one."""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Tree


class VimTree(Tree):
    BINDINGS = [Binding("k", "cursor_up", "up", show=False),
                Binding("j", "cursor_down", "down", show=False),
                Binding("l", "expand_or_select", "open", show=False),
                Binding("h", "collapse_or_parent", "close", show=False)]

    def action_expand_or_select(self) -> None:
        """l: open the node under the cursor (vim's right)."""
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()

    def action_collapse_or_parent(self) -> None:
        """h: close the node under the cursor, or go to its parent (vim's left)."""
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)
