"""Running the Go toolchain from heapdiff: finding `go`, its environment (never a toolchain
download), heapdiff's build cache, and a run that is killed with everything it started when
its deadline passes. Shared by the source route of the retainers and the escape log."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .errors import InputError

REPO = Path(__file__).resolve().parents[2]


def find_go(go: str | None = None) -> str | None:
    """The `go` argument, else `go` on PATH, else the repository's <repo>/.cache/go-venv."""
    if go:
        return shutil.which(go) or (go if os.path.isfile(go) and os.access(go, os.X_OK) else None)
    found = shutil.which("go")
    if found:
        return found
    venv = REPO / ".cache" / "go-venv" / "bin" / ("go.exe" if os.name == "nt" else "go")
    return str(venv) if venv.is_file() and os.access(venv, os.X_OK) else None


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GOTOOLCHAIN"] = "local"  # never download a toolchain
    return env


def first_line(stderr: str, status: int) -> str:
    for line in stderr.splitlines():
        if line.strip():
            return line.strip()
    return f"exit status {status}"


def run_until(cmd: list[str], env: dict[str, str], where: str, deadline: float, timeout: float,
         cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run cmd with its output captured; past the deadline kill it and everything it started."""
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, text=True, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=os.name == "posix")
    except OSError as e:
        raise InputError(where, f"cannot run {cmd[0]}: {e.strerror or e}") from None
    try:
        stdout, stderr = proc.communicate(stdin, timeout=max(0.01, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill(proc)
        what = "the helper" if cmd[1] == "-go" else f"`go {cmd[1]}`"
        raise InputError(where, f"{what} did not finish in time (timeout {timeout:g} s)") from None
    except BaseException:
        _kill(proc)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass
    proc.communicate()


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "heapdiff"
