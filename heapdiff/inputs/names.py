"""Function names as pprof prints them.

pprof passes every function of a profile it reads through its symbolizer's demangler
(internal/symbolizer: Demangle, demangleSingleFunction, default mode: NoParams,
NoEnclosingParams, NoTemplateParams), file or URL alike. A Go name is never a mangled C++ or
Rust symbol, so the demangler gives it back unchanged and pprof's fallback heuristic decides:
a name that looks like demangled C++ (brackets, `<>` or `::`) loses every balanced `(...)`,
then every balanced `<...>`. So a generic Go function `F[go.shape.interface { M() int }]`
prints as `F[go.shape.interface { M int }]` and `G[...].(*T).m.func1` as `G[...]..m.func1`;
names with `]).` (methods on a pointer to a generic type) and Java's `.<init>` are left alone.
A mangled C++ or Rust symbol (`_Z...`, `_R...`), which pprof demangles, is not demangled
here: Go heap profiles do not hold them; the heuristic alone is applied to it.

The profile's own name stays in Function.system_name (pprof keeps it there too).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)

ENVIRONMENT = "HEAPDIFF_RAW_NAMES"


def namer() -> Callable[[str, str], str]:
    """How this run names a function (name, system_name): as pprof prints it, or, with
    HEAPDIFF_RAW_NAMES set (not 0), by the profile's own name, as `go tool pprof
    -symbolize=none` does. An environment variable, as the decoders run deep inside every
    command and the TUI; read once per profile."""
    if os.environ.get(ENVIRONMENT, "0") not in ("", "0"):
        return _own_name
    return pprof_name


def _own_name(name: str, system_name: str) -> str:
    return name


def pprof_name(name: str, system_name: str) -> str:
    """The name pprof prints for a function read with this name and system_name."""
    if name and system_name != name:
        return name  # pprof: "already demangled"
    return simplified(system_name)


def simplified(name: str) -> str:
    """pprof's heuristic for a name its demangler could not demangle."""
    if not _looks_like_demangled_cplusplus(name):
        return name
    return _remove_matching(_remove_matching(name, "(", ")"), "<", ">")


def _looks_like_demangled_cplusplus(name: str) -> bool:
    # The quick path first, for nearly every Go name: five substring scans in C (a quarter of
    # the time of a regex or a set test here).
    if "[" not in name and "]" not in name and "<" not in name and ">" not in name \
            and "::" not in name:
        return False
    return ".<" not in name and "])." not in name  # Java's class.<init>; Go's (*T[...]).M


def _remove_matching(name: str, start: str, end: str) -> str:
    """pprof's removeMatching: drop each outermost balanced start..end; at an unmatched end,
    stop and return what has been removed so far; an unclosed start stays."""
    if start not in name:
        return name
    out: list[str] = []
    kept = 0  # name[kept:first] is still to be copied
    nesting = 0
    first = 0
    for i, c in enumerate(name):
        if c == start:
            nesting += 1
            if nesting == 1:
                first = i
        elif c == end:
            nesting -= 1
            if nesting < 0:
                return "".join(out) + name[kept:]
            if nesting == 0:
                out.append(name[kept:first])
                kept = i + 1
    return "".join(out) + name[kept:]


if TYPE_CHECKING:
    from typing import Protocol

    class Named(Protocol):
        """A function as decoded (model.Function, or the small route's SmallFunction)."""

        @property
        def name(self) -> str: ...

        @property
        def system_name(self) -> str: ...


def system_names(functions: Iterable[Named]) -> dict[str, tuple[str, ...]]:
    """Printed name -> the profile's own names printed as it, for the names that differ: what
    the JSON outputs carry as `system_names`. Several when pprof's rule made them one."""
    raw: dict[str, set[str]] = {}
    for f in functions:
        if f.system_name and f.name != f.system_name:
            raw.setdefault(f.name, set()).add(f.system_name)
    return {name: tuple(sorted(names)) for name, names in raw.items()}


def merged(tables: Iterable[dict[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """Several profiles' system_names as one."""
    out: dict[str, set[str]] = {}
    for table in tables:
        for name, names in table.items():
            out.setdefault(name, set()).update(names)
    return {name: tuple(sorted(names)) for name, names in out.items()}
