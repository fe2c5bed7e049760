"""One capture at a time in a folder: DIR/.lock, made with O_EXCL, holds the writer's pid and
is removed when it finishes. A lock whose pid is no longer running is left over from a killed
capture and taken over."""
from __future__ import annotations

import os
from pathlib import Path

from ..common.errors import InputError

LOCK = ".lock"


def take(folder: Path) -> None:
    """Hold folder's lock, or refuse in one line when a running capture holds it."""
    path = folder / LOCK
    for _ in range(2):  # a second try after clearing a stale lock
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is None or _running(holder):
                who = f"pid {holder}" if holder is not None else "unknown pid"
                raise InputError(str(folder), f"another capture ({who}) is writing into it: "
                                              f"{path} is there") from None
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return
    raise InputError(str(folder), f"another capture took {path} first")


def release(folder: Path) -> None:
    (folder / LOCK).unlink(missing_ok=True)


def _holder(path: Path) -> int | None:
    """The pid in a lock file; None while it is being written or when it is unreadable."""
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
