"""An ELF Go binary, as the binary route needs it: its build id, function symbols, memory
reads at virtual addresses, and the start of the type section (type names are relative to it).
"""
from __future__ import annotations

import bisect
import io
import struct
from dataclasses import dataclass
from typing import cast

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import NoteSection, SymbolTableSection

from ...common.errors import InputError
from .globals import GlobalType, global_types


@dataclass(frozen=True)
class Function:
    start: int
    end: int
    name: str


class Image:
    def __init__(self, data: bytes, source: str):
        self.source = source
        self._data = data
        self._globals: dict[int, GlobalType] | None = None
        try:
            elf = ELFFile(io.BytesIO(data))
            if elf.get_machine_arch() != "x64":
                raise InputError(source, f"a {elf.get_machine_arch()} binary; the binary route "
                                         "reads amd64 (x86-64) only so far")
            self._sections = [(s["sh_addr"], s["sh_size"], s.data()) for s in elf.iter_sections()
                              if s["sh_addr"] and s["sh_type"] != "SHT_NOBITS"]
            self._loads = [(seg["p_vaddr"], seg["p_offset"], seg["p_filesz"])
                           for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"]
            self.build_id = _build_id(elf)
            symbols = cast(SymbolTableSection | None, elf.get_section_by_name(".symtab"))
            if symbols is None:
                raise InputError(source, "a stripped binary (no .symtab); build without -s "
                                         "for the binary route")
            functions: list[Function] = []
            variables: list[Function] = []
            named: dict[str, int] = {}
            for sym in symbols.iter_symbols():
                if sym["st_info"]["type"] in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE"):
                    named.setdefault(sym.name, sym["st_value"])
                if sym["st_info"]["type"] == "STT_FUNC" and sym["st_size"]:
                    functions.append(Function(sym["st_value"], sym["st_value"] + sym["st_size"],
                                              sym.name))
                if sym["st_info"]["type"] == "STT_OBJECT" and sym["st_size"]:
                    variables.append(Function(sym["st_value"], sym["st_value"] + sym["st_size"],
                                              sym.name))
        except (ELFError, ValueError, struct.error, KeyError) as exc:
            raise InputError(source, f"not a readable ELF binary: {exc}") from None
        functions.sort(key=lambda f: f.start)
        self.functions = functions
        self._starts = [f.start for f in functions]
        self._by_address = {f.start: f.name for f in functions}
        variables.sort(key=lambda v: v.start)
        self.variables = variables  # globals (data and bss symbols): heap dumps' roots
        self._variable_starts = [v.start for v in variables]
        self.named = named
        types = named.get("runtime.types")
        if types is None:
            raise InputError(source, "no runtime.types symbol: not a Go binary?")
        self.types = types
        self.etypes = named.get("runtime.etypes")

    def vaddr(self, file_offset: int) -> int | None:
        """The virtual address of a file offset (through the PT_LOAD segments)."""
        for vaddr, offset, size in self._loads:
            if offset <= file_offset < offset + size:
                return vaddr + file_offset - offset
        return None

    def read(self, address: int, size: int) -> bytes | None:
        for start, length, data in self._sections:
            if start <= address and address + size <= start + length:
                return data[address - start:address - start + size]
        return None

    def function_at(self, address: int) -> Function | None:
        i = bisect.bisect_right(self._starts, address) - 1
        if i >= 0 and self.functions[i].start <= address < self.functions[i].end:
            return self.functions[i]
        return None

    def variable_at(self, address: int) -> Function | None:
        """The global (a sized STT_OBJECT symbol) holding an address."""
        i = bisect.bisect_right(self._variable_starts, address) - 1
        if i >= 0 and self.variables[i].start <= address < self.variables[i].end:
            return self.variables[i]
        return None

    def symbol_at(self, address: int) -> str | None:
        return self._by_address.get(address)

    @property
    def global_types(self) -> dict[int, GlobalType]:
        """Globals' types by address, from the DWARF (read on first use: seconds)."""
        if self._globals is None:
            self._globals = global_types(self._data, self.types)
        return self._globals

    def is_type(self, address: int) -> bool:
        return self.types <= address < (self.etypes or address + 1)


def _build_id(elf: ELFFile) -> str:
    for section in elf.iter_sections():
        if section["sh_type"] == "SHT_NOTE":
            for note in cast(NoteSection, section).iter_notes():
                if note["n_type"] == "NT_GNU_BUILD_ID":
                    return note["n_desc"]
    return ""


def read_image(path: str) -> Image:
    """The binary at path, read as every input is (its size limit, its one-line errors)."""
    from ...inputs.load import read_input

    return Image(bytes(read_input(path)), path)
