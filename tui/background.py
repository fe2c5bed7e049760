"""Heavy work in a daemon thread that a Textual worker awaits. Textual's thread workers run in
asyncio's default executor, whose threads the interpreter joins when the app ends, so a quit
during a recompute or a report on a big profile waited for it (18 s for `m`); a daemon
thread is left behind instead, and the worker is cancelled as any other."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def in_background(work: Callable[[], T], name: str) -> T:
    """work()'s value (or exception), computed in a daemon thread, awaited on the loop."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def deliver(settle: Callable[[], object]) -> None:
        try:
            loop.call_soon_threadsafe(lambda: done.done() or settle())
        except RuntimeError:  # the loop is closed: the app has left, nobody waits
            pass

    def run() -> None:
        try:
            value = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting worker
            failure = exc  # `exc` is unbound when the except block ends, before delivery
            deliver(lambda: done.set_exception(failure))
            return
        deliver(lambda: done.set_result(value))

    threading.Thread(target=run, name=f"heapdiff {name}", daemon=True).start()
    return await done
