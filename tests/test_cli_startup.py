"""The command line imports only what the command asked for: a command's engine is not
imported to register it, and the installed packages' entry points are read only for a
command heapdiff does not define itself (the TUI)."""
from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys

from support import REPO, SAMPLES, run_heapdiff


def modules_after(*argv: str) -> set[str]:
    """The modules loaded once heapdiff ran argv in a fresh interpreter."""
    code = ("import sys\nfrom heapdiff.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n"
            "    pass\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)" % (list(argv),))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    return set(result.stderr.splitlines()[-1].split())


def test_version_prints_the_package_version():
    result = run_heapdiff("--version")
    assert result.returncode == 0
    assert result.stdout == f"heapdiff {importlib.metadata.version('heapdiff')}\n"


def test_version_registers_no_command():
    loaded = modules_after("--version")
    assert not {m for m in loaded if m.startswith("heapdiff.commands.")}
    assert "importlib.metadata" not in loaded


def test_a_command_imports_no_other_commands_module_nor_the_entry_points():
    loaded = modules_after("top", str(SAMPLES / "leaky_cache/later/heap.pb.gz"))
    assert {m for m in loaded if m.startswith("heapdiff.commands.")} == {
        "heapdiff.commands.top", "heapdiff.commands.options"}
    assert "importlib.metadata" not in loaded
    assert "tui" not in loaded


def test_help_lists_every_command_and_the_tui_from_its_entry_point():
    result = run_heapdiff("--help")
    for command in ("top", "diff", "paths", "peek", "sizes", "explain", "gc", "retainers",
                    "report", "capture", "timeline", "tui"):
        assert re.search(rf"\n    {command}\s", result.stdout), command


def test_the_tui_is_found_by_its_entry_point():
    result = run_heapdiff("tui", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: heapdiff tui")


def test_an_unknown_command_is_refused_naming_the_known_ones():
    result = run_heapdiff("tpo")
    assert result.returncode == 2
    assert "invalid choice: 'tpo' (choose from 'top', 'diff'," in result.stderr
    assert "'tui'" in result.stderr


def test_paths_and_report_walk_the_call_graph_without_networkx():
    base, later = SAMPLES / "leaky_cache" / "base", SAMPLES / "leaky_cache" / "later"
    pair = [str(base / "heap.pb.gz"), str(later / "heap.pb.gz")]
    assert "networkx" not in modules_after("paths", *pair)
    assert "networkx" not in modules_after("report", "--base", str(base), str(later))
    assert "networkx" in modules_after("peek", *pair, "main")


def test_top_on_a_small_profile_does_not_import_typing():
    """typing's import alone was 7% of `top` on 4,000 samples (common/records.py)."""
    loaded = modules_after("top", str(SAMPLES / "leaky_cache/later/heap.pb.gz"))
    assert "heapdiff.analysis.small" in loaded  # the small route ran
    assert "typing" not in loaded
