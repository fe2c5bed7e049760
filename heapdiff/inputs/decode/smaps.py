"""The full /proc/PID/smaps: every mapping's Rss, split by what the mapping is.

Since Go 1.25 the runtime names its anonymous mappings (prctl PR_SET_VMA_ANON_NAME, kernel
5.17+): `[anon: Go: heap]`, `[anon: Go: page summary]`, ... (runtime/decoratemappings_test.go
lists them). With the names, RSS splits by measurement into the Go heap, the runtime's other
memory, anonymous memory without a Go name, and file mappings; without them (older Go,
GODEBUG=decoratemappings=0) only into anonymous and file. The split sums the mappings' Rss
lines, which is what the kernel's smaps_rollup total is."""
from __future__ import annotations

import re

from ...common.errors import InputError
from ...model import ProcMem
from .numbers import UINT64_MAX, integer

# start-end perms offset dev inode [name]
MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][ps-] [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+"
                     r"(?: +(.*))?$")
FIELD = re.compile(r"^(\w+):\s+(\d+) kB$")
GO_NAME = re.compile(r"^\[anon: Go: (.*)\]$")
# The Go-named mappings that hold the heap arenas (goroutine stacks live in heap spans too);
# every other Go name is runtime metadata (page summary, gc bits, allspans array, ...).
GO_HEAP_NAMES = frozenset({"heap", "heap reservation", "used", "unused"})
# Mappings the kernel provides, counted with the file mappings (a few pages).
KERNEL_PAGES = frozenset({"[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]", "[uprobes]"})
# The split's categories, in the order they are shown.
GO_HEAP, GO_RUNTIME, OTHER_ANON, ANON, FILE = "go_heap", "go_runtime", "other_anon", "anon", "file"
WITH_GO_NAMES = (GO_HEAP, GO_RUNTIME, OTHER_ANON, FILE)
WITHOUT_GO_NAMES = (ANON, FILE)


def looks_like_smaps(opening: str) -> bool:
    first = opening.split("\n", 1)[0]
    return MAPPING.match(first) is not None and not first.rstrip().endswith("[rollup]") \
        and "\nRss:" in opening


def category(name: str) -> str:
    """What a mapping is, by its name (ANON stands for OTHER_ANON until a Go name is seen)."""
    go = GO_NAME.match(name)
    if go:
        return GO_HEAP if go.group(1) in GO_HEAP_NAMES else GO_RUNTIME
    if name.startswith("/") or name in KERNEL_PAGES:
        return FILE
    return OTHER_ANON


def decode_smaps(text: str, source: str) -> ProcMem:
    totals: dict[str, int] = {}
    split = dict.fromkeys(WITH_GO_NAMES, 0)
    go_named = 0
    current: str | None = None
    for number, line in enumerate(text.split("\n"), 1):
        mapping = MAPPING.match(line)
        if mapping:
            current = category((mapping.group(1) or "").strip())
            go_named += current in (GO_HEAP, GO_RUNTIME)
            continue
        field = FIELD.match(line.strip())
        if field is None:
            continue  # VmFlags, THPeligible, ProtectionKey, a cut last line
        if current is None:
            raise InputError(source, f"line {number}: a field before the first mapping")
        name = field.group(1)
        value = integer(field.group(2), source, f"line {number}: {name}",
                        high=UINT64_MAX >> 10) * 1024
        totals[name] = totals.get(name, 0) + value
        if name == "Rss":
            split[current] += value
    if "Rss" not in totals:
        raise InputError(source, "an smaps file without Rss lines")
    parts: tuple[tuple[str, int], ...]
    if not go_named:
        parts = ((ANON, split[OTHER_ANON]), (FILE, split[FILE]))
    else:
        parts = tuple((c, split[c]) for c in WITH_GO_NAMES)
    return ProcMem(kind="smaps", fields=totals, source=source, split=parts, go_named=go_named)
