"""heapdiff.retained.tree: the dominator tree a level at a time, on the committed dumps of
samples/retention/ (a map of 2,048 entries, a 40,000-node linked list)."""
from __future__ import annotations

import numpy as np

from support import SAMPLES
from heapdiff.inputs.decode.heapdump import decode_heapdump
from heapdiff.retained.dominators import BYTES, OBJECTS
from heapdiff.retained.groups import analysed
from heapdiff.retained.tree import RetainedTree


def tree_of(shape: str, moment: str = "later", base: RetainedTree | None = None) -> RetainedTree:
    path = SAMPLES / "retention" / shape / f"{moment}.heapdump"
    dump = decode_heapdump(path.read_bytes(), str(path))
    return RetainedTree(dump, analysed(dump), base)


def test_the_top_holds_the_reachable_heap():
    tree = tree_of("global_map")
    assert tree.top.retained_bytes == tree.result.reachable_bytes
    assert tree.top.retained_objects == tree.result.reachable_objects


def test_a_level_lists_every_child_that_retains_an_object_largest_first():
    tree = tree_of("global_map")
    level = tree.children(tree.top)
    engine = tree.found.tree
    below = np.flatnonzero((engine.idom == 0) & (engine.retained[:, OBJECTS] > 0))
    assert [n.retained_bytes for n in level.nodes] == \
        sorted(engine.retained[below, BYTES].tolist(), reverse=True)
    assert level.more == 0 and tree.top.children == len(level.nodes)


def test_a_level_past_the_limit_says_how_many_more():
    tree = tree_of("global_map")
    level = tree.children(tree.top, limit=5)
    assert len(level.nodes) == 5 and level.more == tree.top.children - 5


def test_a_linked_lists_node_has_its_successor_as_only_child_and_the_path_folds_the_chain():
    tree = tree_of("linked_list")
    head = tree.children(tree.top).nodes[0]
    node = tree.children(head).nodes[0]
    for _ in range(3):
        (node,) = tree.children(node).nodes
    assert node.retained_objects == 40_000 - 3
    assert tree.path(node)[-1].endswith("\u00d74")  # one step per name, with its run


def test_with_a_base_each_root_is_matched_by_name_and_growth_is_the_difference():
    base = tree_of("global_map", "base")
    tree = tree_of("global_map", "later", base)
    first = tree.children(tree.top).nodes[0]
    matched = base.children(base.top).nodes
    counterpart = next(n for n in matched if n.node == first.base)
    assert (counterpart.named_by, counterpart.name) == (first.named_by, first.name)
    assert first.delta_bytes == first.retained_bytes - counterpart.retained_bytes > 0
