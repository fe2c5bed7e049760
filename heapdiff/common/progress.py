"""Progress of long work, for a person watching a terminal.

The engine reports through a plain callable (message -> None) and never prints; the CLI
passes a TerminalProgress, which writes to stderr only when stderr is a terminal, only once
the work has taken long enough to be worth a line, and clears that line when done."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable

from ..render.escape import terminal

TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)
if TYPE_CHECKING:
    from typing import TextIO

Report = Callable[[str], None]


def silent(message: str) -> None:
    """The default: no progress."""


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None, delay: float = 0.3, interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.start = time.monotonic()
        self.delay = delay
        self.interval = interval
        self.last = 0.0
        self.shown = False

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or now - self.last < self.interval:
            return
        self.last = now
        self.shown = True
        # a message names files and sources: their controls are shown, never acted on
        self.stream.write(f"\r\x1b[Kheapdiff: {terminal(message)}")
        self.stream.flush()

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
