"""Go's runtime type descriptors (internal/abi.Type) read from the binary: name, size, and how
many leading bytes may hold pointers. Layout (64-bit, Go 1.21 to 1.27): Size_ @0, PtrBytes @8,
TFlag @20, Kind_ @23, Str (a name offset from runtime.types) @40; a map type's group @64 (Go
1.24+ swiss maps), a channel type's element @48, an array/slice type's element @48."""
from __future__ import annotations

import struct
from dataclasses import dataclass

from .image import Image

KIND_MASK = 0x1F
KIND_CHAN = 18
TFLAG_EXTRA_STAR = 1 << 1


@dataclass(frozen=True)
class GoType:
    address: int
    name: str
    size: int
    ptr_bytes: int
    kind: int


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
