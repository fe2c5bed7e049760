"""The change per object size: Go's heap profiles label each sample with `bytes`, the size
of its objects, so a user sees that, say, 1 KiB objects grew by 40 MiB."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .diff import sample_index_in
from .sampletypes import pair_sample_type
from ..model import Profile


@dataclass(frozen=True)
class SizeRow:
    size: int  # bytes per object; 0 for samples without the label
    base: int
    new: int

    @property
    def delta(self) -> int:
        return self.new - self.base


def size_changes(bases: list[Profile], new: Profile, sample_type: str | None) -> list[SizeRow]:
    """Per object size, the sample type the diff reads (pprof's pick for the pair) summed
    over base and new; changed sizes only, largest |delta| first."""
    name = pair_sample_type(bases, new, sample_type)
    base_sums = _sums(bases, name)
    new_sums = _sums([new], name)
    rows = [SizeRow(size, base_sums.get(size, 0), new_sums.get(size, 0))
            for size in set(base_sums) | set(new_sums)]
    return sorted((r for r in rows if r.delta), key=lambda r: (-abs(r.delta), r.size))


def _sums(profiles: list[Profile], name: str) -> dict[int, int]:
    sums: dict[int, int] = {}
    for p in profiles:
        sizes = p.numeric_label("bytes")
        values = p.values[:, sample_index_in(p, name)]
        unique, inverse = np.unique(sizes, return_inverse=True)
        totals = np.zeros(len(unique), dtype=np.int64)
        np.add.at(totals, inverse, values)
        for size, total in zip(unique.tolist(), totals.tolist()):
            sums[size] = sums.get(size, 0) + total
    return sums
