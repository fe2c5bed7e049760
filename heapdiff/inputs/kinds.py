"""The registry of input kinds: one row per kind of artifact heapdiff reads.

A row says how to recognise the kind's bytes, how to decode them, what model value that makes,
what reports call the file, what `heapdiff capture` names it, and which field of a Snapshot it
fills. Loading, describing, choosing a snapshot's artifacts, labelling a report's inputs and
capture's file names all read this table, so a new kind is registered here or nowhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

from ..common.errors import InputError
from ..common.progress import Report
from ..model import CgroupMem, GCTrace, MemStats, Metrics, ProcMem, Profile, Scrape
from .decode.cgroup import decode_cgroup, looks_like_cgroup
from ..retained.dump import HeapDump, looks_like_heapdump
from .decode.gctrace import decode_gctrace, looks_like_gctrace
from .decode.legacy_text import decode_legacy_heap, looks_like_legacy_heap
from .decode.memstats import memstats_from_document
from .decode.metrics import looks_like_metrics, metrics_from_dict
from .decode.numbers import json_document
from .decode.pprof import decode_pprof
from .decode.procfs import decode_procfs, looks_like_smaps_rollup, looks_like_status
from .decode.scrape import decode_scrape, looks_like_scrape
from .decode.smaps import decode_smaps, looks_like_smaps

Artifact = Profile | MemStats | Metrics | ProcMem | CgroupMem | GCTrace | Scrape | HeapDump


class InputBytes:
    """One input's bytes (gunzipped) and the views of them sniffers look at, each made once:
    a JSON document is parsed once whether a sniffer or a decoder asks for it."""

    def __init__(self, data: bytes | bytearray, source: str):
        self.data = data
        self.source = source
        self.head = data[:64]

    @cached_property
    def is_text(self) -> bool:
        """UTF-8 without control characters other than white space (a cut last character is
        fine)."""
        text = bytes(self.head).decode("utf-8", errors="ignore")
        if len(text.encode()) < len(self.head) - 3:
            return False
        return not any(ord(c) < 0x20 and c not in "\t\n\r" for c in text)

    @cached_property
    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(self.source, f"text is not UTF-8 (byte {exc.start})") from None

    @cached_property
    def opening(self) -> str:
        """The first 64 KiB as text, undecodable bytes replaced: enough to recognise a log."""
        return bytes(self.data[:1 << 16]).decode("utf-8", errors="replace")

    @cached_property
    def first_line(self) -> bytes:
        return bytes(self.data[:512]).split(b"\n", 1)[0].rstrip()

    @cached_property
    def is_json(self) -> bool:
        return self.head.lstrip().startswith((b"{", b"["))

    @cached_property
    def document(self) -> Any:
        return json_document(self.text, self.source)


@dataclass(frozen=True)
class Also:
    """Something else an artifact of a kind carries into a snapshot (a debug=1 profile's
    MemStats trailer), at its kind's precedence."""
    slot: str                          # the Snapshot field it fills
    take: Callable[[Any], Any]         # the value, or None when this artifact has none
    label: str                         # what a report calls the file when only this was used


@dataclass(frozen=True)
class Kind:
    name: str
    label: str                         # what a report calls such a file
    noun: str                          # describe(): "a profile" in "a profile, not ..."
    text_name: str                     # in "text, but not ...": how a user knows it ("": binary)
    model: type
    form: tuple[str, str] | None       # (field, value) telling it from a kind of the same model
    sniff: Callable[[InputBytes], bool]
    decode: Callable[[InputBytes, Report], Artifact]
    file: str                          # its file name in a capture round or snapshot folder
    slot: str                          # the Snapshot field it fills
    rank: int = 0                      # within a slot the higher rank wins, else the first file
    also: tuple[Also, ...] = ()
    # an artifact holding several processes: the one --instance names (None: the only one)
    choose: Callable[[Any, str | None], Any] | None = None

    def owns(self, artifact: object) -> bool:
        return isinstance(artifact, self.model) and (
            self.form is None or getattr(artifact, self.form[0]) == self.form[1])


def _heapdump(p: InputBytes, progress: Report) -> HeapDump:
    """The dump decoder, imported when a dump is read (it needs numpy and the kernel)."""
    from .decode.heapdump import decode_heapdump
    progress(f"framing the heap dump {p.source}")
    return decode_heapdump(p.data, p.source)


# In sniffing order: the first kind whose sniff accepts the bytes decodes them.
KINDS: tuple[Kind, ...] = (
    # before pprof, which takes any binary: a dump's header is its own
    Kind(name="heapdump", label="Go heap dump", noun="a Go heap dump", text_name="",
         model=HeapDump, form=None,
         sniff=lambda p: looks_like_heapdump(p.head),
         decode=lambda p, progress: _heapdump(p, progress),
         file="heap.heapdump", slot="heapdump"),
    Kind(name="pprof", label="heap profile", noun="a profile", text_name="",
         model=Profile, form=("format", "pprof"),
         sniff=lambda p: not p.is_text,
         decode=lambda p, progress: decode_pprof(p.data, p.source, progress),
         file="heap.pb.gz", slot="profile", rank=1),
    Kind(name="legacy_text", label="heap profile (debug=1 text)", noun="a profile",
         text_name="a heap profile", model=Profile, form=("format", "legacy-text"),
         sniff=lambda p: looks_like_legacy_heap(p.head),
         decode=lambda p, progress: decode_legacy_heap(p.text, p.source),
         file="heap.txt", slot="profile",
         also=(Also("memstats", lambda profile: profile.memstats, "MemStats"),)),
    Kind(name="memstats", label="MemStats", noun="a MemStats snapshot",
         text_name="MemStats JSON", model=MemStats, form=None,
         sniff=lambda p: p.is_json and not looks_like_metrics(p.document),
         decode=lambda p, progress: memstats_from_document(p.document, p.source),
         file="vars.json", slot="memstats", rank=1),
    Kind(name="metrics", label="runtime/metrics", noun="a runtime/metrics dump",
         text_name="runtime/metrics JSON", model=Metrics, form=None,
         sniff=lambda p: p.is_json and looks_like_metrics(p.document),
         decode=lambda p, progress: metrics_from_dict(p.document, p.source),
         file="metrics.json", slot="metrics"),
    Kind(name="status", label="/proc status", noun="a /proc memory file",
         text_name="/proc status", model=ProcMem, form=("kind", "status"),
         sniff=lambda p: p.head.startswith(b"Name:") and looks_like_status(p.text),
         decode=lambda p, progress: decode_procfs(p.text, p.source),
         file="status.txt", slot="status"),
    Kind(name="smaps_rollup", label="/proc smaps_rollup", noun="a /proc memory file",
         text_name="smaps_rollup", model=ProcMem, form=("kind", "smaps_rollup"),
         sniff=lambda p: p.first_line.endswith(b"[rollup]") and looks_like_smaps_rollup(p.text),
         decode=lambda p, progress: decode_procfs(p.text, p.source),
         file="smaps_rollup.txt", slot="smaps"),
    # the full smaps's Rss and split win over a rollup of the same process
    Kind(name="smaps", label="/proc smaps", noun="a /proc memory file", text_name="smaps",
         model=ProcMem, form=("kind", "smaps"),
         sniff=lambda p: p.is_text and looks_like_smaps(p.opening),
         decode=lambda p, progress: decode_smaps(p.text, p.source),
         file="smaps.txt", slot="smaps", rank=1),
    Kind(name="cgroup", label="cgroup memory", noun="cgroup memory files",
         text_name="cgroup memory files", model=CgroupMem, form=None,
         sniff=lambda p: p.is_text and looks_like_cgroup(p.opening),
         decode=lambda p, progress: decode_cgroup(p.text, p.source),
         file="cgroup.txt", slot="cgroup"),
    Kind(name="gctrace", label="gctrace log", noun="a gctrace log", text_name="a gctrace log",
         model=GCTrace, form=None,
         sniff=lambda p: looks_like_gctrace(p.opening),
         decode=lambda p, progress: decode_gctrace(p.text, p.source),
         file="gctrace.log", slot="gctrace"),
    # Ranked below every file of its slots: a MemStats JSON or /proc file given beside the
    # scrape is the more direct reading.
    Kind(name="scrape", label="Prometheus scrape", noun="a Prometheus scrape",
         text_name="a Prometheus scrape", model=Scrape, form=None,
         sniff=lambda p: p.is_text and looks_like_scrape(p.opening),
         decode=lambda p, progress: decode_scrape(p.data, p.source),
         file="metrics.prom", slot="scrape", rank=-1,
         also=(Also("memstats", lambda s: s.only.memstats, "MemStats (Prometheus scrape)"),
               Also("metrics", lambda s: s.only.metrics, "runtime/metrics (Prometheus scrape)"),
               Also("status", lambda s: s.only.proc, "RSS (Prometheus scrape)")),
         choose=lambda s, instance: s.chosen(instance)),
)
BY_NAME = {k.name: k for k in KINDS}


def kind_of(artifact: object) -> Kind:
    """The registered kind of a decoded artifact; anything else is a programming error."""
    for kind in KINDS:
        if kind.owns(artifact):
            return kind
    raise TypeError(f"{type(artifact).__name__} is not a registered input kind")


def nouns() -> str:
    """Every kind's noun, once: "a profile, a MemStats snapshot, ... or a gctrace log"."""
    unique = list(dict.fromkeys(kind.noun for kind in KINDS))
    return ", ".join(unique[:-1]) + " or " + unique[-1]


def text_kinds_named() -> str:
    """The text kinds as a user names them, kinds of one model joined by "or":
    "a heap profile, MemStats JSON, ..., /proc status or smaps_rollup, or a gctrace log"."""
    groups: dict[type, list[str]] = {}
    for kind in KINDS:
        if kind.text_name:
            groups.setdefault(kind.model, []).append(kind.text_name)
    names = [" or ".join(group) for group in groups.values()]
    return ", ".join(names[:-1]) + ", or " + names[-1]
