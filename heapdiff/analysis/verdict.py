"""What a diff says as a whole, before any single function: whether the profile grew, shrank,
held steady or did not change at all, which function leads that change, and whether the
allocation counters fell. The report's headline, `diff`'s footer and the TUI all read this one
value, so a shrinking profile is never headlined by its largest grower."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .diff import Diff, DiffRow
from ..model import Profile

# A total change within 1% of the base total is too small to lead a headline: the profile
# held steady, whatever moved inside it (and the largest move is named instead).
STEADY_FRACTION = 0.01
ALLOC_PREFIX = "alloc_"  # Go's cumulative counters: alloc_objects, alloc_space


@dataclass(frozen=True)
class AllocFall:
    """An alloc_* total that is lower in the new profile than in a base. The counters only
    grow while a process runs, so either the process restarted in between or the base is
    the later profile."""
    sample_type: str
    unit: str
    base_source: str
    new_source: str
    base_total: int
    new_total: int


@dataclass(frozen=True)
class Verdict:
    direction: str  # "grew", "shrank", "steady" or "unchanged" (no row changed)
    sample_type: str
    unit: str
    base_total: int
    new_total: int
    change: int  # the diff's signed net change (a delta profile's totals are of |value|)
    leader: DiffRow | None  # the row whose flat change leads in the total's direction
    largest_growth: DiffRow | None  # the largest flat growth, whatever the direction
    alloc_falls: tuple[AllocFall, ...] = ()

    @property
    def relative_change(self) -> float | None:
        """The change as a fraction of the base total; None with an empty base."""
        return self.change / self.base_total if self.base_total else None


def direction_of(d: Diff) -> str:
    if not d.rows:
        return "unchanged"
    change = d.net_change  # new_total - base_total, but for a delta profile's Σ|value|
    if abs(change) <= STEADY_FRACTION * abs(d.base_total):
        return "steady"
    return "grew" if change > 0 else "shrank"


LEADERS = {  # direction -> the key whose smallest value leads (rows with that sign only)
    "grew": (lambda r: -r.delta_flat, lambda r: r.delta_flat > 0),
    "shrank": (lambda r: r.delta_flat, lambda r: r.delta_flat < 0),
    "steady": (lambda r: -abs(r.delta_flat), lambda r: r.delta_flat != 0),
}


def verdict(d: Diff, alloc_falls: tuple[AllocFall, ...] = ()) -> Verdict:
    """The verdict on a diff; alloc_falls from alloc_falls_between, when the profiles are at
    hand."""
    direction = direction_of(d)
    leader = None
    if direction in LEADERS:
        key, keep = LEADERS[direction]
        leader = min((r for r in d.rows if keep(r)), key=key, default=None)
    grown = max((r for r in d.rows if r.delta_flat > 0), key=lambda r: r.delta_flat,
                default=None)
    return Verdict(direction, d.sample_type.type, d.sample_type.unit, d.base_total,
                   d.new_total, d.net_change, leader, grown, alloc_falls)


def alloc_totals(profile: Profile) -> dict[str, tuple[str, int]]:
    """Per alloc_* sample type, its unit and total; empty for a profile whose values are not
    cumulative counters (one with negative values: a delta profile, or a diff)."""
    if profile.num_samples and int(profile.values.min()) < 0:
        return {}
    return {vt.type: (vt.unit, int(np.sum(profile.values[:, i])))
            for i, vt in enumerate(profile.sample_types) if vt.type.startswith(ALLOC_PREFIX)}


def alloc_falls_between(bases: list[tuple[str, dict[str, tuple[str, int]]]],
                        new: tuple[str, dict[str, tuple[str, int]]]) -> tuple[AllocFall, ...]:
    """Every alloc_* total (from alloc_totals) that is lower in the new profile than in one of
    the bases, each given as (source, totals)."""
    new_source, new_totals = new
    falls = []
    for base_source, base_totals in bases:
        for name, (unit, base_total) in base_totals.items():
            if name in new_totals and new_totals[name][1] < base_total:
                falls.append(AllocFall(name, unit, base_source, new_source, base_total,
                                       new_totals[name][1]))
    return tuple(falls)
