"""`m` in the TUI writes the report of the moments the TUI shows: for a folder of snapshot
folders, its oldest (base) against its newest (later), as `heapdiff report` does."""
from __future__ import annotations

import asyncio
from pathlib import Path

from markdown_it import MarkdownIt

from support import SAMPLES, run_heapdiff
from tui_settle import settled
from tui.app import HeapdiffApp

LEAKY = SAMPLES / "leaky_cache"
PARSER = MarkdownIt("commonmark").enable("table")


def tables(markdown: str) -> dict[str, list[list[str]]]:
    """Every table by its first header cell, as rows of cell sources (header first)."""
    found: dict[str, list[list[str]]] = {}
    rows: list[list[str]] = []
    in_cell = False
    for token in PARSER.parse(markdown):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "inline" and in_cell:
            rows[-1].append(token.content)
        elif token.type == "table_close":
            found[rows[0][0]] = rows
    return found


def report_from_the_tui(paths: list[Path], target: Path) -> str:
    async def main() -> None:
        app = HeapdiffApp([str(p) for p in paths], [], report_path=str(target))
        async with app.run_test(size=(140, 40)) as pilot:
            await settled(pilot)
            await pilot.press("m")
            await settled(pilot)
    asyncio.run(main())
    return target.read_text()


def test_m_on_a_folder_of_snapshots_reports_the_growth_from_base_to_later(tmp_path):
    markdown = report_from_the_tui([LEAKY], tmp_path / "report.md")
    direct = run_heapdiff("report", "--base", LEAKY / "base", LEAKY / "later").stdout
    found = tables(markdown)
    assert "function" in found, "no growth table in the report"
    growth = found["function"]
    assert growth == tables(direct)["function"]
    assert growth[1][0] == "main.(\\*Cache).Insert"


def test_m_on_a_folder_of_snapshots_lists_base_and_later_files_as_its_inputs(tmp_path):
    markdown = report_from_the_tui([LEAKY], tmp_path / "report.md")
    inputs = tables(markdown)["moment"][1:]
    folders = {(moment, Path(file.replace("\\_", "_")).parent.name) for moment, file, *_ in inputs}
    assert folders == {("base", "base"), ("new", "later")}
