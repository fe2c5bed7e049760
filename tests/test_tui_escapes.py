"""The TUI's Source view with --source and --escapes: each line with figures shows the compiler's escape
verdict (allocs' engine) between its figures and its text."""
from __future__ import annotations

import asyncio
import re

import pytest
from textual.widgets import Static

from heapdiff.common.gotool import find_go
from support import SAMPLES
from tui_settle import settled
from tui.app import HeapdiffApp
from tui.views.source import SourceView
from tui.widgets.textpanel import TextPanel

ESCAPES = SAMPLES / "escapes"
needs_go = pytest.mark.skipif(find_go() is None, reason="no Go toolchain (go on PATH or "
                                                        ".cache/go-venv): .ci/run installs one")


def source_after_selecting(function: str, source_dir: str) -> str:
    async def main() -> str:
        app = HeapdiffApp([str(ESCAPES / "later")], [str(ESCAPES / "base")],
                          source_dir=source_dir, escapes=True)
        async with app.run_test(size=(160, 50)) as pilot:
            await settled(pilot)
            app.selected = app.analysis.node_named(function)
            await pilot.press("5")
            await settled(pilot)
            view = app.query_one(SourceView)
            return f"{view.query_one('#source-header', Static).render()}\n" \
                   f"{view.query_one(TextPanel).text}"
    return asyncio.run(main())


@needs_go
def test_source_shows_each_lines_escape_verdict_beside_its_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # heapdiff's cache; go's stays put
    monkeypatch.setenv("GOCACHE", str(find_go_cache()))
    text = source_after_selecting("main.escStored", str(SAMPLES / "programs"))
    assert re.search(r"^\s+line .*\s+Δ escape\s+source$", text, re.M)
    figures = r"\s+128KiB\s+256KiB\s+\+128KiB" * 2
    assert re.search(rf"^\s+47{figures} heap:stored\s+store\[i\] = &Item", text, re.M)
    assert re.search(r"^\s+48\s+}$", text, re.M)  # no figures, no verdict


def test_source_says_why_without_verdicts(tmp_path):
    """A --source that is no Go module: the figures as before and one line saying why."""
    text = source_after_selecting("main.escStored", str(tmp_path))
    assert "escape verdicts: " in text and "no go.mod here or above" in text
    assert "heap:" not in text


def find_go_cache() -> str:
    import os
    import subprocess

    go = find_go()
    assert go is not None
    return subprocess.run([go, "env", "GOCACHE"], capture_output=True, text=True,
                          env=dict(os.environ, GOTOOLCHAIN="local")).stdout.strip()
