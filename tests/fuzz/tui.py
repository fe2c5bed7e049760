"""The TUI as a fuzz target: `heapdiff tui ...` runs through the CLI as a user starts it, but
the app is driven headless (Textual's Pilot) instead of taking the terminal: it visits every
view and the keys that compute something (growth path, callers, granularity, report), then
prints each screen's text, so the classifier sees what a user would (a raw control character
there is an escape). A failure the app shows instead of crashing (a view's error toast, a load
that failed with something other than an InputError) is raised as a SwallowedError: to the
fuzzer it is a defect all the same."""
from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner imports this module for STEPS: Textual only where it drives
    from textual.app import App

# each view by its number, then the keys that start work: g (growth path), b (callers),
# G (the next granularity), m (the Markdown report)
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "g", "b", "G", "m")
SIZE = (80, 24)
STEPS = 1 + len(KEYS)  # the load, then each key: each has the worker's whole timeout
# how the app words an exception that is not an InputError (tui/app.py: refresh_view,
# prepare, write_report, _failed)
SWALLOWED = re.compile(r"\A(?:heapdiff: .*cannot analyse these inputs: |[\w-]+: )"
                       r"([A-Z]\w*(?:Error|Exception|Iteration|Interrupt|Exit))\b")


class SwallowedError(Exception):
    """An exception the app caught and showed; its signature names the type and where."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind} shown by the TUI: {message[:300]}")
        self.signature = f"{kind} shown by the TUI ({message.split(':')[0][:40]})"


def screen_text(app: App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def no_watchdog() -> None:
    pass


restart_watchdog: Callable[[], None] = no_watchdog  # the worker's, set by install


async def drive(app) -> None:
    from tui_settle import settled
    told: list[str] = []
    tell = app.tell
    app.tell = lambda message, **kw: (told.append(message) if kw.get("severity") == "error"
                                      else None, tell(message, **kw))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        screens = [screen_text(app)]
        for key in KEYS:
            if app.return_code is not None:  # the load failed: the app is leaving
                break
            restart_watchdog()  # a hang is one step over the timeout, not a slow session
            await pilot.press(key)
            await settled(pilot)
            screens.append(screen_text(app))
    sys.stdout.write("\n\n".join(screens) + "\n")
    if app.failure is not None:
        told.append(f"heapdiff: {app.failure}")
    for message in told:
        if found := SWALLOWED.match(message):
            raise SwallowedError(found.group(1), message)


def run_headless(app) -> None:
    """HeapdiffApp.run in the fuzz worker: the app driven by a Pilot, not a terminal."""
    asyncio.run(drive(app))


def install(watchdog: Callable[[], None] = no_watchdog) -> None:
    """Make `heapdiff tui` in this process run headless (the worker calls this once, with
    what restarts its hang watchdog before each key)."""
    global restart_watchdog
    from tui.app import HeapdiffApp
    HeapdiffApp.run = run_headless  # type: ignore[method-assign]
    restart_watchdog = watchdog
