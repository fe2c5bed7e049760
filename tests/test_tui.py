"""The TUI through Textual's Pilot: every view and key, asserting on what is shown."""
from __future__ import annotations

import asyncio

import pytest

from capture_folders import make_capture
from support import SAMPLES
from tui_settle import settled
from pbwire import heap_profile
from tui.app import HeapdiffApp
from tui.views import flame as flame_view
from tui.views.flame import FlameView
from tui.views.memory import MemoryView
from tui.views.retainers import RetainersView
from tui.views.source import SourceView
from tui.views.timeline import TimelineView
from tui.views.top import TopView
from tui.views.tree import CallTreeView
from tui.widgets.rowtable import RowTable
from tui.widgets.textpanel import TextPanel

LEAKY = SAMPLES / "leaky_cache"
SIZE = (140, 40)


async def loaded(app: HeapdiffApp, pilot) -> None:
    """Wait until the analysis and every view's worker are done."""
    await settled(pilot)


async def press(app, pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await loaded(app, pilot)


def run(coro_fn, paths=None, base=None, **kwargs):
    async def main():
        app = HeapdiffApp([str(p) for p in (paths or [LEAKY])], [str(p) for p in (base or [])],
                          **kwargs)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(app, pilot)
            await coro_fn(app, pilot)
    asyncio.run(main())


def table_rows(app, view) -> list[tuple[str, ...]]:
    return app.query_one(view).query_one(RowTable).rows


def test_first_screen_shows_the_cache_insert_on_top_with_its_growth():
    async def check(app, pilot):
        rows = table_rows(app, TopView)
        assert rows[0][-1] == "main.(*Cache).Insert" and rows[0][2] == "+41.7MiB"
        assert app.query_one("#tabs").display and app.selected.name == "main.(*Cache).Insert"
    run(check)


def test_number_keys_switch_views():
    async def check(app, pilot):
        for key, tab in zip("23456781", ("tree", "peek", "flame", "source", "memory",
                                           "retainers", "timeline", "top")):
            await press(app, pilot, key)
            assert app.query_one("TabbedContent").active == tab
    run(check)


def test_a_view_focused_after_the_user_switched_away_does_not_pull_the_tabs_back():
    async def check(app, pilot):
        await press(app, pilot, "6")
        app.query_one(TopView).query_one(RowTable).focus()  # as a late worker's refresh does
        await loaded(app, pilot)
        assert app.query_one("TabbedContent").active == "memory"
    run(check)


def test_opening_the_tree_keeps_the_selection():
    async def check(app, pilot):
        await press(app, pilot, "j")
        chosen = app.selected
        await press(app, pilot, "2", "1")
        assert app.selected == chosen
    run(check)


def test_jk_and_arrows_move_the_selection_and_it_is_kept_across_views():
    async def check(app, pilot):
        await pilot.press("j")
        await pilot.press("down")
        await press(app, pilot, "k")
        second = app.query_one(TopView).shown[1].name
        assert app.selected.printable_name() == second
        await press(app, pilot, "3")
        assert second in str(app.query_one("#peek-title").render())
    run(check)


def test_slash_filters_by_regex_as_you_type():
    async def check(app, pilot):
        await pilot.press("slash")
        await press(app, pilot, *"Session")
        rows = table_rows(app, TopView)
        assert rows and all("Session" in r[-1] for r in rows)
    run(check)


def test_o_sorts_by_the_next_column():
    async def check(app, pilot):
        await press(app, pilot, "o")
        top = app.query_one(TopView)
        assert top.sort == "delta_pct"
        assert "sorted by flat Δ% ▼" in str(top.query_one("#top-summary").render())
    run(check)


def test_tree_g_reveals_the_growth_path_from_main_main():
    async def check(app, pilot):
        await press(app, pilot, "2")
        await press(app, pilot, "g")
        tree = app.query_one(CallTreeView)
        node, chain = tree.cursor_node, []
        while node is not None and node.data is not None:
            chain.append(node.data.name)
            node = node.parent
        assert chain[:4] == ["main.(*Cache).Insert", "main.handleRequest", "main.serve", "main.main"]
        await press(app, pilot, "k")  # the tree keeps the keys once the path is unfolded
        assert tree.cursor_node.data.name == "main.handleRequest"
    run(check)


def test_tree_vim_keys_move_open_and_close():
    async def check(app, pilot):
        await press(app, pilot, "2")  # the tree opens at Top's selection, a leaf
        tree = app.query_one(CallTreeView)
        leaf = tree.cursor_node
        await press(app, pilot, "h")  # a closed node: to its parent
        parent = tree.cursor_node
        assert parent is leaf.parent and parent.is_expanded
        await press(app, pilot, "h")  # an open one: close it
        assert tree.cursor_node is parent and not parent.is_expanded
        await press(app, pilot, "l", "j")  # open it again, and down to its first child
        assert parent.is_expanded and tree.cursor_node is parent.children[0]
    run(check)


def test_b_toggles_the_tree_to_callers():
    async def check(app, pilot):
        await press(app, pilot, "2")
        await press(app, pilot, "b")
        tree = app.query_one(CallTreeView)
        assert tree.bottom_up and tree.root.children[0].data.name == "main.(*Cache).Insert"
    run(check)


def test_peek_lists_callers_and_enter_walks_to_one():
    async def check(app, pilot):
        await press(app, pilot, "3")
        rows = app.query_one("#peek-callers", RowTable).rows  # callers have their own table
        assert rows[0][3] == "main.handleRequest"
        await press(app, pilot, "enter")
        assert app.selected.name == "main.handleRequest"
    run(check)


def test_flame_draws_the_icicle_and_zooms_with_z_and_esc():
    def laid_out_from(flame, root: str) -> bool:
        """The flame view has focus and rows, with `root` leftmost on top."""
        return flame.app.focused is flame and bool(flame.rows) and not flame.loading and \
            flame.rows[0][0][2].name == root

    async def check(app, pilot):
        await press(app, pilot, "4")
        flame = app.query_one(FlameView)
        assert laid_out_from(flame, "runtime.main")
        await press(app, pilot, "k", "k", "k", "z")  # from the Insert frame up to main.main
        assert laid_out_from(flame, "main.main")  # zoomed into main.main: it, then its callees
        assert flame.rows[1][0][2].name == "main.serve"
        assert [n.name for n in flame.zoom] == ["main.main"]
        await press(app, pilot, "escape")
        assert laid_out_from(flame, "runtime.main")
        assert not flame.zoom
    run(check)


def test_flame_lays_out_once_when_opened_not_again_for_its_own_loading_indicator(monkeypatch):
    widths = []
    lay_out = flame_view.lay_out
    monkeypatch.setattr(flame_view, "lay_out", lambda tree, zoom, width, granularity:
                        widths.append(width) or lay_out(tree, zoom, width, granularity))

    async def check(app, pilot):
        await press(app, pilot, "4")
        assert widths == [SIZE[0]]
    run(check)


def test_source_view_shows_line_deltas_for_the_selected_function():
    async def check(app, pilot):
        await press(app, pilot, "5")
        text = app.query_one(SourceView).query_one(TextPanel).text  # the view scrolls it
        assert "main.(*Cache).Insert" in text or "c.entries" in text or "+" in text
    run(check, source_dir=str(SAMPLES / "programs"))


def test_memory_view_shows_the_waterfall_and_findings():
    async def check(app, pilot):
        await press(app, pilot, "6")
        text = app.query_one(MemoryView).query_one(TextPanel).text  # the view scrolls it
        assert "profile_inuse" in text and "Leading cause" in text and "free_retained" in text
    run(check)


def test_retainers_view_labels_evidence():
    async def check(app, pilot):
        await press(app, pilot, "7")
        rows = table_rows(app, RetainersView)
        assert rows and all(r[3] in ("binary", "source", "heuristic") for r in rows)
    run(check)


def test_timeline_view_of_a_capture_puts_the_leak_first_after_the_memory_rows(tmp_path):
    capture = make_capture(tmp_path / "cap", [LEAKY / "base", LEAKY / "later", LEAKY / "later"])

    async def check(app, pilot):
        assert table_rows(app, TopView)[0][-1] == "main.(*Cache).Insert"  # last against first
        await press(app, pilot, "8")
        rows = table_rows(app, TimelineView)
        assert [r[-1] for r in rows[:3]] == ["RSS", "HeapAlloc", "HeapInuse"]
        assert rows[3][0] == "grower" and rows[3][-1] == "main.(*Cache).Insert"
        assert "3 rounds" in str(app.query_one("#timeline-title").render())
    run(check, [capture])


def test_moving_onto_a_timeline_function_selects_it_and_enter_peeks_at_it(tmp_path):
    capture = make_capture(tmp_path / "cap", [LEAKY / "base", LEAKY / "later", LEAKY / "later"])

    async def check(app, pilot):
        await press(app, pilot, "8", "j", "j", "j", "j")  # past RSS, HeapAlloc, HeapInuse
        second = table_rows(app, TimelineView)[4][-1]
        assert app.selected.printable_name() == second
        await press(app, pilot, "enter")
        assert app.query_one("TabbedContent").active == "peek"
        assert str(app.query_one("#peek-title").render()).startswith(second)
    run(check, [capture])


def test_timeline_view_squeezes_a_long_capture_into_its_trend_column_up_to_the_last_round(tmp_path):
    capture = make_capture(tmp_path / "cap", [LEAKY / "base"] * 29 + [LEAKY / "later"])

    async def check(app, pilot):
        await press(app, pilot, "8")
        leak = next(r for r in table_rows(app, TimelineView) if r[-1] == "main.(*Cache).Insert")
        assert len(leak[5]) <= 24 and leak[5].endswith("█")
    run(check, [capture])


def test_timeline_view_without_a_capture_says_how_to_get_one():
    async def check(app, pilot):
        await press(app, pilot, "8")
        assert not table_rows(app, TimelineView)
        assert "heapdiff capture URL" in str(app.query_one("#timeline-title").render())
    run(check)


@pytest.mark.parametrize("key, check_settings", [
    ("s", lambda s: s.sample_type == "alloc_objects"),
    ("G", lambda s: s.granularity == "filefunctions"),
    ("d", lambda s: s.mode == "base"),
    ("n", lambda s: s.normalize),
    ("f", lambda s: s.focus == ("main.(*Cache).Insert",)),
    ("i", lambda s: s.ignore == ("main.(*Cache).Insert",)),
])
def test_setting_keys_reanalyse(key, check_settings):
    async def check(app, pilot):
        await press(app, pilot, key)
        assert check_settings(app.analysis.settings)
    run(check)


def test_normalize_scales_the_tree_as_it_scales_the_rows():
    async def check(app, pilot):
        await press(app, pilot, "n", "2")
        tree = app.analysis.tree(False)
        assert sum(node.new for node in tree.children()) == app.analysis.diff.new_total
        assert app.analysis.diff.new_total != app.analysis.new.values[:, -1].sum()
    run(check)


def test_ignore_removes_the_function_from_the_rows():
    async def check(app, pilot):
        await press(app, pilot, "i")
        await loaded(app, pilot)
        assert all(r[-1] != "main.(*Cache).Insert" for r in table_rows(app, TopView))
    run(check)


def test_m_writes_the_markdown_report_and_says_where(tmp_path):
    target = tmp_path / "report.md"

    async def check(app, pilot):
        await press(app, pilot, "m")
        assert target.read_text().startswith("# heapdiff report")
    run(check, report_path=str(target))


def test_question_mark_opens_help():
    async def check(app, pilot):
        await press(app, pilot, "question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await press(app, pilot, "escape")
        assert type(app.screen).__name__ != "HelpScreen"
    run(check)


def test_the_palette_lists_every_action_once_by_a_human_title():
    async def check(app, pilot):
        commands = list(app.get_system_commands(app.screen))
        titles = [c.title for c in commands]
        for expected in ("Next sample type", "Next granularity", "Switch the diff mode",
                         "Normalize", "Focus on the selected function",
                         "Ignore the selected function", "Write the Markdown report", "Search",
                         "Help", "Show flame"):
            assert expected in titles
        assert len(titles) == len(set(titles)) and titles.count("Quit") == 1
        assert not any(c.help.startswith("key ") for c in commands)
        assert "(key /)" in next(c.help for c in commands if c.title == "Search")
        await press(app, pilot, "2", "slash", *"main", "enter")  # n is the next match now
        next(c for c in commands if c.title == "Normalize").callback()
        await loaded(app, pilot)
        assert app.settings.normalize  # the palette's Normalize still normalizes
    run(check)


def test_hostile_names_display_literally(tmp_path):
    evil = "main.[bold]x[/bold]\x1b[31mred" + "y" * 300
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", evil, "main.b", "main.c", "x.go"]
    base, new = tmp_path / "b.pb", tmp_path / "n.pb"
    base.write_bytes(heap_profile([([1, 2, 3], [1, 16])], strings=strings))
    new.write_bytes(heap_profile([([1, 2, 3], [9, 144])], strings=strings))

    async def check(app, pilot):
        rows = table_rows(app, TopView)
        assert rows[0][-1].startswith("main.[bold]x[/bold]\\x1b[31mred")
        for key in "234567":
            await press(app, pilot, key)
        assert app.is_running
    run(check, paths=[new], base=[base])


def test_a_strange_profile_does_not_crash(tmp_path):
    empty = tmp_path / "empty.pb"
    empty.write_bytes(heap_profile([]))

    async def check(app, pilot):
        for key in "1234567sGdn":
            await press(app, pilot, key)
        assert app.is_running
    run(check, paths=[empty])


def test_escape_clears_and_closes_the_filter():
    async def check(app, pilot):
        await pilot.press("slash")
        await pilot.press(*"Session")
        await loaded(app, pilot)
        assert len(table_rows(app, TopView)) == 1
        await press(app, pilot, "escape")
        assert not app.query_one("#top-filter").display
        assert len(table_rows(app, TopView)) > 1
        await press(app, pilot, "2")
        assert app.query_one("TabbedContent").active == "tree"  # keys reach the app again
    run(check)


def test_switching_back_to_the_tree_keeps_it_as_it_was():
    async def check(app, pilot):
        await press(app, pilot, "2", "g")
        tree = app.query_one(CallTreeView)
        expanded = tree.cursor_node
        await press(app, pilot, "1", "2")
        assert tree.cursor_node is expanded
    run(check)
