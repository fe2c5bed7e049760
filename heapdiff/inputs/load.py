"""Open an input, undo gzip, and pick the decoder by content (never by file name).

The only module that touches the file system for input. Everything it cannot read becomes an
InputError naming the file and what is wrong.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

try:  # ISA-L inflates twice as fast as zlib; same API, same results
    from isal import isal_zlib as zlib
except ImportError:  # a platform without isal wheels
    import zlib  # type: ignore[no-redef]  # the same module's API, whichever is imported

from ..common.errors import InputError
from ..common.malloc import LARGE_INPUT, fix_mmap_threshold
from ..common.progress import Report, silent
from ..model import Profile
from ..retained.dump import HeapDump
from .kinds import KINDS, Artifact, InputBytes, Kind, kind_of, text_kinds_named
from .limits import InflateLimit, inflate_limit, input_limit

INFLATE_PIECE = 1 << 20
SNIFF_BYTES = 4096  # enough of a file to tell its kind (InputBytes.head is 64)
GZIP_MAGIC = b"\x1f\x8b"
KNOWN_BINARIES = {
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"\x7fELF": "an ELF executable (give the profile, not the binary)",
}
REFUSED_TEXT = (b"--- ", b"heap_v2/", b"heapz")  # older profile formats, named as such


# What a path that is not a regular file is, by its mode: refused by name, never opened for
# reading (a FIFO would block, /dev/zero never ends).
NOT_FILES = (
    (stat.S_ISDIR, "is a directory, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "is a character device, not a file"),
    (stat.S_ISBLK, "is a block device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


def read_input(path: str | Path, progress: Report = silent) -> bytes | bytearray:
    """The file's bytes, gunzipped when they are gzip. Only a regular file is read, and only
    when its size is within the limit, checked before reading."""
    source = str(path)
    progress(f"reading {source}")
    try:
        _check_regular(os.stat(path), source)
        # O_NONBLOCK: a FIFO swapped in after the check still cannot block the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with open(fd, "rb") as f:
            status = os.fstat(f.fileno())
            _check_regular(status, source)
            if status.st_size >= LARGE_INPUT:
                fix_mmap_threshold()
            data = f.read()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as exc:
        raise InputError(source, exc.strerror or str(exc)) from None
    return inflated(data, source, progress)


def _check_regular(status: os.stat_result, source: str) -> None:
    for is_kind, message in NOT_FILES:
        if is_kind(status.st_mode):
            raise InputError(source, message)
    if not stat.S_ISREG(status.st_mode):
        raise InputError(source, "not a regular file")
    limit = input_limit()
    if status.st_size > limit.bytes:
        raise InputError(source, limit.too_large(status.st_size))


def inflated(data: bytes, source: str, progress: Report = silent) -> bytes | bytearray:
    """data, gunzipped when it is gzip (any input may be); gzip inside gzip is refused, as
    pprof refuses it, rather than read as a corrupt profile."""
    if data.startswith(GZIP_MAGIC):
        progress(f"inflating {source} ({len(data) >> 20} MiB)")
        out = gunzip(data, source)
        if out.startswith(GZIP_MAGIC):
            raise InputError(source, "gzip inside gzip: gunzip it once and give the inner file")
        return out
    return data


def gunzip(data: bytes, source: str, limit: InflateLimit | None = None) -> bytearray:
    """Every gzip member, decompressed; a truncated or corrupt stream is an error, and so is
    output past the inflate limit (limits.py), found before it is allocated.

    The output goes into one buffer sized from the trailer's ISIZE, in bounded pieces, so a
    100 MB profile costs 100 MB and not twice that while it is inflated. ISIZE is anyone's
    to write: it sizes the buffer only up to the limit. The input goes in by slices and the
    output comes in pieces of INFLATE_PIECE: zlib copies what a call leaves unconsumed, and
    glibc keeps large freed blocks as heap (its mmap threshold rises to the largest block
    freed), so pieces the size of the data would stay resident long after the inflate."""
    limit = limit or inflate_limit(len(data))
    isize = int.from_bytes(data[-4:], "little") if len(data) >= 4 else 0
    out = bytearray(min(isize, limit.initial))
    filled = 0
    view = memoryview(data)
    pos = 0  # where the next member starts
    while data[pos:pos + 2] == GZIP_MAGIC:
        inflater = zlib.decompressobj(wbits=31)
        fed = pos  # input given to the inflater so far ends here
        pending: bytes | memoryview = b""
        try:
            while not inflater.eof:
                if not pending:
                    if fed == len(data):
                        raise InputError(source, "truncated gzip data (it ends mid-stream)")
                    pending = view[fed:fed + INFLATE_PIECE]
                    fed += len(pending)
                piece = inflater.decompress(pending, min(INFLATE_PIECE, limit.bytes - filled + 1))
                pending = inflater.unconsumed_tail
                if filled + len(piece) > limit.bytes:
                    raise InputError(source, limit.exceeded)
                out[filled:filled + len(piece)] = piece
                filled += len(piece)
        # isal's stub declares `error: Exception`, an instance; it is the exception class
        except zlib.error as exc:  # type: ignore[misc]
            raise InputError(source, f"corrupt gzip data ({exc})") from None
        pos = fed - len(pending) - len(inflater.unused_data)
    del out[filled:]
    return out


def decode(data: bytes | bytearray, source: str, progress: Report = silent) -> Artifact:
    """Pick the decoder by what the bytes look like: the first registered kind that knows them."""
    kind, seen = recognise(data, source)
    return kind.decode(seen, progress)


def recognise(data: bytes | bytearray, source: str) -> tuple[Kind, InputBytes]:
    """The registered kind the bytes look like, without decoding them."""
    if not re.match(rb"\s*\S", data):
        raise InputError(source, "empty file")
    for magic, what in KNOWN_BINARIES.items():
        if data.startswith(magic):
            raise InputError(source, f"{what}, not a profile")
    seen = InputBytes(data, source)
    if seen.is_text and seen.head.lstrip().startswith(REFUSED_TEXT):
        raise InputError(source, "a legacy profile format heapdiff does not read")
    for kind in KINDS:
        if kind.sniff(seen):
            return kind, seen
    raise InputError(source, f"text, but not {text_kinds_named()}")


def looks_like_profile(path: str | Path) -> bool:
    """Whether a regular file's first bytes (gunzipped) are a heap profile's, pprof or debug=1
    text, without reading or decoding the rest: what tells `BASE NEW` from one moment's
    artifacts. Anything unreadable is not: its reader says why when it is read."""
    kind = head_kind(path, {kind.slot for kind in KINDS if kind.model is Profile})
    return kind is not None and kind.model is Profile


def head_kind(path: str | Path, slots: set[str] | frozenset[str]) -> Kind | None:
    """The kind recognise() would pick for the file from its first bytes (gunzipped), asked
    of the kinds up to the last filling one of `slots` (a heap dump's header also passes the
    pprof sniff; the JSON kinds' sniffs need whole files); None when none of those, or the
    file cannot be read (its reader says why when it is read)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
        if head.startswith(GZIP_MAGIC):
            head = zlib.decompressobj(wbits=31).decompress(head, SNIFF_BYTES)
    except (OSError, zlib.error):  # type: ignore[misc]  # isal's stub: see gunzip
        return None
    if not re.match(rb"\s*\S", head) or head.startswith(tuple(KNOWN_BINARIES)):
        return None
    seen = InputBytes(head, str(path))
    last = max((i for i, kind in enumerate(KINDS) if kind.slot in slots), default=-1)
    return next((kind for kind in KINDS[:last + 1] if kind.sniff(seen)), None)


def load(path: str | Path, progress: Report = silent) -> Artifact:
    return decode(read_input(path, progress), str(path), progress)


def load_profile(path: str | Path, progress: Report = silent) -> Profile:
    artifact = load(path, progress)
    if not isinstance(artifact, Profile):
        raise InputError(str(path), f"{describe(artifact)}, not a profile")
    return artifact


def load_heapdump(path: str | Path, progress: Report = silent) -> HeapDump:
    artifact = load(path, progress)
    if not isinstance(artifact, HeapDump):
        raise InputError(str(path), f"{describe(artifact)}, not a Go heap dump")
    return artifact


def describe(artifact: Artifact) -> str:
    return kind_of(artifact).noun
