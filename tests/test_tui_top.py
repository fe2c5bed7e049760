"""Top and its table as a user meets them: under NO_COLOR, at 80, 160 and 220 columns, on one
profile, with huge counts, sorted either way by any column, filtered without a keyboard trap."""
from __future__ import annotations

import asyncio
import json

import pytest

from pbwire import heap_profile
from support import SAMPLES, run_heapdiff
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.state import Settings
from tui.views.top import TopView
from tui.widgets.rowtable import RowTable

LEAKY = SAMPLES / "leaky_cache"


def run(check, size=(80, 24), new=(LEAKY / "later",), base=(LEAKY / "base",), settings=None):
    async def main():
        app = HeapdiffApp([str(p) for p in new], [str(p) for p in base])
        if settings:
            app.settings = settings
        async with app.run_test(size=size) as pilot:
            await settled(pilot)
            await check(app, pilot)
    asyncio.run(main())


async def keys(pilot, *pressed: str) -> None:
    for key in pressed:
        await pilot.press(key)
        await settled(pilot)


def screen(app) -> list[str]:
    """The lines on the terminal, as the user sees them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def table(app) -> RowTable:
    return app.query_one(TopView).query_one(RowTable)


def header(app) -> str:
    return table(app).render_line(0).text


def line_with(app, *parts: str) -> str:
    """The first line on screen that holds every part."""
    return next(line for line in screen(app) if all(p in line for p in parts))


def test_no_color_draws_a_short_table_and_growth_is_not_dimmer_than_shrink(monkeypatch):
    """NO_COLOR (read by Textual's App at construction) turned every blank cell into an
    AttributeError; and red/green in grey made growth the dimmer."""
    monkeypatch.setenv("NO_COLOR", "1")

    async def check(app, pilot):
        assert app.no_color
        await keys(pilot, "slash", *"Put|Insert", "enter")  # two rows, blank lines below
        assert app.is_running and app.return_code is None
        lines = screen(app)
        assert any("main.(*Cache).Insert" in line for line in lines)
        t = table(app)
        growth, shrink = (list(t.render_line(1 + t.tones.index(tone)))[0].style
                          for tone in (1, -1))
        assert growth.bold and not shrink.bold and not shrink.dim and not growth.dim
    run(check)


def test_enter_in_the_filter_gives_the_keys_back_for_good():
    """/ main Enter 5 1 2 q: the keys went into the hidden filter box (it read 12q)."""
    async def check(app, pilot):
        await keys(pilot, "slash", *"main", "enter")
        box = app.query_one("#top-filter")
        assert not box.display and app.focused is table(app)
        assert any(line.startswith("filter: main") for line in screen(app))
        await keys(pilot, "5")
        assert app.query_one("#tabs").active == "source" and app.focused is not box
        await keys(pilot, "1")
        assert app.focused is table(app)
        rows = table(app).rows
        assert rows and all("main" in r[-1] for r in rows)  # still filtered, and said so
        assert any(line.startswith("filter: main") for line in screen(app))
        await keys(pilot, "2")
        assert app.query_one("#tabs").active == "tree" and box.value == "main"
        await keys(pilot, "1", "escape")
        assert not any(line.startswith("filter:") for line in screen(app))
        assert len(table(app).rows) > len(rows)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    run(check)


@pytest.mark.parametrize("view", ["5", "6"])
def test_the_exact_trap_sequence_ends_with_q_quitting(view):
    async def check(app, pilot):
        await keys(pilot, "slash", *"main", "enter", view, "1", "2")
        assert app.query_one("#top-filter").value == "main"  # not "12"
        assert app.query_one("#tabs").active == "tree"
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running and app.query_one("#top-filter").value == "main"
    run(check)


def test_80_columns_show_the_header_and_the_name_with_room_to_read_it():
    async def check(app, pilot):
        top = line_with(app, "main.(*Cache).Insert")
        assert top.index("main.(*Cache).Insert") <= 80 - 25  # >= 25 cells of name on screen
        head = line_with(app, "Δ flat", "name")
        assert "name" in head and "Δ cum" in head and "base flat" not in head
        assert "+41.7MiB" in top
    run(check, size=(80, 24))


@pytest.mark.parametrize("size", [(160, 45), (220, 60)])
def test_wide_terminals_show_every_column_without_scrolling(size):
    async def check(app, pilot):
        t = table(app)
        assert t.virtual_size.width <= t.size.width  # nothing to scroll sideways
        head = line_with(app, "base flat", "name")
        for title in ("new flat", "Δ flat", "flat Δ%", "flat%", "base cum", "Δ cum", "cum Δ%",
                      "cum%", "name"):
            assert title in head
        assert "main.(*Cache).Insert" in line_with(app, "+41.7MiB")
    run(check, size=size)


def test_scrolling_sideways_moves_the_header_with_the_data(tmp_path):
    async def check(app, pilot):
        t = table(app)
        before_header, before_row = header(app), t.render_line(1).text
        t.scroll_to(x=6, animate=False)
        await settled(pilot)
        assert t.scroll_offset.x == 6
        assert header(app).startswith(before_header[6:].rstrip()[:40])
        assert t.render_line(1).text.startswith(before_row[6:].rstrip()[:40])
    long_name = "main." + "x" * 200  # wider than the terminal: the table scrolls
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", long_name, "main.b",
               "main.c", "x.go"]
    run(check, new=[_profile(tmp_path, "n", [([1, 2, 3], [9, 144])], strings)],
        base=[_profile(tmp_path, "b", [([1, 2, 3], [1, 16])], strings)])


def _profile(where, name: str, samples, strings=None):
    path = where / f"{name}.pb"
    path.write_bytes(heap_profile(samples, strings=strings))
    return path


def test_huge_counts_keep_every_digit_in_one_format(tmp_path):
    """19,649,597 read 19_649_59 and 165,843,460,993 read 165_843_4 (cut at 9 cells)."""
    async def check(app, pilot):
        assert app.analysis.diff.sample_type.type == "inuse_objects"
        row = line_with(app, "main.leaf")
        assert "+165_823_811_396" in row  # Δ flat: every digit
        assert "165_843_460_993" in row or "165_843_460_993" in " ".join(table(app).rows[0])
        assert "19_649_597" in " ".join(table(app).rows[0])
        assert "base 19_649_597 -> new 165_843_460_993" in line_with(app, "sorted by")
        small = [c for r in table(app).rows for c in r[:10] if c.lstrip("+-").isdigit()]
        assert all(len(c.lstrip("+-")) < 4 for c in small)  # 1_538 style from 1,000 up
    run(check, size=(140, 40), settings=Settings(sample_type="inuse_objects"),
        new=[_profile(tmp_path, "n", [([1, 2, 3], [165_843_460_993, 144])])],
        base=[_profile(tmp_path, "b", [([1, 2, 3], [19_649_597, 16])])])


def test_a_single_profile_is_shown_as_top_shows_it_and_n_d_need_a_base():
    later = LEAKY / "later"
    expected = json.loads(run_heapdiff("top", "--format", "json", "--nodecount", "0",
                                       later).stdout)

    async def check(app, pilot):
        head = line_with(app, "flat%", "name")
        assert "cum%" in head and "Δ" not in head and "status" not in head
        t, top = table(app), app.query_one(TopView)
        assert set(t.tones) == {0}  # no growth colours: nothing grew from nothing
        by_name = {r["name"]: r for r in expected["rows"]}
        assert [r.name for r in top.shown] == [r["name"] for r in expected["rows"]]
        for shown in top.shown:
            assert (shown.new_flat, shown.new_cum) == (by_name[shown.name]["flat"],
                                                       by_name[shown.name]["cum"])
        first = t.rows[0]
        assert first[0] == "50.1MiB" and first[1] == f"{100 * 52585195 / expected['total']:.2f}%"
        assert app.analysis.diff.new_total == expected["total"]
        rows = list(t.rows)
        for key in ("n", "d"):
            await keys(pilot, key)
            assert t.rows == rows  # not emptied
            assert "there is none" in list(app._notifications)[-1].message
        assert app.settings.mode == "diff-base" and not app.settings.normalize
    run(check, size=(120, 30), base=())


def test_every_column_sorts_both_ways_marked_in_the_header():
    async def check(app, pilot):
        top, t = app.query_one(TopView), table(app)
        assert "Δ flat ▼" in header(app)
        await keys(pilot, "o")
        assert "flat Δ% ▼" in header(app)
        assert "sorted by flat Δ% ▼" in line_with(app, "sorted")
        await keys(pilot, "O")
        assert "flat Δ% ▲" in header(app)
        names = [r[-1] for r in t.rows]
        await keys(pilot, "O")
        assert [r[-1] for r in t.rows] == names[::-1]
        for _ in range(len(top.table_columns) - 1 - top.column):
            await keys(pilot, "o")
        assert "name ▲" in header(app)
        assert [r[-1] for r in t.rows] == sorted(r[-1] for r in t.rows)
        await keys(pilot, "O")
        assert [r[-1] for r in t.rows] == sorted((r[-1] for r in t.rows), reverse=True)
    run(check, size=(160, 45))


def test_clicking_a_title_sorts_by_it_and_again_reverses():
    async def check(app, pilot):
        t = table(app)
        x = header(app).index("Δ cum")
        await pilot.click(t, offset=(x + 1, 0))
        await settled(pilot)
        assert "Δ cum ▼" in header(app)
        deltas = [r.delta_cum for r in app.query_one(TopView).shown]
        assert [abs(d) for d in deltas] == sorted((abs(d) for d in deltas), reverse=True)
        await pilot.click(t, offset=(x + 1, 0))
        await settled(pilot)
        assert "Δ cum ▲" in header(app)
    run(check, size=(160, 45))


def test_cum_relative_change_and_shares_of_the_total():
    async def check(app, pilot):
        top = app.query_one(TopView)
        cells = dict(zip((c.column.title for c in top.table_columns), table(app).rows[0]))
        total = app.analysis.diff.total
        assert cells["cum Δ%"].endswith("%") and cells["cum Δ%"].startswith("+")
        assert cells["flat%"] == f"{100 * top.shown[0].delta_flat / total:.2f}%"
        assert cells["cum%"] == f"{100 * top.shown[0].delta_cum / total:.2f}%"
    run(check, size=(160, 45))


def test_an_invalid_regex_says_so_instead_of_keeping_the_old_filter_silently():
    async def check(app, pilot):
        await keys(pilot, "slash", *"Put")
        kept = list(table(app).rows)
        await keys(pilot, "(")
        said = line_with(app, "invalid regex")
        assert "missing )" in said and "Put" in said
        assert app.query_one("#top-filter").has_class("invalid")
        await keys(pilot, "enter")  # not kept: the box stays to fix it
        assert app.focused is app.query_one("#top-filter")
        await keys(pilot, "backspace", "enter")
        assert not any("invalid regex" in line for line in screen(app))
        assert table(app).rows == kept and app.focused is table(app)
    run(check, size=(120, 30))


def test_the_timeline_groups_counts_as_top_does():
    """25750 in one view and 152_191 in another: every count cell is grouped the same way."""
    import re
    grouped = re.compile(r"\A[+-]?\d{1,3}(_\d{3})*\Z")

    async def check(app, pilot):
        await keys(pilot, "8")
        rows = app.query_one("#timeline-table", RowTable).rows
        counts = [c.removesuffix("/min") for r in rows for c in r[1:5]
                  if c.lstrip("+-").removesuffix("/min").replace("_", "").isdigit()]
        assert any(len(c.lstrip("+-").replace("_", "")) >= 4 for c in counts)  # to group
        assert all(grouped.match(c) for c in counts), counts
        assert not any("e+" in c for r in rows for c in r[1:5])  # no 6.81e+04/min
    run(check, size=(160, 45), new=[SAMPLES / "leaky_service" / "capture"], base=(),
        settings=Settings(sample_type="inuse_objects"))


def test_clicking_another_tab_while_typing_a_filter_leaves_no_focus_in_the_hidden_box():
    async def check(app, pilot):
        await keys(pilot, "slash", *"Se")
        await pilot.click("#--content-tab-tree")
        await settled(pilot)
        box = app.query_one("#top-filter")
        assert app.query_one("#tabs").active == "tree"
        assert app.focused is not box and not box.display
        await keys(pilot, "1")
        assert all("Se" in r[-1] for r in table(app).rows)  # the filter typed is kept
        assert any(line.startswith("filter: Se") for line in screen(app))
        await keys(pilot, "o")
        assert box.value == "Se" and "flat Δ% ▼" in header(app)  # keys act as keys
    run(check, size=(120, 30))
