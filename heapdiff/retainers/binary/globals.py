"""Globals' types from a Go binary's DWARF (absent from a binary linked with -w or stripped):
each package variable's address and runtime type descriptor (DW_AT_go_runtime_type, an offset
from runtime.types), or, for a slice or pointer type the compiler made no descriptor for (a
`[]*int` no code converts to an interface), its element's."""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from elftools.common.exceptions import DWARFError, ELFError
from elftools.elf.elffile import ELFFile

# Go's DWARF extensions (cmd/internal/dwarf)
DW_AT_GO_KIND, DW_AT_GO_ELEM, DW_AT_GO_RUNTIME_TYPE = 0x2900, 0x2902, 0x2904
DW_OP_ADDR = 0x03


@dataclass(frozen=True)
class GlobalType:
    type: int       # its type descriptor; 0 where the binary has none
    kind: int       # abi kind (DW_AT_go_kind)
    elem: int       # where `type` is 0: a slice's or pointer's element descriptor (0: none)


def global_types(data: bytes, types: int) -> dict[int, GlobalType]:
    """Package variables' types by address; empty without DWARF."""
    try:
        elf = ELFFile(io.BytesIO(data))
        if not elf.has_dwarf_info() or elf.get_section_by_name(".debug_info") is None:
            return {}
        dwarf = elf.get_dwarf_info()
        out: dict[int, GlobalType] = {}
        for unit in dwarf.iter_CUs():
            for die in unit.get_top_DIE().iter_children():
                if die.tag != "DW_TAG_variable":
                    continue
                location = die.attributes.get("DW_AT_location")
                if location is None or not isinstance(location.value, list) or \
                        len(location.value) != 9 or location.value[0] != DW_OP_ADDR:
                    continue
                if "DW_AT_type" not in die.attributes:
                    continue
                address = struct.unpack("<Q", bytes(location.value[1:]))[0]
                found = _type(die.get_DIE_from_attribute("DW_AT_type"), types)
                if found is not None:
                    out[address] = found
        return out
    except (ELFError, DWARFError, ValueError, KeyError, struct.error, IndexError):
        return {}


def _type(die, types: int) -> GlobalType | None:
    attributes = die.attributes
    kind = attributes[DW_AT_GO_KIND].value if DW_AT_GO_KIND in attributes else 0
    runtime = attributes[DW_AT_GO_RUNTIME_TYPE].value if DW_AT_GO_RUNTIME_TYPE in attributes \
        else 0
    if runtime:
        return GlobalType(types + runtime, kind, 0)
    if DW_AT_GO_ELEM in attributes:
        elem = die.get_DIE_from_attribute(DW_AT_GO_ELEM).attributes
        if DW_AT_GO_RUNTIME_TYPE in elem and elem[DW_AT_GO_RUNTIME_TYPE].value:
            return GlobalType(0, kind, types + elem[DW_AT_GO_RUNTIME_TYPE].value)
    return None
