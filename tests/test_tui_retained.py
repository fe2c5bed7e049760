"""The Retained view (9) through Textual's Pilot, on the committed heap dumps of
samples/retention/ (MANIFEST.json's `retention` entry) beside a heap profile: the roots largest
first with the retained bytes the manifest expects, a node's children listed when it opens,
largest first, the path `heapdiff retained` prints, the growth against a base dump, the hint
without a dump, and names from the dump shown as text, never as markup."""
from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import threading
import time

import numpy as np
import pytest
from textual.app import App
from textual.widgets import Static

from support import SAMPLES, run_heapdiff
from tui_settle import settled
from heapdiff.inputs.decode.heapdump import decode_heapdump
from heapdiff.render.escape import terminal
from heapdiff.retained.dominators import BYTES
from heapdiff.retained.groups import analysed
from heapdiff.retained.tree import RetainedTree
from heapdiff.retainers.binary.image import Image
from tui.apart import run_apart
from tui.app import HeapdiffApp
from tui.state import Dumps, load_moments
from tui.views.retained import NO_DUMP, BuildStatus, DominatorTree, RetainedView
from tui.widgets.rowtable import RowTable

MANIFEST = next(e for e in json.loads((SAMPLES / "MANIFEST.json").read_text())["samples"]
                if e["name"] == "retention")
SHAPES = MANIFEST["shapes"]
PROFILE = SAMPLES / "leaky_cache" / "later" / "heap.pb.gz"
BASE_PROFILE = SAMPLES / "leaky_cache" / "base" / "heap.pb.gz"
SIZE = (140, 40)
HOSTILE = "[bold red]evil[/] \x1b[2J[@click=app.quit]x[/]"


def dump_path(shape: str, moment: str):
    return SAMPLES / SHAPES[shape]["dumps"][moment]["file"]


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    """The binary that wrote the dumps (committed by samples/generate retention)."""
    path = tmp_path_factory.mktemp("bin") / "retention"
    path.write_bytes(gzip.decompress((SAMPLES / "binaries" / "retention.gz").read_bytes()))
    return path


def drive(check, paths, base=(), binary=None, moments=None):
    """check(app, pilot, view, tree) once the Retained view is shown and filled."""
    async def main():
        app = HeapdiffApp([str(p) for p in paths], [str(p) for p in base], moments=moments,
                          binary=str(binary) if binary else None)
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await pilot.press("9")
            await settled(pilot)
            view = app.query_one(RetainedView)
            await check(app, pilot, view, view.query_one(DominatorTree))
    asyncio.run(main())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def rows(tree: DominatorTree):
    """The open lines: (depth, Node, label)."""
    return tree.open_lines()


def cli_groups(*args) -> list[dict]:
    done = run_heapdiff("retained", *args, "--format", "json", timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["groups"]


def test_the_first_row_is_the_leaking_global_with_the_manifests_retained_bytes(binary):
    group = SHAPES["global_map"]["groups"][0]
    expected = group["moments"]["later"]["expected_retained_bytes"]

    async def check(app, pilot, view, tree):
        depth, first, label = rows(tree)[0]
        assert (first.named_by, first.name) == ("global", group["root"]["name"])
        assert abs(first.retained_bytes - expected) <= group["tolerance_bytes"]
        assert label.plain.split()[0] == "2.1MiB"  # what the row shows: 2,236,624 B
        assert app.focused is tree and tree.cursor_line == 0
    drive(check, [PROFILE, dump_path("global_map", "later")], binary=binary)


def test_roots_are_listed_largest_first():
    async def check(app, pilot, view, tree):
        listed = [node.retained_bytes for depth, node, _ in rows(tree)]
        assert listed == sorted(listed, reverse=True) and len(listed) > 10
    drive(check, [PROFILE, dump_path("stack_slice", "later")])


def test_opening_a_node_lists_its_children_largest_first_as_the_engine_has_them(binary):
    """Down the first row of each level to the first node with several children: the lines
    it lists are every node it immediately dominates, by retained bytes."""
    path = dump_path("global_map", "later")
    image = Image(binary.read_bytes(), str(binary))
    engine = analysed(decode_heapdump(path.read_bytes(), str(path)), image).tree

    async def check(app, pilot, view, tree):
        line = 0
        while True:
            await press(pilot, "l")  # opens the node under the cursor
            depth, node, _ = rows(tree)[line]
            children = [(n.node, n.retained_bytes) for d, n, _ in rows(tree)
                        if d == depth + 1][:node.children]
            if node.children > 1:
                break
            line += 1
            await press(pilot, "j")
        dominated = np.flatnonzero(engine.idom == node.node)
        expected = sorted(engine.retained[dominated, BYTES].tolist(), reverse=True)
        assert [b for _, b in children] == expected
        assert children[0][1] > children[-1][1]  # largest first, not all equal
    drive(check, [PROFILE, path], binary=binary)


def test_p_shows_the_path_the_cli_prints_for_the_nodes_group(binary):
    path = dump_path("global_map", "later")
    printed = {(g["root"]["name"], g["type"]): g["path"]
               for g in cli_groups(path, "--binary", binary) if g["type"]}

    async def check(app, pilot, view, tree):
        await press(pilot, "l", "j", "l", "j", "p")  # main.cache, then two levels down
        depth, node, _ = rows(tree)[tree.cursor_line]
        assert depth == 2 and node.named_by == "field"  # the map's directory, named by the map
        shown = str(view.query_one("#retained-path", Static).content)
        assert shown == "path: " + " \u2192 ".join(printed["main.cache", node.name])
        assert shown.count("\u2192") == 2
    drive(check, [PROFILE, path], binary=binary)


def test_with_a_base_dump_each_row_shows_its_growth_as_the_cli_ranks_it(binary):
    later, base = dump_path("global_map", "later"), dump_path("global_map", "base")
    growth = next(g for g in cli_groups(later, "--base", base, "--binary", binary)
                  if g["root"]["name"] == "main.cache" and g["type"] is None
                  and g["site"] is None)
    expected = SHAPES["global_map"]["groups"][0]["moments"]
    assert growth["delta_bytes"] == expected["later"]["expected_retained_bytes"] - \
        expected["base"]["expected_retained_bytes"]

    async def check(app, pilot, view, tree):
        assert "Δ retained" in str(view.query_one("#retained-columns", Static).content)
        depth, first, label = rows(tree)[0]
        assert first.name == "main.cache"
        assert first.delta_bytes == growth["delta_bytes"]
        assert label.plain.split()[0] == "+1.6MiB"
        assert label.spans[0].style == "red"
    drive(check, [PROFILE, later], [BASE_PROFILE, base], binary=binary)


def test_without_a_dump_the_view_says_in_one_line_how_to_get_one():
    async def check(app, pilot, view, tree):
        assert str(view.query_one("#retained-title", Static).content) == NO_DUMP
        assert "\n" not in NO_DUMP and "capture --heapdump /debug/heapdump" in NO_DUMP
        assert not tree.display
        assert app.analysis.retention() is None
    drive(check, [PROFILE])


def test_a_truncated_dump_is_said_in_the_view_as_the_cli_says_it(tmp_path):
    """The dump is read when 9 asks for it, so its error is the view's one line (the CLI's
    words), not the launch's."""
    data = dump_path("global_map", "later").read_bytes()
    cut = tmp_path / "cut.heapdump"
    cut.write_bytes(data[:len(data) // 2])
    done = run_heapdiff("retained", cut, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith(f"heapdiff: {cut}: ")

    async def check(app, pilot, view, tree):
        assert str(view.query_one("#retained-title", Static).content) == done.stderr.strip()
        assert not tree.display and app.is_running and not app.crashes
    drive(check, [PROFILE, cut])


def test_a_hostile_name_from_a_dump_is_shown_and_exported_literally():
    """A root renamed in the engine's result (a real dump cannot carry markup in a frame's
    name the way a crafted one could): its line, the path and the export keep it as text."""
    path = dump_path("finalizer", "later")
    dump = decode_heapdump(path.read_bytes(), str(path))
    found = analysed(dump)
    keys = list(found.keys)
    first = int(np.argmax(found.tree.retained[1:found.tree.roots + 1, BYTES]))
    keys[first] = ("global", HOSTILE)
    hostile = RetainedTree(dump, dataclasses.replace(found, keys=tuple(keys)))
    moments = load_moments([str(PROFILE)], [], lambda message: None)
    moments.dumps._built.append(hostile)

    async def check(app, pilot, view, tree):
        depth, node, label = rows(tree)[0]
        assert node.name == HOSTILE
        assert label.plain.endswith(terminal(HOSTILE) + " (global)")
        assert "[bold red]evil[/]" in label.plain and "\x1b" not in label.plain
        assert not [s for s in label.spans if "bold" in str(s.style)]
        await press(pilot, "p")
        assert str(view.query_one("#retained-path", Static).content) == \
            f"path: {terminal(HOSTILE)} (global)"
        exported = view.markdown()
        assert "\x1b" not in exported and "\\[bold red\\]" in exported
        assert app.is_running  # [@click=app.quit] did nothing
    drive(check, [PROFILE], moments=moments)


def test_the_export_has_the_summary_and_the_open_tree(binary):
    async def check(app, pilot, view, tree):
        await press(pilot, "l")
        text = view.markdown()
        assert "reachable from the roots 2.2MiB in 4,512 objects" in text
        assert "\n- 2.1MiB, 4,106 objects, 49.9KiB, own 0B: main.cache (global)\n" in text
        assert "\n  - 2.1MiB, 4,106 objects" in text  # its child, one level in
    drive(check, [PROFILE, dump_path("global_map", "later")], binary=binary)


def test_a_dump_is_read_only_when_the_view_asks_for_it():
    """Launch is as fast with a dump as without: the file is recognised, not decoded, until
    9 builds the tree (in its own process)."""
    later = dump_path("global_map", "later")

    async def main():
        app = HeapdiffApp([str(PROFILE), str(later)], [])
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            assert app.moments.new.heapdump is None
            assert app.moments.new.deferred == (("heapdump", str(later)),)
            assert app.moments.dumps._built == []
            await press(pilot, "9")
            assert app.moments.dumps._built[0].result.source == str(later)
    asyncio.run(main())


def test_m_reports_the_retained_groups_of_the_dump_the_view_left_unread(tmp_path):
    later = dump_path("global_map", "later")
    target = tmp_path / "report.md"

    async def main():
        app = HeapdiffApp([str(PROFILE), str(later)], [], report_path=str(target))
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await press(pilot, "m")
    asyncio.run(main())
    report = target.read_text()
    assert "| root | held as | retained | objects | pointers | dominator path |" in report
    assert f"heapdiff retained {later}" in report


def test_t_shows_the_groups_as_the_cli_ranks_them_with_their_growth(binary):
    later, base = dump_path("global_map", "later"), dump_path("global_map", "base")
    printed = cli_groups(later, "--base", base, "--binary", binary)

    async def check(app, pilot, view, tree):
        await press(pilot, "t")
        table = view.query_one(RowTable)
        assert app.focused is table and not tree.display
        assert len(table.rows) == len(printed)
        first = table.rows[0]
        assert first[0] == "+1.6MiB" and first[4] == "main.cache (global)"
        assert first[6] == " \u2192 ".join(printed[0]["path"])
        assert table.rows[1][5] == (f"{printed[1]['type']} (named by {printed[1]['field']}) "
                                    f"allocated at {printed[1]['site']}")  # as the CLI says
        assert [r[6] for r in table.rows[:10]] == \
            [" \u2192 ".join(g["path"]) for g in printed[:10]]
        assert "| growth | retained |" in view.markdown()
        await press(pilot, "t")
        assert app.focused is tree
    drive(check, [PROFILE, later], [BASE_PROFILE, base], binary=binary)


def test_x_writes_the_open_tree_and_the_path_as_markdown(binary, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def check(app, pilot, view, tree):
        await press(pilot, "l", "j", "p", "x")
    drive(check, [PROFILE.resolve(), dump_path("global_map", "later").resolve()],
          binary=binary)
    text = (tmp_path / "heapdiff-view-retained.md").read_text()
    assert text.startswith("# heapdiff: Retained\n")
    assert "path: main.cache (global) → map\\[int\\]\\*main.Entry" in text  # Markdown-escaped
    assert "\n  - 2.1MiB, 4,106 objects, 49.9KiB, own 48B: map\\[int\\]\\*main.Entry (field)\n" \
        in text


def reports_slowly(steps: list[str], progress) -> int:
    """A part for run_apart's process: each step reported, then a pause the poll can see."""
    for step in steps:
        progress(step)
        time.sleep(0.4)
    return len(steps)


def test_the_process_building_the_tree_reports_its_steps_to_the_waiting_thread():
    heard: list[str] = []
    steps = ["reading later.heapdump", "the dominator tree"]
    assert run_apart(reports_slowly, (steps,), threading.Event(), heard.append) == 2
    assert heard == steps


def test_while_the_tree_builds_the_view_shows_what_its_process_last_said():
    dumps = Dumps(new="later.heapdump", base=None)
    dumps.status = "naming [bold]1,234 objects"  # a path in a status is data: never markup

    class Host(App):
        def compose(self):
            yield BuildStatus(dumps)

    async def run() -> tuple[str, str]:
        async with Host().run_test() as pilot:
            await pilot.pause(0.1)
            first = str(pilot.app.query_one("#retained-status", Static).content)
            dumps.status = "the dominator tree"
            await pilot.pause(BuildStatus.STEP * 3)
            return first, str(pilot.app.query_one("#retained-status", Static).content)
    first, later = asyncio.run(run())
    assert first == "● naming [bold]1,234 objects (0 s)"
    assert later.startswith("● the dominator tree (") and later.endswith(" s)")
