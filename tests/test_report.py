"""`heapdiff report`: Markdown that a real parser reads with consistent tables, numbers equal to
`diff` and `explain`, names rendered literally, the same bytes every time."""
from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from support import SAMPLES, run_heapdiff
from pbwire import heap_profile

LEAKY = SAMPLES / "leaky_cache"
PARSER = MarkdownIt("commonmark").enable("table")


def report(*args) -> str:
    result = run_heapdiff("report", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rendered_text(inline) -> str:
    """What a reader sees of an inline token: escapes and entities decoded, no markup."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def tables(markdown: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header first)."""
    found, rows, cells, in_cell = [], [], [], False
    for token in PARSER.parse(markdown):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            cells = []
        elif token.type in ("th_open", "td_open"):
            in_cell, cells = True, cells + [""]
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        elif token.type == "inline" and in_cell:
            cells[-1] = rendered_text(token)
        elif token.type == "tr_close":
            rows.append(cells)
        elif token.type == "table_close":
            found.append(rows)
    return found


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*") if (p / "later" / "heap.pb.gz").exists()))
def test_every_sample_report_parses_with_consistent_tables(sample):
    text = report("--base", SAMPLES / sample / "base", SAMPLES / sample / "later")
    found = tables(text)
    assert len(found) >= 3
    for rows in found:
        assert len({len(r) for r in rows}) == 1, rows[0]


def test_report_numbers_equal_diff_and_explain(heapdiff_json):
    doc = heapdiff_json("report", "--base", LEAKY / "base", LEAKY / "later")
    diff = heapdiff_json("diff", LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz")
    explain = heapdiff_json("explain", LEAKY / "later")
    assert doc["growth"]["rows"] == diff["rows"]
    assert (doc["growth"]["base_total"], doc["growth"]["new_total"]) == (diff["base_total"], diff["new_total"])
    assert doc["memory"]["waterfall"] == explain["waterfall"]
    assert [f["id"] for f in doc["findings"]] == [f["id"] for f in explain["findings"]]


def test_markdown_tables_show_the_json_figures():
    from heapdiff.common.units import human

    text = report("--base", LEAKY / "base", LEAKY / "later")
    growth = next(t for t in tables(text) if t[0][0] == "function")
    first = growth[1]
    assert first[0] == "main.(*Cache).Insert"  # escaping undone by the parser: literal name
    assert first[3] == "+" + human(43680375, "bytes")


def test_leaking_cache_summary_names_the_insert_and_its_growth():
    text = report("--base", LEAKY / "base", LEAKY / "later")
    summary = [line for line in text.splitlines() if line.startswith("> ")]
    assert len(summary) == 3
    assert "main.\\(\\*Cache\\).Insert" in summary[0] or "main.(\\*Cache).Insert" in summary[0]
    html = PARSER.render(text)
    assert "main.(*Cache).Insert grew by +41.7MiB" in html


def test_fragmentation_report_leads_with_fragmentation():
    text = report(SAMPLES / "fragmentation" / "later")
    first = next(line for line in text.splitlines() if line.startswith("> "))
    assert first.startswith("> fragmentation: ")
    assert "**fragmentation**" in text


def test_sections_without_data_are_left_out():
    text = report(LEAKY / "later" / "memstats.json", LEAKY / "later" / "status.txt")
    assert "## Where the memory went" in text
    for absent in ("## Top growth", "## Growth paths", "## Object sizes", "## Pointer-dense"):
        assert absent not in text


def test_the_same_inputs_give_the_same_bytes(tmp_path):
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    for target in (first, second):
        assert run_heapdiff("report", "--base", LEAKY / "base", LEAKY / "later", "-o", target).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_hostile_names_render_literally(tmp_path):
    evil = "main.evil|`tick`<script>alert(1)</script>[bold]x\ny\x1b[31m*_"
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", evil, "main.b", "main.c", "x.go"]
    base, new = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile([([1, 2, 3], [1, 16])], strings=strings))
    new.write_bytes(heap_profile([([1, 2, 3], [9, 144])], strings=strings))
    text = report("--base", base, new)
    assert "\x1b" not in text and "<script>" not in text
    html = PARSER.render(text)
    assert "<script>" not in html
    for rows in tables(text):
        assert len({len(r) for r in rows}) == 1
    growth = next(t for t in tables(text) if t[0][0] == "function")
    assert growth[1][0] == "main.evil|`tick`<script>alert(1)</script>[bold]x\\x0ay\\x1b[31m*_"
    mermaid = text.split("```mermaid")[1].split("```")[0]
    assert "<" not in mermaid and '"]' in mermaid and "\n" not in mermaid.split('["')[1].split('"]')[0]


def test_report_options_choose_the_growth_as_diff_takes_them_and_the_title_says_so():
    pair = ["--base", LEAKY / "base", LEAKY / "later"]
    default = run_heapdiff("report", *pair).stdout
    shown = run_heapdiff("report", *pair, "--sample-index", "alloc_objects", "--normalize")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout.replace("\\_", "_")
    assert text != default and text.splitlines()[0].endswith("(alloc_objects · normalized)")
    assert "heapdiff diff " in text and " --sample-index alloc_objects --normalize" in text
    assert default.splitlines()[0] == f"# heapdiff report: {LEAKY / 'later'}".replace("_", "\\_")


def test_report_of_two_profiles_is_their_growth_base_first():
    base, later = LEAKY / "base" / "heap.pb.gz", LEAKY / "later" / "heap.pb.gz"
    two = run_heapdiff("report", base, later).stdout
    assert "## " in two and "main.(\\*Cache).Insert" in two and "+41.7MiB" in two
