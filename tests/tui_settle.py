"""Waiting for the TUI as a test must: until its workers are done, not for a guessed time; and
the TUI run through the CLI, headless."""
from __future__ import annotations

import contextlib

from textual.pilot import Pilot
from textual.worker import WorkerCancelled


async def settled(pilot: Pilot) -> None:
    """Until no worker runs and the screen is idle. A worker's result, handled on the event
    loop, can start more workers (the analysis starts the views'), so wait again until a
    pause starts none. A worker cancelled by a newer one (exclusive) is simply done."""
    await pilot.pause()
    while running := [w for w in pilot.app.workers if w.is_running]:
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete(running)
        await pilot.pause()


def through_the_cli(monkeypatch, argv: list[str], check=None, size=(80, 24)) -> int:
    """`heapdiff tui ARGV` as the CLI runs it, the app headless: check(app, pilot) once it
    has settled, then q."""
    from textual.app import App

    from heapdiff import cli
    from tui.app import HeapdiffApp

    async def drive(pilot):
        await settled(pilot)
        if check is not None:
            await check(pilot.app, pilot)
        await pilot.press("q")

    monkeypatch.setattr(HeapdiffApp, "run",
                        lambda self: App.run(self, headless=True, size=size, auto_pilot=drive))
    return cli.main(["tui", *argv])
