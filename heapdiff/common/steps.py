"""A profile's stacks in steps of about STEP entries, for work over every stack entry.

A big profile has tens of millions of stack entries (46M in bench/run's 1.5M-sample profile).
Some numpy calls over all of them at once hold the GIL for over a second (np.repeat, a
reduceat that casts), which froze the TUI while it recomputed in a background thread; in
steps each call holds it for milliseconds, and the temporary arrays stay a few MiB.
"""
from __future__ import annotations

import numpy as np

STEP = 1 << 20  # stack entries per step


def stack_steps(offsets: np.ndarray, size: int | None = None) -> list[tuple[int, int]]:
    """Sample ranges [lo, hi) covering every sample once, each from the sample that holds a
    multiple of `size` (default STEP) stack entries: at most `size` entries and one stack
    more. `offsets`: the profile's stack_offsets (samples + 1)."""
    size = size or STEP
    samples = len(offsets) - 1
    cuts = np.searchsorted(offsets, np.arange(0, int(offsets[-1]), size), side="right") - 1
    bounds = sorted({0, samples, *np.clip(cuts, 0, samples).tolist()})
    return list(zip(bounds[:-1], bounds[1:]))
