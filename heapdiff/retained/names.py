"""Names for a dump's objects and roots, from what the dump says and, with --binary, the
binary's symbol table and type descriptors.

An object is named, in this order of preference, by its type (the malloc header's type
pointer: pointer-bearing objects of 512 B < slot <= 32 KiB since Go 1.22, named by the dump's
type records or the binary's descriptors), by a typed parent's field (with the binary: the
type the field implies, fields.py), by its allocation site (sampled objects: the dump's
memprof records), else by its size class; every name says which. A global is named by
the binary's symbol holding its address, else by its segment and address."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.errors import InputError
from ..retainers.binary.image import Image
from ..retainers.binary.types import read_type
from .dominators import distinct
from .dump import HeapDump, Root, Site
from .fields import name_by_fields

HEADER_MIN, HEADER_MAX = 512, 32 << 10   # slots with a malloc header: (512, 32 KiB]
HEADER_WORD = 8
# Leading frames of a memprof stack that are the allocator, not the site (as pprof hides them).
ALLOCATOR_PREFIXES = ("runtime.", "internal/runtime/")
NONE = -1


@dataclass(frozen=True)
class ObjectNames:
    """Per object, an index into `types` and into `sites` (-1: none), and where a parent's
    field gave the type, an index into `fields` (the field, e.g. "main.Entry.body")."""
    type_of: np.ndarray     # int64
    site_of: np.ndarray     # int64
    types: tuple[str, ...]
    sites: tuple[str, ...]
    field_of: np.ndarray | None = None  # int64; None: no object is named by a field
    fields: tuple[str, ...] = ()

    def label(self, obj: int, size: int) -> tuple[str, str]:
        """(what named it, the name): "type", "field", "site" or "size class"."""
        if self.type_of[obj] >= 0:
            return self.named_by(obj), self.types[self.type_of[obj]]
        if self.site_of[obj] >= 0:
            return "site", self.sites[self.site_of[obj]]
        return "size class", size_class(size)


    def named_by(self, obj: int) -> str:
        """What gave an object with a type its type: "type" (its header) or "field"."""
        return "field" if self.field(obj) is not None else "type"

    def field(self, obj: int) -> str | None:
        """The parent's field (or global) that named the object, if one did."""
        if self.field_of is None or self.field_of[obj] < 0:
            return None
        return self.fields[self.field_of[obj]]


def size_class(size: int) -> str:
    return f"{size} B object"


def check_binary(dump: HeapDump, image: Image) -> None:
    """The dump must come from this binary: its data and bss segments where the binary's are,
    and every frame's function where the binary has it (a dump carries no build id)."""
    problems = []
    if dump.goarch != "amd64":
        problems.append(f"the dump is from {dump.goarch}, the binary is amd64")
    for segment, (start, size), first, last in (
            ("data", dump.data_segment, "runtime.data", "runtime.edata"),
            ("bss", dump.bss_segment, "runtime.bss", "runtime.ebss")):
        want = (image.named.get(first), image.named.get(last))
        if size and want != (start, start + size):
            problems.append(f"its {segment} segment is not at 0x{start:x}-0x{start + size:x}")
    for entry, function in dump.frame_entries:
        found = image.function_at(entry)
        # assembly functions' symbols carry their ABI (runtime.systemstack_switch.abi0)
        if found is None or found.start != entry or \
                found.name.removesuffix(".abi0") != function:
            problems.append(f"no function {function} at 0x{entry:x}")
            break
    if problems:
        raise InputError(image.source, "not the binary that wrote "
                                       f"{dump.source}: {problems[0]}")


def headed_objects(dump: HeapDump, image: Image | None) -> np.ndarray:
    """Which objects start with a malloc header (their first word: a type pointer)."""
    fields = np.diff(dump.indptr)
    headed = (dump.size > HEADER_MIN) & (dump.size <= HEADER_MAX) & (fields > 0)
    if headed.any():
        # a 32 KiB slot may be a large object (no header): a type pointer never points into
        # the heap, and with the binary it points into its type section
        at = np.flatnonzero(headed)
        word = dump.first_word[at]
        plausible = (word != 0) & (dump.resolve(word) < 0)
        if image is not None:
            plausible &= np.array([image.is_type(int(w)) for w in word.tolist()], bool)
        headed[at[~plausible]] = False
    return headed


def object_names(dump: HeapDump, image: Image | None) -> ObjectNames:
    n = dump.objects
    headed = headed_objects(dump, image)
    type_of = np.full(n, NONE, np.int64)
    types: list[str] = []
    if headed.any():
        # a slot holding two or more of its type is an array (a slice's backing array):
        # each type twice, as T and []T
        pointers, inverse = distinct(dump.first_word[headed])
        named = [_type_name(dump, image, int(p)) for p in pointers.tolist()]
        types = [t for name, _ in named for t in (name, f"[]{name}")]
        element = np.array([size for _, size in named], np.uint64)[inverse.reshape(-1)]
        array = (element > 0) & (dump.size[headed] - HEADER_WORD >= 2 * element)
        type_of[headed] = 2 * inverse.reshape(-1) + array
    site_of = np.full(n, NONE, np.int64)
    sites: list[str] = []
    if dump.samples:
        addresses = np.fromiter(dump.samples.keys(), np.uint64, len(dump.samples))
        buckets = list(dump.samples.values())
        objects = dump.resolve(addresses)
        index: dict[str, int] = {}
        for obj, bucket in zip(objects.tolist(), buckets):
            site = dump.sites.get(bucket)
            if obj >= 0 and site is not None:
                site_of[obj] = index.setdefault(site_name(site), len(index))
        sites = list(index)
    if image is None:
        return ObjectNames(type_of, site_of, tuple(types), tuple(sites))
    field_of, field_names = _by_fields(dump, image, headed, type_of, types)
    return ObjectNames(type_of, site_of, tuple(types), tuple(sites), field_of, field_names)


def _by_fields(dump: HeapDump, image: Image, headed: np.ndarray, type_of: np.ndarray,
               types: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Types the objects no header types by their typed parents' fields (type_of and types
    extended in place); each object's field, and the fields."""
    named = name_by_fields(dump, image, headed)
    by_field = np.flatnonzero((named.via_of >= 0) & (type_of < 0))
    index: dict[str, int] = {}
    for i, name in enumerate(types):
        index.setdefault(name, i)
    shape_names = []
    for name in (n for s in named.shapes for n in (s.name, s.plural or s.name)):
        if name not in index:
            index[name] = len(types)
            types.append(name)
        shape_names.append(index[name])
    shape = named.shape_of[by_field]
    period = np.array([s.period for s in named.shapes], np.int64)[shape]
    plural = dump.size[by_field].astype(np.int64) >= 2 * period
    type_of[by_field] = np.array(shape_names, np.int64)[2 * shape + plural]
    field_of = np.full(dump.objects, NONE, np.int64)
    field_of[by_field] = named.via_of[by_field]
    return field_of, named.vias


def _type_name(dump: HeapDump, image: Image | None, pointer: int) -> tuple[str, int]:
    """A type descriptor's name and size (0: unknown)."""
    if image is not None:
        found = read_type(image, pointer)
        if found is not None:
            return found.name, found.size
    if pointer in dump.types:
        return dump.types[pointer]
    return f"type 0x{pointer:x}", 0


def site_name(site: Site) -> str:
    """The allocating function and line: the first frame past the allocator's own."""
    frames = [f for f in site.frames if not f[0].startswith(ALLOCATOR_PREFIXES)] or \
        list(site.frames)
    if not frames:
        return "(no stack)"
    function, file, line = frames[0]
    return f"{function} {file.rsplit('/', 1)[-1]}:{line}"


def root_name(root: Root, image: Image | None) -> str:
    """A root's name, the same in two dumps of one binary (addresses aside: a global's)."""
    if root.kind == "global":
        variable = image.variable_at(root.address) if image is not None else None
        if variable is not None:
            return variable.name
        return f"{root.segment} 0x{root.address:x}"
    if root.kind == "finalizer" and image is not None:
        function = image.function_at(root.function)
        if function is not None:
            return function.name
    return root.name
