"""Names from a typed parent's fields (with --binary): an object whose type is known says, through
its type descriptor, what each of its pointer words points to, and so names its children, and
theirs, breadth first.

A type's shape is its pointer words in offset order (the order of the dump's pointer fields,
which are the runtime's bitmap: an array repeats its element's) and, per word, what the target
is: a pointer's element, a slice's backing array ("[]T"), a string's bytes, a map's runtime
structures (the maps.Map, its directory, tables and group arrays, as Go 1.24+ swiss maps lay
them out), a channel's buffer or a closure. An interface's data word names nothing: its
dynamic type is in the word before it, which the runtime's bitmap does not mark (itabs and
types are not heap objects), so the dump does not keep it. Seeds are the objects a malloc
header types and the objects globals point to (the globals' types from the binary's DWARF).
A child is named once:
by the first claim that reaches it (globals first, then level by level); an object a header
names keeps that name. A claim needs the word to point at the start of the target's data and
the target to be large enough for one element; a parent with fewer pointer fields than one
element of its shape has is not trusted to name anything. Each level's claims are made in
object order, in pieces of bounded size."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..retainers.binary import types as abi
from ..retainers.binary.globals import GlobalType
from ..retainers.binary.image import Image
from ..retainers.binary.types import GoType
from .dominators import distinct
from .dump import HeapDump

NO = -1                         # a claim's shape: none
HEADER_WORD = 8
MAX_WORDS = 1 << 12             # pointer words of one element past which a type is not walked
MAX_DEPTH = 32                  # structs and arrays nested in place (a hostile binary's loop)
CHUNK = 1 << 20                 # pointer words per array step (its memory: ~80 MiB)
THIN = 64       # a level with this few pointer fields is walked word by word (a linked list's
                # one node per level: array operations would cost more than the node)
MAP_HEADER, MAP_DIR_PTR = 48, 16        # internal/runtime/maps.Map and its dirPtr
TABLE, TABLE_GROUPS = 32, 16            # maps.table and its groups.data
HCHAN_POINTERS, HCHAN_BUF = 8, 0        # runtime.hchan's pointer words (Go 1.25+: with
                                        # bubble); buf is the first
SWISS_MAPS = 24                         # Go 1.24: maps.Map, directory, tables, groups


@dataclass(frozen=True)
class Claim:
    offset: int             # of the pointer word in one element
    shape: int = NO         # what the target is: a shape, or NO
    alternative: int = NO   # the target's shape where it does not fit `shape` (a map's dirPtr:
                            # one group, else a directory)
    via: str = ""           # the field that says it


@dataclass(frozen=True)
class Shape:
    name: str                   # one element, or the whole object
    plural: str                 # an object of two or more elements ("[]T"); "": always `name`
    period: int                 # bytes of one element
    claims: tuple[Claim, ...]   # one per pointer word of an element
    exact: bool = False         # a runtime structure: trusted only with exactly these words
                                # (its layout changes between Go versions)


@dataclass
class Shapes:
    """The shapes of the types met so far, built on demand from the binary's descriptors."""
    image: Image
    swiss: bool = True          # Go 1.24+ maps (before: hmap and buckets, not walked)
    shapes: list[Shape] = field(default_factory=list)
    _index: dict[tuple, int] = field(default_factory=dict)
    _pending: list[tuple[int, GoType, bool]] = field(default_factory=list)

    def of(self, t: GoType, array: bool) -> int:
        """A T (a pointer's target) or an array of T (a slice's backing array); its claims
        are walked by complete() (a loop, not a recursion as deep as the types)."""
        key = ("value", t.address, array)
        if key in self._index:
            return self._index[key]
        at = self._reserve(key)
        self.shapes[at] = Shape(t.name, f"[]{t.name}" if array else "", max(t.size, 1), ())
        self._pending.append((at, t, array))
        return at

    def complete(self) -> None:
        while self._pending:
            at, t, array = self._pending.pop()
            claims = self.words(t, t.name, 0)
            self.shapes[at] = Shape(t.name, f"[]{t.name}" if array else "", max(t.size, 1),
                                    tuple(claims) if claims is not None else ())

    def words(self, t: GoType, via: str, base: int, depth: int = 0) -> list[Claim] | None:
        """The pointer words of a T at base, in offset order (None: not walkable)."""
        if t.ptr_bytes == 0:
            return []
        walk = _WALKS.get(t.kind)
        if walk is None or depth > MAX_DEPTH:
            return None
        return walk(self, t, via, base, depth)

    def _reserve(self, key: tuple) -> int:
        self._index[key] = len(self.shapes)
        self.shapes.append(Shape("", "", 1, ()))
        return self._index[key]

    def _fixed(self, key: tuple, make: Callable[[], Shape]) -> int:
        if key not in self._index:
            at = self._reserve(key)
            self.shapes[at] = make()
        return self._index[key]

    def string_bytes(self) -> int:
        return self._fixed(("string",), lambda: Shape("string bytes", "", 1, ()))

    def closure(self, t: GoType) -> int:
        return self._fixed(("closure", t.address), lambda: Shape(f"{t.name} closure", "", 8, ()))

    def map(self, t: GoType) -> int:
        """The maps.Map a map value points to: dirPtr is one group (a small map) or a
        directory of tables, each table pointing to an array of groups."""
        key = ("map", t.address)
        if key in self._index:
            return self._index[key]
        at = self._reserve(key)
        group = abi.map_parts(self.image, t)[2] if self.swiss else None
        claims: tuple[Claim, ...] = ()
        if group is not None:
            table = self._fixed(("map table", t.address), lambda: Shape(
                f"{t.name} table", "", TABLE,
                (Claim(TABLE_GROUPS, self.of(group, True), via=f"{t.name} table"),), True))
            directory = self._fixed(("map directory", t.address), lambda: Shape(
                f"{t.name} directory", "", HEADER_WORD,
                (Claim(0, table, via=f"{t.name} directory"),)))
            claims = (Claim(MAP_DIR_PTR, self.of(group, False), directory, via=t.name),)
        self.shapes[at] = Shape(t.name, "", MAP_HEADER, claims, True)
        return at

    def chan(self, t: GoType) -> int:
        """The hchan a channel value points to; buf is its first pointer word (an element
        type without pointers puts the buffer in the hchan's own noscan object)."""
        key = ("chan", t.address)
        if key in self._index:
            return self._index[key]
        at = self._reserve(key)
        elem = abi.elem(self.image, t)
        claims: tuple[Claim, ...] = ()
        if elem is not None and elem.ptr_bytes:
            claims = (Claim(HCHAN_BUF, self.of(elem, True), via=f"{t.name} buffer"),) + \
                tuple(Claim(8 * i) for i in range(1, HCHAN_POINTERS))
        self.shapes[at] = Shape(t.name, "", HEADER_WORD, claims, True)
        return at


def _pointer(shapes: Shapes, t: GoType, via: str, base: int, depth: int) -> list[Claim]:
    return [Claim(base, _target(shapes, t), via=via)]


def _target(shapes: Shapes, t: GoType) -> int:
    target = _TARGETS.get(t.kind)
    return target(shapes, t) if target is not None else NO


def _element_of(shapes: Shapes, t: GoType, array: bool) -> int:
    e = abi.elem(shapes.image, t)
    return shapes.of(e, array) if e is not None and e.size else NO


def _interface(shapes: Shapes, t: GoType, via: str, base: int, depth: int) -> list[Claim]:
    """One pointer word, the data word: the runtime's bitmap leaves out the type word."""
    return [Claim(base + 8)]


def _struct(shapes: Shapes, t: GoType, via: str, base: int,
            depth: int) -> list[Claim] | None:
    found = abi.fields(shapes.image, t)
    if found is None:
        return None
    out: list[Claim] = []
    for f in found:
        ft = abi.read_type(shapes.image, f.type)
        if ft is None:
            return None
        words = shapes.words(ft, f"{via}.{f.name}", base + f.offset, depth + 1)
        if words is None or len(out) + len(words) > MAX_WORDS:
            return None
        out += words
    return out


def _array(shapes: Shapes, t: GoType, via: str, base: int, depth: int) -> list[Claim] | None:
    e = abi.elem(shapes.image, t)
    if e is None:
        return None
    one = shapes.words(e, f"{via}[]", 0, depth + 1)
    n = abi.array_length(shapes.image, t)
    if one is None or len(one) * n > MAX_WORDS:
        return None
    return [Claim(base + i * e.size + c.offset, c.shape, c.alternative, c.via)
            for i in range(n) for c in one]


# what a pointer-shaped value of each kind points to
_TARGETS = {
    abi.KIND_POINTER: lambda s, t: _element_of(s, t, False),
    abi.KIND_SLICE: lambda s, t: _element_of(s, t, True),
    abi.KIND_STRING: lambda s, t: s.string_bytes(),
    abi.KIND_MAP: lambda s, t: s.map(t),
    abi.KIND_CHAN: lambda s, t: s.chan(t),
    abi.KIND_FUNC: lambda s, t: s.closure(t),
}
# a value's pointer words, per kind
_WALKS = {kind: _pointer for kind in _TARGETS} | {
    abi.KIND_UNSAFE_POINTER: lambda s, t, via, base, depth: [Claim(base)],
    abi.KIND_INTERFACE: _interface,
    abi.KIND_STRUCT: _struct,
    abi.KIND_ARRAY: _array,
}


@dataclass(frozen=True)
class Named:
    """Per object, the shape that names it (-1: none) and the field that said so (-1: a
    header; an index into `vias`)."""
    shape_of: np.ndarray
    via_of: np.ndarray
    shapes: tuple[Shape, ...]
    vias: tuple[str, ...]


def name_by_fields(dump: HeapDump, image: Image, headed: np.ndarray) -> Named:
    """headed: the objects a malloc header types (their first word; their data starts a word
    into the slot)."""
    shapes = Shapes(image, swiss=_go_minor(dump.version) >= SWISS_MAPS)
    n = dump.objects
    shape_of = np.full(n, NO, np.int32)
    via_of = np.full(n, NO, np.int32)
    vias: dict[str, int] = {}
    taken = headed.copy()           # named already: by a header, or by a claim
    # seeds: the header-typed objects, as T or as an array of T (the header rule); one
    # descriptor read per distinct type
    at = np.flatnonzero(headed)
    pointers, inverse = distinct(dump.first_word[at])
    found = [abi.read_type(image, p) for p in pointers.tolist()]
    one, many, size = (np.array(column, np.int64).reshape(-1) for column in zip(*(
        (shapes.of(t, False), shapes.of(t, True), t.size) if t is not None else (NO, NO, 0)
        for t in found))) if found else (np.zeros(0, np.int64),) * 3
    inverse = inverse.reshape(-1)
    array = dump.size[at].astype(np.int64) - HEADER_WORD >= 2 * size[inverse]
    shape_of[at] = np.where(array, many[inverse], one[inverse])
    fields = np.diff(dump.indptr)
    state = _State(dump, shapes, vias, fields, headed, taken, shape_of, via_of)
    frontier = np.flatnonzero(shape_of >= 0)
    first = _global_claims(dump, image, shapes)
    if first:
        words = np.array([w for w, _, _ in first], np.uint64)
        claimed = np.array([c for _, c, _ in first], np.int64)
        via = np.array([vias.setdefault(v, len(vias)) for _, _, v in first], np.int64)
        frontier = np.concatenate([state.assign(words, claimed, np.full(claimed.size, NO),
                                                via), frontier])
    while frontier.size:
        table = state.table()
        p = table.words[shape_of[frontier]]
        f = fields[frontier]
        frontier = frontier[(p > 0) & np.where(table.exact[shape_of[frontier]], f == p, f >= p)]
        total = np.cumsum(fields[frontier])
        if total.size == 0 or total[-1] <= THIN:
            frontier = state.thin_level(frontier)
            continue
        # in pieces of about CHUNK words, in order (the first claim still wins): bounded memory
        cuts = np.searchsorted(total, np.arange(CHUNK, int(total[-1]), CHUNK), side="right")
        frontier = np.sort(np.concatenate([state.level(piece)
                                           for piece in np.split(frontier, cuts)]))
    return Named(shape_of, via_of, tuple(shapes.shapes), tuple(vias))


@dataclass(frozen=True)
class _Table:
    """The shapes' claims as flat arrays: shape s's are start[s] .. start[s] + words[s]."""
    start: np.ndarray
    words: np.ndarray
    period: np.ndarray
    exact: np.ndarray
    shape: np.ndarray
    alternative: np.ndarray
    via: np.ndarray


@dataclass
class _State:
    dump: HeapDump
    shapes: Shapes
    vias: dict[str, int]
    fields: np.ndarray
    headed: np.ndarray      # their data starts a word into the slot
    taken: np.ndarray
    shape_of: np.ndarray
    via_of: np.ndarray
    _table: _Table | None = None
    _starts: np.ndarray | None = None

    def resolve(self, words: np.ndarray) -> np.ndarray:
        """dump.resolve with the sorted starts kept (it gathers them on each call)."""
        if self._starts is None:
            self._starts = self.dump.address[self.dump.by_address]
        i = np.searchsorted(self._starts, words, side="right").astype(np.int64) - 1
        obj = self.dump.by_address[np.maximum(i, 0)]
        inside = (i >= 0) & (words < self._starts[np.maximum(i, 0)] + self.dump.size[obj])
        return np.where(inside, obj, -1)

    def thin_level(self, frontier: np.ndarray) -> np.ndarray:
        """One level, word by word: what the array steps do, for a handful of words."""
        dump, shapes = self.dump, self.shapes.shapes
        if self._starts is None:
            self._starts = dump.address[dump.by_address]
        found: list[int] = []
        for obj in frontier.tolist():
            claims = shapes[self.shape_of[obj]].claims
            first = int(dump.indptr[obj])
            for k in range(int(self.fields[obj])):
                c = claims[k % len(claims)]
                shape = c.shape
                if shape < 0:
                    continue
                word = dump.words[first + k]
                i = int(np.searchsorted(self._starts, word, side="right")) - 1
                if i < 0:
                    continue
                target = int(dump.by_address[i])
                if word != self.data_start(target) or self.taken[target]:
                    continue
                size, table = int(dump.size[target]), self.table()
                if c.alternative >= 0 and not (size >= table.period[shape] and
                                               self.fields[target] == table.words[shape]):
                    shape = c.alternative
                if size < table.period[shape]:
                    continue
                self.shape_of[target] = shape
                self.via_of[target] = self.vias.setdefault(c.via, len(self.vias)) \
                    if c.via else NO
                self.taken[target] = True
                found.append(target)
        return np.sort(np.array(found, np.int64))

    def table(self) -> _Table:
        """Built when every shape met so far is walked (again if more were met since)."""
        self.shapes.complete()
        all_ = self.shapes.shapes
        if self._table is None or self._table.words.size != len(all_):
            words = np.array([len(s.claims) for s in all_], np.int64)
            claims = [c for s in all_ for c in s.claims]
            self._table = _Table(
                np.cumsum(words) - words, words,
                np.array([s.period for s in all_], np.int64),
                np.array([s.exact for s in all_], bool),
                np.array([c.shape for c in claims], np.int64),
                np.array([c.alternative for c in claims], np.int64),
                np.array([self.vias.setdefault(c.via, len(self.vias)) if c.via else NO
                          for c in claims], np.int64))
        return self._table

    def data_start(self, objects: np.ndarray | int) -> np.ndarray:
        """Where objects' data start: a pointer to a headed object points past its header."""
        return self.dump.address[objects] + np.where(self.headed[objects], HEADER_WORD,
                                                     0).astype(np.uint64)

    def level(self, frontier: np.ndarray) -> np.ndarray:
        """The claims of frontier's pointer words on their targets, as array steps."""
        table, dump = self.table(), self.dump
        counts = self.fields[frontier]
        starts = dump.indptr[frontier]
        index = np.arange(int(counts.sum()), dtype=np.int64) + \
            np.repeat(starts - (np.cumsum(counts) - counts), counts)
        s = np.repeat(self.shape_of[frontier], counts)
        claim = table.start[s] + (index - np.repeat(starts, counts)) % table.words[s]
        del s, starts
        claimed = table.shape[claim]
        keep = claimed >= 0
        claim, claimed, index = claim[keep], claimed[keep], index[keep]
        return self.assign(dump.words[index], claimed, table.alternative[claim],
                           table.via[claim])

    def assign(self, words: np.ndarray, claimed: np.ndarray, alternative: np.ndarray,
               via: np.ndarray) -> np.ndarray:
        """Names the targets of words (the first claim on each) not named yet; returns
        them."""
        table = self.table()
        target = self.resolve(words)
        ok = target >= 0
        ok[ok] = (words[ok] == self.data_start(target[ok])) & ~self.taken[target[ok]]
        target, claimed, alternative, via = target[ok], claimed[ok], alternative[ok], via[ok]
        size = self.dump.size[target].astype(np.int64)
        fits = (size >= table.period[claimed]) & \
            (self.fields[target] == table.words[claimed])
        claimed = np.where(fits | (alternative < 0), claimed, alternative)
        ok = size >= table.period[claimed]
        target, claimed, via = target[ok], claimed[ok], via[ok]
        target, at = np.unique(target, return_index=True)
        self.shape_of[target] = claimed[at]
        self.via_of[target] = via[at]
        self.taken[target] = True
        return target


def _go_minor(version: str) -> int:
    """21 for "go1.21.3"; 0 when the dump's version does not say."""
    parts = version.removeprefix("go").split(".")
    return int(parts[1]) if len(parts) > 1 and parts[0] == "1" and parts[1].isdigit() else 0


def _global_claims(dump: HeapDump, image: Image,
                   shapes: Shapes) -> list[tuple[int, int, str]]:
    """(word, shape, via) for each data/bss root word whose global has a known type."""
    globals_ = image.global_types
    if not globals_:
        return []
    layouts: dict[int, dict[int, Claim]] = {}
    out = []
    is_global = np.array([r.kind == "global" for r in dump.roots], bool)
    held = is_global[dump.root_of_word] if is_global.size else np.zeros(0, bool)
    for i, word in zip(dump.root_of_word[held].tolist(), dump.root_words[held].tolist()):
        root = dump.roots[i]
        variable = image.variable_at(root.address)
        if variable is None or variable.start not in globals_:
            continue
        if variable.start not in layouts:
            layouts[variable.start] = _layout(shapes, globals_[variable.start], variable.name)
        claim = layouts[variable.start].get(root.address - variable.start)
        if claim is not None and claim.shape >= 0:
            out.append((word, claim.shape, claim.via))
    return out


def _layout(shapes: Shapes, g: GlobalType, name: str) -> dict[int, Claim]:
    """A global's claims by offset."""
    if g.type:
        t = abi.read_type(shapes.image, g.type)
        claims = shapes.words(t, name, 0) if t is not None else None
        return {c.offset: c for c in claims or ()}
    e = abi.read_type(shapes.image, g.elem)
    if e is None or e.size == 0 or g.kind not in (abi.KIND_SLICE, abi.KIND_POINTER):
        return {}
    return {0: Claim(0, shapes.of(e, g.kind == abi.KIND_SLICE), via=name)}
