"""Where the test data lives, what a test needs beyond a plain clone, and how tests run the
command line. Tests import these; conftest.py keeps only fixtures."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
# Public profiles from other projects sit beside the clone, not in it; their go tool pprof
# oracles are committed.
PUBLIC = REPO.parent / "shared" / "testdata" / "public"
PUBLIC_ORACLES = REPO / "tests" / "oracles" / "public"

# A plain clone has neither: these tests skip there, saying why; .ci/run provides both.
needs_public = pytest.mark.skipif(
    not PUBLIC.is_dir(), reason=f"the public profiles are not beside the clone ({PUBLIC})")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed (no `dot` on PATH)")


def public_case(*values: object, id: str | None = None):
    """A parametrized case that reads the public profiles: it skips with them absent."""
    return pytest.param(*values, id=id, marks=needs_public)


def run_heapdiff(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command, in a child process, as a user runs it; env adds to the environment."""
    return subprocess.run([sys.executable, "-m", "heapdiff", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or REPO, timeout=timeout,
                          env={**os.environ, **env} if env else None)


def explain_json(*args: object) -> dict:
    """`heapdiff explain ARGS --format json`, which must succeed, as a document."""
    done = run_heapdiff("explain", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def waterfall_rows(document: dict) -> dict[str, int | None]:
    """An explain document's waterfall: component -> bytes."""
    return {r["component"]: r["bytes"] for r in document["waterfall"]}


def retention_binary(directory: Path) -> Path:
    """The binary that wrote samples/retention/ (with its DWARF: globals' types), unpacked
    into directory from samples/binaries/retention.gz, else built with the real Go toolchain
    (-trimpath: the same code and data); skips without either."""
    import gzip

    from heapdiff.common.gotool import find_go
    out = directory / "retention"
    committed = SAMPLES / "binaries" / "retention.gz"
    if committed.exists():
        out.write_bytes(gzip.decompress(committed.read_bytes()))
        return out
    go = find_go()
    if go is None:
        pytest.skip("no Go toolchain to build samples/programs/retention (and no "
                    "samples/binaries/retention.gz): run samples/ensure-go")
    subprocess.run([go, "build", "-trimpath", "-o", str(out), "./retention"],
                   cwd=SAMPLES / "programs", check=True, timeout=300,
                   env={**os.environ, "GOTOOLCHAIN": "local"})
    return out
