"""The Memory view past the waterfall, through Textual's Pilot: RSS split by mapping (a full
smaps) and what the container is charged past RSS (cgroup files), with the figures
`heapdiff explain` prints for the same files, read from the real command.

samples/container holds a Go program's real cgroup v1 files and smaps; samples/cgroup_v2 is
those figures under v2's names (its PROVENANCE.md). The kernel the samples were made on cannot
name anonymous mappings, so the Go-named smaps is the real one with two mappings named as Go
1.25+ names them (as tests/test_smaps.py does). The capture folder is made of those snapshots
as `capture --pid` writes rounds (the cgroup files in one cgroup.txt)."""
from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from capture_folders import make_capture
from support import SAMPLES, run_heapdiff
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.views.memory import MemoryView
from tui.widgets.textpanel import TextPanel
from heapdiff.common.units import human_bytes
from heapdiff.inputs.decode.cgroup import bundle

LATER = SAMPLES / "container" / "later"
V2 = SAMPLES / "cgroup_v2"
ROW = re.compile(r"^\s+\+ (\S+)\s+(\S+)\s+(\S+)")  # + component size share
HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) ")


def memory_text(paths: list[Path], base: list[Path] = ()) -> str:
    """The Memory view's text once the app has loaded the paths."""
    async def main() -> str:
        app = HeapdiffApp([str(p) for p in paths], [str(p) for p in base])
        async with app.run_test(size=(100, 40)) as pilot:
            await settled(pilot)
            await pilot.press("6")
            await settled(pilot)
            return app.query_one(MemoryView).query_one(TextPanel).text
    return asyncio.run(main())


def explain_text(paths: list[Path]) -> str:
    done = run_heapdiff("explain", *paths, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def container_block(text: str) -> dict:
    """The container's heading, rows (component, size, share), total, limit and working set."""
    lines = [line.strip() for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Container (cgroup "))
    block = lines[start:]
    return {"heading": block[0],
            "rows": [ROW.match(f"  {line}").groups() for line in block if line.startswith("+ ")],
            "total": next(line for line in block if line.startswith("= memory.")),
            "limit": next(line for line in block if line.startswith("limit")),
            "working_set": next(line for line in block if line.startswith("working set"))}


V1_MOMENT = [SAMPLES / "container"]  # base and later: the TUI shows the later one
V2_FILES = [LATER / "heap.pb.gz", LATER / "vars.json", LATER / "status.txt",
            LATER / "smaps.txt", V2]


@pytest.mark.parametrize("tui_paths, explain_paths", [
    (V1_MOMENT, [LATER]), (V2_FILES, V2_FILES)], ids=["cgroup v1 folder pair", "cgroup v2 files"])
def test_memory_shows_the_rows_past_rss_with_explains_figures(tui_paths, explain_paths):
    shown, printed = container_block(memory_text(tui_paths)), \
        container_block(explain_text(explain_paths))
    assert shown == printed
    assert len(shown["rows"]) >= 5 and shown["rows"][0][0] == "cgroup_anon"


def test_memory_shows_the_v2_limit_headroom_and_working_set():
    block = container_block(memory_text(V2_FILES))
    usage, limit = int((V2 / "memory.current").read_text()), 256 << 20
    inactive = next(int(line.split()[1]) for line in (V2 / "memory.stat").read_text().splitlines()
                    if line.startswith("inactive_file "))
    assert block["total"] == f"= memory.current {human_bytes(usage)}"
    assert block["limit"] == (f"limit {human_bytes(limit)}: {100 * usage / limit:.1f}% used, "
                              f"{human_bytes(limit - usage)} headroom")
    assert block["working_set"].endswith(f": {human_bytes(usage - inactive)}")


def split_of(text: str, tui: bool) -> tuple[list[tuple[str, str]], str]:
    """((category, size) per mapping kind, the total) as the view or explain shows them."""
    lines = text.splitlines()
    if not tui:
        line = next(line for line in lines if line.startswith("RSS by mapping (smaps): "))
        parts, total = line.split(": ", 1)[1].split(" = ")
        return [tuple(p.split()) for p in parts.split(", ")], total  # type: ignore[misc]
    start = lines.index("RSS by mapping (smaps):") + 1
    rows = []
    for line in lines[start:]:
        if line.strip().startswith("= RSS"):
            return rows, line.split()[-1]
        category, size, _share = line.split()
        rows.append((category, size))
    raise AssertionError("the split has no total line")


def go_named_folder(folder: Path) -> tuple[int, int]:
    """samples/container/later with its largest anonymous mapping named as Go names the heap
    and a small one as a page summary; their Rss."""
    shutil.copytree(LATER, folder)
    text = (LATER / "smaps.txt").read_text()
    mappings: list[list] = []
    for line in text.splitlines():
        if HEADER.match(line):
            mappings.append([line, 0])
        elif line.startswith("Rss:"):
            mappings[-1][1] = int(line.split()[1]) * 1024
    anonymous = [m for m in mappings if len(m[0].split()) == 5]
    heap = max(anonymous, key=lambda m: m[1])
    small = next(m for m in anonymous if 0 < m[1] < heap[1] // 100)
    names = {heap[0]: "heap", small[0]: "page summary"}
    (folder / "smaps.txt").write_text("\n".join(
        f"{line.rstrip()} [anon: Go: {names[line]}]" if line in names else line
        for line in text.splitlines()) + "\n")
    return heap[1], small[1]


def test_memory_shows_the_go_named_smaps_split_as_explain_prints_it(tmp_path):
    heap, runtime = go_named_folder(tmp_path / "moment")
    shown = split_of(memory_text([tmp_path / "moment"]), tui=True)
    printed = split_of(explain_text([tmp_path / "moment"]), tui=False)
    assert shown == printed
    rows = dict(shown[0])
    assert list(rows) == ["go_heap", "go_runtime", "other_anon", "file"]
    assert (rows["go_heap"], rows["go_runtime"]) == (human_bytes(heap), human_bytes(runtime))


def test_memory_split_total_is_the_rss_the_view_leads_with(tmp_path):
    go_named_folder(tmp_path / "moment")
    text = memory_text([tmp_path / "moment"])
    rss = text.splitlines()[0].split()[1]  # "RSS 159MiB (…smaps.txt)"
    assert split_of(text, tui=True)[1] == rss


def test_without_smaps_or_cgroup_files_memory_shows_neither():
    text = memory_text([SAMPLES / "leaky_cache"])
    assert "RSS by mapping" not in text and "Container (cgroup" not in text


def as_captured(snapshot: Path, folder: Path) -> Path:
    """The snapshot as capture --pid writes a round: its cgroup files in one cgroup.txt."""
    shutil.copytree(snapshot, folder, ignore=shutil.ignore_patterns("memory.*"))
    files = sorted(snapshot.glob("memory.*"))
    (folder / "cgroup.txt").write_bytes(bundle([(str(f), f.read_bytes()) for f in files]))
    return folder


def test_memory_of_a_capture_folder_shows_its_last_rounds_cgroup_and_smaps(tmp_path):
    rounds = [as_captured(SAMPLES / "container" / name, tmp_path / name)
              for name in ("base", "later")]
    capture = make_capture(tmp_path / "capture", rounds)
    shown, printed = memory_text([capture]), explain_text([capture])
    assert container_block(shown) == container_block(printed)
    assert container_block(shown)["total"] == "= memory.usage_in_bytes " + human_bytes(
        int((LATER / "memory.usage_in_bytes").read_text()))
    assert split_of(shown, tui=True) == split_of(printed, tui=False)
