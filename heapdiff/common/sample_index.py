"""Which sample type a command reads, chosen as pprof chooses it. Its own module, free of
the model's imports, so the small-profile route chooses it the same way."""
from __future__ import annotations

from collections.abc import Sequence

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)
if TYPE_CHECKING:
    from typing import Protocol

    class SampleTypeLike(Protocol):
        @property
        def type(self) -> str: ...


def sample_index_of(sample_types: Sequence[SampleTypeLike], default: str, name: str | None) -> int:
    """The column for a sample type name; None picks the default as pprof does: the
    default_sample_type when set, else the last type."""
    if name is None:
        name = default or sample_types[-1].type
    for i, vt in enumerate(sample_types):
        if vt.type == name:
            return i
    if name.isdigit() and int(name) < len(sample_types):
        return int(name)
    known = ", ".join(vt.type for vt in sample_types)
    raise KeyError(f"no sample type {name!r} (this profile has: {known})")
