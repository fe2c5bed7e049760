"""A tiny protobuf wire writer for tests that need bytes no ordinary encoder produces
(unpacked repeated fields, broken references)."""
from __future__ import annotations


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # int64 as two's complement, as protobuf does
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_bytes(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def packed(number: int, values: list[int]) -> bytes:
    return field_bytes(number, b"".join(varint(v) for v in values))


def unpacked(number: int, values: list[int]) -> bytes:
    return b"".join(field_varint(number, v) for v in values)


def heap_profile(samples: list[tuple[list[int], list[int]]], *, pack: bool = True,
                 locations: int = 3, strings: list[str] | None = None,
                 function_name: int = 5) -> bytes:
    """A small Go-shaped heap profile: samples are (location ids, values). Location i calls
    function i, named string `function_name` (+ i - 1)."""
    strings = strings or ["", "inuse_objects", "count", "inuse_space", "bytes",
                          "main.leaf", "main.middle", "main.root", "main.go"]
    repeated = packed if pack else unpacked
    out = bytearray()
    out += field_bytes(1, field_varint(1, 1) + field_varint(2, 2))
    out += field_bytes(1, field_varint(1, 3) + field_varint(2, 4))
    for locs, values in samples:
        label = field_bytes(3, field_varint(1, 4) + field_varint(3, 16))
        out += field_bytes(2, repeated(1, locs) + repeated(2, values) + label)
    for i in range(1, locations + 1):
        line = field_bytes(4, field_varint(1, i) + field_varint(2, 10 * i))
        out += field_bytes(4, field_varint(1, i) + field_varint(3, 0x1000 + i) + line)
        out += field_bytes(5, field_varint(1, i) + field_varint(2, function_name + i - 1)
                           + field_varint(4, 8))
    for s in strings:
        out += field_bytes(6, s.encode())
    out += field_varint(12, 524288)
    return bytes(out)
