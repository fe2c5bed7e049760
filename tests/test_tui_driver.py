"""The TUI's input driver: Textual's Linux driver, woken when a lone Esc is due."""
from __future__ import annotations

import asyncio
import os
import threading
import sys
import time

import pytest

from tui.driver import driver_class

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")


def test_the_fast_escape_driver_is_used_with_this_textual():
    from textual.drivers.linux_driver import LinuxDriver

    assert driver_class() is not None and issubclass(driver_class(), LinuxDriver)


def test_a_lone_escape_arrives_after_escdelay_not_after_the_input_poll(monkeypatch):
    """The driver's own input loop on a pipe: Esc alone must come out well before Textual's
    100 ms poll would have let it (ESCDELAY is 25 ms here)."""
    from textual import constants, events

    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.025)
    read_end, write_end = os.pipe()
    arrived: list[float] = []

    class App:  # the driver only hands messages to the app's loop; here we time them
        _driver = None

    async def make():  # a driver is made inside the app's event loop
        return driver_class()(App(), debug=False, size=(80, 24))

    driver = asyncio.run(make())
    driver.fileno = read_end
    driver.process_message = lambda m: arrived.append(time.monotonic()) \
        if isinstance(m, events.Key) and m.key == "escape" else None
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        time.sleep(0.15)  # the loop is in its idle poll
        sent = time.monotonic()
        os.write(write_end, b"\x1b")
        deadline = sent + 1
        while not arrived and time.monotonic() < deadline:
            time.sleep(0.002)
    finally:
        driver.exit_event.set()
        thread.join(1)
        os.close(write_end)
        os.close(read_end)
    assert arrived, "Esc never arrived"
    assert arrived[0] - sent < 0.08
