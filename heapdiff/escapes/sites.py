"""A profile summed per allocation line in the user's code: for each sample, the first
frame (leaf first, inlined frames included) whose file is in the source tree; a sample with
no such frame keeps its leaf. So fmt.Sprintf's bytes count at the line that called it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..model import Profile

OBJECTS_OF = {"alloc_space": "alloc_objects", "inuse_space": "inuse_objects"}


@dataclass(frozen=True)
class LineSite:
    function: str
    file: str  # as the profile names it
    line: int
    flat: int  # the sample type's value (new minus base with a base)
    objects: int | None  # the matching *_objects value, when the profile has one
    local: str | None  # the file under the source tree, None outside it


Key = tuple[str, str, int]


def line_sites(profile: Profile, index: int, local: Callable[[str], str | None],
               ) -> dict[Key, tuple[int, int | None, str | None]]:
    """(function, file, line) -> (value, objects, local file) summed over the samples."""
    locs = profile.locations
    n_locs = len(locs.ids)
    names = {}
    first_local = np.full(n_locs, -1, dtype=np.int64)
    for loc in range(n_locs):
        lo, hi = int(locs.line_offsets[loc]), int(locs.line_offsets[loc + 1])
        for j in range(lo, hi):
            fn = int(locs.line_function[j])
            file = profile.functions[fn].filename if fn >= 0 else ""
            if file not in names:
                names[file] = local(file)
            if names[file] is not None:
                first_local[loc] = j
                break
    offsets = profile.stack_offsets
    stacks = profile.stack_locations.astype(np.int64)
    nonempty = np.flatnonzero(np.diff(offsets) > 0)
    position = np.where(first_local[stacks] >= 0, np.arange(len(stacks)), len(stacks))
    out: dict[Key, tuple[int, int | None, str | None]] = {}
    if not len(nonempty):
        return out
    first = np.minimum.reduceat(position, offsets[nonempty]) if len(stacks) else position
    ends = offsets[nonempty + 1]
    leaf = stacks[offsets[nonempty]]
    leaf_line = np.where(locs.line_offsets[leaf + 1] > locs.line_offsets[leaf],
                         locs.line_offsets[leaf], -1)  # -1: an unsymbolized leaf
    chosen_line = np.where(first < ends, first_local[stacks[np.minimum(first, len(stacks) - 1)]],
                           leaf_line)
    values = profile.values[nonempty, index]
    obj_name = OBJECTS_OF.get(profile.sample_types[index].type)
    obj_index = next((i for i, vt in enumerate(profile.sample_types) if vt.type == obj_name), None)
    objects = profile.values[nonempty, obj_index] if obj_index is not None else None
    for k, j in enumerate(chosen_line.tolist()):
        if j < 0:  # an unsymbolized leaf: its address, as pprof names it
            key: Key = (f"0x{int(locs.address[leaf[k]]):x}", "", 0)
        else:
            fn = int(locs.line_function[j])
            func = profile.functions[fn] if fn >= 0 else None
            key = (func.name if func else "", func.filename if func else "",
                   int(locs.line_number[j]))
        value, count, where = out.get(key, (0, 0 if objects is not None else None,
                                            names.get(key[1])))
        out[key] = (value + int(values[k]),
                    count + int(objects[k]) if count is not None and objects is not None else None,
                    where)
    return out


def sites_between(new: dict, base: dict | None) -> list[LineSite]:
    """Each line's figures, minus the base's when there is one; heaviest first."""
    keys = list(new) + [k for k in (base or {}) if k not in new]
    out = []
    for key in keys:
        value, count, where = new.get(key, (0, 0, None))
        if base is not None:
            b_value, b_count, b_where = base.get(key, (0, 0, None))
            value -= b_value
            count = count - b_count if count is not None and b_count is not None else None
            where = where or b_where
        out.append(LineSite(key[0], key[1], key[2], value, count, where))
    out.sort(key=lambda s: (-s.flat, s.function, s.file, s.line))
    return out
