"""The mutator: from an input's bytes and a random.Random, a hostile variant. Everything it
does is decided by the generator, so a (seed, case index) pair names one input for good.

Gzip inputs are inflated first and the payload mutated (a flipped compressed byte only tests
zlib), then wrapped again in one of several ways: once, not at all, twice, with a forged
trailer, or truncated."""
from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Callable

HOSTILE_NAMES = (
    "\x1b[31mred\x1b[0m", "\x1b]52;c;aGVsbG8=\x07", "\x1b]0;title\x07", "evil\u202etxt.go",
    "[bold]bold[/bold]", "[@click=app.quit]quit[/]", "[@click=app.screenshot('x.svg','/tmp')]x",
    "a\n```\n# injected", "x\u2028y\u2029z", "zero\u200bwidth\ufeff", "\x9b31m c1", "\x00nul",
    "<script>", "a|b`c*d_e", "{", "\"quote\\", "\udcff", "]]>", "-> [label=\"x\"]; evil",
    "%s%n", "\r\rover", "\x08\x08back",
)
TEXT_NUMBERS = (
    "9" * 5000, "1e400", "-1e400", "NaN", "nan", "inf", "-inf", "-1", "-0", "0",
    "18446744073709551616", "18446744073709551615", "9223372036854775808", "-9223372036854775809",
    "4294967296", "1.5", "0x10", "1_000", "", "١٢", "1e-400",
    "0x10000000000000000", "0xffffffffffffffff", "0x" + "f" * 5000, "0x",
)
VARINT_VALUES = (0, 1, 127, 128, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64 - 1)
JSON_SWAPS: tuple[object, ...] = ([], {}, "1", None, True, [1, 2], {"a": 1}, "9" * 5000,
                                  -1, 2**64, 1e308, "NaN", "\x1b]52;c;eA==\x07")
NUMBER = re.compile(rb"0x[0-9a-f]+|-?\d+(\.\d+)?(e[+-]?\d+)?")
NAME = re.compile(rb"[A-Za-z_][\w./()*]{3,}")


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def spot(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def flip(rng: random.Random, data: bytes, _: bytes) -> bytes:
    out = bytearray(data)
    for _i in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8) if rng.random() < .5 \
                else rng.randrange(1, 256)
    return bytes(out)


def insert(rng: random.Random, data: bytes, _: bytes) -> bytes:
    at = spot(rng, data)
    return data[:at] + rng.randbytes(rng.choice((1, 2, 4, 16, 300))) + data[at:]


def delete(rng: random.Random, data: bytes, _: bytes) -> bytes:
    at = spot(rng, data)
    return data[:at] + data[at + rng.choice((1, 2, 8, 64, 4096)):]


def truncate(rng: random.Random, data: bytes, _: bytes) -> bytes:
    return data[:spot(rng, data)]


def splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[:spot(rng, data)] + other[spot(rng, other):]


def duplicate(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """A record (or any run of bytes) repeated: duplicated samples, lines, keys."""
    start = spot(rng, data)
    chunk = data[start:start + rng.choice((8, 64, 512))]
    return data[:start] + chunk * rng.choice((2, 3, 100)) + data[start:]


def boundary_varint(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """A boundary value, or an overlong 10/11-byte varint, written over or into the bytes."""
    value = rng.choice(VARINT_VALUES)
    encoded = rng.choice((varint(value), b"\xff" * 9 + b"\x01", b"\xff" * 10 + b"\x01",
                          b"\x80" * 10))
    at = spot(rng, data)
    return data[:at] + encoded + data[at + (len(encoded) if rng.random() < .5 else 0):]


def text_number(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """A number in text or JSON replaced by a boundary value (digits, 1e400, NaN, 2^64...)."""
    found = list(NUMBER.finditer(data))
    if not found:
        return insert(rng, data, b"")
    chosen = sorted(rng.sample(found, min(len(found), rng.choice((1, 1, 3, 50)))),
                    key=lambda match: match.start(), reverse=True)
    for match in chosen:  # from the end, so earlier offsets stay valid
        data = data[:match.start()] + rng.choice(TEXT_NUMBERS).encode() + data[match.end():]
    return data


def hostile_name(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """A name-like run of text (function, file, key) replaced by a hostile string."""
    found = list(NAME.finditer(data))
    if not found:
        return data + rng.choice(HOSTILE_NAMES).encode("utf-8", "surrogatepass")
    match = rng.choice(found)
    name = rng.choice(HOSTILE_NAMES).encode("utf-8", "surrogatepass")
    return data[:match.start()] + name + data[match.end():]


def long_line(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """A very long line or a very deep stack: what makes regexes and loops go non-linear."""
    at = spot(rng, data)
    piece = rng.choice((b" 0x1234", b"#\t0x1 main.f+0x1 a.go:1\n", b"\t", b"@", b"a" * 7))
    return data[:at] + piece * rng.choice((1000, 30000)) + data[at:]


def json_swap(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """One JSON value swapped for another type, a hostile key, or a deep nest."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested past Python's stack
        return flip(rng, data, b"")
    slots: list[tuple[object, object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            slots.extend((node, key) for key in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            slots.extend((node, index) for index in range(len(node)))
            for value in node:
                walk(value)
    walk(doc)
    if not slots or rng.random() < .1:
        return deep_nest(rng, data)
    for _i in range(rng.choice((1, 1, 4))):
        parent, key = rng.choice(slots)
        if isinstance(parent, dict) and rng.random() < .2:
            parent[rng.choice(HOSTILE_NAMES)] = parent.pop(key)  # type: ignore[arg-type]
            break
        parent[key] = rng.choice(JSON_SWAPS)  # type: ignore[index]
    return json.dumps(doc, ensure_ascii=rng.random() < .5).encode("utf-8", "surrogatepass")


def deep_nest(rng: random.Random, data: bytes) -> bytes:
    """The document deeply nested, written as text (json.dumps would overflow the stack)."""
    depth = rng.choice((100, 5000, 100000))
    opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}")))
    return opener * depth + data + closer * depth


def pprof_strings(rng: random.Random, data: bytes, _: bytes) -> bytes:
    """A decoded profile with hostile strings in its string table (names, files, sample
    types), its sample types multiplied, or a value set to a boundary."""
    from heapdiff import profile_pb2
    profile = profile_pb2.Profile()
    try:
        profile.ParseFromString(data)
    except Exception:  # not a profile (any more): mutate the bytes instead
        return flip(rng, data, b"")
    table = profile.string_table
    choice = rng.randrange(3)
    if choice == 0 and len(table) > 1:
        for _i in range(rng.choice((1, 3, 20))):
            table[rng.randrange(1, len(table))] = rng.choice(HOSTILE_NAMES).replace(
                "\udcff", "\ufffd")
    elif choice == 1 and profile.sample_type:
        kept = list(profile.sample_type)
        for _i in range(rng.choice((1, 100, 5000))):
            profile.sample_type.add().CopyFrom(rng.choice(kept))
    elif profile.sample:
        sample = rng.choice(profile.sample)
        if sample.value:
            sample.value[rng.randrange(len(sample.value))] = rng.choice(
                (-1, 0, 2**63 - 1, -(2**63)))
    return profile.SerializeToString()


PAYLOAD_MUTATIONS: dict[str, Callable[[random.Random, bytes, bytes], bytes]] = {
    "flip": flip, "insert": insert, "delete": delete, "truncate": truncate,
    "splice": splice, "duplicate": duplicate, "varint": boundary_varint,
    "number": text_number, "name": hostile_name, "long-line": long_line, "json": json_swap,
    "pprof": pprof_strings,
}


def is_gzip(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def wrap(rng: random.Random, payload: bytes) -> tuple[str, bytes]:
    """Gzip again, in one of the ways a broken or hostile file may be gzipped."""
    once = gzip.compress(payload, mtime=0)
    ways: dict[str, Callable[[], bytes]] = {
        "gzip": lambda: once, "raw": lambda: payload,
        "double-gzip": lambda: gzip.compress(once, mtime=0),
        "forged-trailer": lambda: once[:-4] + rng.choice(
            (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", rng.randbytes(4))),
        "truncated-gzip": lambda: once[:spot(rng, once)],
        "gzip-garbage": lambda: once + rng.randbytes(rng.choice((1, 4, 20))),
    }
    weights = {"gzip": 10, "raw": 2, "double-gzip": 1, "forged-trailer": 2,
               "truncated-gzip": 1, "gzip-garbage": 1}
    name = rng.choices(list(ways), weights=[weights[w] for w in ways])[0]
    return name, ways[name]()


def mutate(rng: random.Random, data: bytes, other: bytes) -> tuple[list[str], bytes]:
    """A hostile variant of data (other is a second input, for splicing); the names of the
    steps taken, for the summary and the corpus."""
    from .httpreply import is_http, mutate_reply
    if is_http(data):
        return mutate_reply(rng, data, other, mutate)
    gzipped = is_gzip(data)
    payload = gzip.decompress(data) if gzipped else data
    other = gzip.decompress(other) if is_gzip(other) else other
    steps = []
    for _i in range(rng.choice((1, 1, 1, 2, 3))):
        name = rng.choice(list(PAYLOAD_MUTATIONS))
        payload = PAYLOAD_MUTATIONS[name](rng, payload, other)
        steps.append(name)
    if gzipped:
        name, payload = wrap(rng, payload)
        steps.append(name)
    elif rng.random() < .05:
        payload = gzip.compress(payload, mtime=0)
        steps.append("gzip")
    return steps, payload
