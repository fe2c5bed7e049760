"""A capture folder's rounds as moments: which round a command's --round, --from and --to
name (inputs/moments.py decides when a capture folder is read as a pair or as one moment).

By default the pair is the first and last rounds with a heap profile, the one moment the
latest round with one. Rounds are the manifest's numbers, 1 first; a negative number counts
from the end (-1 last).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..common.errors import InputError
from .manifest import Capture, Round


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
