"""Go heap dumps (runtime/debug.WriteHeapDump, `go1.7 heap dump`) into a HeapDump.

The records (runtime/heapdump.go) are varints, strings and field lists; objects are nearly all
of them. The compiled kernel frames the whole dump and reads each object's pointer words in
one pass; without it (or where it declines) the same walk runs here in Python, slower, and
says what is wrong. The few other records (roots, frames, memprof) are read here either way.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...common.errors import InputError
from ...common.kernel import compiled
from ...retained.dump import HEADER, HeapDump, Root, Site, looks_like_heapdump
EOF_TAG, OBJECT, OTHER_ROOT, TYPE, GOROUTINE, FRAME, PARAMS, FINALIZER = range(8)
MEMSTATS, QUEUED_FINALIZER, DATA, BSS, MEMPROF, ALLOC_SAMPLE = 10, 11, 12, 13, 16, 17
# Each record's fields after its tag, as the kernel's DUMP_LAYOUTS: u varint, s string,
# f field list, k memprof frames, M MemStats's 281 varints. Object (1) is "usf" too.
LAYOUTS = ("", "usf", "su", "uusu", "uuuuuuuusuuuu", "uuusuuusf", "uuuussu", "uuuuu", "uu",
           "uuu", "M", "uuuuu", "usf", "usf", "uuuuuuu", "uuuuuu", "uukuu", "uu")
MEMSTATS_WORDS = 281
HEAP_ALLOC = 6      # MemStats.HeapAlloc's place among them
# Architectures whose dumps this reads: 64-bit little-endian words (the params record says).
WORD = 8


class _Cut(Exception):
    """The walk ran into something it cannot read: at, and what."""

    def __init__(self, at: int, what: str):
        self.at, self.what = at, what


def _varint(data: bytes | bytearray | memoryview, p: int) -> tuple[int, int]:
    value = shift = 0
    start = p
    while True:
        if p >= len(data):
            raise _Cut(start, "the dump ends inside a record (truncated)")
        byte = data[p]
        p += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, p
        shift += 7
        if shift > 63:
            raise _Cut(start, "a number longer than 64 bits")


def _record(data: Any, layout: str, p: int) -> tuple[list[Any], int]:
    """The values of one record's layout from p, and where the next record starts."""
    out: list[Any] = []
    for op in layout:
        if op == "u":
            value, p = _varint(data, p)
            out.append(value)
        elif op == "s":
            length, q = _varint(data, p)
            if length > len(data) - q:
                raise _Cut(p, f"a {length}-byte string past the end (truncated)")
            out.append((q, length))
            p = q + length
        elif op == "M":
            for _ in range(MEMSTATS_WORDS):
                value, p = _varint(data, p)
                out.append(value)
        elif op == "k":
            count, p = _varint(data, p)
            frames = []
            for _ in range(count):
                (name, file, line), p = _record(data, "ssu", p)
                frames.append((_text(data, name), _text(data, file), line))
            out.append(tuple(frames))
        else:
            offsets = []
            while True:
                kind, q = _varint(data, p)
                if kind > 3:
                    raise _Cut(p, f"field kind {kind} (known: 0 to 3)")
                p = q
                if kind == 0:
                    break
                offset, p = _varint(data, p)
                offsets.append(offset)
            out.append(offsets)
    return out, p


def _text(data: Any, span: tuple[int, int]) -> str:
    start, length = span
    return bytes(data[start:start + length]).decode("utf-8", errors="replace")


def decode_heapdump(data: bytes | bytearray, source: str) -> HeapDump:
    if not looks_like_heapdump(data):
        raise InputError(source, "not a Go heap dump (no `go1.7 heap dump` header)")
    if not data.startswith(HEADER):
        version = bytes(data[:16]).split(b" ", 1)[0].decode()
        raise InputError(source, f"heap dump format {version}: heapdiff reads the go1.7 "
                                 "format (which every Go since 1.7 writes)")
    try:
        return _decode(data, source)
    except _Cut as cut:
        raise InputError(source, f"byte {cut.at}: {cut.what}") from None


def _params(data: Any, source: str) -> tuple[str, str, int]:
    tag, p = _varint(data, len(HEADER))
    if tag != PARAMS:
        raise _Cut(len(HEADER), f"record tag {tag} where the params record should be")
    (big_endian, ptr_size, _, _, goarch, version, _), p = _record(data, LAYOUTS[PARAMS], p)
    arch = _text(data, goarch)
    if big_endian or ptr_size != WORD:
        raise InputError(source, f"a heap dump from {arch or 'an unnamed architecture'} "
                                 f"({ptr_size * 8}-bit {'big' if big_endian else 'little'}-"
                                 "endian); heapdiff reads 64-bit little-endian dumps")
    return arch, _text(data, version), p


def _decode(data: bytes | bytearray, source: str) -> HeapDump:
    goarch, version, start = _params(data, source)
    framed = _kernel_frame(data, start)
    if framed is None:
        framed = _python_frame(data, start)
    address, content, size, indptr, words, tags, ats = framed
    first_word = _first_words(data, content, size)
    return _assemble(data, source, goarch, version, address, size, first_word, indptr, words,
                     tags, ats)


Framed = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
               np.ndarray]


def _kernel_frame(data: bytes | bytearray, start: int) -> Framed | None:
    kernel = compiled()
    if kernel is None:
        return None
    counts = kernel.heapdump(data, start, None, None, None, None, None, None, None)
    if counts is None:
        return None
    objects, fields, other = counts
    out = (np.empty(objects, np.uint64), np.empty(objects, np.int64),
           np.empty(objects, np.uint64), np.empty(objects + 1, np.int64),
           np.empty(fields, np.uint64), np.empty(other, np.int64), np.empty(other, np.int64))
    if kernel.heapdump(data, start, *out) is None:
        return None
    return out


def _python_frame(data: bytes | bytearray, start: int) -> Framed:
    """The kernel's walk in Python: the route without a C compiler, and the one that says
    what is wrong with a dump the kernel declined."""
    view = memoryview(data)
    address: list[int] = []
    content: list[int] = []
    size: list[int] = []
    indptr = [0]
    words: list[int] = []
    tags: list[int] = []
    ats: list[int] = []
    p = start
    while True:
        at = p
        tag, p = _varint(view, p)
        if tag == EOF_TAG:
            break
        if tag >= len(LAYOUTS):
            raise _Cut(at, f"unknown record tag {tag}")
        values, p = _record(view, LAYOUTS[tag], p)
        if tag != OBJECT:
            tags.append(tag)
            ats.append(at)
            continue
        addr, (q, length), offsets = values
        for offset in offsets:
            if offset + WORD > length:
                raise _Cut(at, f"a pointer field at offset {offset} outside its "
                               f"{length}-byte object")
            words.append(int.from_bytes(view[q + offset:q + offset + WORD], "little"))
        address.append(addr)
        content.append(q)
        size.append(length)
        indptr.append(len(words))
    return (np.array(address, np.uint64), np.array(content, np.int64),
            np.array(size, np.uint64), np.array(indptr, np.int64), np.array(words, np.uint64),
            np.array(tags, np.int64), np.array(ats, np.int64))


def _first_words(data: bytes | bytearray, content: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Each object's first word (0 for an object smaller than a word): one gather through a
    view of the dump as a word at every byte offset."""
    out = np.zeros(size.size, np.uint64)
    whole = size >= WORD
    if len(data) >= WORD and whole.any():
        words = np.ndarray((len(data) - WORD + 1,), "<u8", data, 0, (1,))
        out[whole] = words[content[whole]]
    return out


def _assemble(data: bytes | bytearray, source: str, goarch: str, version: str,
              address: np.ndarray, size: np.ndarray, first_word: np.ndarray,
              indptr: np.ndarray, words: np.ndarray, tags: np.ndarray,
              ats: np.ndarray) -> HeapDump:
    view = memoryview(data)
    roots: list[Root] = []
    root_of: list[int] = []
    root_words: list[int] = []
    types: dict[int, tuple[str, int]] = {}
    sites: dict[int, Site] = {}
    samples: dict[int, int] = {}
    frames: list[tuple[int, str]] = []
    segments: dict[int, tuple[int, int]] = {DATA: (0, 0), BSS: (0, 0)}
    heap_alloc = 0
    goroutine = 0

    def hold(root: Root, held: list[int]) -> None:
        roots.append(root)
        root_of.extend([len(roots) - 1] * len(held))
        root_words.extend(held)

    def word(at: int) -> int:
        return int.from_bytes(view[at:at + WORD], "little")

    for tag, at in zip(tags.tolist(), ats.tolist()):
        values, _ = _record(view, LAYOUTS[tag], _varint(view, at)[1])
        if tag == GOROUTINE:
            goroutine = values[2]
        elif tag == FRAME:
            sp, _, _, (q, length), entry, _, _, name, offsets = values
            function = _text(view, name)
            frames.append((entry, function))
            held = [word(q + o) for o in offsets if o + WORD <= length]
            hold(Root("stack", function, sp, goroutine=goroutine), held)
        elif tag in (DATA, BSS):
            start, (q, length), offsets = values
            segment = "data" if tag == DATA else "bss"
            segments[tag] = (start, length)
            for o in offsets:
                if o + WORD <= length:
                    hold(Root("global", "", start + o, segment=segment), [word(q + o)])
        elif tag in (FINALIZER, QUEUED_FINALIZER):
            obj, fn, code = values[0], values[1], values[2]
            what = "finalizer" if tag == FINALIZER else "queued finalizer"
            hold(Root("finalizer", what, obj, function=code), [obj, fn])
        elif tag == OTHER_ROOT:
            hold(Root("other", _text(view, values[0]), values[1]), [values[1]])
        elif tag == TYPE:
            types[values[0]] = (_text(view, values[2]), values[1])
        elif tag == MEMPROF:
            sites[values[0]] = Site(values[1], values[2])
        elif tag == ALLOC_SAMPLE:
            samples[values[0]] = values[1]
        elif tag == MEMSTATS:
            heap_alloc = values[HEAP_ALLOC]
    by_address = np.argsort(address, kind="stable")
    ordered = address[by_address]
    if (ordered[1:] < ordered[:-1] + size[by_address][:-1]).any():
        raise InputError(source, "two object records overlap: not a heap dump heapdiff "
                                 "can read")
    return HeapDump(
        source=source, goarch=goarch, version=version, address=address, size=size,
        first_word=first_word, by_address=by_address, indptr=indptr, words=words, roots=tuple(roots),
        root_of_word=np.array(root_of, np.int64), root_words=np.array(root_words, np.uint64),
        types=types, sites=sites, samples=samples, heap_alloc=heap_alloc,
        data_segment=segments[DATA], bss_segment=segments[BSS], frame_entries=tuple(frames))
