"""The diff's call graph: edges once per sample, recursion as pprof counts it, and the queries."""
from __future__ import annotations

import re

import networkx as nx
import pytest
from support import SAMPLES
from heapdiff.analysis.callgraph import build_graph, change_paths, find, graph_data, peek, prune
from heapdiff.inputs.decode.pprof import decode_pprof
from heapdiff.analysis.diff import diff_profiles
from heapdiff.inputs.load import load_profile
from pbwire import heap_profile

LEAKY = SAMPLES / "leaky_cache"


def graph_of(base_samples, new_samples):
    base = decode_pprof(heap_profile(base_samples), "base")
    new = decode_pprof(heap_profile(new_samples), "new")
    d = diff_profiles([base], new, "inuse_space")
    g = build_graph(d, [base], new)
    by_name = {data["name"]: n for n, data in g.nodes(data=True)}
    return g, by_name


def test_edges_carry_base_new_and_delta_weights():
    # location 1 main.leaf, 2 main.middle, 3 main.root; stacks are leaf first
    g, n = graph_of([([1, 2, 3], [1, 100])], [([1, 2, 3], [1, 300]), ([2, 3], [1, 50])])
    edge = g.edges[n["main.middle"], n["main.leaf"]]
    assert (edge["base"], edge["new"], edge["delta"]) == (100, 300, 200)
    edge = g.edges[n["main.root"], n["main.middle"]]
    assert (edge["base"], edge["new"], edge["delta"]) == (100, 350, 250)
    assert g.nodes[n["main.middle"]]["delta_flat"] == 50
    assert g.nodes[n["main.root"]]["delta_cum"] == 250


def test_recursion_counts_an_edge_and_a_node_once_per_sample():
    # leaf <- middle <- leaf <- middle <- root: middle->leaf appears twice in one stack
    g, n = graph_of([], [([1, 2, 1, 2, 3], [1, 64])])
    assert g.edges[n["main.middle"], n["main.leaf"]]["new"] == 64
    assert g.edges[n["main.leaf"], n["main.middle"]]["new"] == 64
    assert g.nodes[n["main.leaf"]]["new_cum"] == 64
    assert g.nodes[n["main.leaf"]]["new_flat"] == 64


def test_a_function_calling_itself_makes_no_edge():
    g, n = graph_of([], [([1, 1, 3], [1, 32])])
    assert not g.has_edge(n["main.leaf"], n["main.leaf"])
    assert g.edges[n["main.root"], n["main.leaf"]]["new"] == 32


@pytest.mark.parametrize("sample", ["leaky_cache", "retainers"])
def test_a_graph_around_any_function_has_exactly_the_whole_graphs_edges_touching_it(sample):
    """Every function: those in few stacks are read from windows around their entries, those
    in most (main.main) from every stack."""
    base = load_profile(SAMPLES / sample / "base" / "heap.pb.gz")
    new = load_profile(SAMPLES / sample / "later" / "heap.pb.gz")
    d = diff_profiles([base], new)
    whole = build_graph(d, [base], new)

    def edges(g):
        names = nx.get_node_attributes(g, "name")
        return {(names[u], names[v]): (e["base"], e["new"]) for u, v, e in g.edges(data=True)}
    everything = edges(whole)
    for name in set(nx.get_node_attributes(whole, "name").values()):
        around = build_graph(d, [base], new, re.compile(rf"\A{re.escape(name)}\Z"))
        assert edges(around) == {k: v for k, v in everything.items() if name in k}, name
        assert around.number_of_nodes() == whole.number_of_nodes()


def test_graph_nodes_agree_with_the_diff_rows():
    base, new = load_profile(LEAKY / "base" / "heap.pb.gz"), load_profile(LEAKY / "later" / "heap.pb.gz")
    d = diff_profiles([base], new)
    g = build_graph(d, [base], new)
    nodes = {data["name"]: data for _, data in g.nodes(data=True)}
    for row in d.rows:
        node = nodes[row.name]
        assert (node["delta_flat"], node["delta_cum"]) == (row.delta_flat, row.delta_cum)
    for node, data in g.nodes(data=True):  # without recursion, what flows in is at most cum
        inflow = sum(e["new"] for _, _, e in g.in_edges(node, data=True))
        assert 0 <= inflow <= data["new_cum"]


def test_growth_path_runs_from_main_main_to_the_cache_insert():
    base, new = load_profile(LEAKY / "base" / "heap.pb.gz"), load_profile(LEAKY / "later" / "heap.pb.gz")
    d = diff_profiles([base], new)
    path = change_paths(graph_data(d, [base], new), count=1)[0]
    assert path.nodes[-1] == "main.(*Cache).Insert"
    chain = list(path.nodes)
    assert chain[chain.index("main.main"):] == ["main.main", "main.serve", "main.handleRequest",
                                                "main.(*Cache).Insert"]
    assert all(h.delta > 40 << 20 for h in path.hops)


def test_shrink_paths_follow_negative_deltas():
    base, new = load_profile(LEAKY / "base" / "heap.pb.gz"), load_profile(LEAKY / "later" / "heap.pb.gz")
    d = diff_profiles([base], new)
    for path in change_paths(graph_data(d, [base], new), count=3, growth=False):
        assert path.leaf_delta < 0 and all(h.delta < 0 for h in path.hops)


def test_peek_lists_callers_and_callees_with_deltas():
    base, new = load_profile(LEAKY / "base" / "heap.pb.gz"), load_profile(LEAKY / "later" / "heap.pb.gz")
    g = build_graph(diff_profiles([base], new), [base], new)
    [serve] = find(g, r"^main\.serve$")
    callers, callees = peek(g, serve)
    assert [name for name, _ in callers] == ["main.main"]
    assert callees[0][0] == "main.handleRequest" and callees[0][1]["delta"] > 40 << 20


def test_prune_drops_small_nodes_and_edges():
    base, new = load_profile(LEAKY / "base" / "heap.pb.gz"), load_profile(LEAKY / "later" / "heap.pb.gz")
    g = build_graph(diff_profiles([base], new), [base], new)
    pruned = prune(g, node_fraction=0.05, edge_fraction=0.05)
    total = g.graph["total"]
    assert 0 < pruned.number_of_nodes() < g.number_of_nodes()
    assert all(abs(d["delta_cum"]) > total * 0.05 for _, d in pruned.nodes(data=True))
    assert all(abs(d["delta"]) > total * 0.05 for _, _, d in pruned.edges(data=True))


def test_paths_command_prints_the_path(heapdiff_json):
    got = heapdiff_json("paths", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz")
    assert got["paths"][0]["nodes"][-1] == "main.(*Cache).Insert"
    assert "main.main" in got["paths"][0]["nodes"]


def test_sizes_show_the_1kib_entries_growing(heapdiff_json):
    got = heapdiff_json("sizes", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz")
    first = got["rows"][0]
    assert first["size"] == 1024 and first["delta"] > 35 << 20
    assert first["delta"] == first["new"] - first["base"]


def test_call_tree_children_are_built_lazily_and_ordered_by_delta():
    from heapdiff.analysis.calltree import CallTree

    base, new = load_profile(LEAKY / "base" / "heap.pb.gz"), load_profile(LEAKY / "later" / "heap.pb.gz")
    tree = CallTree([base], new, "inuse_space", "functions")
    roots = tree.children()
    assert [abs(n.delta) for n in roots] == sorted((abs(n.delta) for n in roots), reverse=True)
    assert [n.name for n in tree.growth_path()][-4:] == ["main.main", "main.serve",
                                                         "main.handleRequest", "main.(*Cache).Insert"]
    callers = CallTree([base], new, "inuse_space", "functions", bottom_up=True).children()
    assert callers[0].name == "main.(*Cache).Insert" and callers[0].delta == 43680375


def expanded_tree(bases, new, bottom_up: bool) -> dict[tuple[str, ...], list[int]]:
    """The call tree the slow, obvious way: every sample's frames written out (inlined ones
    included, innermost first within a location), then every path prefix summed."""
    from heapdiff.analysis.aggregate import frame_nodes

    tree: dict[tuple[str, ...], list[int]] = {}
    for profile, sign in [(b, -1) for b in bases] + [(new, 1)]:
        fn = frame_nodes(profile, "functions")
        index = profile.sample_index("inuse_space")
        for s in range(profile.num_samples):
            weight = int(profile.values[s, index])
            locations = profile.stack_locations[profile.stack_offsets[s]:profile.stack_offsets[s + 1]]
            frames = [fn.names[fn.nodes[i]] for loc in locations
                      for i in range(fn.offsets[loc], fn.offsets[loc + 1])]
            if not weight or not frames:
                continue
            if not bottom_up:
                frames.reverse()
            for depth in range(1, len(frames) + 1):
                slot = tree.setdefault(tuple(frames[:depth]), [0, 0, 0, 0])
                at = 1 if sign > 0 else 0
                slot[at] += weight
                slot[at + 2] += weight if depth == len(frames) else 0
    return tree


def walked_tree(tree, path=(), names=()) -> dict[tuple[str, ...], list[int]]:
    out = {}
    for node in tree.children(path):
        here = names + (node.name,)
        out[here] = [node.base, node.new, node.base_flat, node.new_flat]
        out.update(walked_tree(tree, node.path, here))
    return out


@pytest.mark.parametrize("bottom_up", [False, True])
@pytest.mark.parametrize("pair", [
    ("leaky_cache/base/heap.pb.gz", "leaky_cache/later/heap.pb.gz"),
    ("retainers/base/heap.pb.gz", "retainers/later/heap.pb.gz"),
    ("fragmentation/base/heap.pb.gz", "fragmentation/later/heap.pb.gz"),
])
def test_the_lazy_call_tree_equals_every_stack_written_out(pair, bottom_up):
    from heapdiff.analysis.calltree import CallTree

    base, new = (load_profile(SAMPLES / p) for p in pair)
    tree = CallTree([base], new, "inuse_space", "functions", bottom_up=bottom_up)
    assert walked_tree(tree) == expanded_tree([base], new, bottom_up)


def test_edges_summed_by_sort_equal_those_summed_densely(monkeypatch):
    base, new = (load_profile(LEAKY / side / "heap.pb.gz") for side in ("base", "later"))
    d = diff_profiles([base], new)
    dense = graph_data(d, [base], new)
    monkeypatch.setattr("heapdiff.analysis.callgraph.DENSE_PAIRS", 0)
    assert graph_data(d, [base], new).edges == dense.edges
    assert len(dense.edges) > 30


def walked_nodes(tree, path=(), names=()):
    """(names from the root, TreeNode) of every node of the tree."""
    for node in tree.children(path):
        here = names + (node.name,)
        yield here, node
        yield from walked_nodes(tree, node.path, here)


@pytest.mark.parametrize("bottom_up", [False, True])
def test_a_call_tree_node_is_a_leaf_exactly_when_no_stack_goes_on_below_it(bottom_up):
    from heapdiff.analysis.calltree import CallTree

    base, new = (load_profile(LEAKY / side / "heap.pb.gz") for side in ("base", "later"))
    expanded = expanded_tree([base], new, bottom_up)
    tree = CallTree([base], new, "inuse_space", "functions", bottom_up=bottom_up)
    for names, node in walked_nodes(tree):
        goes_on = any(len(p) > len(names) and p[:len(names)] == names for p in expanded)
        assert node.leaf == (not goes_on), names


def sample_stacks(bases, new, bottom_up: bool) -> list[tuple[tuple[str, ...], int]]:
    """Every sample's frames from the tree's root down (as expanded_tree reads them), with
    its weight, base and new alike."""
    from heapdiff.analysis.aggregate import frame_nodes

    out = []
    for profile in [*bases, new]:
        fn = frame_nodes(profile, "functions")
        index = profile.sample_index("inuse_space")
        for s in range(profile.num_samples):
            locations = profile.stack_locations[profile.stack_offsets[s]:profile.stack_offsets[s + 1]]
            frames = [fn.names[fn.nodes[i]] for loc in locations
                      for i in range(fn.offsets[loc], fn.offsets[loc + 1])]
            if frames and profile.values[s, index]:
                out.append((tuple(frames if bottom_up else frames[::-1]),
                            abs(int(profile.values[s, index]))))
    return out


@pytest.mark.parametrize("bottom_up", [False, True])
def test_the_path_to_a_node_follows_the_children_that_carry_most_of_its_weight(bottom_up):
    from heapdiff.analysis.calltree import CallTree

    base, new = (load_profile(LEAKY / side / "heap.pb.gz") for side in ("base", "later"))
    stacks = sample_stacks([base], new, bottom_up)
    expanded = expanded_tree([base], new, bottom_up)

    def carried(prefix: tuple[str, ...], name: str) -> int:
        """The weight of the samples down `prefix` that reach `name` at its end or below."""
        return sum(w for frames, w in stacks if frames[:len(prefix)] == prefix
                   and name in frames[len(prefix) - 1:])

    tree = CallTree([base], new, "inuse_space", "functions", bottom_up=bottom_up)
    for _, node in list(walked_nodes(CallTree([base], new, "inuse_space", "functions",
                                              bottom_up=bottom_up))):
        path = tree.path_to(node.info, 256)
        assert path is not None and path[-1].info == node.info
        assert all(n.info != node.info for n in path[:-1])  # its first node on the path
        assert path[0].path.parent is tree.root
        assert [n.path for n in path[:-1]] == [n.path.parent for n in path[1:]]  # one path
        names = tuple(n.name for n in path)
        for depth in range(1, len(names) + 1):
            siblings = [p for p in expanded if len(p) == depth and p[:-1] == names[:depth - 1]]
            best = max(carried(p, node.name) for p in siblings)
            assert carried(names[:depth], node.name) == best > 0
