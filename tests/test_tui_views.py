"""The TUI's views by node identity and by their protocol: the selection is a node (not a
printed name), Source finds its lines at every granularity, and the list of views alone
drives the tabs, the number keys, the help, readiness and focus."""
from __future__ import annotations

import asyncio
import re
import threading

import pytest
from textual.widgets import Markdown, Static, Tab

from support import SAMPLES
from tui_settle import settled
from tui import state
from tui.app import HeapdiffApp
from tui.help import help_markdown
from tui.views import VIEWS
from tui.views.base import View
from tui.views.flame import FlameView
from tui.views.source import SourceView
from tui.views.tree import CallTreeView
from tui.widgets.textpanel import TextPanel

LEAKY = SAMPLES / "leaky_cache"
SOURCES = SAMPLES / "programs"
MAIN_GO = "heapdiff/samples/leaky_cache/main.go"
SIZE = (140, 40)


async def press(app, pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def run(check, app_class=HeapdiffApp, **kwargs):
    async def main():
        app = app_class([str(LEAKY)], [], **kwargs)
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await check(app, pilot)
    asyncio.run(main())


def source_text(app) -> str:
    """The header and the lines (a panel that scrolls): base, new, Δ of flat, then of cum."""
    view = app.query_one(SourceView)
    return f"{view.query_one('#source-header', Static).render()}\n{view.query_one(TextPanel).text}"


@pytest.mark.parametrize("presses, granularity", [
    (0, "functions"), (1, "filefunctions"), (2, "files"), (3, "lines"), (4, "addresses")])
def test_after_G_source_shows_the_selected_nodes_lines_with_figures(presses, granularity):
    async def check(app, pilot):
        await press(app, pilot, *["G"] * presses, "j", "k", "5")  # moved in Top, then Source
        assert app.analysis.settings.granularity == granularity
        text = source_text(app)
        assert "not found" not in text
        figures = r"\s+7\.9MiB\s+47\.6MiB\s+\+39\.8MiB" * 2  # flat, then cum
        assert re.search(rf"^\s+38{figures}\s+e := make\(\[\]byte, len\(val\)\)$", text, re.M)
        assert re.search(r"^\s+40(\s+640KiB\s+2\.5MiB\s+\+1\.9MiB){2}\s+c\.entries\[key\] = e$",
                         text, re.M)
    run(check, source_dir=str(SOURCES))


def test_source_of_a_file_shows_every_changed_line_of_it():
    async def check(app, pilot):
        await press(app, pilot, "G", "G", "5")
        assert app.selected.file == MAIN_GO and not app.selected.name
        assert re.search(r"^\s+51(\s+\S+){5}\s+-305KiB\s", source_text(app), re.M)  # Δ cum
    run(check, source_dir=str(SOURCES))


def test_source_lines_are_computed_in_a_worker_once_per_node(monkeypatch):
    calls = []
    node_lines = state.node_lines
    monkeypatch.setattr(state, "node_lines", lambda diff, node: calls.append(
        threading.current_thread() is threading.main_thread()) or node_lines(diff, node))

    async def check(app, pilot):
        await press(app, pilot, "5", "1", "5")
        assert calls == [False]
    run(check)


def test_the_selection_is_the_nodes_identity():
    async def check(app, pilot):
        assert app.selected == app.analysis.diff.rows[0].info
        await press(app, pilot, "j")
        assert app.selected == app.analysis.diff.rows[1].info
    run(check)


def test_moving_in_the_tree_and_the_flame_selects_their_node():
    async def check(app, pilot):
        await press(app, pilot, "2", "j", "j")
        assert app.selected == app.query_one(CallTreeView).cursor_node.data.info
        await press(app, pilot, "4", "j")
        flame = app.query_one(FlameView)
        assert flame.selected is not None and app.selected == flame.node().info
    run(check)


def test_peek_finds_a_file_by_identity_though_several_print_alike():
    async def check(app, pilot):
        await press(app, pilot, "G", "G", "3")
        assert str(app.query_one("#peek-title").render()).startswith(
            f"{MAIN_GO}: flat +41.7MiB, cum +41.7MiB")
    run(check)


def test_the_tabs_are_the_views_in_order_with_their_keys():
    async def check(app, pilot):
        assert [str(t.label) for t in app.query(Tab)] == [f"{v.key} {v.title}" for v in VIEWS]
    run(check)


def test_each_views_key_shows_it_and_focuses_what_it_says():
    async def check(app, pilot):
        for view_class in (*VIEWS[1:], VIEWS[0]):
            await press(app, pilot, view_class.key)
            view = app.query_one(view_class)
            assert app.query_one("TabbedContent").active == view_class.slug
            target = view.focus_target()
            assert target is None or app.focused is target
    run(check)


def test_the_help_lists_every_view_and_its_keys():
    text = help_markdown(VIEWS)
    assert f"- **1–{len(VIEWS)}**: " + ", ".join(v.title for v in VIEWS) + "\n" in text
    for view_class in VIEWS:
        for key, what in view_class.help:
            assert f"- **{key}**: {what}\n" in text


class EchoView(View, Static):
    """A view that only says what is selected, after computing the retainers."""

    slug, key, title = "echo", "0", "Echo"
    help = (("0", "Echo: the selected node"),)

    def heavy(self, analysis, selected):
        return analysis.pending(analysis.retainers)

    def show(self, analysis, selected) -> None:
        self.update(f"echo {selected.printable_name()}")


class EchoApp(HeapdiffApp):
    views = (*VIEWS, EchoView)


def test_a_view_added_to_the_list_gets_a_tab_a_key_help_and_its_heavy_part_first():
    async def check(app, pilot):
        await press(app, pilot, "0")
        assert app.query_one("TabbedContent").active == "echo"
        assert app.analysis.pending(app.analysis.retainers) is None
        assert str(app.query_one(EchoView).render()) == "echo main.(*Cache).Insert"
        await press(app, pilot, "question_mark")
        assert "- **0**: Echo: the selected node" in app.screen.query_one(Markdown).source
        assert "Show echo" in [c.title for c in app.get_system_commands(app.screen)]
    run(check, EchoApp)


def test_the_flame_sizes_a_delta_profiles_freed_memory_by_its_size():
    """Between two delta profiles main.loadTable freed 16 MiB on both sides: negative values,
    which still take their width."""
    async def check(app, pilot):
        await press(app, pilot, "4")
        flame = app.query_one(FlameView)
        names = {node.name for row in flame.rows for _, _, node in row}
        assert "main.loadTable" in names
        assert all(w >= 1 for row in flame.rows for _, w, _ in row)

    async def main():
        delta = SAMPLES / "delta"
        app = HeapdiffApp([str(delta / "heap-delta.pb.gz")], [str(delta / "allocs-delta.pb.gz")])
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await check(app, pilot)
    asyncio.run(main())
