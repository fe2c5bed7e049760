"""The real `heapdiff tui` in a real terminal (tmux): keys in, screen out, and the Markdown
export written where the TUI says."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from support import REPO, SAMPLES

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


SERVER = f"heapdiff-test-{uuid.uuid4().hex[:8]}"  # a private tmux server: no outside settings


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SERVER, *args], capture_output=True, text=True,
                          check=True).stdout


def wait_for(session: str, *parts: str, timeout: float = 30.0) -> str:
    """Until one line of the screen holds every part."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if any(all(p in line for p in parts) for line in screen.splitlines()):
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{parts!r} never appeared on one line; the screen:\n{screen}")


@pytest.mark.parametrize("width, height, env", [
    (140, 36, "-u NO_COLOR"),
    (80, 24, "NO_COLOR=1"),  # the smallest terminal, and no colours (Textual's monochrome)
])
def test_tui_in_a_real_terminal(tmp_path, width, height, env):
    session = f"heapdiff-{uuid.uuid4().hex[:8]}"
    report = tmp_path / "findings.md"
    # Textual believes COLUMNS/LINES over the terminal: the test runner's must not leak in
    command = (f"cd {REPO} && env -u COLUMNS -u LINES {env} {sys.executable} -m heapdiff tui "
               f"--report {report} "
               f"--base {SAMPLES / 'leaky_cache' / 'base'} {SAMPLES / 'leaky_cache' / 'later'}")
    tmux("new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command)
    tmux("set-window-option", "-t", session, "window-size", "manual")  # no client decides
    tmux("resize-window", "-t", session, "-x", str(width), "-y", str(height))
    try:
        screen = wait_for(session, "main.(*Cache).Insert")
        first_row = next(line for line in screen.splitlines() if "main.(*Cache).Insert" in line)
        assert "+41.7MiB" in first_row
        tmux("send-keys", "-t", session, "2")
        # the tree, not Top's row of the same name, opened down to Top's selection
        wait_for(session, "▼", "runtime.main")
        tmux("send-keys", "-t", session, "g")
        screen = wait_for(session, "── ", "main.handleRequest")
        assert "main.serve" in screen and "main.(*Cache).Insert" in screen
        tmux("send-keys", "-t", session, "6")
        wait_for(session, "profile_inuse", "+41.4MiB")  # Memory leads with the change
        tmux("send-keys", "-t", session, "m")
        wait_for(session, "report written to")
        assert report.read_text().startswith("# heapdiff report")
        tmux("send-keys", "-t", session, "q")
        time.sleep(0.5)
    finally:
        subprocess.run(["tmux", "-L", SERVER, "kill-server"], capture_output=True)
