"""A heavy part computed in a process of its own: igraph's dominator pass holds the GIL for
seconds (1.9 s at a stretch on a 100 MiB heap), so in a thread it froze the screen, keys
included. The value comes back through files mapped into memory (pickle protocol 5's
out-of-band buffers): its arrays are not copied through a pipe, and their pages are the
kernel's to keep or drop."""
from __future__ import annotations

import mmap
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from heapdiff.common.errors import InputError
from heapdiff.common.progress import Report

POLL = 0.1  # how often the waiting thread looks whether it was asked to stop, and at progress
HEAD = "value.pickle"
CALL = "call.pickle"
PROGRESS = "progress.txt"  # the child's latest progress message


class Stopped(Exception):
    """The part was abandoned (the app quit) before its process finished."""


def run_apart(function: Callable[..., Any], args: tuple, stop: threading.Event,
              progress: Report | None = None) -> Any:
    """function(*args) in a new interpreter (a fork would copy the app's threads' locks, and
    multiprocessing's spawn wants a real stderr, which Textual replaces); its exception is
    raised here, an InputError as the same one-line error. stop set: the process is ended
    and Stopped raised. With progress, function is called with progress= too, and what it
    reports reaches progress here (from this thread), a message at most every POLL."""
    with tempfile.TemporaryDirectory(prefix="heapdiff-apart-") as folder:
        (Path(folder) / CALL).write_bytes(pickle.dumps((function, args, progress is not None)))
        said = ""
        process = subprocess.Popen(
            [sys.executable, "-c", f"from tui.apart import child; child({folder!r})"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)})
        while process.poll() is None:
            try:
                process.wait(POLL)
            except subprocess.TimeoutExpired:
                pass
            if stop.is_set():
                process.kill()
                process.wait()
                raise Stopped()
            if progress is not None and (message := _said(Path(folder))) != said:
                said = message
                progress(message)
        head = Path(folder) / HEAD
        if not head.exists():  # killed (the OOM killer) or crashed before writing
            raise RuntimeError(f"the process computing {function.__name__} ended with status "
                               f"{process.returncode}")
        buffers = [_mapped(path) for path in sorted(Path(folder).glob("buffer-*"),
                                                    key=lambda p: int(p.name[7:]))]
        value, failure = pickle.loads(head.read_bytes(), buffers=buffers)
    if failure is not None:
        kind, source, message = failure
        raise InputError(source, message) if kind == "input" else RuntimeError(message)
    return value


def _mapped(path: Path) -> bytes | mmap.mmap:
    """A private, copy-on-write mapping of the file (arrays from it stay writable; the file
    may be removed once mapped)."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        return mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY) if size else b""


def _said(folder: Path) -> str:
    try:
        return (folder / PROGRESS).read_text()
    except OSError:  # not yet written
        return ""


def child(folder: str) -> None:
    """The new interpreter's part: the call in `folder`, its value or failure written there."""
    function, args, reports = pickle.loads((Path(folder) / CALL).read_bytes())
    value, failure = None, None

    def progress(message: str) -> None:
        partial = Path(folder) / f"{PROGRESS}.part"
        partial.write_text(message)
        partial.replace(Path(folder) / PROGRESS)  # whole, for the thread that reads it

    try:
        value = function(*args, progress=progress) if reports else function(*args)
    except InputError as exc:
        failure = ("input", exc.source, exc.message)
    except Exception as exc:  # noqa: BLE001 - said in the parent, as the thread would
        failure = ("bug", "", f"{type(exc).__name__}: {exc}")
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps((value, failure), protocol=5, buffer_callback=buffers.append)
    for i, buffer in enumerate(buffers):
        (Path(folder) / f"buffer-{i}").write_bytes(buffer.raw())
    partial = Path(folder) / f"{HEAD}.part"
    partial.write_bytes(head)
    partial.rename(Path(folder) / HEAD)  # last: its presence says the buffers are whole
