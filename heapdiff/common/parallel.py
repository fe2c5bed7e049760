"""Independent chunks of array work on all cores.

numpy releases the GIL inside its loops, so threads are enough: chunks of a million frames
keep both cores busy while the Python glue between numpy calls stays short."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS = max(1, min(4, os.cpu_count() or 1))


def ordered_map(function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """function(item) for every item, computed in parallel, yielded in order."""
    items = list(items)
    if WORKERS == 1 or len(items) < 2:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        yield from pool.map(function, items)
