"""What heapdiff says of a delta profile (Profile.is_delta) wherever it would otherwise present
it as the heap: explain, retainers and report share these words."""
from __future__ import annotations

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)

if TYPE_CHECKING:  # top's small route reaches here without the model (and numpy)
    from ..inputs.decode.small import SmallProfile
    from ..model import Profile


def span(profile: Profile) -> str:
    """'the change over 2.01 s', or, without a duration, 'a change between two profiles'."""
    if profile.duration_nanos > 0:
        return f"the change over {profile.duration_nanos / 1e9:.3g} s"
    return "a change between two profiles"


def delta_note(profile: Profile | SmallProfile | None) -> str:
    """One line for a delta profile, '' for a profile of one moment (or none)."""
    if profile is None or not profile.is_delta:
        return ""
    assert not isinstance(profile, tuple)  # a SmallProfile is never a delta
    return (f"a delta profile (?seconds=N): {span(profile)}, not the live heap; "
            "negative values are memory freed during it")
