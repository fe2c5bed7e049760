"""Go's runtime type descriptors (internal/abi.Type) read from the binary: name, size, and how
many leading bytes may hold pointers, and what its pointer words point to. Layout (64-bit, Go
1.21 to 1.27): Size_ @0, PtrBytes @8, TFlag @20, Kind_ @23, Str (a name offset from
runtime.types) @40; then per kind: a pointer's, slice's, array's or channel's element @48 (an
array's length @64); a map type's key @48, element @56, group @64 (Go 1.24+ swiss maps); a
struct's fields @56 (pointer, length; 24 bytes each: name, type, offset)."""
from __future__ import annotations

import struct
from dataclasses import dataclass

from .image import Image

KIND_MASK = 0x1F
(KIND_ARRAY, KIND_CHAN, KIND_FUNC, KIND_INTERFACE, KIND_MAP, KIND_POINTER, KIND_SLICE,
 KIND_STRING, KIND_STRUCT, KIND_UNSAFE_POINTER) = range(17, 27)
TFLAG_EXTRA_STAR = 1 << 1
STRUCT_FIELD = 24


@dataclass(frozen=True)
class GoType:
    address: int
    name: str
    size: int
    ptr_bytes: int
    kind: int


@dataclass(frozen=True)
class Field:
    name: str
    type: int       # the field's type descriptor
    offset: int


def read_type(image: Image, address: int) -> GoType | None:
    raw = image.read(address, 48)
    if raw is None or not image.is_type(address):
        return None
    size, ptr_bytes = struct.unpack_from("<QQ", raw, 0)
    tflag, kind = raw[20], raw[23] & KIND_MASK
    name_offset = struct.unpack_from("<i", raw, 40)[0]
    name = _name(image, image.types + name_offset)
    if name is None or ptr_bytes > size:
        return None
    if tflag & TFLAG_EXTRA_STAR and name.startswith("*"):
        name = name[1:]
    return GoType(address, name, size, ptr_bytes, kind)


def pointer_at(image: Image, address: int) -> int | None:
    raw = image.read(address, 8)
    return struct.unpack("<Q", raw)[0] if raw else None


def map_group(image: Image, map_type: GoType) -> GoType | None:
    """The group type of a Go 1.24+ map type: what its table allocations hold."""
    group = pointer_at(image, map_type.address + 64)
    return read_type(image, group) if group else None


def elem(image: Image, t: GoType) -> GoType | None:
    target = pointer_at(image, t.address + 48)
    return read_type(image, target) if target else None


def array_length(image: Image, t: GoType) -> int:
    return pointer_at(image, t.address + 64) or 0


def map_parts(image: Image, t: GoType) -> tuple[GoType | None, GoType | None, GoType | None]:
    """A map type's key, element and group types."""
    return tuple(read_type(image, pointer_at(image, t.address + at) or 0)   # type: ignore
                 for at in (48, 56, 64))


def fields(image: Image, t: GoType, limit: int = 4096) -> tuple[Field, ...] | None:
    """A struct type's fields (None: unreadable, or more than limit)."""
    raw = image.read(t.address + 56, 16)
    if raw is None:
        return None
    start, count = struct.unpack("<QQ", raw)
    table = image.read(start, count * STRUCT_FIELD) if count <= limit else None
    if table is None:
        return None
    out = []
    for i in range(count):
        name_at, typ, offset = struct.unpack_from("<QQQ", table, i * STRUCT_FIELD)
        name = _name(image, name_at)
        if name is None:
            return None
        out.append(Field(name, typ, offset))
    return tuple(out)


def _name(image: Image, address: int) -> str | None:
    """abi.Name: a flags byte, a varint length, the bytes."""
    head = image.read(address, 11)
    if head is None:
        return None
    length, shift, i = 0, 0, 1
    while i < len(head):
        byte = head[i]
        length |= (byte & 0x7F) << shift
        i += 1
        if byte < 0x80:
            break
        shift += 7
    text = image.read(address + i, length)
    return text.decode("utf-8", errors="replace") if text is not None else None
