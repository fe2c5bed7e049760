"""The Flame view as a user meets it at 80×24: the frame under the cursor is the selection
(keys, clicks, and the selection made in Top carried in), its readout gives the diff's figures,
zoom keeps the zoomed frame, narrow callees are summed, and NO_COLOR draws without colour."""
from __future__ import annotations

import asyncio

from textual import events

from pbwire import heap_profile
from support import SAMPLES
from tui_settle import settled
from heapdiff.analysis.calltree import TreeNode
from heapdiff.common.units import human
from heapdiff.render.format import change_percent, signed
from tui.app import HeapdiffApp
from tui.views.flame import FOOT, HEAD, FlameView
from tui.views.flamelayout import Other, extent

LEAKY = SAMPLES / "leaky_cache"
SIZE = (80, 24)
INSERT = "main.(*Cache).Insert"


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def run(check, paths=(LEAKY,), base=()):
    async def main():
        app = HeapdiffApp([str(p) for p in paths], [str(p) for p in base])
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await check(app, pilot)
    asyncio.run(main())


def lines(flame: FlameView) -> list[str]:
    """What the view draws, line by line."""
    return ["".join(s.text for s in flame.render_line(y)).rstrip()
            for y in range(flame.size.height)]


def frame_names(flame: FlameView) -> list[list[str]]:
    return [[node.name for _, _, node in row] for row in flame.rows]


def test_no_color_draws_the_flame_and_marks_growth_bold_and_shrink_plain(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the app is made

    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        assert app.no_color and app.return_code is None
        drawn = lines(flame)
        assert drawn[HEAD].startswith("+runtime.main")
        assert any(line.startswith(f"+{INSERT}") for line in drawn)
        strips = [flame.render_line(y) for y in range(HEAD, HEAD + len(flame.rows))]
        styles = {s.text[0]: s.style for strip in strips for s in strip if s.text[:1] in "+−"}
        assert styles["+"].bold and not styles["−"].bold  # growth never the dimmer
        assert "+bold grew" in drawn[-1] and "−plain shrank" in drawn[-1]
    run(check)


def test_opening_flame_after_selecting_row_2_in_top_puts_the_cursor_on_its_widest_frame():
    async def check(app, pilot):
        await press(pilot, "j")
        chosen = app.selected
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        node = flame.node()
        assert isinstance(node, TreeNode) and node.info == chosen == app.selected
        assert node.name == "main.(*SessionRing).Put"
        widest = max(w for row in flame.rows for _, w, n in row
                     if isinstance(n, TreeNode) and n.info == chosen)
        assert flame.rows[flame.selected[0]][flame.selected[1]][1] == widest
        assert lines(flame)[0] == "main.(*SessionRing).Put  (this call path)"
    run(check)


def test_opening_flame_after_selecting_row_3_in_top_says_it_is_too_small_to_draw():
    """Row 3, runtime/metrics.runtime_readMetrics, is far under one cell, below an "other"
    box: no frame is under the cursor, and the readout names the selection with its figures
    in the diff (what f, i and Enter act on)."""
    async def check(app, pilot):
        await press(pilot, "j", "j")
        chosen = app.selected
        assert chosen.name == "runtime/metrics.runtime_readMetrics"
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        assert flame.node() is None and app.selected == chosen
        row = next(r for r in app.analysis.diff.rows if r.info == chosen)
        assert lines(flame)[:2] == [f"{chosen.name}  (not drawn here: too narrow or too deep)",
                                    f"base 0B → new {human(row.new_cum, 'bytes')}  "
                                    f"Δ +{human(row.new_cum, 'bytes')} = +0.1% of total"]
        await press(pilot, "l")  # a key moves onto a frame again: the top one
        assert flame.node().name == "runtime.main" == app.selected.name
    run(check)


def test_the_cursor_on_an_other_box_says_the_selection_is_among_them(tmp_path):
    async def check(app, pilot):
        await press(pilot, "4", "k", "k", "j", "l")
        flame = app.query_one(FlameView)
        other = flame.node()
        assert isinstance(other, Other) and app.selected.name == "main.big"
        assert lines(flame)[0] == f"other ({NARROW:,} functions)  (too narrow to draw one by one)"
        app.selected = other.members[7].info
        await press(pilot, "1", "4")
        assert flame.node() is other
        assert lines(flame)[0].endswith(f"(among them the selection, {other.members[7].name})")
    run(check, *narrow_pair(tmp_path))


def test_f_after_opening_and_moving_in_flame_focuses_on_the_flame_frames_function():
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        assert flame.node().name == INSERT  # Top's selection, carried in
        await press(pilot, "k", "k", "l")  # main.serve's neighbour: main.loadConfig
        assert flame.node().name == "main.loadConfig" == app.selected.name
        await press(pilot, "f")
        assert app.settings.focus == ("main.loadConfig",)
    run(check)


def test_enter_in_flame_peeks_at_the_frames_function():
    async def check(app, pilot):
        await press(pilot, "4", "k", "k", "l", "enter")
        assert app.query_one("#tabs").active == "peek"
        assert app.selected.name == "main.loadConfig"
    run(check)


def box_at(flame: FlameView, name: str) -> tuple[int, int]:
    """The screen offset of a cell inside the first frame called `name`."""
    for y, row in enumerate(flame.rows):
        for x, w, node in row:
            if node.name == name:
                return x + w // 2, HEAD + y - flame.top
    raise AssertionError(name)


def test_a_click_selects_a_frame_a_double_click_zooms_and_the_zoom_path_goes_back():
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        await pilot.click(FlameView, offset=box_at(flame, "main.loadConfig"))
        await settled(pilot)
        assert flame.node().name == app.selected.name == "main.loadConfig"
        await pilot.click(FlameView, offset=box_at(flame, "main.serve"), times=2)
        await settled(pilot)
        assert [n.name for n in flame.zoom] == ["main.serve"]
        assert frame_names(flame)[0] == ["main.serve"] and app.selected.name == "main.serve"
        await pilot.click(FlameView, offset=box_at(flame, "main.handleRequest"), times=2)
        await settled(pilot)
        zoomed = lines(flame)[-FOOT]
        assert zoomed.startswith("zoom: all › main.serve › main.handleRequest")
        await pilot.click(FlameView, offset=(zoomed.index("main.serve"), flame.size.height - FOOT))
        await settled(pilot)  # back to main.serve, the cursor on the frame left
        assert [n.name for n in flame.zoom] == ["main.serve"]
        assert flame.node().name == "main.handleRequest"
        await pilot.click(FlameView, offset=(zoomed.index("all"), flame.size.height - FOOT))
        await settled(pilot)
        assert not flame.zoom and flame.node().name == "main.serve"
    run(check)


def test_the_readout_gives_the_diffs_figures_of_the_selected_frame():
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        d = app.analysis.diff
        row = next(r for r in d.rows if r.name == INSERT)
        unit = d.sample_type.unit
        drawn = lines(flame)
        assert drawn[0] == f"{INSERT}  (this call path)"
        assert drawn[1] == (
            f"base {human(row.base_cum, unit)} → new {human(row.new_cum, unit)}  "
            f"Δ {signed(row.delta_cum, unit)} = {100 * row.delta_cum / d.total:+.1f}% of total, "
            f"{change_percent(row.delta_cum, row.base_cum)} of its base")
        assert drawn[1].startswith("base 8.5MiB → new 50.1MiB  Δ +41.7MiB")
        assert drawn[-1] == "  grew    shrank    same · brighter: larger Δ · width: size"
    run(check)


def test_zoom_keeps_the_zoomed_frame_as_the_root_row_and_esc_goes_back_to_it():
    async def check(app, pilot):
        await press(pilot, "4", "k", "k", "k", "z")  # main.main
        flame = app.query_one(FlameView)
        assert frame_names(flame)[0] == ["main.main"] and frame_names(flame)[1][0] == "main.serve"
        assert flame.rows[0][0][:2] == (0, SIZE[0]) and flame.node().name == "main.main"
        assert lines(flame)[HEAD].startswith("main.main")
        assert "zoom: all › main.main" in lines(flame)[-FOOT]
        await press(pilot, "escape")
        assert frame_names(flame)[0] == ["runtime.main"] and flame.node().name == "main.main"
    run(check)


def test_a_recompute_keeps_the_zoomed_frame_where_it_still_exists():
    """s, d and n make a new call tree of the same functions: the zoom path is found again
    in it; G's nodes are others (file and function), so its flame starts from the roots."""
    async def check(app, pilot):
        await press(pilot, "4", "k", "k", "k", "z")  # main.main
        flame = app.query_one(FlameView)
        for key, changed in (("s", "sample_type"), ("d", "mode"), ("n", "normalize")):
            before = app.analysis
            await press(pilot, key)
            assert getattr(app.analysis.settings, changed) != getattr(before.settings, changed)
            assert [n.name for n in flame.zoom] == ["main.main"], key
            assert flame.zoom[0] in app.analysis.tree(False).children(flame.zoom[0].path.parent
                                                                      or ()), key
            assert frame_names(flame)[0] == ["main.main"], key
            assert "zoom: all › main.main" in lines(flame)[-FOOT], key
        await press(pilot, "G")
        assert not flame.zoom and frame_names(flame)[0][0] != "main.main"
        assert flame.rows[0][0][2] in app.analysis.tree(False).children(())
    run(check)


def test_zooming_into_a_leaf_shows_the_leaf_full_width():
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        assert flame.node().name == INSERT and not app.analysis.tree(False).children(
            flame.node().path)  # a leaf
        await press(pilot, "z")
        assert flame.rows == [[(0, SIZE[0], flame.zoom[-1])]]
        assert lines(flame)[HEAD].startswith(INSERT)
    run(check)


NARROW = 10_000


def narrow_pair(tmp_path) -> tuple[list, list]:
    """main.main calls main.big (a megabyte) and 10,000 functions of 100 bytes each: each
    is far under one cell, together they are a megabyte too. The base has main.big alone."""
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", "main.main", "main.big",
               *(f"main.f{k}" for k in range(NARROW))]
    locations = 2 + NARROW
    new = [([2, 1], [1, 1_000_000]), *(([3 + k, 1], [1, 100]) for k in range(NARROW))]
    base, later = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile([([2, 1], [1, 500_000])], locations=locations,
                                  strings=strings))
    later.write_bytes(heap_profile(new, locations=locations, strings=strings))
    return [later], [base]


def test_ten_thousand_narrow_callees_share_one_other_box_with_their_total(tmp_path):
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        callees = app.analysis.tree(False).children(flame.rows[0][0][2].path)
        below = flame.rows[1]
        assert [n.name for _, _, n in below] == ["main.big", f"other ({NARROW:,} functions)"]
        (_, big_width, big), (x, width, other) = below
        assert isinstance(other, Other) and x == big_width and width >= 1
        narrow = [n for n in callees if n.name != "main.big"]
        assert other.count == len(narrow) == NARROW
        assert other.new == sum(n.new for n in narrow) == NARROW * 100 and other.base == 0
        assert other.size == sum(map(extent, narrow))
        await press(pilot, "k", "k", "j", "l")
        assert flame.node() is other and lines(flame)[0].startswith(f"other ({NARROW:,}")
        assert "new 977KiB" in lines(flame)[1]
    run(check, *narrow_pair(tmp_path))


def test_zoom_answers_at_once_with_the_frames_known_while_the_layout_is_computed(monkeypatch):
    """The worker's layout made slow: the zoom still shows the zoomed frame on top at once,
    from the levels already computed, with no loading indicator hiding the flame."""
    import time

    from tui.views import flame as flame_view
    lay_out = flame_view.lay_out

    def slow(tree, *args):
        if not isinstance(tree, flame_view.Known):
            time.sleep(0.5)
        return lay_out(tree, *args)

    async def check(app, pilot):
        await press(pilot, "4", "k", "k", "k")
        flame = app.query_one(FlameView)
        monkeypatch.setattr(flame_view, "lay_out", slow)
        await pilot.press("z")
        assert not flame.loading and flame.pending
        assert frame_names(flame)[0] == ["main.main"] and flame.node().name == "main.main"
        assert lines(flame)[-FOOT] == "laying out the frames below…"
        await settled(pilot)
        assert not flame.pending and "zoom: all › main.main" in lines(flame)[-FOOT]
    run(check)


def test_a_single_profile_reads_as_a_profile_not_as_growth_from_nothing():
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        d = app.analysis.diff
        row = next(r for r in d.rows if r.name == INSERT)
        drawn = lines(flame)
        assert drawn[1] == f"{human(row.new_cum, 'bytes')} = {100 * row.new_cum / d.total:.1f}% of total"
        assert drawn[1] == "50.1MiB = 86.6% of total"  # as `heapdiff top` prints its cum%
        assert "no base" in drawn[-1] and "grew" not in drawn[-1]
    run(check, paths=[LEAKY / "later" / "heap.pb.gz"])


def test_up_goes_to_the_frames_caller_and_down_to_its_first_callee_not_a_neighbours():
    """In the service capture main.(*SessionStore).Remember is a leaf mid-row: k goes to its
    caller, j back to it, and j again stays (the nearest frame below is another's callee)."""
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        leaf = flame.node()
        assert leaf.name == "main.(*SessionStore).Remember"
        await press(pilot, "k")
        assert flame.node().name == "main.leakForever" == app.selected.name
        await press(pilot, "j")
        assert flame.node() is leaf
        await press(pilot, "j")
        assert flame.node() is leaf and app.selected == leaf.info
    run(check, paths=[SAMPLES / "leaky_service" / "capture"])


def test_a_layout_finishing_after_a_new_analysis_is_dropped(monkeypatch):
    """A zoom's layout made slow, G pressed meanwhile: the flame ends with the new
    analysis's frames, not with the old zoom's layout that finished last."""
    import time

    from tui.views import flame as flame_view
    lay_out, slow = flame_view.lay_out, []

    def slow_once(tree, *args):
        if not isinstance(tree, flame_view.Known) and not slow:
            slow.append(tree)
            time.sleep(2.0)
        return lay_out(tree, *args)

    async def check(app, pilot):
        await press(pilot, "4", "k", "k", "k")
        monkeypatch.setattr(flame_view, "lay_out", slow_once)
        await pilot.press("z")  # main.main: its layout takes 2 s
        await press(pilot, "G")
        await asyncio.sleep(2.5)  # settled() does not wait for the cancelled worker's end
        await pilot.pause()
        flame = app.query_one(FlameView)
        assert slow and app.analysis.settings.granularity == "filefunctions"
        roots = app.analysis.tree(False).children(())
        assert not flame.zoom and flame.rows[0][0][2] in roots
    run(check)


def chain_pair(tmp_path, depth: int = 30) -> tuple[list, list]:
    """main.d1 calls main.d2 ... calls main.d30, which allocates: a flame deeper than 80×24."""
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes",
               *(f"main.d{k}" for k in range(1, depth + 1))]
    stack = list(range(depth, 0, -1))  # leaf first
    base, later = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile([(stack, [1, 500])], locations=depth, strings=strings))
    later.write_bytes(heap_profile([(stack, [2, 1000])], locations=depth, strings=strings))
    return [later], [base]


def test_a_deep_flame_scrolls_to_the_cursor_and_with_the_wheel(tmp_path):
    async def check(app, pilot):
        await press(pilot, "4")
        flame = app.query_one(FlameView)
        body = flame.size.height - HEAD - FOOT
        assert flame.node().name == "main.d30" and len(flame.rows) == 30
        assert flame.top == 30 - body and lines(flame)[HEAD + body - 1].startswith("main.d30")
        for _ in range(3):
            await pilot._post_mouse_events([events.MouseScrollUp], FlameView, offset=(5, 5))
        await settled(pilot)
        assert flame.top == 30 - body - 3
        assert lines(flame)[HEAD].startswith(f"main.d{30 - body - 3 + 1}")
        assert flame.node().name == "main.d30"  # the wheel scrolls, the cursor stays
        await press(pilot, "k")  # the cursor's row comes back into sight
        assert flame.node().name == "main.d29" and flame.top == 28 - body + 1  # row 28
    run(check, *chain_pair(tmp_path))
