"""pprof's sample filters on the columnar model: -focus, -ignore, -hide, -show (regexes matched
against function names, file names and mapping files, per location, as profile/filter.go does)
and -tagfocus on a numeric label (Go's `bytes`, the object size)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from ..common.arrays import concat_ranges
from ..model import Labels, Locations, Profile, frozen_array

UNITS = {"": 1, "b": 1, "kb": 1 << 10, "kib": 1 << 10, "mb": 1 << 20, "mib": 1 << 20,
         "gb": 1 << 30, "gib": 1 << 30, "tb": 1 << 40, "tib": 1 << 40}
TAG_VALUE = re.compile(r"^\s*(-?\d+)\s*([a-zA-Z]*)\s*$")


@dataclass(frozen=True)
class SampleFilter:
    focus: re.Pattern | None = None
    ignore: re.Pattern | None = None
    hide: re.Pattern | None = None
    show: re.Pattern | None = None
    tag_key: str | None = None
    tag_low: int | None = None
    tag_high: int | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.focus, self.ignore, self.hide, self.show,
                                            self.tag_key))


def parse_tagfocus(text: str) -> tuple[str, int | None, int | None]:
    """KEY=LOW:HIGH, KEY=LOW:, KEY=:HIGH or KEY=VALUE, with units b, kb, mb, gb (1024-based).
    Raises ValueError with a message for the user."""
    key, sep, spec = text.partition("=")
    if not sep or not key:
        raise ValueError(f"--tagfocus {text!r}: expected KEY=LOW:HIGH, e.g. bytes=1kb:64kb")
    low_s, colon, high_s = spec.partition(":")
    low = _tag_number(low_s, text) if low_s.strip() else None
    high = _tag_number(high_s, text) if high_s.strip() else None
    if not colon:
        high = low
    if low is None and high is None:
        raise ValueError(f"--tagfocus {text!r}: give a value or a range")
    return key, low, high


def _tag_number(text: str, whole: str) -> int:
    m = TAG_VALUE.match(text)
    if not m or m.group(2).lower() not in UNITS:
        raise ValueError(f"--tagfocus {whole!r}: {text.strip()!r} is not a number with a unit "
                         "(b, kb, mb, gb)")
    return int(m.group(1)) * UNITS[m.group(2).lower()]


def apply(profile: Profile, f: SampleFilter) -> Profile:
    """A profile with only the samples (and frames) the filter keeps."""
    if not f.active:
        return profile
    keep = np.ones(profile.num_samples, dtype=bool)
    if f.tag_key is not None:
        keep &= _tag_mask(profile, f)
    locations = profile.locations
    stacks, offsets = profile.stack_locations, profile.stack_offsets
    if any(v is not None for v in (f.focus, f.ignore, f.hide, f.show)):
        code, hidden, locations = _location_verdicts(profile, f)
        depth = np.diff(offsets)
        frame_code = code[stacks]
        keep &= _any_per_sample(frame_code == 1, offsets, depth)
        keep &= ~_any_per_sample(frame_code == 2, offsets, depth)
        if hidden.any():
            visible = ~hidden[stacks]
            remaining = np.zeros(len(depth), dtype=np.int64)
            nonempty = depth > 0
            if nonempty.any():
                remaining[nonempty] = np.add.reduceat(visible.astype(np.int64),
                                                      offsets[:-1][nonempty])
            keep &= remaining > 0
            stacks = stacks[visible]
            offsets = np.concatenate(([0], np.cumsum(remaining)))
    return _subset(profile, keep, stacks, offsets, locations)


def _tag_mask(profile: Profile, f: SampleFilter) -> np.ndarray:
    assert f.tag_key is not None  # only filters with a tag key get here
    values = profile.numeric_label(f.tag_key)
    has = np.zeros(profile.num_samples, dtype=bool)
    try:
        key = profile.strings.index(f.tag_key)
    except ValueError:
        return has
    rows = (profile.labels.key == key) & (profile.labels.str == 0)
    has[profile.labels.sample[rows]] = True
    if f.tag_low is not None:
        has &= values >= f.tag_low
    if f.tag_high is not None:
        has &= values <= f.tag_high
    return has


def _location_verdicts(profile: Profile, f: SampleFilter):
    """Per location: 1 focused, 2 ignored, 0 neither; hidden (no lines left); new lines."""
    locs = profile.locations
    functions = profile.functions
    mappings = profile.mappings
    n = len(locs)
    code = np.zeros(n, dtype=np.int8)
    hidden = np.zeros(n, dtype=bool)
    offsets = locs.line_offsets.tolist()
    line_function = locs.line_function.tolist()
    kept_lines: list[int] = []
    new_offsets = [0]

    def line_matches(j: int, regex: re.Pattern) -> bool:
        fn = line_function[j]
        return fn >= 0 and bool(regex.search(functions[fn].name)
                                or regex.search(functions[fn].filename))

    for i in range(n):
        lines = list(range(offsets[i], offsets[i + 1]))
        mapping_file = mappings[locs.mapping[i]].filename if locs.mapping[i] >= 0 else None

        def matches(regex: re.Pattern) -> bool:
            return (any(line_matches(j, regex) for j in lines)
                    or (mapping_file is not None and bool(regex.search(mapping_file))))

        if f.ignore is not None and matches(f.ignore):
            code[i] = 2
        elif f.focus is None or matches(f.focus):
            code[i] = 1
        if f.hide is not None and matches(f.hide):
            if mapping_file is not None and f.hide.search(mapping_file):
                lines = []
            else:
                lines = [j for j in lines if not line_matches(j, f.hide)]
            hidden[i] = not lines
        if f.show is not None:
            if mapping_file is not None and f.show.search(mapping_file):
                pass
            else:
                lines = [j for j in lines if line_matches(j, f.show)]
            hidden[i] = not lines
        kept_lines.extend(lines)
        new_offsets.append(len(kept_lines))
    index = np.array(kept_lines, dtype=np.int64)
    new_locs = Locations(
        ids=locs.ids, address=locs.address, mapping=locs.mapping, is_folded=locs.is_folded,
        line_offsets=frozen_array(new_offsets, np.int64),
        line_function=frozen_array(locs.line_function[index], np.int32),
        line_number=frozen_array(locs.line_number[index], np.int64),
        line_column=frozen_array(locs.line_column[index], np.int64))
    return code, hidden, new_locs


def _any_per_sample(frame_flag: np.ndarray, offsets: np.ndarray, depth: np.ndarray) -> np.ndarray:
    out = np.zeros(len(depth), dtype=bool)
    nonempty = depth > 0
    if nonempty.any():
        out[nonempty] = np.logical_or.reduceat(frame_flag, offsets[:-1][nonempty])
    return out


def _subset(profile: Profile, keep: np.ndarray, stacks, offsets, locations) -> Profile:
    index = np.flatnonzero(keep)
    depth = np.diff(offsets)[index]
    starts = offsets[:-1][index]
    positions = concat_ranges(starts, starts + depth)
    new_offsets = np.concatenate(([0], np.cumsum(depth)))
    old_to_new = np.full(profile.num_samples, -1, dtype=np.int64)
    old_to_new[index] = np.arange(len(index))
    label_rows = keep[profile.labels.sample]
    labels = Labels(
        sample=frozen_array(old_to_new[profile.labels.sample[label_rows]], np.int64),
        key=profile.labels.key[label_rows], str=profile.labels.str[label_rows],
        num=profile.labels.num[label_rows], num_unit=profile.labels.num_unit[label_rows])
    return replace(profile, values=frozen_array(profile.values[index], np.int64),
                   stack_offsets=frozen_array(new_offsets, np.int64),
                   stack_locations=frozen_array(stacks[positions], stacks.dtype),
                   labels=labels, locations=locations, _cache={})
