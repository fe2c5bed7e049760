"""Where the real data lives, and how tests run the command line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
PUBLIC = REPO.parent / "shared" / "testdata" / "public"
PUBLIC_ORACLES = REPO / "tests" / "oracles" / "public"


def run_heapdiff(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command, in a child process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "heapdiff", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or REPO, timeout=300)


@pytest.fixture
def heapdiff_json(capsys):
    """Run the CLI in-process and return its parsed JSON output (fast for big matrices)."""
    import json

    from heapdiff.cli import main

    def run(*args: str):
        status = main([*map(str, args), "--format", "json"])
        out = capsys.readouterr()
        assert status == 0, out.err
        return json.loads(out.out)

    return run
