"""Fixtures only; the helpers that tests import live in support.py."""
from __future__ import annotations

import pytest


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
