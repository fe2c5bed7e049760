"""Node identity across the engine: diff rows, call-graph nodes and call-tree nodes carry
pprof's NodeInfo, so a front end finds a node by what it is, not by the name printed for it;
and a node's source lines with their figures, at every granularity."""
from __future__ import annotations

import pytest

from support import SAMPLES
from heapdiff.analysis.aggregate import GRANULARITIES, NodeInfo
from heapdiff.analysis.callgraph import build_graph, find, node_of, peek, peek_nodes
from heapdiff.analysis.calltree import CallTree
from heapdiff.analysis.diff import diff_profiles
from heapdiff.analysis.nodelines import node_lines
from heapdiff.inputs.load import load_profile

LEAKY = SAMPLES / "leaky_cache"
MAIN_GO = "heapdiff/samples/leaky_cache/main.go"
INSERT = "main.(*Cache).Insert"


@pytest.fixture(scope="module")
def pair():
    base, new = (load_profile(LEAKY / moment / "heap.pb.gz") for moment in ("base", "later"))
    return [base], new


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_a_diff_row_prints_its_identity(pair, granularity):
    bases, new = pair
    for row in diff_profiles(bases, new, granularity=granularity).rows:
        assert row.info != NodeInfo() and row.name == row.info.printable_name()


def test_rows_printed_alike_are_told_apart_by_identity(pair):
    # by files, pprof keeps one node per function start line: several rows read "main.go"
    bases, new = pair
    rows = [r for r in diff_profiles(bases, new, granularity="files").rows if r.name == MAIN_GO]
    assert len(rows) > 1 and len({r.info for r in rows}) == len(rows)


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_a_rows_identity_finds_its_graph_node_with_the_same_figures(pair, granularity):
    bases, new = pair
    d = diff_profiles(bases, new, granularity=granularity)
    graph = build_graph(d, bases, new)
    for row in d.rows[:5]:
        data = graph.nodes[node_of(graph, row.info)]
        assert (data["name"], data["delta_flat"], data["delta_cum"]) == \
            (row.name, row.delta_flat, row.delta_cum)


def test_a_graph_without_the_node_finds_none(pair):
    bases, new = pair
    graph = build_graph(diff_profiles(bases, new), bases, new)
    assert node_of(graph, NodeInfo(name="main.nowhere")) is None


def test_a_rows_identity_finds_its_call_tree_node(pair):
    bases, new = pair
    row = diff_profiles(bases, new).rows[0]
    tree = CallTree(bases, new, "inuse_space", "functions", bottom_up=True)
    [leaf] = [n for n in tree.children(()) if n.info == row.info]
    assert leaf.name == row.name == INSERT and leaf.delta == row.delta_flat  # callers: by leaf


def test_peek_nodes_are_peek_by_identity(pair):
    bases, new = pair
    graph = build_graph(diff_profiles(bases, new), bases, new)
    [serve] = find(graph, r"^main\.serve$")
    by_name = peek(graph, serve)
    by_node = peek_nodes(graph, serve)
    for named, nodes in zip(by_name, by_node):
        assert named == [(graph.nodes[n]["name"], data) for n, data in nodes]
        assert all(isinstance(graph.nodes[n]["info"], NodeInfo) for n, _ in nodes)


@pytest.mark.parametrize("granularity", ["functions", "filefunctions", "lines", "addresses"])
def test_a_functions_lines_are_its_own_at_every_granularity(pair, granularity):
    bases, new = pair
    node = next(r.info for r in diff_profiles(bases, new, granularity=granularity).rows
                if r.info.name == INSERT)
    lines = node_lines(diff_profiles(bases, new, granularity="lines"), node)
    assert lines.file == MAIN_GO and sorted(lines.lines) == [38, 40]
    assert lines.lines[38].delta_cum > 39 << 20


def test_a_files_lines_are_every_changed_line_of_the_file(pair):
    bases, new = pair
    node = next(r.info for r in diff_profiles(bases, new, granularity="files").rows
                if r.name == MAIN_GO)
    lines = node_lines(diff_profiles(bases, new, granularity="lines"), node)
    assert lines.file == MAIN_GO and {38, 40, 51} <= set(lines.lines)
    assert all(r.info.file == MAIN_GO for r in lines.lines.values())


def test_node_lines_want_a_diff_by_lines(pair):
    bases, new = pair
    with pytest.raises(ValueError, match="by lines"):
        node_lines(diff_profiles(bases, new), NodeInfo(name=INSERT))
