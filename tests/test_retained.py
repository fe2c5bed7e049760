"""`heapdiff retained` on the committed retention samples (samples/retention/, real dumps of
samples/programs/retention): the named root dominates each structure and retains the bytes the
program constructed, a shared child is credited to its parents' dominator, the diff ranks the
leaking global first, and pointer bytes are exact. The binary that names globals, types and
finalizers is samples/binaries/retention.gz when committed, else built here with the real Go
toolchain (-trimpath: the same bytes that wrote the dumps)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from heapdiff.inputs.decode.heapdump import decode_heapdump
from heapdiff.retained.dominators import BYTES, OBJECTS, POINTER_BYTES, dominators
from heapdiff.retained.groups import Retention, retention
from heapdiff.retainers.binary.image import Image

from support import SAMPLES, retention_binary

MANIFEST = next(e for e in json.loads((SAMPLES / "MANIFEST.json").read_text())["samples"]
                if e["name"] == "retention")
SHAPES = MANIFEST["shapes"]


def dump_path(shape: str, moment: str):
    return SAMPLES / SHAPES[shape]["dumps"][moment]["file"]


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    return retention_binary(tmp_path_factory.mktemp("bin"))


@pytest.fixture(scope="module")
def analysed(binary):
    image = Image(binary.read_bytes(), str(binary))
    cache: dict[tuple[str, str], Retention] = {}

    def get(shape: str, moment: str) -> Retention:
        if (shape, moment) not in cache:
            path = dump_path(shape, moment)
            cache[shape, moment] = retention(decode_heapdump(path.read_bytes(), str(path)),
                                             image)
        return cache[shape, moment]
    return get


def root_group(r: Retention, kind: str, name: str):
    found = [g for g in r.groups if g.is_root and (g.root_kind, g.root) == (kind, name)]
    assert len(found) == 1, [(g.root_kind, g.root) for g in r.groups if g.is_root][:20]
    return found[0]


CASES = [(shape, i, moment) for shape, entry in SHAPES.items()
         for i, group in enumerate(entry["groups"]) for moment in group["moments"]]


@pytest.mark.parametrize("shape,index,moment", CASES,
                         ids=[f"{s}-{i}-{m}" for s, i, m in CASES])
def test_the_named_root_retains_the_constructed_bytes(analysed, shape, index, moment):
    want = SHAPES[shape]["groups"][index]
    figures = want["moments"][moment]
    got = root_group(analysed(shape, moment), want["root"]["kind"], want["root"]["name"])
    assert abs(got.retained_bytes - figures["expected_retained_bytes"]) <= \
        want["tolerance_bytes"]
    if figures.get("objects") is not None:
        # one 16-byte tiny block may be shared with a dead object (PROVENANCE.md)
        assert abs(got.retained_objects - figures["objects"]) <= 1
    if figures.get("pointer_bytes") is not None:
        assert got.pointer_bytes == figures["pointer_bytes"]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_named_root_dominates_the_growth(analysed, shape):
    """The root the manifest names carries the largest retained growth of any root."""
    base, later = analysed(shape, "base"), analysed(shape, "later")
    before = {g.key: g.retained_bytes for g in base.groups if g.is_root}
    growth = sorted(((g.retained_bytes - before.get(g.key, 0), g.root) for g in later.groups
                     if g.is_root), reverse=True)
    named = {g["root"]["name"] for g in SHAPES[shape]["groups"]}
    assert growth[0][1] in named


def test_the_pointer_slice_holds_len_x_8_pointer_bytes_and_the_int_slice_none(analysed):
    r = analysed("pointers_values", "later")
    assert root_group(r, "global", "main.ptrs").pointer_bytes == 65536 * 8
    assert root_group(r, "global", "main.vals").pointer_bytes == 0


def test_a_shared_child_is_credited_to_the_parents_dominator_not_a_parent(binary):
    path = dump_path("shared_child", "later")
    dump = decode_heapdump(path.read_bytes(), str(path))
    image = Image(binary.read_bytes(), str(binary))
    from heapdiff.retained.groups import _root_keys
    from heapdiff.retained.names import object_names
    keys, root_key = _root_keys(dump, image, object_names(dump, image))
    tree = dominators(dump, root_key, len(keys))
    # the child's 512 KiB buffer hangs off the 24-byte child; the parents own 16 and 32 KiB
    child_buffer = int(np.flatnonzero(dump.size == 512 << 10)[0])
    child = tree.idom[tree.object_node[child_buffer]] if not tree.folded[child_buffer] \
        else tree.object_node[child_buffer]
    holder = tree.idom[child]
    assert dump.size[tree.node_object[holder]] == 16          # the 16-byte main.Holder
    assert keys[tree.idom[holder] - 1] == ("global", "main.holder")
    parents = [n for n in range(tree.node_object.size) if tree.idom[n] == holder and n != child]
    # left and right retain themselves and their own buffers (16 and 32 KiB), not the child
    assert sorted(int(tree.retained[n, OBJECTS]) for n in parents) == [2, 2]
    assert sorted(int(tree.retained[n, BYTES]) >> 10 for n in parents) == [16, 32]
    assert tree.retained[holder, BYTES] >= (512 << 10) + (48 << 10)
    assert tree.retained[holder, OBJECTS] == 7 and tree.retained[holder, POINTER_BYTES] == 56


def test_the_diff_ranks_the_leaking_global_first_with_its_path(heapdiff_json, binary):
    doc = heapdiff_json("retained", dump_path("global_map", "later"), "--base",
                        dump_path("global_map", "base"), "--binary", binary)
    first = doc["groups"][0]
    assert first["root"] == {"kind": "global", "name": "main.cache"}
    assert first["path"][0] == "main.cache (global)"
    want = SHAPES["global_map"]["groups"][0]
    grew = (want["moments"]["later"]["expected_retained_bytes"]
            - want["moments"]["base"]["expected_retained_bytes"])
    assert abs(first["delta_bytes"] - grew) <= want["tolerance_bytes"]
    assert first["base_retained_bytes"] + first["delta_bytes"] == first["retained_bytes"]
    # its largest typed group: the map itself (typed by the global), then its groups array
    typed = [g for g in doc["groups"] if g["root"]["name"] == "main.cache" and g["type"]]
    assert typed[0]["type"] == "map[int]*main.Entry"
    groups = next(g for g in typed if g["type"].startswith("[]map.group[int]*main.Entry"))
    assert groups["path"][0] == "main.cache (global)" and groups["path"][-1] == groups["type"]


def test_the_json_contract_has_every_documented_field(heapdiff_json):
    doc = heapdiff_json("retained", dump_path("linked_list", "later"))
    assert {"objects", "reachable_bytes", "groups"} <= doc.keys()
    assert doc["objects"] > 40000 and doc["reachable_bytes"] >= 1280000
    g = doc["groups"][0]
    assert {"root", "type", "site", "retained_bytes", "retained_objects", "pointer_bytes",
            "path"} <= g.keys()
    assert g["root"]["kind"] in ("global", "stack", "finalizer", "other")
    sizes = [g["retained_bytes"] for g in doc["groups"]]
    assert sizes == sorted(sizes, reverse=True)


def test_without_the_binary_a_global_is_named_by_its_segment_and_address(heapdiff_json):
    doc = heapdiff_json("retained", dump_path("linked_list", "later"))
    first = doc["groups"][0]
    assert first["root"]["kind"] == "global"
    assert first["root"]["name"].startswith(("bss 0x", "data 0x"))
    assert first["retained_bytes"] == 1280000


def test_the_report_has_a_section_led_by_the_leaking_global(binary):
    from support import run_heapdiff
    result = run_heapdiff("report", dump_path("global_map", "later"), "--base",
                          dump_path("global_map", "base"), "--binary", binary)
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("## What keeps the heap alive (heap dump)", 1)[1]
    first_row = [line for line in section.splitlines() if line.startswith("| ")][2]
    assert first_row.startswith("| main.cache (global) | everything it dominates | +1.6MiB")
    assert "heapdiff retained " in result.stdout.split("## How to reproduce", 1)[1]


def test_the_report_json_carries_the_retained_groups(binary):
    from support import run_heapdiff
    result = run_heapdiff("report", "--format", "json", dump_path("pointers_values", "later"),
                          "--binary", binary)
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)["retained"]["groups"]
    ptrs = next(g for g in groups if g["root"]["name"] == "main.ptrs" and g["type"] is None)
    assert ptrs["pointer_bytes"] == 65536 * 8


def test_metrics_put_gc_scan_heap_beside_the_pointer_bytes(heapdiff_json, tmp_path):
    """--metrics: the moment's /gc/scan/heap:bytes (the manifest's, for this dump) goes beside
    the reachable pointer bytes; a file of another kind is refused."""
    metrics = json.loads((SAMPLES / "leaky_cache" / "later" / "metrics.json").read_text())
    scan = SHAPES["linked_list"]["gc_scan_heap_bytes"]["later"]
    metrics["/gc/scan/heap:bytes"] = scan
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics))
    doc = heapdiff_json("retained", dump_path("linked_list", "later"), "--metrics", path)
    assert doc["scan_heap_bytes"] == scan
    # the list alone holds 320,000 pointer bytes; the runtime scans at least those
    assert doc["reachable_pointer_bytes"] >= 320000 and scan >= 320000
    from support import run_heapdiff
    refused = run_heapdiff("retained", dump_path("linked_list", "later"), "--metrics",
                           dump_path("linked_list", "base"))
    assert refused.returncode == 2 and "not a runtime/metrics" in refused.stderr
