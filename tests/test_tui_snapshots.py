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
    ("retained_without_a_dump", ("9",)),
])
def test_view_snapshot(snap_compare, name, keys):
    assert snap_compare(app(), terminal_size=SIZE, run_before=after_loading(*keys))


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_top_snapshot_fits_the_terminal(snap_compare, size):
    """At 80 columns the name keeps its room (base columns dropped); at 160 all fit."""
    assert snap_compare(app(), terminal_size=size, run_before=after_loading())


def test_top_snapshot_under_no_color(snap_compare, monkeypatch):
    """NO_COLOR, read when the App is made: growth in bold, not in a grey dimmer than shrink."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(app(), terminal_size=(80, 24), run_before=after_loading())


def test_top_snapshot_on_the_light_theme(snap_compare):
    async def light(pilot) -> None:
        pilot.app.theme = "textual-light"
        await after_loading()(pilot)
    assert snap_compare(app(), terminal_size=(160, 45), run_before=light)


def test_timeline_snapshot_of_the_service_capture(snap_compare):
    assert snap_compare(app(["samples/leaky_service/capture"]), terminal_size=SIZE,
                        run_before=after_loading("8"))



def test_retained_snapshot_of_a_heap_dump_with_a_node_open_and_its_path(snap_compare):
    paths = ["samples/leaky_cache/later/heap.pb.gz", "samples/retention/global_map/later.heapdump"]
    assert snap_compare(app(paths), terminal_size=SIZE,
                        run_before=after_loading("9", "l", "j", "p"))
