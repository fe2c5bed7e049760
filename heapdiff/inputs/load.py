"""Open an input, undo gzip, and pick the decoder by content (never by file name).

The only module that touches the file system for input. Everything it cannot read becomes an
InputError naming the file and what is wrong.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

try:  # ISA-L inflates twice as fast as zlib; same API, same results
    from isal import isal_zlib as zlib
except ImportError:  # a platform without isal wheels
    import zlib  # type: ignore[no-redef]  # the same module's API, whichever is imported

from .decode.legacy_text import decode_legacy_heap, looks_like_legacy_heap
from .decode.gctrace import decode_gctrace, looks_like_gctrace
from .decode.memstats import memstats_from_document
from .decode.metrics import looks_like_metrics, metrics_from_dict
from .decode.pprof import decode_pprof
from .decode.procfs import decode_procfs, looks_like_smaps_rollup, looks_like_status
from ..common.errors import InputError
from ..model import GCTrace, MemStats, Metrics, ProcMem, Profile
from ..common.progress import Report, silent

MAX_INPUT_BYTES = 4 << 30
INFLATE_PIECE = 16 << 20
GZIP_MAGIC = b"\x1f\x8b"
KNOWN_BINARIES = {
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"\x7fELF": "an ELF executable (give the profile, not the binary)",
}


def read_input(path: str | Path, progress: Report = silent) -> bytes | bytearray:
    """The file's bytes, gunzipped when they are gzip."""
    source = str(path)
    progress(f"reading {source}")
    try:
        size = Path(path).stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(source, f"too large ({size} bytes; the limit is {MAX_INPUT_BYTES})")
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as exc:
        raise InputError(source, exc.strerror or str(exc)) from None
    return inflated(data, source, progress)


def inflated(data: bytes, source: str, progress: Report = silent) -> bytes | bytearray:
    """data, gunzipped when it is gzip (any input may be)."""
    if data.startswith(GZIP_MAGIC):
        progress(f"inflating {source} ({len(data) >> 20} MiB)")
        return gunzip(data, source)
    return data


def gunzip(data: bytes, source: str) -> bytearray:
    """Every gzip member, decompressed; a truncated or corrupt stream is an error.

    The output goes into one buffer sized from the trailer's ISIZE, in bounded pieces, so a
    100 MB profile costs 100 MB and not twice that while it is inflated."""
    out = bytearray(int.from_bytes(data[-4:], "little") if len(data) >= 4 else 0)
    filled = 0
    rest = data
    while rest[:2] == GZIP_MAGIC:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while not inflater.eof:
                piece = inflater.decompress(rest, INFLATE_PIECE)
                rest = inflater.unconsumed_tail
                if not piece and not rest:
                    raise InputError(source, "truncated gzip data (the file ends mid-stream)")
                out[filled:filled + len(piece)] = piece
                filled += len(piece)
        # isal's stub declares `error: Exception`, an instance; it is the exception class
        except zlib.error as exc:  # type: ignore[misc]
            raise InputError(source, f"corrupt gzip data ({exc})") from None
        rest = inflater.unused_data
    del out[filled:]
    return out


def decode(data: bytes | bytearray, source: str, progress: Report = silent) -> Artifact:
    """Pick the decoder by what the bytes look like."""
    if not re.match(rb"\s*\S", data):
        raise InputError(source, "empty file")
    for magic, what in KNOWN_BINARIES.items():
        if data.startswith(magic):
            raise InputError(source, f"{what}, not a profile")
    head = data[:64]
    if not _is_text(head):
        return decode_pprof(data, source, progress)
    if looks_like_legacy_heap(head):
        return decode_legacy_heap(_text(data, source), source)
    if head.lstrip().startswith((b"{", b"[")):
        return _decode_json(_text(data, source), source)
    if head.lstrip().startswith((b"--- ", b"heap_v2/", b"heapz")):
        raise InputError(source, "a legacy profile format heapdiff does not read")
    if head.startswith(b"Name:") or bytes(data[:512]).split(b"\n", 1)[0].rstrip().endswith(b"[rollup]"):
        text = _text(data, source)
        if looks_like_status(text) or looks_like_smaps_rollup(text):
            return decode_procfs(text, source)
    text = bytes(data[:1 << 16]).decode("utf-8", errors="replace")
    if looks_like_gctrace(text):
        return decode_gctrace(_text(data, source), source)
    raise InputError(source, "text, but not a heap profile, MemStats JSON, runtime/metrics JSON, "
                             "/proc status or smaps_rollup, or a gctrace log")


def _decode_json(text: str, source: str) -> MemStats | Metrics:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(source, f"not valid JSON: {exc}") from None
    if looks_like_metrics(document):
        return metrics_from_dict(document, source)
    return memstats_from_document(document, source)


def _is_text(head: bytes | bytearray) -> bool:
    """UTF-8 without control characters other than white space (a cut last character is fine)."""
    text = bytes(head).decode("utf-8", errors="ignore")
    if len(text.encode()) < len(head) - 3:
        return False
    return not any(ord(c) < 0x20 and c not in "\t\n\r" for c in text)


def _text(data: bytes | bytearray, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, f"text is not UTF-8 (byte {exc.start})") from None


Artifact = Profile | MemStats | Metrics | ProcMem | GCTrace


def load(path: str | Path, progress: Report = silent) -> Artifact:
    return decode(read_input(path, progress), str(path), progress)


def load_profile(path: str | Path, progress: Report = silent) -> Profile:
    artifact = load(path, progress)
    if not isinstance(artifact, Profile):
        raise InputError(str(path), f"{describe(artifact)}, not a profile")
    return artifact


def describe(artifact: Artifact) -> str:
    return {Profile: "a profile", MemStats: "a MemStats snapshot", Metrics: "a runtime/metrics dump",
            ProcMem: "a /proc memory file", GCTrace: "a gctrace log"}[type(artifact)]
