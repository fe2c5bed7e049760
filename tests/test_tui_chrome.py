"""The TUI's chrome, through Textual's Pilot at 80x24: the header line that says what is
compared, search in every view, copy, $EDITOR, help, export, the palette, the screenshot."""
from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

from textual.widgets import Markdown

from pbwire import field_varint, heap_profile
from support import SAMPLES
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.views.flame import FlameView
from tui.views.memory import MemoryView
from tui.views.peek import PeekView
from tui.views.retainers import RetainersView
from tui.views.source import SourceView
from tui.views.timeline import TimelineView
from tui.views.tree import CallTreeView
from tui.widgets.context import ContextBar
from tui.widgets.rowtable import RowTable
from tui.widgets.searchbox import SearchBox
from tui.widgets.textpanel import TextPanel

LEAKY = SAMPLES / "leaky_cache"
SIZE = (80, 24)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def run(check, paths=None, base=None, notifications=False, **kwargs):
    async def main():
        app = HeapdiffApp([str(p) for p in (paths or [LEAKY])], [str(p) for p in (base or [])],
                          **kwargs)
        async with app.run_test(size=SIZE, notifications=notifications) as pilot:
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
        assert "-base · normalized" in header(app)[1]
        await press(pilot, "d", "n", "s", "s", "s")
        assert header(app)[1] == "inuse_space · functions · -diff_base"
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


def test_a_wide_terminal_has_the_header_in_one_line():
    async def main():
        app = HeapdiffApp([str(LEAKY)], [])
        async with app.run_test(size=(220, 60)) as pilot:
            await settled(pilot)
            (line,) = header(app)
            assert "cache/later (" in line and line.endswith("· inuse_space · functions · -diff_base")
    asyncio.run(main())


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


def test_a_view_filled_while_the_search_box_is_open_leaves_the_keys_in_the_box():
    async def check(app, pilot):
        assert not isinstance(app.focused, SearchBox)  # hidden, it never has the keys
        await press(pilot, "2", "slash")
        app.refresh_view()  # as the view's worker does when it finishes after the /
        await press(pilot, *"main")
        box = app.query_one(SearchBox)
        assert app.focused is box and box.value == "main" and not app.settings.normalize
    run(check)


def test_slash_searches_flame_frames_source_lines_memory_text_and_retainers_rows():
    async def check(app, pilot):
        await press(pilot, "4", "slash", *"Insert", "enter")
        assert app.query_one(FlameView).node().name == "main.(*Cache).Insert"
        assert app.selected.name == "main.(*Cache).Insert"
        await press(pilot, "6", "slash", *"goal", "enter")
        memory = app.query_one(MemoryView)
        line = memory.query_one(TextPanel).text.splitlines()[memory._search_at]
        assert "goal" in line.lower()
        await press(pilot, "7", "slash", *"Insert", "enter")
        table = app.query_one(RetainersView).query_one(RowTable)
        assert "Insert" in table.rows[table.cursor][-1]
        await press(pilot, "1", "5", "slash", *r"\+1\.9MiB", "enter")
        source = app.query_one(SourceView)
        assert source.query_one(TextPanel).text.splitlines()[source._search_at].split()[:1] == ["40"]
        await press(pilot, "3", "slash", *"handleRequest", "enter")
        peek = app.query_one(PeekView).query_one(RowTable)
        assert peek.rows[peek.cursor][-1] == "main.handleRequest"
    run(check)


def test_slash_in_the_timeline_finds_a_row_and_n_the_next_one():
    async def check(app, pilot):
        await press(pilot, "8", "slash", *"^.*Heap", "enter")
        table = app.query_one(TimelineView).query_one(RowTable)
        first = table.cursor
        assert "Heap" in table.rows[first][-1]
        await press(pilot, "n")
        assert table.cursor != first and "Heap" in table.rows[table.cursor][-1]
    run(check, paths=[SAMPLES / "leaky_service" / "capture"])


def test_c_copies_the_selected_name_and_shift_c_its_file_and_line(monkeypatch):
    async def check(app, pilot):
        copied: list[str] = []
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        await press(pilot, "c")
        assert copied == ["main.(*Cache).Insert"]
        await press(pilot, "C")
        insert = next(f for f in app.analysis.new.functions if f.name == "main.(*Cache).Insert")
        assert copied[1] == f"{insert.filename}:{insert.start_line}"  # the function's first line
        assert copied[1].endswith("leaky_cache/main.go:37")
        assert any("copied main.(*Cache).Insert" in n.message for n in app._notifications)
    run(check)


def test_e_opens_the_selected_function_in_the_editor_at_its_line(tmp_path, monkeypatch):
    record = tmp_path / "args"
    editor = tmp_path / "editor.sh"
    editor.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\n")
    editor.chmod(0o755)
    source = tmp_path / "checkout"
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)

    async def check(app, pilot):
        file, line = app._place()
        found = source.joinpath(*Path(file).parts[-2:])  # heapdiff/samples/leaky_cache/main.go
        found.parent.mkdir(parents=True)
        found.write_text("package main\n")
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # the test driver cannot
        await press(pilot, "e")
        assert record.read_text().split() == [f"+{line}", str(found)] and line == 37
    run(check, source_dir=str(source))


def test_e_says_when_there_is_no_editor_or_no_file(tmp_path, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)

    async def check(app, pilot):
        await press(pilot, "e")
        assert any("not found" in n.message for n in app._notifications)
    run(check, source_dir=str(tmp_path))

    async def no_editor(app, pilot):
        file, _ = app._place()
        found = tmp_path.joinpath(*Path(file).parts[-2:])
        found.parent.mkdir(parents=True)
        found.write_text("package main\n")
        await press(pilot, "e")
        assert any("set $EDITOR" in n.message for n in app._notifications)
    run(no_editor, source_dir=str(tmp_path))


def test_x_exports_top_as_markdown_with_the_header_line_and_never_overwrites(tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def check(app, pilot):
        await press(pilot, "x", "x")
        first = (tmp_path / "heapdiff-view-top.md").read_text()
        assert (tmp_path / "heapdiff-view-top-1.md").read_text() == first
        assert "cache/base" in first and "inuse\\_space · functions · -diff\\_base" in first
        assert "base 16.5MiB -&gt; new 57.9MiB (+41.4MiB)" in first  # Top's summary line
        assert "| ---: | ---: |" in first  # figures align right
        row = next(line for line in first.splitlines() if "Insert" in line)
        assert "main.(\\*Cache).Insert" in row and "+41.7MiB" in row
        assert any("heapdiff-view-top.md" in n.message for n in app._notifications)
        await press(pilot, "2", "g", "x")
        tree = (tmp_path / "heapdiff-view-tree.md").read_text()
        assert "- +41.7MiB" in tree and "main.(\\*Cache).Insert" in tree
    run(check)


def test_the_help_explains_the_numbers_modes_colours_and_how_to_close_it():
    async def check(app, pilot):
        await press(pilot, "f1")
        text = app.screen.query_one(Markdown).source
        for words in ("**flat**", "**cum**", "**Δ**", "**-diff_base**", "**-base**",
                      "**normalized**", "**red**: growth", "**green**: shrink", "**NO_COLOR**",
                      "Esc, q or ? closes", "**/**: search", "**c**: copy", "**e**: open",
                      "**x**: write"):
            assert words in text
        scroller = app.screen.query_one("#help")
        assert app.focused is scroller and scroller.max_scroll_y > 0  # 80x24: it scrolls
        await press(pilot, "pagedown")
        assert scroller.scroll_y > 0
        await press(pilot, "q")
        assert type(app.screen).__name__ != "HelpScreen" and app.is_running
    run(check)


def test_the_screenshot_goes_to_the_current_directory_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "no-such-home"))

    async def check(app, pilot):
        await press(pilot, "ctrl+s")  # ctrl+p → Screenshot runs the same deliver_screenshot
        shots = list(tmp_path.glob("*.svg"))
        assert len(shots) == 1 and "cache/base" in shots[0].read_text().replace("&#160;", " ")
        assert any(str(shots[0]) in n.message for n in app._notifications)
    run(check)


def test_toasts_sit_at_the_top_right_not_over_the_names():
    async def check(app, pilot):
        app.notify("a note")
        await settled(pilot)
        await pilot.pause(0.2)
        toast = app.screen.query_one("Toast")
        assert toast.region.y <= 2 and toast.region.height == 1
        assert toast.region.right >= SIZE[0] - 2 and toast.region.width < 20  # its own width
    run(check, notifications=True)


def test_a_lone_profile_is_named_with_its_time_and_a_time_no_calendar_has_is_left_out(tmp_path):
    from tui.compared import when
    profile = tmp_path / "odd.pb"
    profile.write_bytes(heap_profile([([1, 2, 3], [1, 16])]) + field_varint(9, 2**63 - 1))

    async def check(app, pilot):
        assert header(app)[0].endswith("/odd.pb (04-11 23:47:16)")  # int64's last nanosecond
    run(check, paths=[profile])
    assert when(1e20) == when(float("nan")) == ""  # a capture manifest's unix time may be anything


def test_an_exported_view_keeps_a_backtick_name_inside_its_code_block():
    from tui.export import code_block
    block = code_block(["```", "main.`x`"]).splitlines()
    assert block[0] == "````text" and block[-1] == "````" and block[1] == "```"


def test_a_tab_switch_keeps_the_footers_keys_and_a_search_changes_them():
    """Textual's Footer mounted its keys again on every focus change (most of a tab switch's
    time); the footer now recomposes only when the keys it shows change: n is the next match
    while a search is on, and normalize again once it ends."""
    from textual.widgets._footer import FooterKey

    from tui.widgets.footer import StableFooter

    def shown(app) -> list[FooterKey]:
        return list(app.query_one(StableFooter).query(FooterKey))

    async def check(app, pilot):
        keys = shown(app)
        assert "normalize" in [k.description for k in keys]
        await press(pilot, "2", "1", "4", "1")
        assert shown(app) == keys  # the same widgets, not new ones
        await press(pilot, "2", "slash", *"main", "enter")
        searching = [k.description for k in shown(app)]
        assert "next match" in searching and "normalize" not in searching
        await press(pilot, "1")  # the search ends with its view
        assert [k.description for k in shown(app)] == [k.description for k in keys]
    run(check)
