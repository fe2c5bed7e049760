"""Where a command's output goes: standard output, or a regular file written whole or not at
all (a temporary file beside it, renamed into place)."""
from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from .errors import InputError

# What a target that exists but is not a regular file is, for the message: renaming over it
# would replace a FIFO, a device (as root, /dev/null) or a link with a plain file.
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


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
    then renamed over it. Only a regular file is replaced, and it keeps its permissions; a new
    file gets those open() would have given it."""
    mode = _kept_mode(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _kept_mode(path: Path) -> int:
    """The mode the written file gets: the existing regular file's, else the umask's default.
    Anything else at path is refused (OSError), never replaced."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
    raise OSError(errno.EEXIST, f"{kind}: heapdiff writes only regular files", str(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
