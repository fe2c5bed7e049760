"""The Memory, Source, Peek and Tree views at 80×24, through Textual's Pilot: what they show
(the same rows as the CLI, the figures of the engine) and how they move."""
from __future__ import annotations

import asyncio
import re

from rich.style import Style
from textual import events
from textual.widgets import Static, TabbedContent

from support import REPO, SAMPLES
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.views.memory import MemoryView
from tui.views.source import FIGURE, SourceView, figures
from tui.views.tree import CallTreeView
from tui.widgets.rowtable import RowTable
from tui.widgets.textpanel import TextPanel

LEAKY = SAMPLES / "leaky_cache"
LIST_ORACLE = REPO / "tests" / "oracles" / "list"  # go tool pprof -list, by its generate
SOURCES = SAMPLES / "programs"
SIZE = (80, 24)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def run(check, paths=None, **kwargs):
    async def main():
        app = HeapdiffApp([str(p) for p in (paths or [LEAKY])], [], **kwargs)
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await check(app, pilot)
    asyncio.run(main())


def panel(app, view) -> TextPanel:
    return app.query_one(view).query_one(TextPanel)


def test_memory_leads_with_the_change_since_the_base_and_never_says_nothing_leaks():
    async def check(app, pilot):
        await press(pilot, "6")
        text = panel(app, MemoryView).text
        assert "How each row changed since the base:" in text
        assert re.search(r"^\s+profile_inuse\s+16\.5MiB\s+57\.9MiB\s+\+41\.4MiB$", text, re.M)
        assert re.search(r"^\s+free_retained\s+42\.0MiB\s+38\.62%\s+█+$", text, re.M)  # share
        assert "free heap pages the scavenger has not returned" in text  # the row's description
        assert "nothing leaks" not in text.lower()
        assert text.index("since the base") < text.index("free_retained: ")  # change first
    run(check)


def test_memory_scrolls_with_the_keys_at_80x24():
    async def check(app, pilot):
        await press(pilot, "6")
        memory = panel(app, MemoryView)
        assert app.focused is memory and memory.max_scroll_y > 0
        await press(pilot, "down")
        assert memory.scroll_y == 1
        await press(pilot, "pagedown")
        assert memory.scroll_y > 1 + 10
        await press(pilot, "end")
        assert memory.scroll_y == memory.max_scroll_y
        await press(pilot, "k")
        assert memory.scroll_y == memory.max_scroll_y - 1
    run(check)


def pprof_list(side: str) -> dict[int, tuple[int, int]]:
    """line -> (flat, cum) in bytes, as `go tool pprof -unit=B -list` printed them."""
    out = (LIST_ORACLE / f"leaky_cache_insert.{side}.txt").read_text()
    figure = lambda v: 0 if v == "." else int(v.rstrip("B"))  # noqa: E731
    return {int(m[3]): (figure(m[1]), figure(m[2]))
            for m in re.finditer(r"^\s*(\.|-?\d+B)\s+(\.|-?\d+B)\s+(\d+):", out, re.M)}


def test_source_scrolls_with_the_keys_at_80x24():
    async def check(app, pilot):
        await press(pilot, "5")
        source = panel(app, SourceView)
        assert app.focused is source and source.max_scroll_y > 0
        await press(pilot, "down", "down")
        assert source.scroll_y == 2
        await press(pilot, "pagedown")
        assert source.scroll_y > 2 + 10
        await press(pilot, "right")  # long lines scroll sideways: they are not wrapped
        assert source.scroll_x == 1
    run(check, source_dir=str(SOURCES))


def test_source_header_names_the_file_the_function_and_its_totals():
    async def check(app, pilot):
        await press(pilot, "5")
        head = str(app.query_one("#source-header", Static).render())
        assert "main.(*Cache).Insert  in " in head
        assert head.splitlines()[0].endswith("samples/programs/leaky_cache/main.go")
        assert "flat 8.5MiB → 50.1MiB (+41.7MiB), cum 8.5MiB → 50.1MiB (+41.7MiB)" in head
        assert re.search(r"line\s+base\s+new\s+Δ\s+base\s+new\s+Δ\s+source", head)
    run(check, source_dir=str(SOURCES))


def test_source_lines_show_base_new_and_delta_of_flat_and_cum_as_pprof_list():
    base, new, diff = (pprof_list(side) for side in ("base", "new", "diff"))
    assert {38, 40} <= set(diff)

    async def check(app, pilot):
        await press(pilot, "5")
        lines = app.analysis.source_lines(app.selected).lines
        shown = panel(app, SourceView).text.splitlines()
        for number, (delta_flat, delta_cum) in diff.items():
            row = lines.get(number)
            if row is None:  # unchanged: pprof shows "." or equal sides
                assert delta_flat == delta_cum == 0
                continue
            assert (row.base_flat, row.base_cum) == base[number]
            assert (row.new_flat, row.new_cum) == new[number]
            assert (row.delta_flat, row.delta_cum) == (delta_flat, delta_cum)
            [line] = [t for t in shown if re.match(rf"\s*{number}\s", t)]
            assert line.startswith(f"{number:>6}{figures(row, 'bytes')}  ")
    run(check, source_dir=str(SOURCES))


def names(app, table_id: str) -> list[str]:
    return [row[-1] for row in app.query_one(table_id, RowTable).rows]


def test_peek_puts_the_callers_above_the_node_and_the_callees_below():
    async def check(app, pilot):
        app.selected = app.analysis.node_named("main.handleRequest")
        await press(pilot, "3")
        assert names(app, "#peek-callers") == ["main.serve"]
        assert names(app, "#peek-callees")[0] == "main.(*Cache).Insert"
        assert "main.(*Cache).Insert" not in names(app, "#peek-callers")
        labels = [str(app.query_one(f"#peek-{part}").render()) for part in
                  ("callers-label", "title", "callees-label")]
        assert labels[0] == "callers (1) of main.handleRequest"
        assert labels[1].startswith("main.handleRequest: flat")
        assert labels[2] == f"callees ({len(names(app, '#peek-callees'))}) of main.handleRequest"
        ys = [app.query_one(f"#peek-{part}").region.y for part in
              ("callers-label", "callers", "title", "callees-label", "callees")]
        assert ys == sorted(ys) and len(set(ys)) == 5  # top to bottom, like pprof -peek
        await press(pilot, "tab", "enter")  # Tab to the callees, Enter walks to the first
        assert app.selected.name == "main.(*Cache).Insert"
        assert names(app, "#peek-callers")[0] == "main.handleRequest"
    run(check)


def test_esc_and_backspace_go_back_from_peek_to_the_view_it_was_opened_from():
    async def check(app, pilot):
        tabs = app.query_one(TabbedContent)
        await press(pilot, "6", "3")
        await press(pilot, "escape")
        assert tabs.active == "memory" and app.focused is panel(app, MemoryView)
        await press(pilot, "1", "enter")  # Enter in Top peeks at the node
        assert tabs.active == "peek"
        await press(pilot, "enter")  # walking inside Peek keeps where it came from
        await press(pilot, "backspace")
        assert tabs.active == "top"
    run(check)


def shown_nodes(app) -> list:
    """The tree's nodes on its lines, top to bottom (those under open nodes)."""
    nodes = []

    def walk(node):
        for child in node.children:
            nodes.append(child)
            if child.is_expanded:
                walk(child)
    walk(app.query_one(CallTreeView).root)
    return nodes


def test_tree_leaves_do_not_look_expandable():
    async def check(app, pilot):
        await press(pilot, "2", "g")  # down to main.(*Cache).Insert, which calls nothing
        tree = app.query_one(CallTreeView)
        leaves = [n for n in shown_nodes(app) if n.data.leaf]
        assert {"main.(*Cache).Insert", "main.loadConfig"} <= {n.data.name for n in leaves}
        assert not any(n.allow_expand for n in leaves)
        for leaf in leaves:
            shown = tree.render_label(leaf, Style(), Style()).plain
            assert "▶" not in shown and "▼" not in shown and shown.startswith("  ")
        inner = [n for n in shown_nodes(app) if not n.data.leaf]
        assert inner and all(n.allow_expand for n in inner)
        assert all(tree.render_label(n, Style(), Style()).plain[0] in "▶▼" for n in inner)
    run(check)


def test_tree_header_names_the_figures_and_says_b_switched_to_callers():
    async def check(app, pilot):
        await press(pilot, "2")
        tree = app.query_one(CallTreeView)
        assert "Δ cum" in tree.border_title and "new cum" in tree.border_title
        assert "top-down: callees below" in tree.border_title
        assert len(tree.border_title) <= SIZE[0] - 2  # the whole header fits at 80 columns
        await press(pilot, "b")
        assert tree.bottom_up and "bottom-up: callers below" in tree.border_title
        await press(pilot, "b")
        assert "top-down" in tree.border_title
    run(check)


def test_opening_tree_unfolds_the_path_to_the_node_selected_in_top():
    async def check(app, pilot):
        await press(pilot, "j", "j")  # a function three levels down in the call tree
        chosen = app.selected
        await press(pilot, "2")
        tree = app.query_one(CallTreeView)
        assert tree.cursor_node.data.info == chosen and app.selected == chosen
        path = []
        node = tree.cursor_node
        while node is not tree.root:
            path.append(node.data.name)
            node = node.parent
        assert path[-1] == "runtime.main" and len(path) > 3
        await press(pilot, "b")  # callers: the same node, now at the top level
        assert tree.cursor_node.data.info == chosen and tree.cursor_node.parent is tree.root
    run(check)


def test_source_of_a_single_profile_shows_flat_and_cum_as_pprof_list():
    new = pprof_list("new")

    async def check(app, pilot):
        await press(pilot, "5")
        head = str(app.query_one("#source-header", Static).render())
        assert "Δ" not in head and "base" not in head and re.search(r"line\s+flat\s+cum", head)
        lines = app.analysis.source_lines(app.selected).lines
        shown = panel(app, SourceView).text.splitlines()
        for number in (38, 40):
            assert (lines[number].new_flat, lines[number].new_cum) == new[number]
            [line] = [t for t in shown if re.match(rf"\s*{number}\s", t)]
            assert line.startswith(f"{number:>6}{figures(lines[number], 'bytes', single=True)}  ")
            assert "+" not in line[:6 + 2 * FIGURE]  # values, not changes
    run(check, paths=[LEAKY / "later"], source_dir=str(SOURCES))


def test_tree_and_peek_of_a_single_profile_show_its_figures_not_a_diff_against_nothing():
    async def check(app, pilot):
        await press(pilot, "2")
        tree = app.query_one(CallTreeView)
        assert tree.border_title.split("·")[0].split() == ["cum", "flat", "function"]
        first = tree.root.children[0]
        assert str(first.label).split()[:2] == ["57.9MiB", "0B"]  # runtime.main: cum, flat
        await press(pilot, "1", "3")
        callers = app.query_one("#peek-callers", RowTable)
        assert [c.title for c in callers.columns] == ["value", "function"]
        assert callers.rows[0] == ("50.1MiB", "main.handleRequest") and callers.tones == [0]
        assert str(app.query_one("#peek-title").render()) == \
            "main.(*Cache).Insert: flat 50.1MiB, cum 50.1MiB"
    run(check, paths=[LEAKY / "later"])


def test_the_mouse_wheel_scrolls_memory_and_source():
    async def check(app, pilot):
        for key, view in (("6", MemoryView), ("5", SourceView)):
            await press(pilot, key)
            scrolled = panel(app, view)
            x, y = scrolled.region.x + 5, scrolled.region.y + 5
            app.post_message(events.MouseScrollDown(None, x, y, 0, 1, 0, False, False, False,
                                                    screen_x=x, screen_y=y))
            await settled(pilot)
            assert scrolled.scroll_y > 0, view.__name__
    run(check, source_dir=str(SOURCES))
