"""A capture folder where a command takes files: which round's files stand for it.

Commands that compare two moments (diff, paths, peek, sizes, report, tui) take the folder as
the pair of its first and last rounds with a heap profile (or --from K, --to L); commands about
one moment (top, explain, retainers) take its latest round with a profile (or --round K).
Rounds are the manifest's numbers, 1 first; a negative number counts from the end (-1 last).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..common.errors import InputError
from .manifest import Capture, Round, is_capture, read_capture


@dataclass(frozen=True)
class Pair:
    base: Round
    new: Round


def pick_round(capture: Capture, number: int | None, option: str = "--round") -> Round:
    """The round numbered `number` (default: the latest) among those with a heap profile."""
    rounds = capture.profile_rounds
    if not rounds:
        raise InputError(str(capture.path), "no round of this capture has a heap profile")
    if number is None:
        return rounds[-1]
    if number < 0:
        if -number > len(rounds):
            raise InputError(option, f"{number}: the capture has {len(rounds)} rounds with a "
                                     "heap profile")
        return rounds[number]
    for r in rounds:
        if r.round == number:
            return r
    numbers = ", ".join(str(r.round) for r in rounds)
    raise InputError(option, f"round {number} has no heap profile in {capture.path} "
                             f"(rounds with one: {numbers})")


def pick_pair(capture: Capture, first: int | None, last: int | None) -> Pair:
    """Base and new rounds: the first and the last with a heap profile, unless chosen."""
    rounds = capture.profile_rounds
    if len(rounds) < 2 and (first is None or last is None):
        raise InputError(str(capture.path), f"{len(rounds)} round(s) with a heap profile: a "
                                            "diff needs two")
    base = rounds[0] if first is None else pick_round(capture, first, "--from")
    new = rounds[-1] if last is None else pick_round(capture, last, "--to")
    return Pair(base, new)


@dataclass(frozen=True)
class PairInputs:
    """What a command comparing two moments reads, and how to name it."""
    base: list[str]
    new: list[str]
    title: str
    capture: Capture | None = None  # the capture folder, when that was the input


def lone_capture_pair(paths: list[str], base: list[str], first: int | None,
                      last: int | None) -> tuple[Capture, Pair] | None:
    """When the input is exactly one capture folder (and no --base): it, and its base and
    new rounds."""
    if base or len(paths) != 1 or not is_capture(paths[0]):
        return None
    capture = read_capture(paths[0])
    return capture, pick_pair(capture, first, last)


def pair_inputs(paths: list[str], base: list[str], first: int | None = None,
                last: int | None = None) -> PairInputs:
    """A lone capture folder becomes the files of its base and new rounds; any other capture
    folder stands for its latest round."""
    found = lone_capture_pair(paths, base, first, last)
    if found is None:
        return PairInputs(moment_files(base), moment_files(paths), " ".join(paths))
    capture, pair = found
    return PairInputs(capture.round_files(pair.base), capture.round_files(pair.new),
                      f"{paths[0]} (round {pair.new.round} against round {pair.base.round})",
                      capture)


def moment_files(paths: list[str], number: int | None = None) -> list[str]:
    """paths, with each capture folder replaced by the files of one of its rounds."""
    out: list[str] = []
    for p in paths:
        if is_capture(p):
            capture = read_capture(p)
            out += capture.round_files(pick_round(capture, number))
        else:
            out.append(p)
    return out


def moment_profile(path: str, number: int | None = None) -> str:
    """path, or a capture folder's heap profile of one round."""
    if not is_capture(path):
        return path
    capture = read_capture(path)
    return capture.profile_file(pick_round(capture, number))
