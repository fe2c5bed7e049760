"""Where `m` writes its report and `x` a view: never over an earlier file."""
from __future__ import annotations

import os
from pathlib import Path

from heapdiff.common.errors import InputError
from heapdiff.common.output import emit

ATTEMPTS = 1000


def write_new(path: str, text: str) -> Path:
    """text into path, or path-1, path-2, ... (before the suffix) when that exists: the
    first free name, taken by creating it (O_EXCL) so that no report replaces another, then
    written whole or not at all, as every output of heapdiff is."""
    first = Path(path)
    for n in range(ATTEMPTS):
        target = first if n == 0 else first.with_name(f"{first.stem}-{n}{first.suffix}")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(str(target), f"cannot write: {exc.strerror or exc}") from None
        os.close(fd)
        try:
            emit(text, str(target))
        except BaseException:
            target.unlink(missing_ok=True)  # the name taken for nothing
            raise
        return target
    raise InputError(path, f"cannot write: {ATTEMPTS} files of that name exist already")
