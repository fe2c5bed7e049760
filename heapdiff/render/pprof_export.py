"""The diff as a pprof profile that `go tool pprof` opens and reports with heapdiff's numbers.

It holds what pprof builds for -diff_base: the new samples, and the base samples negated and
labelled pprof::base=true (pprof then takes the base total as the denominator and never lets
the two sides cancel), with the sample types the two share. With --normalize the new values are scaled as pprof scales them. The
bytes are deterministic: no clock, gzip without a timestamp."""
from __future__ import annotations

import gzip

import numpy as np

from .. import profile_pb2 as pb
from ..analysis.diff import normalized
from ..analysis.sampletypes import TypeList, pair_types
from ..model import Profile


class _Strings:
    def __init__(self):
        self.table = [""]
        self.index = {"": 0}

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.table)
            self.table.append(text)
        return self.index[text]


def diff_profile_bytes(bases: list[Profile], new: Profile, normalize: bool) -> bytes:
    """The merged profile pprof builds for -diff_base: the sample types base and new share,
    in the new profile's order, and the default pprof's merge gives (sampletypes.py)."""
    header = pair_types([TypeList.of(b) for b in bases], TypeList.of(new))
    out = pb.Profile()
    s = _Strings()
    new_columns = [new.sample_index(name) for name in header.types]
    for i in new_columns:
        vt = new.sample_types[i]
        out.sample_type.add(type=s(vt.type), unit=s(vt.unit))
    if new.period_type:
        out.period_type.type, out.period_type.unit = s(new.period_type.type), s(new.period_type.unit)
    out.period = new.period
    out.default_sample_type = s(header.default) if header.default else 0
    columns = [normalized(new, bases, i) if normalize else new.values[:, i] for i in new_columns]
    sides = [(new, np.stack(columns, axis=1), False)]
    for b in bases:
        sides.append((b, -b.values[:, [b.sample_index(name) for name in header.types]], True))
    next_id = {"location": 1, "function": 1, "mapping": 1}
    for profile, values, is_base in sides:
        _append(out, s, profile, values, is_base, next_id)
    out.string_table.extend(s.table)
    return gzip.compress(out.SerializeToString(), compresslevel=6, mtime=0)


def _append(out, s, profile: Profile, values: np.ndarray, is_base: bool, next_id: dict) -> None:
    """One side's samples, with its own mappings, functions and locations (fresh ids)."""
    mapping_ids = []
    for m in profile.mappings:
        mapping_ids.append(next_id["mapping"])
        out.mapping.add(id=next_id["mapping"], memory_start=m.start, memory_limit=m.limit,
                        file_offset=m.offset, filename=s(m.filename), build_id=s(m.build_id),
                        has_functions=m.has_functions, has_filenames=m.has_filenames,
                        has_line_numbers=m.has_line_numbers,
                        has_inline_frames=m.has_inline_frames)
        next_id["mapping"] += 1
    function_ids = []
    for f in profile.functions:
        function_ids.append(next_id["function"])
        out.function.add(id=next_id["function"], name=s(f.name), system_name=s(f.system_name),
                         filename=s(f.filename), start_line=f.start_line)
        next_id["function"] += 1
    locs = profile.locations
    location_ids = []
    offsets = locs.line_offsets.tolist()
    for i in range(len(locs)):
        location_ids.append(next_id["location"])
        loc = out.location.add(id=next_id["location"], address=int(locs.address[i]),
                               is_folded=bool(locs.is_folded[i]))
        if locs.mapping[i] >= 0:
            loc.mapping_id = mapping_ids[locs.mapping[i]]
        for j in range(offsets[i], offsets[i + 1]):
            fn = int(locs.line_function[j])
            loc.line.add(function_id=function_ids[fn] if fn >= 0 else 0,
                         line=int(locs.line_number[j]), column=int(locs.line_column[j]))
        next_id["location"] += 1
    location_id_of = np.array(location_ids, dtype=np.uint64)  # by location index
    labels_of = _labels_by_sample(profile)
    base_key, base_true = (s("pprof::base"), s("true")) if is_base else (0, 0)
    stacks, stack_offsets = profile.stack_locations, profile.stack_offsets
    for i in range(profile.num_samples):
        if not values[i].any():
            continue  # pprof drops all-zero samples when it scales
        sample = out.sample.add(
            location_id=location_id_of[stacks[stack_offsets[i]:stack_offsets[i + 1]]].tolist(),
            value=values[i].tolist())
        for key, strv, num, unit in labels_of.get(i, ()):
            sample.label.add(key=s(profile.strings[key]), str=s(profile.strings[strv]) if strv else 0,
                             num=num, num_unit=s(profile.strings[unit]) if unit else 0)
        if is_base:
            sample.label.add(key=base_key, str=base_true)


def _labels_by_sample(profile: Profile) -> dict[int, list[tuple[int, int, int, int]]]:
    labels: dict[int, list[tuple[int, int, int, int]]] = {}
    l = profile.labels
    for i, k, sv, n, u in zip(l.sample.tolist(), l.key.tolist(), l.str.tolist(), l.num.tolist(),
                              l.num_unit.tolist()):
        labels.setdefault(i, []).append((k, sv, n, u))
    return labels
