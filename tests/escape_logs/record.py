#!/usr/bin/env python3
"""Record one Go version's escape-analysis logs of samples/programs/escapes, so the log
reader is tested without Go: tests/escape_logs/<go version>/ gets log/ (the -json=0 files)
and m2.txt (the -m=2 text), with the module root written as /MODULE.

Usage: tests/escape_logs/record.py [GO]   (default: go on PATH)"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent / "samples" / "programs"
PLACEHOLDER = "/MODULE"


def main() -> int:
    go = sys.argv[1] if len(sys.argv) > 1 else shutil.which("go") or "go"
    env = dict(os.environ, GOTOOLCHAIN="local")
    version = subprocess.run([go, "env", "GOVERSION"], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()
    out = HERE / version
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        log = Path(work) / "log"
        built = subprocess.run(
            [go, "build", "-o", work + "/", f"-gcflags=./escapes=-m=2 -json=0,file://{log}",
             "./escapes"], cwd=ROOT, env=env, capture_output=True, text=True)
        if built.returncode != 0:
            sys.exit(built.stderr)
        for f in sorted(log.rglob("*.json")):
            target = out / "log" / f.relative_to(log)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f.read_text().replace(str(ROOT), PLACEHOLDER))
    (out / "m2.txt").write_text(built.stderr.replace(str(ROOT), PLACEHOLDER))
    print(f"record: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
