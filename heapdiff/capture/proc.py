"""The files `capture --pid` reads from the machine: a /proc file of the process, and the
process's cgroup memory files, found through /proc/PID/cgroup and written as one text (a
`tail -n +1` of them, as inputs/decode/cgroup.py reads)."""
from __future__ import annotations

from pathlib import Path

from ..inputs.decode.cgroup import FILES, bundle
from .errors import FetchError

CGROUP_ROOT = Path("/sys/fs/cgroup")
# where each version's memory files are, under the root: v1 per controller, v2 unified (on a
# hybrid machine cgroup2 is mounted at unified/)
V1_MEMORY = CGROUP_ROOT / "memory"
V2_ROOTS = (CGROUP_ROOT, CGROUP_ROOT / "unified")
MARKERS = {"v1": "memory.usage_in_bytes", "v2": "memory.current"}


def read_proc(path: str, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise FetchError(f"{path} does not exist (has the process exited?)") from None
    except PermissionError:
        raise FetchError(f"{path}: permission denied (run as the service's user or root)") from None
    except OSError as exc:
        raise FetchError(f"{path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise FetchError(f"{path}: more than --max-bytes")
    return data


def cgroup_folder(proc_cgroup: str, text: str) -> Path:
    """The folder of the process's memory cgroup: the v1 memory controller's line of
    /proc/PID/cgroup, else the v2 line (0::PATH) where that folder has memory.current."""
    candidates = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        relative = parts[2].lstrip("/")
        if "memory" in parts[1].split(","):
            candidates.append((V1_MEMORY / relative, "v1"))
        elif parts[0] == "0" and parts[1] == "":
            candidates += [(root / relative, "v2") for root in V2_ROOTS]
    for folder, version in candidates:
        if (folder / MARKERS[version]).is_file():
            return folder
    raise FetchError(f"{proc_cgroup}: no memory cgroup folder (no cgroup v1 memory controller, "
                     "no cgroup v2 memory.current)")


def read_cgroup(proc_cgroup: str, max_bytes: int) -> bytes:
    """The memory files of the cgroup /proc/PID/cgroup names, as one text."""
    folder = cgroup_folder(proc_cgroup, read_proc(proc_cgroup, max_bytes).decode(errors="replace"))
    files = [(str(folder / name), read_proc(str(folder / name), max_bytes))
             for name in FILES if (folder / name).is_file()]
    data = bundle(files)
    if len(data) > max_bytes:
        raise FetchError(f"{folder}: more than --max-bytes")
    return data
