"""The Memory, Source, Peek and Tree views at 80×24, through Textual's Pilot: what they show
(the same rows as the CLI, the figures of the engine) and how they move."""
from __future__ import annotations

import asyncio
import re

from support import SAMPLES
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.views.memory import MemoryView
from tui.views.source import SourceView
from tui.widgets.textpanel import TextPanel

LEAKY = SAMPLES / "leaky_cache"
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
