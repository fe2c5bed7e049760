"""The full /proc/PID/smaps: RSS split by mapping, summing to the Rss lines exactly, and
outside_go measured where Go 1.25+ named its mappings, inferred (and saying so) where not.

samples/container's smaps are a Go 1.27 program's, read with its status and MemStats; the
kernel they were made on cannot name anonymous mappings (no CONFIG_ANON_VMA_NAME), so the
named case is the same real file with names put on two of its mappings, as Go would."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import SAMPLES
from heapdiff.common.errors import InputError
from heapdiff.inputs.decode.smaps import category, decode_smaps
from heapdiff.inputs.load import load
from heapdiff.inputs.snapshot import load_snapshot
from heapdiff.memory.waterfall import waterfall

LATER = SAMPLES / "container" / "later"
UNNAMED = SAMPLES / "container_unnamed"
HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) ")
# runtime/decoratemappings_test.go's list (Go 1.25+)
GO_NAMES = ("allspans array", "gc bits", "heap", "heap index", "heap reservation",
            "immortal metadata", "page alloc", "page alloc index", "page summary",
            "scavenge index")


def rss_by_mapping(text: str) -> list[tuple[str, int]]:
    """(header line, Rss bytes) per mapping: the test's own reading of the file."""
    out: list[tuple[str, int]] = []
    for line in text.splitlines():
        if HEADER.match(line):
            out.append((line, 0))
        elif line.startswith("Rss:"):
            out[-1] = (out[-1][0], int(line.split()[1]) * 1024)
    return out


def named(text: str, names: dict[str, str]) -> str:
    """The smaps with the mappings whose header is a key named as Go would name them."""
    lines = []
    for line in text.splitlines():
        lines.append(f"{line.rstrip()} [anon: Go: {names[line]}]" if line in names else line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sample", [LATER, UNNAMED],
                         ids=["decoratemappings=1", "decoratemappings=0"])
def test_the_split_sums_to_the_rss_lines_exactly(sample):
    text = (sample / "smaps.txt").read_text()
    proc = load(sample / "smaps.txt")
    assert proc.rss == sum(rss for _, rss in rss_by_mapping(text))
    assert sum(b for _, b in proc.split) == proc.rss
    assert [c for c, _ in proc.split] == ["anon", "file"] and proc.go_named == 0


def test_the_file_part_is_the_file_backed_and_kernel_mappings():
    text = (LATER / "smaps.txt").read_text()
    files = sum(rss for header, rss in rss_by_mapping(text)
                if len(header.split()) > 5 and (header.split()[5].startswith("/")
                                                or header.split()[5] in ("[vdso]", "[vvar]")))
    assert load(LATER / "smaps.txt").part("file") == files


def test_a_full_smaps_gives_the_rss_over_smaps_rollup_and_status():
    snap = load_snapshot([str(LATER)])
    assert snap.smaps.kind == "smaps" and snap.rss_source.endswith("smaps.txt")


def test_without_go_names_outside_go_stays_inferred_and_says_so():
    w = waterfall(load_snapshot([str(UNNAMED)]))
    row = next(r for r in w.rows if r.component == "outside_go")
    assert "inferred: the smaps has no Go mapping names" in row.cause
    assert w.split == (("anon", w.split[0][1]), ("file", w.split[1][1]))


def test_with_go_names_outside_go_is_measured_and_the_split_sums_to_rss(tmp_path):
    text = (LATER / "smaps.txt").read_text()
    mappings = rss_by_mapping(text)
    arena = max((m for m in mappings if len(m[0].split()) == 5), key=lambda m: m[1])
    small = next(m for m in mappings if len(m[0].split()) == 5 and 0 < m[1] < arena[1] // 100)
    for f in ("vars.json", "status.txt"):
        (tmp_path / f).write_bytes((LATER / f).read_bytes())
    (tmp_path / "smaps.txt").write_text(named(text, {arena[0]: "heap", small[0]: "page summary"}))
    snap = load_snapshot([str(tmp_path)])
    split = dict(snap.smaps.split)
    assert split["go_heap"] == arena[1] and split["go_runtime"] == small[1]
    assert sum(split.values()) == snap.rss
    w = waterfall(snap)
    outside = next(r for r in w.rows if r.component == "outside_go")
    assert outside.bytes == split["other_anon"] + split["file"]
    assert outside.cause.startswith("measured in smaps")
    m = snap.memstats
    go_resident = split["go_heap"] + split["go_runtime"]
    assert w.get("untouched") == go_resident - (m["Sys"] - m["HeapReleased"])


@pytest.mark.parametrize("name", GO_NAMES)
def test_gos_own_names_are_go_heap_or_go_runtime(name):
    expected = "go_heap" if name in ("heap", "heap reservation") else "go_runtime"
    assert category(f"[anon: Go: {name}]") == expected


@pytest.mark.parametrize("name, expected", [
    ("", "other_anon"), ("[heap]", "other_anon"), ("[stack]", "other_anon"),
    ("[anon:libc_malloc]", "other_anon"), ("/usr/lib/libc.so.6", "file"),
    ("/memfd:cache (deleted)", "file"), ("[vdso]", "file")])
def test_other_mappings_are_anonymous_or_file_by_name(name, expected):
    assert category(name) == expected


@pytest.mark.parametrize("text, message", [
    ("Rss: 4 kB\n", "a field before the first mapping"),
    ("00400000-00401000 r-xp 00000000 fe:00 1 /bin/x\nSize: 4 kB\n", "without Rss lines"),
    ("00400000-00401000 r-xp 00000000 fe:00 1 /bin/x\nRss: 99999999999999999999 kB\n",
     "out of range"),
])
def test_bad_smaps_get_one_line_naming_what_is_wrong(text, message):
    with pytest.raises(InputError) as caught:
        decode_smaps(text, "smaps.txt")
    assert message in caught.value.message


def test_an_smaps_rollup_is_not_taken_for_a_full_smaps():
    assert load(LATER / "smaps_rollup.txt").kind == "smaps_rollup"


def test_a_live_python_process_smaps_splits_to_its_rss():
    proc = load(Path("/proc/self/smaps"))
    assert sum(b for _, b in proc.split) == proc.rss > 0
