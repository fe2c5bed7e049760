"""Ctrl-C and SIGTERM for a long capture: both stop it at once, except in the few statements
that commit a round (rename its folder, rewrite the manifest), which they wait for, so a round
is on the disk and in the manifest whole or not at all."""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# What signal.signal takes and gives back.
Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Interrupts:
    """While entered, SIGINT and SIGTERM raise KeyboardInterrupt, once; later ones are ignored
    so that the cleanup they start is not itself cut short."""

    def __init__(self) -> None:
        self.holding = False
        self.pending = False
        self.stopping = False
        self.previous: dict[int, Handler] = {}

    def __enter__(self) -> Interrupts:
        self.previous = {s: signal.signal(s, self._handle) for s in STOP_SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)

    def _handle(self, signum: int, frame) -> None:
        if self.stopping:
            return
        if self.holding:
            self.pending = True
            return
        self.stopping = True
        raise KeyboardInterrupt

    def ignore(self) -> None:
        """From now on signals are ignored."""
        self.stopping = True

    @contextmanager
    def held(self) -> Iterator[None]:
        """Signals wait until the block is done."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending:
            self.stopping = True
            raise KeyboardInterrupt
