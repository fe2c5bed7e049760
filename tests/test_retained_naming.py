"""Objects no malloc header types are named by what a typed parent's field says (issue 18's
naming), on the committed retention samples (real dumps of samples/programs/retention) with
the binary that wrote them: its DWARF types the globals, its type descriptors every field.
Without --binary nothing is named by a field."""
from __future__ import annotations

import dataclasses
import io
import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from heapdiff.inputs.decode.heapdump import decode_heapdump
from heapdiff.retained import fields as fields_module
from heapdiff.retained.dump import HeapDump
from heapdiff.retained.fields import Named, name_by_fields
from heapdiff.retained.groups import Group, Retention, retention
from heapdiff.retained.names import ObjectNames, headed_objects, object_names
from heapdiff.retainers.binary.globals import (DW_AT_GO_ELEM, DW_AT_GO_KIND,
                                               DW_AT_GO_RUNTIME_TYPE, GlobalType,
                                               from_sections, global_types)
from heapdiff.retainers.binary.image import Image
from heapdiff.retainers.binary.types import read_type

from support import SAMPLES, retention_binary

SHAPES = next(e for e in json.loads((SAMPLES / "MANIFEST.json").read_text())["samples"]
              if e["name"] == "retention")["shapes"]
ENTRY, BODY = 32, 1024          # main.Entry and its body (samples/programs/retention)
ENTRIES, LIST = 2048, 40000     # the cache's entries and the list's nodes at later
PTRS = 65536                    # main.ptrs's and main.vals's length at later


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Image:
    path = retention_binary(tmp_path_factory.mktemp("bin"))
    return Image(path.read_bytes(), str(path))


def later(shape: str) -> HeapDump:
    path = SAMPLES / SHAPES[shape]["dumps"]["later"]["file"]
    return decode_heapdump(path.read_bytes(), str(path))


def held_by_global(dump: HeapDump, image: Image, name: str) -> int:
    """The object a global's first pointer word points to."""
    variable = next(v for v in image.variables if v.name == name)
    word = next(dump.root_words[i] for i, r in enumerate(dump.root_of_word.tolist())
                if dump.roots[r].kind == "global" and dump.roots[r].address == variable.start)
    return int(dump.resolve(np.array([word], np.uint64))[0])


def labelled(names: ObjectNames, dump: HeapDump, label: tuple[str, str]) -> np.ndarray:
    return np.array([o for o in range(dump.objects)
                     if names.label(o, int(dump.size[o])) == label], np.int64)


def group(r: Retention, root: str, type_: str) -> Group:
    return next(g for g in r.groups if g.root == root and g.type == type_)


def test_the_leaking_caches_path_names_each_step_with_a_type(image):
    entries = group(retention(later("global_map"), image), "main.cache", "main.Entry")
    assert entries.path == ("main.cache (global)", "map[int]*main.Entry",
                            "map[int]*main.Entry directory", "map[int]*main.Entry table",
                            "[]map.group[int]*main.Entry", "main.Entry")
    assert (entries.named_by, entries.field) == ("field",
                                                 "map.group[int]*main.Entry.slots[].elem")
    assert entries.retained_objects == 2 * ENTRIES    # each entry with its folded body
    assert entries.retained_bytes == ENTRIES * (ENTRY + BODY)


def test_the_map_itself_is_named_by_the_global_that_holds_it(image):
    the_map = group(retention(later("global_map"), image), "main.cache", "map[int]*main.Entry")
    assert (the_map.named_by, the_map.field) == ("field", "main.cache")
    assert the_map.path == ("main.cache (global)", "map[int]*main.Entry")


def test_an_entrys_byte_slice_is_named_from_its_body_field(image):
    dump = later("global_map")
    names = object_names(dump, image)
    bodies = labelled(names, dump, ("field", "[]uint8"))
    from_body = [o for o in bodies.tolist() if names.field(o) == "main.Entry.body"]
    assert len(from_body) == ENTRIES
    assert set(dump.size[from_body].tolist()) == {BODY}


def test_the_pointer_slices_backing_array_is_named_as_such(image):
    dump = later("pointers_values")
    names = object_names(dump, image)
    array = held_by_global(dump, image, "main.ptrs")
    assert names.label(array, int(dump.size[array])) == ("field", "[]*int")
    assert names.field(array) == "main.ptrs"
    assert int(dump.size[array]) == PTRS * 8
    # each element's int: 8-byte ints two to a 16-byte tiny block, named by the element
    ints = [o for o in labelled(names, dump, ("field", "int")).tolist()
            if names.field(o) == "*int"]
    assert len(ints) >= PTRS // 2


def test_the_int_slices_backing_array_is_named_as_such(image):
    dump = later("pointers_values")
    names = object_names(dump, image)
    array = held_by_global(dump, image, "main.vals")
    assert names.label(array, int(dump.size[array])) == ("field", "[]int")
    assert names.field(array) == "main.vals" and int(dump.size[array]) == PTRS * 8


def test_a_linked_list_is_named_node_by_node_from_its_head(image):
    dump = later("linked_list")
    names = object_names(dump, image)
    nodes = labelled(names, dump, ("field", "main.Node"))
    assert nodes.size == LIST
    head = held_by_global(dump, image, "main.list")
    assert names.field(head) == "main.list"
    assert sum(names.field(o) == "main.Node.next" for o in nodes.tolist()) == LIST - 1


def test_a_child_two_typed_parents_claim_is_named_once(image):
    dump = later("shared_child")
    names = object_names(dump, image)
    child = labelled(names, dump, ("field", "main.Child"))
    assert child.size == 1 and names.field(int(child[0])) == "main.Parent.shared"
    parents = labelled(names, dump, ("field", "main.Parent"))
    assert sorted(names.field(o) for o in parents.tolist()) == \
        ["main.Holder.left", "main.Holder.right"]


def test_a_header_typed_object_keeps_its_header_name(image):
    dump = later("global_map")
    names = object_names(dump, image)
    groups = labelled(names, dump, ("type", "[]map.group[int]*main.Entry"))
    assert groups.size > 0 and all(names.field(o) is None for o in groups.tolist())


def test_without_the_binary_no_object_is_named_by_a_field():
    dump = later("global_map")
    names = object_names(dump, None)
    assert names.field_of is None
    r = retention(dump)
    assert {g.named_by for g in r.groups} <= {None, "type", "site", "size class"}
    assert all(g.field is None for g in r.groups)


def test_a_binary_without_dwarf_still_names_header_typed_objects_children(image, tmp_path):
    """No globals' types: the map's own objects fall back to their sites, the entries are
    still named by the header-typed group arrays that hold them."""
    if shutil.which("objcopy") is None:
        pytest.skip("objcopy (binutils) is not installed: no binary without DWARF to test")
    stripped = tmp_path / "stripped"
    subprocess.run(["objcopy", "--strip-debug", image.source, str(stripped)], check=True)
    bare = Image(stripped.read_bytes(), str(stripped))
    assert bare.global_types == {}
    r = retention(later("global_map"), bare)
    assert group(r, "main.cache", "main.Entry").named_by == "field"
    assert not any(g.type == "map[int]*main.Entry" for g in r.groups)


def test_the_json_says_what_named_each_group(heapdiff_json, image):
    doc = heapdiff_json("retained", SAMPLES / SHAPES["pointers_values"]["dumps"]["later"]["file"],
                        "--binary", image.source)
    ptrs = next(g for g in doc["groups"] if g["root"]["name"] == "main.ptrs" and g["type"])
    assert (ptrs["type"], ptrs["named_by"], ptrs["field"]) == ("[]*int", "field", "main.ptrs")
    assert ptrs["pointer_bytes"] == PTRS * 8
    roots = [g for g in doc["groups"] if g["type"] is None and g["site"] is None
             and g["size_class"] is None]
    assert roots and all(g["named_by"] is None for g in roots)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_field_named_objects_pointer_words_are_the_runtimes_bitmap(image, shape):
    """The walk of a type's descriptor (fields.py) gives as many pointer words as the
    runtime's own bitmap marks in every object holding one value of it: the order the claims
    are matched to the dump's pointer fields by."""
    dump = later(shape)
    names = object_names(dump, image)
    fields = np.diff(dump.indptr)
    named: Named = name_by_fields(dump, image, headed_objects(dump, image))
    checked = 0
    for obj in np.flatnonzero(names.field_of >= 0).tolist():
        s = named.shapes[named.shape_of[obj]]
        if s.claims and int(dump.size[obj]) < 2 * s.period:
            assert fields[obj] == len(s.claims), (s.name, obj)
            checked += 1
    assert checked >= 40


def pyelftools_global_types(data: bytes, types: int) -> dict[int, GlobalType]:
    """The oracle: the same reading through pyelftools' DIE objects."""
    dwarf = ELFFile(io.BytesIO(data)).get_dwarf_info()
    out = {}
    for unit in dwarf.iter_CUs():
        for die in unit.get_top_DIE().iter_children():
            location = die.attributes.get("DW_AT_location")
            if die.tag != "DW_TAG_variable" or location is None or \
                    "DW_AT_type" not in die.attributes or len(location.value) != 9:
                continue
            address = struct.unpack("<Q", bytes(location.value[1:]))[0]
            type_die = die.get_DIE_from_attribute("DW_AT_type")
            a = type_die.attributes
            kind = a[DW_AT_GO_KIND].value if DW_AT_GO_KIND in a else 0
            if DW_AT_GO_RUNTIME_TYPE in a and a[DW_AT_GO_RUNTIME_TYPE].value:
                out[address] = GlobalType(types + a[DW_AT_GO_RUNTIME_TYPE].value, kind, 0)
            elif DW_AT_GO_ELEM in a:
                e = type_die.get_DIE_from_attribute(DW_AT_GO_ELEM).attributes
                if DW_AT_GO_RUNTIME_TYPE in e and e[DW_AT_GO_RUNTIME_TYPE].value:
                    out[address] = GlobalType(0, kind, types + e[DW_AT_GO_RUNTIME_TYPE].value)
    return out


def test_globals_types_are_what_pyelftools_reads_from_the_dwarf(image):
    data = Path(image.source).read_bytes()
    found = global_types(data, image.types)
    assert found == pyelftools_global_types(data, image.types)
    by_name = {v.name: found[v.start] for v in image.variables if v.start in found}
    assert len(by_name) > 200
    assert read_type(image, by_name["main.cache"].type).name == "map[int]*main.Entry"
    # no descriptor for []*int in the binary: its element's stands in
    assert by_name["main.ptrs"].type == 0
    assert read_type(image, by_name["main.ptrs"].elem).name == "*int"


def sections(image: Image) -> tuple[bytes, bytes]:
    elf = ELFFile(io.BytesIO(Path(image.source).read_bytes()))
    return tuple(elf.get_section_by_name(n).data()  # type: ignore[return-value]
                 for n in (".debug_info", ".debug_abbrev"))


@pytest.mark.parametrize("at,garbage", [(0, b"\xff" * 16), (4096, b"\x16" * 4096),
                                        (12, b"\x7f\x80" * 64), (200_000, b"\x00" * 9)],
                         ids=["64-bit length", "indirect forms", "unknown abbreviations",
                              "early end of children"])
def test_a_corrupt_debug_info_raises_nothing(image, at, garbage):
    info, abbrev = sections(image)
    corrupt = info[:at] + garbage + info[at + len(garbage):]
    assert len(from_sections(corrupt, abbrev, image.types)) <= 246


@pytest.mark.parametrize("end", [5, 11, 4099, 700_001])
def test_a_truncated_debug_info_raises_nothing(image, end):
    info, abbrev = sections(image)
    assert len(from_sections(info[:end], abbrev, image.types)) < 246


def test_a_corrupt_compressed_section_types_no_global(image):
    data = bytearray(Path(image.source).read_bytes())
    info = ELFFile(io.BytesIO(bytes(data))).get_section_by_name(".debug_info")
    start = info["sh_offset"]
    data[start:start + 64] = b"\x7f" * 64      # its compression header and the stream's start
    assert global_types(bytes(data), image.types) == {}


@pytest.mark.parametrize("setting,value", [("CHUNK", 64), ("THIN", 0), ("THIN", 1 << 30)],
                         ids=["64-word pieces", "no word-by-word level",
                              "every level word by word"])
def test_naming_does_not_depend_on_how_a_level_is_walked(image, monkeypatch, setting, value):
    dump = later("global_map")
    whole = object_names(dump, image)
    monkeypatch.setattr(fields_module, setting, value)
    other = object_names(dump, image)
    assert np.array_equal(whole.type_of, other.type_of)
    assert [whole.field(o) for o in range(dump.objects)] == \
        [other.field(o) for o in range(dump.objects)]


def test_before_go_1_24_a_maps_insides_are_not_walked(image):
    """Go 1.23's maps are an hmap and buckets, not the swiss layout the names describe."""
    dump = dataclasses.replace(later("global_map"), version="go1.23.4")
    r = retention(dump, image)
    assert group(r, "main.cache", "map[int]*main.Entry").field == "main.cache"
    assert not any(g.type and g.type.startswith("map[int]*main.Entry ") for g in r.groups)
