"""A diff's verdict as sentences: the headline, the first thing to do, the warnings and the
title of the table of changes. Plain text: each output escapes them for its medium (the report
for Markdown, `diff` for a terminal; the TUI shows them as plain text)."""
from __future__ import annotations

from ..analysis.verdict import AllocFall, Verdict
from ..common.units import human
from .format import share, signed

TABLE_TITLES = {"grew": "Top growth", "shrank": "Top shrinkage", "steady": "Top changes",
                "unchanged": "No change"}


def _totals(v: Verdict) -> str:
    relative = v.relative_change
    rel = "" if relative is None else f", {'+' if relative > 0 else ''}{share(relative, 1)}"
    return f"{v.sample_type}: {human(v.base_total, v.unit)} -> {human(v.new_total, v.unit)}{rel}"


def _row_change(v: Verdict) -> str:
    r = v.leader
    assert r is not None
    return (f"{r.name}, {signed(r.delta_flat, v.unit)} "
            f"({human(r.base_flat, v.unit)} -> {human(r.new_flat, v.unit)})")


OPENINGS = {  # direction -> how the whole profile's change is told
    "grew": lambda v: f"The whole profile grew by {human(v.change, v.unit)}",
    "shrank": lambda v: f"The whole profile shrank by {human(-v.change, v.unit)}",
    "steady": lambda v: f"The whole profile held steady: {signed(v.change, v.unit)}",
}
LEAD_IN = {"grew": "most of all", "shrank": "most of all", "steady": "the largest move:"}


def headline(v: Verdict) -> str:
    """What changed, led by the whole profile's direction and size."""
    if v.direction == "unchanged":
        return (f"No change: {v.sample_type} is {human(v.new_total, v.unit)} in both profiles, "
                f"function by function.")
    if v.direction == "grew" and v.leader is not None:
        r = v.leader
        return (f"{r.name} grew by {signed(r.delta_flat, v.unit)} ({v.sample_type}: "
                f"{human(r.base_flat, v.unit)} -> {human(r.new_flat, v.unit)}); the whole "
                f"profile changed by {signed(v.change, v.unit)}.")
    lead = f"; {LEAD_IN[v.direction]} {_row_change(v)}" if v.leader is not None else ""
    return f"{OPENINGS[v.direction](v)} ({_totals(v)}){lead}."


def first_step(v: Verdict) -> str:
    """The one thing to do first, given only the diff."""
    if v.alloc_falls:
        fall = v.alloc_falls[0]
        return (f"Check that {fall.base_source} is the earlier profile of the same process "
                f"run before reading the changes as growth.")
    grown = v.largest_growth
    if v.direction == "unchanged":
        return "Nothing changed between these profiles: take the new one later, once memory has grown."
    if v.direction == "grew":
        return (f"Start with the growth path to {grown.name}." if grown is not None else
                "Start with the growth paths (heapdiff paths).")
    if v.direction == "shrank":
        beside = (f"; the largest single growth, {grown.name} ({signed(grown.delta_flat, v.unit)}), "
                  f"is small beside the {human(-v.change, v.unit)} drop" if grown else "")
        return f"No growth to chase: the profile shrank{beside}."
    if grown is not None:
        return (f"The total held steady, so check whether {grown.name}'s growth "
                f"({signed(grown.delta_flat, v.unit)}) is a leak that shrinkage elsewhere hides.")
    return "No growth to chase: the total held steady and nothing grew."


def alloc_fall_warning(falls: tuple[AllocFall, ...]) -> str:
    """One sentence for every alloc_* total that fell: the likely causes and the order taken."""
    first = next((f for f in falls if f.unit == "bytes"), falls[0])
    others = sorted({f.sample_type for f in falls} - {first.sample_type})
    also = f" ({', '.join(others)} too)" if others else ""
    return (f"Warning: {first.sample_type} fell from {human(first.base_total, first.unit)} to "
            f"{human(first.new_total, first.unit)}{also}, but allocation counters only grow "
            f"while a process runs: the process restarted between the two profiles, or base "
            f"and new are swapped (heapdiff took {first.base_source} as the base and "
            f"{first.new_source} as the new).")


def warnings(v: Verdict) -> list[str]:
    return [alloc_fall_warning(v.alloc_falls)] if v.alloc_falls else []


def table_title(v: Verdict) -> str:
    """The changes table's title: growth only when the profile grew and the counters agree."""
    if v.alloc_falls:
        return "Top changes"
    return TABLE_TITLES[v.direction]
