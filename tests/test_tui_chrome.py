"""The TUI's chrome, through Textual's Pilot at 80x24: the header line that says what is
compared, search in every view, copy, $EDITOR, help, export, the palette, the screenshot."""
from __future__ import annotations

import asyncio
import re

from support import SAMPLES
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.views.flame import FlameView
from tui.views.memory import MemoryView
from tui.views.retainers import RetainersView
from tui.views.tree import CallTreeView
from tui.widgets.context import ContextBar
from tui.widgets.rowtable import RowTable
from tui.widgets.searchbox import SearchBox

LEAKY = SAMPLES / "leaky_cache"
SIZE = (80, 24)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def run(check, paths=None, base=None, app_class=HeapdiffApp, **kwargs):
    async def main():
        app = app_class([str(p) for p in (paths or [LEAKY])], [str(p) for p in (base or [])],
                        **kwargs)
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await check(app, pilot)
    asyncio.run(main())


def header(app) -> list[str]:
    return str(app.query_one(ContextBar).render()).splitlines()


def test_the_header_names_both_inputs_the_sample_type_and_follows_the_settings_keys():
    async def check(app, pilot):
        inputs, settings = header(app)
        assert "base " in inputs and inputs.split(" → ")[0].endswith(")")
        assert "cache/base (" in inputs and "cache/later (" in inputs
        assert len(inputs) <= 78 and settings.startswith("inuse_space · functions")
        types = app.analysis.sample_types
        await press(pilot, "s")
        following = types[(types.index("inuse_space") + 1) % len(types)]
        assert header(app)[1].startswith(following + " · ")
        await press(pilot, "d", "n")
        assert "base only · normalized" in header(app)[1]
        await press(pilot, "d", "n", "s", "s", "s")
        assert header(app)[1] == "inuse_space · functions · diff-base"
        await press(pilot, "f")
        assert "focus main.(*Cache).Insert" in header(app)[1]
        await press(pilot, "F")
        assert "focus" not in header(app)[1]
    run(check)


def test_the_header_shortens_long_paths_from_the_left_to_fit_80_columns(tmp_path):
    deep = tmp_path.joinpath(*["a-long-folder-name"] * 6)
    deep.mkdir(parents=True)
    for side in ("base", "later"):
        (deep / side).symlink_to(LEAKY / side)

    async def check(app, pilot):
        inputs = header(app)[0]
        assert len(inputs) <= 78
        assert "…" in inputs and "name/base (" in inputs and "name/later (" in inputs
    run(check, paths=[deep / "later"], base=[deep / "base"])


def test_the_header_shows_a_top_filter_while_top_is_shown():
    async def check(app, pilot):
        await press(pilot, "slash", *"Session", "enter")
        assert header(app)[1].endswith("filter /Session/")
        await press(pilot, "2")
        assert "filter" not in header(app)[1]
    run(check)


def test_a_capture_is_named_by_its_rounds_and_their_times():
    async def check(app, pilot):
        inputs = header(app)[0]
        assert inputs.startswith("base round 1 (") and " → new round " in inputs
    run(check, paths=[SAMPLES / "leaky_service" / "capture"])


def deepest(tree) -> list:
    """The longest path of the call tree (from the root), by walking it."""
    best: list = []
    stack = [[child] for child in tree.children(())]
    while stack:
        path = stack.pop()
        best = path if len(path) > len(best) else best
        stack.extend(path + [child] for child in tree.children(path[-1].path))
    return best


def test_slash_in_tree_finds_a_function_deep_in_the_tree_and_n_goes_to_the_next():
    async def check(app, pilot):
        await press(pilot, "2")
        tree = app.query_one(CallTreeView)
        target = deepest(app.analysis.tree(False))[-1]
        assert target.path.depth >= 3
        assert tree.cursor_node is None or tree.cursor_node.data.name != target.name
        await press(pilot, "slash", *re.escape(target.name))
        assert tree.cursor_node.data.name == target.name  # unfolded down to it, as you type
        assert tree.cursor_node.data.path.depth >= 3
        await press(pilot, "enter")
        assert app.focused is tree and not app.query_one(SearchBox).display
        await press(pilot, "slash", *"main", "enter")
        first = tree.cursor_node.data.path
        await press(pilot, "n")
        second = tree.cursor_node.data.path
        assert second is not first and "main" in tree.cursor_node.data.name
        await press(pilot, "N")
        assert tree.cursor_node.data.path is first
        assert not app.settings.normalize  # n was the next match, not normalize
    run(check)


def test_escape_ends_the_search_so_n_normalizes_again_and_no_hidden_box_keeps_the_keys():
    async def check(app, pilot):
        await press(pilot, "2", "slash", *"main", "escape")
        assert not app.query_one(SearchBox).display
        assert app.focused is app.query_one(CallTreeView)
        await press(pilot, "3")
        assert app.query_one("TabbedContent").active == "peek"  # the key reached the app
        await press(pilot, "n")
        assert app.settings.normalize
    run(check)


def test_slash_searches_flame_frames_source_lines_memory_text_and_retainers_rows():
    async def check(app, pilot):
        await press(pilot, "4", "slash", *"Insert", "enter")
        assert app.query_one(FlameView).node().name == "main.(*Cache).Insert"
        assert app.selected.name == "main.(*Cache).Insert"
        await press(pilot, "6", "slash", *"goal", "enter")
        memory = app.query_one(MemoryView)
        line = str(memory.content).splitlines()[memory._search_at]
        assert "goal" in line.lower()
        await press(pilot, "7", "slash", *"Insert", "enter")
        table = app.query_one(RetainersView).query_one(RowTable)
        assert "Insert" in table.rows[table.cursor][-1]
    run(check)
