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
    path = Path(target)
    raw = data.encode() if isinstance(data, str) else data
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            os.chmod(temp, 0o666 & ~_umask())  # as open() would have made it
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as exc:
        raise InputError(target, f"cannot write: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
