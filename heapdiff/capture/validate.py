"""Checking a fetched body within the fetch's deadline.

A decoder can be slow on a hostile body (one regex call may hold the interpreter for many
seconds), and a thread cannot be stopped, so the check runs in a forked child that is killed
at the deadline: a round never lasts longer than --timeout because of what a server sent.
The child sends back only the one-line verdict."""
from __future__ import annotations

import json
import math
import os
import select
import signal
import time

from .check import problem
from .endpoints import Endpoint

TOO_SLOW = "too slow to validate: not checked within {:g} s (--timeout)"


def verdict(endpoint: Endpoint, body: bytes, content_type: str, source: str, limit: int,
            deadline: float, timeout: float) -> str | None:
    """problem() of body, computed before the monotonic instant deadline or given up there."""
    if endpoint.check is None:
        return None
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: check, answer, exit without running the parent's cleanup
        os.close(reader)
        _child(writer, endpoint, body, content_type, source, limit, deadline)
    os.close(writer)
    try:
        answer = _read_until(reader, deadline)
    finally:
        os.close(reader)
        if answer is None:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if answer is None:
        return TOO_SLOW.format(timeout)
    try:
        found = json.loads(answer)
    except ValueError:  # the child died before answering in full
        return "could not be checked (the checking process died)"
    return found if isinstance(found, str) else None


def _child(writer: int, endpoint: Endpoint, body: bytes, content_type: str, source: str,
           limit: int, deadline: float) -> None:
    status = 1
    try:
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, signal.SIG_DFL)
        signal.alarm(max(1, math.ceil(deadline - time.monotonic()) + 1))  # if orphaned
        try:
            answer = problem(endpoint, body, content_type, source, limit)
        except Exception as exc:  # a decoder's defect is this body's problem, in one line
            answer = one_line(exc)
        data = json.dumps(answer).encode()
        while data:
            data = data[os.write(writer, data):]
        status = 0
    finally:
        os._exit(status)


def _read_until(reader: int, deadline: float) -> bytes | None:
    """Everything the child writes, or None when the deadline comes first."""
    pieces: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([reader], [], [], left)[0]:
            return None
        piece = os.read(reader, 1 << 16)
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)


def one_line(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and its message's first line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
