"""A capture folder and its manifest: what `heapdiff capture` wrote, round by round.

Layout (every file and the manifest are written to a temporary name, then renamed):

    DIR/manifest.json
    DIR/round-0001-20261122T061500Z/heap.pb.gz       /debug/pprof/heap
    DIR/round-0001-20261122T061500Z/heap.txt         /debug/pprof/heap?debug=1
    DIR/round-0001-20261122T061500Z/vars.json        /debug/vars
    DIR/round-0001-20261122T061500Z/status.txt       /proc/PID/status      (--pid)
    DIR/round-0001-20261122T061500Z/smaps_rollup.txt /proc/PID/smaps_rollup (--pid)
    DIR/round-0001-20261122T061500Z/smaps.txt        /proc/PID/smaps        (--pid)
    DIR/round-0001-20261122T061500Z/cgroup.txt       the memory files of the cgroup in
                                                     /proc/PID/cgroup       (--pid)
    DIR/round-0001-20261122T061500Z/heap.heapdump    the service's heap dump (--heapdump
                                                     PATH; not in the round's snapshot)

A round's folder is a snapshot folder like any other (`load_snapshot` reads it whole). The
manifest is rewritten after each round, so a run killed at any point leaves a valid manifest
listing every completed round; a round folder still being written has a dot-name and is
never listed.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..common.errors import InputError
from ..common.output import write_atomic
from ..inputs.load import read_input
from .endpoints import ENDPOINTS
from .schema import checked_manifest

MANIFEST = "manifest.json"
FORMAT = "heapdiff-capture"
VERSION = 1

# artifact name -> file name inside a round folder (the endpoint's input kind's file name)
ARTIFACT_FILES = {e.name: e.file for e in ENDPOINTS}
# the artifacts that are heap profiles, the one a snapshot prefers first
PROFILE_ARTIFACTS = tuple(e.name for e in sorted(ENDPOINTS, key=lambda e: -e.kind.rank)
                          if e.kind.slot == "profile")
# the artifacts a round's snapshot leaves out (the heap dump: only `retained` reads it)
NOT_SNAPSHOT = frozenset(e.name for e in ENDPOINTS if e.opt_in)


@dataclass(frozen=True)
class Artifact:
    """One fetch of one round: where from, and the file it made or why it failed."""
    name: str                 # a key of ARTIFACT_FILES
    source: str               # URL or /proc path
    ok: bool
    file: str | None = None   # file name inside the round folder, when ok
    bytes: int = 0
    seconds: float = 0.0      # how long the fetch took
    error: str | None = None  # one line, when not ok


@dataclass(frozen=True)
class Round:
    round: int                # 1, 2, ...
    dir: str                  # folder name inside the capture folder
    time: str                 # ISO 8601 UTC of the round's start, e.g. 2026-11-22T06:15:00.123Z
    unix: float               # the same instant, seconds since the epoch
    artifacts: tuple[Artifact, ...] = ()

    def artifact(self, name: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.name == name), None)

    def has(self, name: str) -> bool:
        found = self.artifact(name)
        return found is not None and found.ok

    @property
    def has_profile(self) -> bool:
        return any(self.has(name) for name in PROFILE_ARTIFACTS)


@dataclass(frozen=True)
class Manifest:
    url: str
    started: str
    state: str                # running | complete | interrupted | failed
    every_seconds: float
    gc: bool = False          # whether each round forced a GC first (?gc=1)
    pid: int | None = None
    heapdump: str | None = None  # the heap-dump handler's path, when each round fetched one
    finished: str | None = None
    rounds: tuple[Round, ...] = ()
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1) + "\n"


@dataclass(frozen=True)
class Capture:
    """A capture folder as read back: its path and manifest."""
    path: Path
    manifest: Manifest = field(repr=False)

    def round_path(self, r: Round) -> Path:
        return self.path / r.dir

    def round_files(self, r: Round) -> list[str]:
        """The files of round r that were fetched successfully, less the debug=1 profile when
        the protobuf one and /debug/vars both came: it is fetched for its MemStats trailer,
        and decoding a second copy of the profile would double the load for nothing. The
        heap dump is left out: decoding it costs as much as the heap, and `retained` reads
        it by name."""
        redundant = {"heap_text"} if r.has("heap") and r.has("vars") else set()
        redundant |= NOT_SNAPSHOT
        return [str(self.path / r.dir / a.file) for a in r.artifacts
                if a.ok and a.file and a.name not in redundant]

    @property
    def profile_rounds(self) -> tuple[Round, ...]:
        return tuple(r for r in self.manifest.rounds if r.has_profile)

    def profile_file(self, r: Round) -> str:
        """The round's protobuf profile, else its debug=1 one."""
        for name in PROFILE_ARTIFACTS:
            a = r.artifact(name)
            if a is not None and a.ok and a.file:
                return str(self.path / r.dir / a.file)
        raise InputError(str(self.path / r.dir), "this round has no heap profile")


def is_capture(path: str | Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


def read_capture(path: str | Path) -> Capture:
    folder = Path(path)
    source = str(folder / MANIFEST)
    # read as any input is: only a regular file within the size limit (a manifest replaced by a
    # FIFO, a device or a huge sparse file must not block or fill memory)
    data = read_input(folder / MANIFEST)
    try:
        raw = json.loads(data)
    except ValueError as exc:  # UnicodeDecodeError too
        raise InputError(source, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(source, "not valid JSON: nested too deeply") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InputError(source, "not a heapdiff capture manifest")
    if (version := raw.get("version")) != VERSION:
        shown = repr(version) if isinstance(version, (int, str)) else "of the wrong type"
        raise InputError(source, f"capture format version {shown}; this heapdiff reads "
                                 f"version {VERSION}")
    checked_manifest(raw, source)
    rounds = tuple(
        Round(**{**r, "artifacts": tuple(Artifact(**a) for a in r.get("artifacts", ()))})
        for r in raw.get("rounds", ()))
    for r in rounds:
        inside(folder, r.dir, source)
        for a in r.artifacts:
            if a.ok and a.file:
                inside(folder, f"{r.dir}/{a.file}", source)
    return Capture(folder, Manifest(**{**raw, "rounds": rounds}))


def inside(folder: Path, name: str, source: str) -> None:
    """A plain name may still be a symbolic link out of a shared folder: refuse that too."""
    try:
        outside = not (folder / name).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise InputError(source, f"cannot resolve {name!r}: {exc}") from None
    if outside:
        raise InputError(source, f"{name!r} is a link out of the capture folder")


def write_manifest(folder: Path, manifest: Manifest) -> None:
    write_atomic(folder / MANIFEST, manifest.to_json().encode())
