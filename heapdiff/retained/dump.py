"""A Go heap dump (runtime/debug.WriteHeapDump) as the retention analysis needs it: objects as
columns (address, size, first word, pointer words in CSR), the roots with the words they hold,
and the allocation samples that link sampled objects to their stacks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry imports this module; only decoding a dump needs numpy
    import numpy as np

HEADER = b"go1.7 heap dump\n"
# What holds a root: the kinds of the --format json contract.
ROOT_KINDS = ("global", "stack", "finalizer", "other")
RESOLVE_CHUNK = 1 << 22  # words resolved at a time (their temporaries: ~136 MiB)


@dataclass(frozen=True)
class Root:
    kind: str       # one of ROOT_KINDS
    name: str       # a frame's function, a finalizer's or other root's description; "" for a
                    # data/bss word (named from its address, with --binary)
    address: int    # the global's word, the frame's sp, the finalized object
    segment: str = ""  # "data" or "bss" for a global
    goroutine: int = 0  # a stack frame's goroutine id
    function: int = 0   # a finalizer's function (its code pointer)


@dataclass(frozen=True)
class Site:
    """A memprof bucket: the allocation stack of the objects sampled there, leaf first."""
    size: int
    frames: tuple[tuple[str, str, int], ...]   # (function, file, line)


@dataclass(frozen=True, eq=False)
class HeapDump:
    source: str
    goarch: str
    version: str
    # objects, in the dump's order; addresses are unique, not sorted (see `order`)
    address: np.ndarray        # uint64
    size: np.ndarray           # uint64, the whole size-class slot
    first_word: np.ndarray     # uint64, the slot's first word (a malloc header's type pointer)
    by_address: np.ndarray     # int64: the objects in address order
    indptr: np.ndarray         # int64, objects + 1: each object's pointer words in `words`
    words: np.ndarray          # uint64, the word at each pointer field (the runtime's bitmap)
    roots: tuple[Root, ...]
    root_of_word: np.ndarray   # int64: the root each root word belongs to
    root_words: np.ndarray     # uint64: the words the roots hold
    types: dict[int, tuple[str, int]]  # type records (itab types): descriptor -> name, size
    sites: dict[int, Site]     # memprof buckets by id
    samples: dict[int, int]    # sampled object address -> bucket id
    heap_alloc: int            # MemStats.HeapAlloc at the dump
    data_segment: tuple[int, int]   # (start, size)
    bss_segment: tuple[int, int]
    frame_entries: tuple[tuple[int, str], ...]  # (entry pc, function) of every frame

    @property
    def objects(self) -> int:
        return int(self.address.size)

    def resolve(self, words: np.ndarray, dtype: str = "int64") -> np.ndarray:
        """The object each word points into (interior pointers included), -1 for none. The
        words go a chunk at a time: the lookup's temporaries are 34 bytes a word, and a 1 GiB
        heap's pointer words are ~23M."""
        import numpy as np
        start = self.address[self.by_address]
        end = start + self.size[self.by_address]
        out = np.full(words.size, -1, dtype)
        if start.size == 0:
            return out
        for at in range(0, words.size, RESOLVE_CHUNK):
            chunk = words[at:at + RESOLVE_CHUNK]
            i = np.searchsorted(start, chunk, side="right") - 1
            inside = i >= 0
            np.maximum(i, 0, out=i)
            inside &= chunk < end[i]
            out[at:at + chunk.size][inside] = self.by_address[i[inside]]
        return out

    @property
    def pointer_fields(self) -> np.ndarray:
        """Pointer fields per object (pointer bytes = 8 x this)."""
        return self.indptr[1:] - self.indptr[:-1]


def looks_like_heapdump(head: bytes | bytearray) -> bool:
    """Any version's header: the decoder names a format it does not read."""
    return re.match(rb"go1\.\d+ heap dump\n", bytes(head[:32])) is not None
