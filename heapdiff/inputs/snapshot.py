"""The artifacts of one moment, whichever the user has: a heap profile, MemStats, the /proc
files, cgroup memory files, runtime/metrics, a gctrace log. Folders are read whole (a capture
round, a sample snapshot, a copy of a cgroup's folder): every file that is an artifact is used,
anything else is passed over. Which artifact fills which field is the input registry's
(kinds.py) to say.

A cgroup's memory files are mostly bare numbers that only their names explain, so the files
named as decode/cgroup.py's FILES are gathered by name (per folder) into one artifact; every
other file is recognised by its content."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from ..common.errors import InputError
from ..common.progress import Report, silent
from ..model import CgroupMem, GCTrace, MemStats, Metrics, ProcMem, Profile, Scrape
from ..retained.dump import HeapDump
from .decode.cgroup import FILES as CGROUP_FILES, bundle
from .kinds import Artifact, kind_of, nouns
from .load import decode, head_kind, read_input, recognise

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    profile: Profile | None = None
    scrape: Scrape | None = None  # before the fields it fills: reports label it as a scrape
    memstats: MemStats | None = None
    memstats_source: str = ""
    status: ProcMem | None = None
    smaps: ProcMem | None = None
    metrics: Metrics | None = None
    cgroup: CgroupMem | None = None
    gctrace: GCTrace | None = None
    heapdump: HeapDump | None = None
    sources: tuple[str, ...] = ()
    used: tuple[tuple[str, str], ...] = ()  # (source, label) of each field filled, in field order
    notes: tuple[str, ...] = ()  # "FILE: what was passed over", from the files used
    # (slot, file) of the artifacts recognised and left unread (load_snapshot's defer): the
    # TUI reads a heap dump when its view asks for it
    deferred: tuple[tuple[str, str], ...] = ()

    @property
    def rss(self) -> int | None:
        """smaps's or smaps_rollup's Rss (exact) or status's VmRSS."""
        for proc in (self.smaps, self.status):
            if proc is not None and proc.rss is not None:
                return proc.rss
        return None

    @property
    def rss_source(self) -> str:
        proc = self.smaps or self.status
        return proc.source if proc is not None and self.rss is not None else ""

    def label(self, source: str) -> str | None:
        """What the file was used as (its kind's label), None when another file was used."""
        return next((label for s, label in self.used if s == source), None)


def load_snapshot(paths: list[str], progress: Report = silent,
                  instance: str | None = None,
                  read: Sequence[tuple[str, Artifact]] = (),
                  defer: frozenset[str] = frozenset()) -> Snapshot:
    """Every given file, and every file in a given folder that is an artifact (a file given by
    name must be one), then the artifacts already `read` (a server's moment): for a field
    both fill at the same rank, the file. Of an artifact holding several processes (a
    scrape), the one `instance` names is used; without it, the only one. A file whose kind
    fills one of the `defer` slots (told by its first bytes) is not read: it is listed in
    the snapshot's `deferred`."""
    left: list[tuple[str, str]] = []

    def deferred(path: Path) -> bool:
        kind = head_kind(path, defer) if defer else None
        if kind is None or kind.slot not in defer:
            return False
        left.append((kind.slot, str(path)))
        return True
    loaded = _each_input(paths, lambda data, source: decode(data, source, progress), progress,
                         deferred)
    loaded += read
    if not loaded and not left:
        raise InputError(", ".join(paths), f"nothing heapdiff reads here ({nouns()})")
    if not loaded:
        return Snapshot(sources=tuple(source for _, source in left), deferred=tuple(left))
    if instance is not None and not any(kind_of(a).choose for _, a in loaded):
        raise InputError(", ".join(paths), f"--instance {instance}: no Prometheus scrape among "
                                           "these inputs")
    snapshot = assemble([(source, _chosen(artifact, instance)) for source, artifact in loaded])
    if left:
        snapshot = dataclasses.replace(snapshot, deferred=tuple(left), sources=(
            *snapshot.sources, *(source for _, source in left)))
    return snapshot


def _chosen(artifact: Artifact, instance: str | None) -> Artifact:
    choose = kind_of(artifact).choose
    return choose(artifact, instance) if choose is not None else artifact


def profile_file(paths: list[str], progress: Report = silent) -> str | None:
    """The file load_snapshot(paths) would take as the heap profile, found by recognising each
    file's kind without decoding it: a command that reads only the profile would otherwise
    decode it twice, once to choose it and once to use it. The choice is assemble's: the
    highest rank, else the first file."""
    best: tuple[int, str] | None = None
    for source, kind in _each_input(paths, lambda data, source: recognise(data, source)[0],
                                    progress):
        if kind.slot == "profile" and (best is None or kind.rank > best[0]):
            best = (kind.rank, source)
    return None if best is None else best[1]


def _each_input(paths: list[str], read: Callable[[bytes | bytearray, str], T],
                progress: Report = silent,
                skip: Callable[[Path], bool] = lambda path: False) -> list[tuple[str, T]]:
    """read() of every given file's bytes, and of every file in a given folder that it can
    read (a folder may hold notes, oracles and the like; a file given by name must be
    readable), but the files skip() takes. The cgroup files of a folder, or given by name in
    one folder, are read as one input, named FOLDER/memory.*, where the first of them would
    be."""
    out: list[tuple[str, T]] = []
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        path = Path(p)
        if not path.is_dir():
            if path.name in CGROUP_FILES:
                _gather(groups, path, out, read, progress, given=True)
            elif not skip(path):
                out.append((str(path), read(read_input(path, progress), str(path))))
            continue
        for f in sorted(path.iterdir()):
            if not f.is_file():
                continue
            try:
                if f.name in CGROUP_FILES:
                    _gather(groups, f, out, read, progress, given=False)
                elif not skip(f):
                    out.append((str(f), read(read_input(f, progress), str(f))))
            except InputError:
                pass
    return out


def _gather(groups: dict[Path, list[Path]], path: Path, out: list, read: Callable,
            progress: Report, given: bool) -> None:
    """Add path to its folder's cgroup input, which is (re)read with every file added: each
    file is tiny. In a folder a group that does not read is passed over, as a file would be."""
    folder = path.parent
    source = str(folder / "memory.*")
    group = groups.setdefault(folder, [])
    group.append(path)
    try:
        value = read(bundle([(str(f), read_input(f, progress)) for f in group]), source)
    except InputError:
        group.pop()
        if given:
            raise
        return
    for i, (s, _) in enumerate(out):
        if s == source:
            out[i] = (source, value)
            return
    out.append((source, value))


@dataclass(frozen=True)
class _Candidate:
    value: object
    source: str
    rank: int
    label: str


def assemble(loaded: list[tuple[str, Artifact]]) -> Snapshot:
    """One artifact per Snapshot field, as each registered kind contributes: a protobuf profile
    over a debug=1 one, MemStats JSON over a debug=1 trailer, else the first file. An artifact
    of no registered kind raises TypeError."""
    chosen: dict[str, _Candidate] = {}
    notes: list[str] = []
    for source, artifact in loaded:
        notes += [f"{source}: {note}" for note in getattr(artifact, "notes", ())]
        kind = kind_of(artifact)
        offers = [(kind.slot, artifact, kind.label)]
        offers += [(also.slot, also.take(artifact), also.label) for also in kind.also]
        for slot, value, label in offers:
            current = chosen.get(slot)
            if value is not None and (current is None or kind.rank > current.rank):
                chosen[slot] = _Candidate(value, source, kind.rank, label)
    fields: dict[str, Any] = {slot: c.value for slot, c in chosen.items()}  # Snapshot's, by name
    if "memstats" in chosen:
        fields["memstats_source"] = chosen["memstats"].source
    used = tuple((chosen[f.name].source, chosen[f.name].label)
                 for f in dataclasses.fields(Snapshot) if f.name in chosen)
    return Snapshot(sources=tuple(source for source, _ in loaded), used=used,
                    notes=tuple(notes), **fields)
