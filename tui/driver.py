"""A Linux driver whose input thread wakes when a lone Esc is due, not on its next 100 ms poll.

Textual's `LinuxDriver.run_input_thread` (8.x) waits on `select(0.1)` and asks the parser for
timed-out escapes only when that wait ends, so a lone Esc is answered 100 ms after the key
whatever `ESCDELAY` says. This is that loop with one change: while the parser waits for the
rest of an escape sequence, the select waits only until the parser's deadline. Textual
versions whose internals differ keep their own driver (`driver_class` returns `None`).
"""
from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

IDLE_POLL = 0.1  # Textual's own poll when no escape is pending: it checks exit_event this often


def driver_class():
    """The fast-Esc driver, or None where Textual's private input loop is not the one we know."""
    try:
        from textual._loop import loop_last
        from textual._parser import ParseError
        from textual._time import get_time
        from textual._xterm_parser import XTermParser
        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:
        return None
    if not hasattr(XTermParser(), "_timeout_time"):
        return None

    class FastEscapeLinuxDriver(LinuxDriver):
        def run_input_thread(self) -> None:
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            fileno = self.fileno
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode

            def poll_timeout() -> float:
                deadline = parser._timeout_time
                return IDLE_POLL if deadline is None else min(IDLE_POLL, max(0.0, deadline - get_time()))

            def process(events, final: bool = False) -> None:
                for last, (_key, mask) in loop_last(events):
                    if mask & selectors.EVENT_READ:
                        data = decode(os.read(fileno, 4096), final=final and last)
                        if not data:
                            break
                        for event in parser.feed(data):
                            self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)

            try:
                while not self.exit_event.is_set():
                    process(selector.select(poll_timeout()))
                selector.unregister(self.fileno)
                process(selector.select(IDLE_POLL), final=True)
            finally:
                selector.close()
                try:
                    for _event in parser.feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return FastEscapeLinuxDriver
