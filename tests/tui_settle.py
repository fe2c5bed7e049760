"""Waiting for the TUI as a test must: until its workers are done, not for a guessed time."""
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
