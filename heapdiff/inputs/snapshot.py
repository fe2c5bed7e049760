"""The artifacts of one moment, whichever the user has: a heap profile, MemStats, the /proc
files, runtime/metrics, a gctrace log. Folders are read whole (a capture round, a sample
snapshot): every file that is an artifact is used, anything else is passed over."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..common.errors import InputError
from .load import load
from ..model import GCTrace, MemStats, Metrics, ProcMem, Profile
from ..common.progress import Report, silent


@dataclass(frozen=True)
class Snapshot:
    profile: Profile | None = None
    memstats: MemStats | None = None
    memstats_source: str = ""
    status: ProcMem | None = None
    smaps: ProcMem | None = None
    metrics: Metrics | None = None
    gctrace: GCTrace | None = None
    sources: tuple[str, ...] = ()
    passed_over: tuple[str, ...] = field(default=())

    @property
    def rss(self) -> int | None:
        """smaps_rollup's Rss (exact) or status's VmRSS."""
        for proc in (self.smaps, self.status):
            if proc is not None and proc.rss is not None:
                return proc.rss
        return None

    @property
    def rss_source(self) -> str:
        proc = self.smaps or self.status
        return proc.source if proc is not None and self.rss is not None else ""


def load_snapshot(paths: list[str], progress: Report = silent) -> Snapshot:
    files: list[tuple[Path, bool]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += [(f, True) for f in sorted(path.iterdir()) if f.is_file()]
        else:
            files.append((path, False))
    chosen: dict[str, Any] = {}  # Snapshot's fields by name
    sources, passed_over = [], []
    for path, from_folder in files:
        try:
            artifact = load(path, progress)
        except InputError:
            if not from_folder:
                raise
            passed_over.append(str(path))
            continue
        sources.append(str(path))
        _choose(chosen, artifact, str(path))
    if not sources:
        raise InputError(", ".join(paths), "no profile, MemStats, /proc file, metrics or "
                                           "gctrace log here")
    return Snapshot(sources=tuple(sources), passed_over=tuple(passed_over), **chosen)


def _choose(chosen: dict, artifact, source: str) -> None:
    """Keep one artifact of each kind: a protobuf profile over a debug=1 one (whose MemStats
    trailer is kept when no MemStats JSON is given)."""
    if isinstance(artifact, Profile):
        current = chosen.get("profile")
        if current is None or (current.format == "legacy-text" and artifact.format == "pprof"):
            chosen["profile"] = artifact
        if artifact.memstats is not None and "memstats" not in chosen:
            chosen["memstats"], chosen["memstats_source"] = artifact.memstats, source
    elif isinstance(artifact, MemStats):
        if chosen.get("memstats_source", "").endswith((".txt", ".heap")) or "memstats" not in chosen:
            chosen["memstats"], chosen["memstats_source"] = artifact, source
    elif isinstance(artifact, ProcMem):
        chosen.setdefault("status" if artifact.kind == "status" else "smaps", artifact)
    elif isinstance(artifact, Metrics):
        chosen.setdefault("metrics", artifact)
    elif isinstance(artifact, GCTrace):
        chosen.setdefault("gctrace", artifact)
