"""The retained pass's memory-lean routes give the figures the plain ones gave: words resolved
a chunk at a time, own figures by bincount, edges handed to igraph as pairs from zip, the
children-first order taken from the dominator tree instead of a BFS. Figures pinned here were
computed by the earlier route (np.add.at, one resolve, igraph's bfs order) on the committed
retention samples (samples/retention/, real dumps)."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import heapdiff.retained.dump as dump_module
from heapdiff.inputs.decode.heapdump import decode_heapdump
from heapdiff.retained.dominators import (SUPER, _children_first, _edges, _graph, _idom,
                                          dominators)
from heapdiff.retained.dump import HeapDump

from support import SAMPLES

# retained[SUPER] and retained.sum(axis=0) (bytes, objects, pointer bytes, nodes) with one
# root key per root, from the earlier route
PINNED = {
    "linked_list": ([1381112, 40406, 336104, 52720],
                    [25603525744, 800101544, 6400860616, 800085716]),
    "shared_child": ([674032, 410, 15624, 12722], [2589032, 1511, 55656, 25692]),
    "cycle": ([657680, 2452, 32080, 13742], [286928336, 1055208, 8488176, 552542]),
}


def later(shape: str) -> HeapDump:
    path = SAMPLES / "retention" / shape / "later.heapdump"
    return decode_heapdump(path.read_bytes(), str(path))


@pytest.mark.parametrize("shape", sorted(PINNED))
def test_retained_figures_are_those_of_the_earlier_route(shape):
    dump = later(shape)
    keys = len(dump.roots)
    tree = dominators(dump, np.arange(keys), keys)
    assert (tree.retained[SUPER].tolist(), tree.retained.sum(axis=0).tolist()) == PINNED[shape]


@pytest.mark.parametrize("shape", sorted(PINNED))
def test_each_node_retains_its_own_and_its_dominated_childrens_figures(shape):
    dump = later(shape)
    keys = len(dump.roots)
    tree = dominators(dump, np.arange(keys), keys)
    reached = (tree.idom >= 0) | (np.arange(tree.idom.size) == SUPER)
    children = np.zeros_like(tree.retained)
    child = np.flatnonzero(tree.idom >= 0)
    np.add.at(children, tree.idom[child], tree.retained[child])
    assert (tree.retained[reached] == tree.own[reached] + children[reached]).all()
    assert (tree.retained[~reached] == 0).all()


def test_own_figures_sum_each_nodes_objects_and_folded_leaves():
    dump = later("linked_list")
    keys = len(dump.roots)
    tree = dominators(dump, np.arange(keys), keys)
    home = tree.object_node >= 0
    expected = np.zeros((tree.idom.size, 3), np.int64)
    np.add.at(expected[:, 0], tree.object_node[home], dump.size[home].astype(np.int64))
    np.add.at(expected[:, 1], tree.object_node[home], 1)
    np.add.at(expected[:, 2], tree.object_node[home], 8 * dump.pointer_fields[home])
    reached = np.bincount(tree.object_node[home], minlength=tree.idom.size) > 0
    assert (tree.own[reached, :3] == expected[reached]).all()


def test_resolving_in_chunks_finds_what_one_pass_finds(monkeypatch):
    dump = later("cycle")
    # every object's first and last byte, one byte past each, and the words the dump holds
    words = np.concatenate([dump.address, dump.address + dump.size - 1,
                            dump.address + dump.size, dump.words, np.array([0], np.uint64)])
    whole = dump.resolve(words)
    monkeypatch.setattr(dump_module, "RESOLVE_CHUNK", 7)
    assert np.array_equal(dump.resolve(words), whole)
    assert np.array_equal(dump.resolve(words, "int32"), whole.astype(np.int32))
    inside = np.arange(dump.objects)
    assert np.array_equal(whole[:dump.objects], inside)
    assert np.array_equal(whole[dump.objects:2 * dump.objects], inside)


def test_children_first_puts_every_node_before_its_dominator():
    dump = later("linked_list")       # a dominator chain of 40,000 nodes
    keys = len(dump.roots)
    tree = dominators(dump, np.arange(keys), keys)
    reached = (tree.idom >= 0) | (np.arange(tree.idom.size) == SUPER)
    order = _children_first(tree.idom, reached)
    position = np.full(tree.idom.size, -1)
    position[order] = np.arange(order.size)
    child = np.flatnonzero(tree.idom >= 0)
    assert sorted(order.tolist()) == np.flatnonzero(reached).tolist()
    assert (position[child] < position[tree.idom[child]]).all()


def test_igraph_gets_a_million_edges_without_a_python_object_per_edge():
    """python-igraph turns an array into a list of lists (~170 bytes an edge in Python
    objects); the pairs from zip cost a chunk's lists at a time."""
    n = 1_000_001
    source = np.arange(n - 1, dtype=np.int32)       # a chain 0 -> 1 -> ... -> n-1
    target = source + 1
    object_node = np.arange(n, dtype=np.int64)
    folded = np.zeros(n, bool)
    none = np.zeros(0, np.int32)
    tracemalloc.start()
    try:
        graph = _graph(n, _edges(0, none, none, source, target, object_node, folded))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert graph.ecount() == n - 1
    assert peak < 16 << 20
    assert _idom(graph)[[0, 1, n - 1]].tolist() == [-1, 0, n - 2]
