"""Where a command's output goes: standard output, or a file written whole or not at all
(a temporary file beside it, renamed into place)."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import InputError


def emit(data: str | bytes, target: str | None) -> None:
    if target is None:
        if isinstance(data, bytes):
            if sys.stdout.isatty():
                raise InputError("-o", "binary output: give a file with -o FILE")
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    try:
        write_atomic(Path(target), data.encode() if isinstance(data, str) else data)
    except OSError as exc:
        raise InputError(target, f"cannot write: {exc.strerror or exc}") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write path whole or not at all: a temporary dot-file beside it, synced to the disk,
    then renamed over it; the file gets the permissions open() would have given it."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
