"""SVG snapshots of each TUI view on the leaking-cache pair, at a fixed terminal size.
Update them with `pytest tests/test_tui_snapshots.py --snapshot-update` after a deliberate
change, and look at the SVGs before committing."""
from __future__ import annotations

import pytest

from support import REPO
from tui_settle import settled
from tui.app import HeapdiffApp

SIZE = (120, 34)


@pytest.fixture(autouse=True)
def from_the_repository(monkeypatch):
    """Paths the views show are relative, so a snapshot is the same in every checkout."""
    monkeypatch.chdir(REPO)


def app(paths=("samples/leaky_cache",)) -> HeapdiffApp:
    return HeapdiffApp(list(paths), [])


def after_loading(*keys: str):
    async def run_before(pilot) -> None:
        await settled(pilot)
        for key in keys:
            await pilot.press(key)
            await settled(pilot)
    return run_before


@pytest.mark.parametrize("name, keys", [
    ("top", ()), ("tree_growth", ("2", "g")), ("peek", ("3",)), ("flame", ("4",)),
    ("source", ("5",)), ("memory", ("6",)), ("retainers", ("7",)), ("help", ("question_mark",)),
])
def test_view_snapshot(snap_compare, name, keys):
    assert snap_compare(app(), terminal_size=SIZE, run_before=after_loading(*keys))


def test_timeline_snapshot_of_the_service_capture(snap_compare):
    assert snap_compare(app(["samples/leaky_service/capture"]), terminal_size=SIZE,
                        run_before=after_loading("8"))
