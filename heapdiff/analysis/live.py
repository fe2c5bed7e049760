"""The live heap a profile shows, from whichever in-use sample types it has.

Go writes both inuse_space and inuse_objects, but other writers keep fewer (Pyroscope's
fixtures hold inuse_space alone). Go labels every heap sample with `bytes`, its objects'
size, and scales a sample's count and bytes by one factor, so either column gives the other
to within rounding: objects = bytes / size, bytes = objects x size. Without the labels only
the column present is known."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Profile


@dataclass(frozen=True, eq=False)
class Live:
    bytes: np.ndarray  # in-use bytes per sample
    objects: np.ndarray | None  # in-use objects per sample; None when the profile cannot tell
    note: str = ""  # what was derived or is unknown, for the reader; "" with both columns


def live_heap(profile: Profile) -> Live | None:
    """The in-use bytes and objects per sample; None when the profile has neither in-use
    type (an allocs-only, CPU or goroutine profile), or only objects without size labels."""
    columns = {vt.type: i for i, vt in reversed(list(enumerate(profile.sample_types)))}
    space, objects = columns.get("inuse_space"), columns.get("inuse_objects")
    if space is not None and objects is not None:
        return Live(profile.values[:, space], profile.values[:, objects])
    sizes = profile.numeric_label("bytes")
    if space is not None:
        values = profile.values[:, space]
        if not (sizes[values != 0] > 0).all():
            return Live(values, None, "no inuse_objects and no object sizes (bytes labels): "
                                      "object counts unknown")
        counts = np.rint(values / np.maximum(sizes, 1)).astype(np.int64)
        return Live(values, counts, "no inuse_objects: object counts are in-use bytes / "
                                    "object size (bytes label)")
    if objects is not None:
        counts = profile.values[:, objects]
        if not (sizes[counts != 0] > 0).all():
            return None
        return Live(counts * sizes, counts, "no inuse_space: in-use bytes are objects x object "
                                            "size (bytes label)")
    return None


def why_not_live(profile: Profile) -> str:
    """Why live_heap found nothing, in the words of an error line."""
    types = ", ".join(vt.type for vt in profile.sample_types) or "none"
    if any(vt.type == "inuse_objects" for vt in profile.sample_types):
        return ("only inuse_objects and no object sizes (bytes labels): in-use bytes unknown "
                f"(sample types: {types})")
    return f"no in-use sample type, inuse_space or inuse_objects (sample types: {types})"
