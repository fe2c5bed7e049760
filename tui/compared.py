"""What the header line says is compared: the inputs as heapdiff resolved them (files, or a
capture's rounds with the manifest's times; a profile's own time_nanos once it is read) and the
settings and filters in force."""
from __future__ import annotations

import os
from datetime import datetime, timezone

from heapdiff.capture.inputs import pick_pair
from heapdiff.capture.manifest import Capture
from heapdiff.inputs.moments import Moment, PairInputs
from heapdiff.model import Profile

from .state import Settings
from .widgets.context import Context, Side


def when(seconds: float | None) -> str:
    """A UTC time, short enough for two on an 80-column line."""
    if not seconds:
        return ""
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):  # a time no calendar has: not said
        return ""


def moment_name(moment: Moment) -> str:
    return " ".join(map(near, (moment.profile,) if moment.profile else moment.paths))


def near(path: str) -> str:
    """A path under the current directory as relative to it (shorter), others as given."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def profile_seconds(profile: Profile | None) -> float | None:
    return profile.time_nanos / 1e9 if profile is not None and profile.time_nanos > 0 else None


def sides(inputs: PairInputs, rounds: tuple[int | None, int | None],
          profiles: tuple[Profile | None, Profile | None]) -> tuple[Side | None, Side]:
    """(base, new): a capture's rounds by number and time, else the inputs by name and their
    profiles' times (known once loaded)."""
    capture: Capture | None = inputs.capture
    if capture is not None:
        pair = pick_pair(capture, *rounds)
        return (Side(f"round {pair.base.round}", when(pair.base.unix)),
                Side(f"round {pair.new.round}", when(pair.new.unix)))
    base = None if inputs.base is None else \
        Side(moment_name(inputs.base), when(profile_seconds(profiles[0])))
    return base, Side(moment_name(inputs.new), when(profile_seconds(profiles[1])))


MODE_WORDS = {"diff-base": "-diff_base", "base": "-base"}  # d's modes, as pprof's flags


def settings_words(s: Settings, sample_type: str) -> tuple[str, ...]:
    """Short, for 80 columns: normalization is named only when it is on."""
    return (s.sample_type or sample_type, s.granularity, MODE_WORDS.get(s.mode, s.mode),
            *(("normalized",) if s.normalize else ()))


def filter_words(s: Settings, view_filter: str) -> tuple[str, ...]:
    return (*((f"focus {', '.join(s.focus)}",) if s.focus else ()),
            *((f"ignore {', '.join(s.ignore)}",) if s.ignore else ()),
            *((view_filter,) if view_filter else ()))


def context(inputs: PairInputs, rounds: tuple[int | None, int | None],
            profiles: tuple[Profile | None, Profile | None], settings: Settings,
            sample_type: str, view_filter: str = "") -> Context:
    base, new = sides(inputs, rounds, profiles)
    return Context(base, new, settings_words(settings, sample_type),
                   filter_words(settings, view_filter))
