"""The TUI formats through the shared layer (render.format, shapes, order, escape), never through
a command's text renderer, so a change to the CLI's tables cannot change the screen."""
from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parent.parent / "tui"
SHARED = {"heapdiff.render.format", "heapdiff.render.shapes", "heapdiff.render.order",
          "heapdiff.render.escape",
          "heapdiff.render.memory"}  # the waterfall's rows, which explain lays out too
DOCUMENTS = {"heapdiff.render.markdown"}  # the report file the TUI writes, as `report` does


def render_imports(path: Path) -> set[str]:
    """The heapdiff.render modules a source file imports, function bodies included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("heapdiff.render.")
            and m.count(".") == 2}


def test_render_imports_finds_a_renderer_imported_inside_a_function(tmp_path):
    source = tmp_path / "view.py"
    source.write_text("def show():\n    from heapdiff.render.diff import diff_text\n")
    assert render_imports(source) == {"heapdiff.render.diff"}


def test_no_tui_module_imports_a_cli_text_renderer():
    borrowed = {f"{path.relative_to(TUI.parent)}: {module}"
                for path in TUI.rglob("*.py")
                for module in render_imports(path) - SHARED - DOCUMENTS}
    assert not borrowed
