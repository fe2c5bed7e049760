"""Which inputs stand for the moments a command compares: the one rule every command and the
TUI share, so that what is diffed, explained, browsed and reported is always the same.

An input is a file, a snapshot folder (read whole), a folder of snapshot folders (sorted by
name: the oldest is the base, the newest the new moment), or a capture folder made by
`heapdiff capture` (its first and last rounds with a heap profile, or --from/--to; --round for
the one-moment commands). A command about one moment takes the newest of a folder of folders
and the latest round of a capture.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..capture.inputs import pick_pair, pick_round
from ..capture.manifest import Capture, Round, is_capture, read_capture
from ..common.errors import InputError
from ..common.progress import Report, silent
from .load import looks_like_profile
from .decode.cgroup import FILES as CGROUP_FILES
from .snapshot import profile_file


@dataclass(frozen=True)
class Moment:
    """One moment's inputs: files and snapshot folders, read together as one snapshot."""
    paths: tuple[str, ...]
    profile: str | None = None  # its heap profile file, when the input's format names it

    def profile_path(self, progress: Report = silent) -> str:
        """The heap profile of this moment: the one its snapshot would use."""
        if self.profile is not None:
            return self.profile
        if len(self.paths) == 1 and not Path(self.paths[0]).is_dir():
            return self.paths[0]
        found = profile_file(list(self.paths), progress)
        if found is not None:
            return found
        if len(self.paths) > 1:
            raise InputError(" ".join(self.paths), "no heap profile among these inputs")
        raise InputError(self.paths[0], "is a directory without a heap profile in it")


@dataclass(frozen=True)
class PairInputs:
    """The moments a comparing command reads, and how to name them."""
    base: Moment | None  # None: no earlier moment was given
    new: Moment
    title: str
    capture: Capture | None = None  # the capture folder, when that was the input


def resolve_pair(paths: list[str], base: list[str], first: int | None = None,
                 last: int | None = None) -> PairInputs:
    """With --base: the base files against paths. A lone capture folder: its base and new
    rounds. A lone folder of snapshot folders: its oldest against its newest. Two heap
    profiles: the first against the second, as `heapdiff diff BASE NEW`. Otherwise the
    paths are one moment, with no base."""
    title = " ".join(paths)
    for p in (*base, *paths):
        _reachable(p)
    if not base and len(paths) == 1:
        if is_capture(paths[0]):
            capture = read_capture(paths[0])
            pair = pick_pair(capture, first, last)
            return PairInputs(_round(capture, pair.base), _round(capture, pair.new),
                              f"{title} (round {pair.new.round} against round {pair.base.round})",
                              capture)
        folders = snapshot_folders(paths[0])
        if len(folders) >= 2:
            older, newer = folders[0], folders[-1]
            return PairInputs(Moment((str(older),)), Moment((str(newer),)),
                              f"{title} ({newer.name} against {older.name})")
    if not base and len(paths) == 2 and all(map(looks_like_profile, paths)):
        return PairInputs(Moment((paths[0],), paths[0]), Moment((paths[1],), paths[1]),
                          f"{paths[1]} against {paths[0]}")
    return PairInputs(resolve_one(base) if base else None, resolve_one(paths), title)


def resolve_one(paths: list[str], number: int | None = None) -> Moment:
    """One moment: each capture folder stands for one round (the latest with a heap profile,
    or round `number`), each folder of snapshot folders for its newest; anything else is
    read as given."""
    out: list[str] = []
    profile = None
    for p in paths:
        _reachable(p)
        if is_capture(p):
            capture = read_capture(p)
            chosen = _round(capture, pick_round(capture, number))
            out += chosen.paths
            profile = chosen.profile if len(paths) == 1 else None
        elif len(folders := snapshot_folders(p)) >= 2:
            out.append(str(folders[-1]))
        else:
            out.append(p)
    return Moment(tuple(out), profile)


def resolve_profiles(paths: list[str], base: list[str], first: int | None = None,
                     last: int | None = None,
                     progress: Report = silent) -> tuple[list[str], str]:
    """For the commands that diff profiles: the base profiles (each of --base, then each path
    but the last: several are merged) and the new one (the last path), each input resolved
    as one moment; a lone capture folder or folder of snapshot folders gives both."""
    pair = resolve_pair(paths, base, first, last)
    if pair.base is not None and not base:  # one input that holds both moments
        return [pair.base.profile_path(progress)], pair.new.profile_path(progress)
    bases = [resolve_one([p]).profile_path(progress) for p in (*base, *paths[:-1])]
    new = resolve_one([paths[-1]]).profile_path(progress)
    if not bases:
        raise InputError(new, "no base profile: give BASE NEW, or --base BASE NEW")
    return bases, new


def snapshot_folders(path: str) -> list[Path]:
    """The snapshot folders directly inside path, by name (dot-folders left out: a capture
    round still being written has a dot-name); none when path is not a folder, or is a
    cgroup's folder (it holds cgroup memory files; its sub-folders are child cgroups)."""
    folder = Path(path)
    if not folder.is_dir() or any((folder / name).is_file() for name in CGROUP_FILES):
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _reachable(path: str) -> None:
    """A path behind a folder without search permission is said to be so, before the checks
    of what it is (a capture folder? a folder of folders?) meet it with a traceback."""
    try:
        os.stat(path)
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError:
        pass  # missing and the like: the reader says what is wrong, as before


def _round(capture: Capture, r: Round) -> Moment:
    return Moment(tuple(capture.round_files(r)), capture.profile_file(r))
