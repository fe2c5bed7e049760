"""What an allocation site allocates, read from the machine code.

The leaf Location.address of a heap sample is the last byte of the CALL into the runtime
allocator (runtime frames are stripped from the stack). The callee says how the object was
made; the register that carries the type descriptor (Go's register ABI: AX, BX, CX, DI, SI, ...)
was last written, a few instructions before, by `LEA reg, [rip+type]`. Go 1.26+ calls
size-specialised entries whose very name says scan or noscan. Generic code that is not inlined
loads the type from its dictionary (MOV reg, [dict+off]); the caller passed the dictionary with
LEA AX, [rip+dict], one frame up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from capstone import CS_ARCH_X86, CS_MODE_64, Cs
from capstone.x86 import X86_OP_IMM, X86_OP_MEM, X86_OP_REG, X86_REG_RIP

from .image import Image
from .types import KIND_CHAN, GoType, elem, map_group, pointer_at, read_type

LOOKBACK = 40  # instructions searched backwards for the write of the type register

# callee -> (how it allocates, the register with the type, or None when the callee decides)
#   object: one T; array: elements of T; map: the map type (verdict from its group type);
#   chan: the channel type (verdict from its element); noscan: pointer-free data.
ALLOCATORS: dict[str, tuple[str, str | None]] = {
    "runtime.newobject": ("object", "rax"),
    "runtime.mallocgc": ("object", "rbx"),
    "runtime.makeslice": ("array", "rax"),
    "runtime.makeslice64": ("array", "rax"),
    "runtime.makeslicecopy": ("array", "rax"),
    "runtime.newarray": ("array", "rax"),
    "runtime.growslice": ("array", "rsi"),
    "runtime.makechan": ("chan", "rax"),
    "runtime.makechan64": ("chan", "rax"),
    "runtime.makemap": ("map", "rax"),
    "runtime.makemap64": ("map", "rax"),
    "runtime.convT": ("object", "rax"),
    "runtime.convTnoptr": ("noscan", None),
    "runtime.convT16": ("noscan", None),
    "runtime.convT32": ("noscan", None),
    "runtime.convT64": ("noscan", None),
    "runtime.convTstring": ("header", None),
    "runtime.convTslice": ("header", None),
    "internal/bytealg.MakeNoZero": ("noscan", None),
}
MAP_ASSIGN = re.compile(r"^runtime\.mapassign(_fast32|_fast64|_faststr|_fast32ptr|_fast64ptr)?$")
NOSCAN_PRODUCERS = re.compile(
    r"^runtime\.(concatstring\d|concatstrings|slicebytetostring|rawstring|rawstringtmp|"
    r"rawbyteslice|rawruneslice|stringtoslicebyte|stringtoslicerune|intstring|"
    r"slicerunetostring|mallocgcSmallNoScanSC\d+|mallocgcTinySC\d+|mallocgcSmallNoscan)$")
SCAN_SPECIALISED = re.compile(r"^runtime\.mallocgcSmallScan\w*$")  # (size AX, type BX)
HEADERS = {"runtime.convTstring": ("string", 16, 8), "runtime.convTslice": ("[]byte", 24, 8)}
# Pointer-free producers whose result type the callee itself names.
NOSCAN_NAMES = {"runtime.convT16": "uint16", "runtime.convT32": "uint32",
                "runtime.convT64": "uint64", "runtime.rawbyteslice": "[]byte",
                "runtime.stringtoslicebyte": "[]byte", "runtime.rawruneslice": "[]int32",
                "runtime.stringtoslicerune": "[]int32", "internal/bytealg.MakeNoZero": "[]byte"}
STRING_DATA = re.compile(r"^runtime\.(concatstring\d|concatstrings|slicebytetostring|rawstring|"
                         r"rawstringtmp|intstring|slicerunetostring)$")


@dataclass(frozen=True)
class CallSite:
    """What the binary says a site allocates. verdict: scan, noscan or unknown."""

    verdict: str
    callee: str
    how: str  # object, array, map, chan, noscan, header
    type_name: str | None = None
    type_size: int | None = None  # of one element (arrays), one object, or one map group
    ptr_bytes: int | None = None
    note: str = ""


class Decoder:
    def __init__(self, image: Image):
        self.image = image
        self.cs = Cs(CS_ARCH_X86, CS_MODE_64)
        self.cs.detail = True
        self._decoded = lru_cache(maxsize=4096)(self._disassemble)

    def _disassemble(self, start: int, end: int):
        code = self.image.read(start, end - start)
        return list(self.cs.disasm(code, start)) if code else []

    def instructions(self, address: int):
        """The instructions of the function holding `address`, and the index of the one that
        covers it."""
        fn = self.image.function_at(address)
        if fn is None:
            return None, None
        insns = self._decoded(fn.start, fn.end)
        for i, insn in enumerate(insns):
            if insn.address <= address < insn.address + insn.size:
                return insns, i
        return insns, None

    def call_target(self, address: int):
        insns, i = self.instructions(address)
        if insns is None or i is None or insns[i].mnemonic != "call":
            return None, None, None
        op = insns[i].operands[0]
        if op.type != X86_OP_IMM:
            return None, insns, i
        return self.image.symbol_at(op.imm), insns, i

    def site(self, address: int, caller_address: int | None = None) -> CallSite:
        callee, insns, i = self.call_target(address)
        if callee is None:
            note = "not a direct call (an inlined or tail-call sequence)" if insns else \
                "address outside the binary's functions"
            return CallSite("unknown", "", "", note=note)
        if callee in HEADERS:
            name, size, ptr = HEADERS[callee]
            return CallSite("scan", callee, "header", name, size, ptr)
        if NOSCAN_PRODUCERS.match(callee) or ALLOCATORS.get(callee, ("",))[0] == "noscan":
            named = None
            if callee.startswith("runtime.mallocgc"):  # the type is passed (BX) for its name
                named, _ = self._type_in("rbx", insns, i, caller_address)
            elif callee == "runtime.convTnoptr":  # convTnoptr(t *_type AX, v)
                named, _ = self._type_in("rax", insns, i, caller_address)
            type_name = named.name if named else NOSCAN_NAMES.get(callee) or (
                "string" if STRING_DATA.match(callee) else None)
            return CallSite("noscan", callee, "noscan", type_name, named.size if named else None, 0,
                            note="pointer-free data")
        register: str | None
        if MAP_ASSIGN.match(callee):
            how, register = "map", "rax"
        elif SCAN_SPECIALISED.match(callee):
            how, register = "object", "rbx"
        elif callee in ALLOCATORS:
            how, register = ALLOCATORS[callee]
        else:
            return CallSite("unknown", callee, "", note="not a known allocator entry")
        assert register is not None  # the allocators without a type register returned above
        t, note = self._type_in(register, insns, i, caller_address)
        if t is None:
            if note == "nil type":
                return CallSite("noscan", callee, how, note="no type: raw memory")
            return CallSite("unknown", callee, how, note=note)
        return self._verdict(callee, how, t)

    def _verdict(self, callee: str, how: str, t: GoType) -> CallSite:
        shown, measured = t, t
        if how == "map":
            measured = map_group(self.image, t) or t
        elif how == "chan" and t.kind == KIND_CHAN:
            measured = elem(self.image, t) or t
        name = f"[]{t.name}" if how == "array" else shown.name
        return CallSite("scan" if measured.ptr_bytes else "noscan", callee, how, name,
                        measured.size, measured.ptr_bytes)

    def _type_in(self, register: str, insns, i: int, caller_address: int | None):
        """The type descriptor in `register` at instruction i: follow register moves back to a
        LEA of a type, a zeroing, or a load from a generic dictionary."""
        wanted = register
        for k in range(i - 1, max(-1, i - 1 - LOOKBACK), -1):
            insn = insns[k]
            if not _writes(insn, wanted):
                continue
            ops = insn.operands
            if insn.mnemonic == "lea" and ops[1].type == X86_OP_MEM and ops[1].mem.base == X86_REG_RIP:
                t = read_type(self.image, insn.address + insn.size + ops[1].mem.disp)
                return (t, "") if t else (None, "the LEA target is not a type")
            if insn.mnemonic == "xor" and ops[0].type == X86_OP_REG and ops[1].type == X86_OP_REG \
                    and ops[0].reg == ops[1].reg:
                return None, "nil type"
            if insn.mnemonic == "mov" and ops[1].type == X86_OP_REG:
                wanted = insn.reg_name(ops[1].reg)
                continue
            if insn.mnemonic == "mov" and ops[1].type == X86_OP_MEM and ops[1].mem.base != X86_REG_RIP:
                return self._from_dictionary(ops[1].mem.disp, caller_address)
            return None, f"type register last set by `{insn.mnemonic} {insn.op_str}`"
        return None, "type argument not found"

    def _from_dictionary(self, offset: int, caller_address: int | None):
        """Generic code: the type is at dict+offset; the caller passed dict in AX."""
        if caller_address is None:
            return None, "type from a generic dictionary, and no caller frame"
        callee, insns, i = self.call_target(caller_address)
        if insns is None or i is None:
            return None, "type from a generic dictionary; the caller is not a direct call"
        for k in range(i - 1, max(-1, i - 1 - LOOKBACK), -1):
            insn = insns[k]
            if not _writes(insn, "rax"):
                continue
            ops = insn.operands
            if insn.mnemonic == "lea" and ops[1].type == X86_OP_MEM and ops[1].mem.base == X86_REG_RIP:
                dictionary = insn.address + insn.size + ops[1].mem.disp
                target = pointer_at(self.image, dictionary + offset)
                t = read_type(self.image, target) if target else None
                return (t, "") if t else (None, "the dictionary entry is not a type")
            break
        return None, "type from a generic dictionary the caller did not pass directly"


def _writes(insn, register: str) -> bool:
    """Whether insn writes `register` (rax) or a part of it (eax, ax, al)."""
    _, written = insn.regs_access()
    family = _FAMILIES.get(register, {register})
    return any(insn.reg_name(r) in family for r in written)


_FAMILIES = {
    "rax": {"rax", "eax", "ax", "al", "ah"}, "rbx": {"rbx", "ebx", "bx", "bl", "bh"},
    "rcx": {"rcx", "ecx", "cx", "cl", "ch"}, "rdx": {"rdx", "edx", "dx", "dl", "dh"},
    "rsi": {"rsi", "esi", "si", "sil"}, "rdi": {"rdi", "edi", "di", "dil"},
    **{f"r{n}": {f"r{n}", f"r{n}d", f"r{n}w", f"r{n}b"} for n in range(8, 16)},
}
for _family in list(_FAMILIES.values()):
    for _name in list(_family):
        _FAMILIES.setdefault(_name, _family)
