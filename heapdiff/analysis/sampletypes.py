"""Which sample type a diff reads, picked as `go tool pprof` picks it for a base and a new
profile whose sample types or defaults may differ.

pprof merges the bases into one profile, then merges it with the new one (driver's
combineProfiles). Each merge first keeps only the sample types every profile has, in the
first profile's order (profile.CompatibilizeSampleTypes); a profile whose list that changes
takes its own default if it survived, else the first common type. The merged default is the
first non-empty one, the new profile's before the base's; `-sample_index` (or none: that
default, else the last type) is then looked up in the merged list (SampleIndexByName).
So a heap profile (no default) against an allocs profile (alloc_space) reads alloc_space.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..common.errors import InputError
from ..model import Profile

NUMBER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class TypeList:
    """What the pick reads of one profile (or of several merged): its sample type names in
    order and its default_sample_type ("" when it names none)."""

    types: tuple[str, ...]
    default: str
    source: str

    @classmethod
    def of(cls, profile: Profile) -> TypeList:
        return cls(tuple(vt.type for vt in profile.sample_types), profile.default_sample_type,
                   profile.source)


def common_types(lists: list[TypeList]) -> tuple[str, ...]:
    """The types every list has, in the first list's order (pprof's commonSampleTypes)."""
    return tuple(t for t in lists[0].types if all(t in other.types for other in lists[1:]))


def merged(lists: list[TypeList], what: str) -> TypeList:
    """The header pprof's merge of these profiles has: the common types and the first
    non-empty default after each profile was made compatible. `what` names the profiles in
    the message when they share no type."""
    common = common_types(lists)
    if not common:
        listed = "; ".join(f"{t.source}: {', '.join(t.types) or 'none'}" for t in lists)
        raise InputError(lists[-1].source, f"{what} have no sample type in common ({listed}), "
                                           "so there is nothing to compare")
    defaults = [_compatible_default(t, common) for t in lists]
    return TypeList(common, next((d for d in defaults if d), ""), lists[0].source)


def _compatible_default(t: TypeList, common: tuple[str, ...]) -> str:
    """A profile's default once its types are cut down to `common` (compatibilizeSampleTypes):
    unchanged if its list already was `common`, else its own if kept, else common[0]."""
    if t.types == common:
        return t.default
    return t.default if t.default in common else common[0]


def pair_types(bases: list[TypeList], new: TypeList) -> TypeList:
    """The merged header of a diff: the bases merged, then the new profile with them (with
    no base, as the TUI shows one profile, the new profile's own)."""
    if not bases:
        return new
    base = merged(bases, "the base profiles") if len(bases) > 1 else bases[0]
    return merged([new, base], "the base and new profiles")


def pick(merged_types: TypeList, requested: str | None) -> str:
    """The sample type `requested` (a name, an index, or None for the default) names in a
    merged list, as pprof's SampleIndexByName reads it."""
    types = merged_types.types
    if not types:
        raise InputError(merged_types.source, "the profile has no sample types")
    if not requested:
        return merged_types.default if merged_types.default in types else types[-1]
    if NUMBER.fullmatch(requested):
        index = int(requested)
        if not 0 <= index < len(types):
            raise InputError(merged_types.source, f"sample index {requested} is outside "
                                                  f"0..{len(types) - 1} ({', '.join(types)})")
        return types[index]
    for name in types:
        if requested in (name, "inuse_" + name):
            return name
    raise InputError(merged_types.source, f"no sample type {requested!r} in both base and new "
                                          f"(they share: {', '.join(types)})")


def pair_sample_type(bases: list[Profile], new: Profile, requested: str | None,
                     normalize: bool = False) -> str:
    """The sample type a diff of `new` against `bases` reads, as pprof picks it (and, with
    normalize, only where pprof's -normalize accepts the pair)."""
    base_lists, new_list = [TypeList.of(b) for b in bases], TypeList.of(new)
    if normalize:
        check_normalizable(base_lists, new_list)
    return pick(pair_types(base_lists, new_list), requested)


def check_normalizable(bases: list[TypeList], new: TypeList) -> None:
    """pprof's -normalize scales the new profile before the merge, so it refuses a pair
    whose sample types differ ("incompatible sample types"): the bases, merged, must have the
    new profile's types in its order."""
    if not bases:
        return
    base = merged(bases, "the base profiles") if len(bases) > 1 else bases[0]
    if base.types != new.types:
        raise InputError("--normalize", f"{new.source} has the sample types "
                                        f"{', '.join(new.types)} and the base "
                                        f"{', '.join(base.types)}: pprof's -normalize needs the "
                                        "same ones, in the same order")
