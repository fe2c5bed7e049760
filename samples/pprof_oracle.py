#!/usr/bin/env python3
"""Record what `go tool pprof -top` says about profile files, so tests can check heapdiff
against pprof itself without Go installed.

For every FILE it writes FILE.pprof.json (next to FILE, or in --out-dir):
  {"go": "go version ...", "command": "...", "sample_types": [...],
   "top": {"<sample_type>/<granularity>": "<pprof stdout>"}}

Usage: pprof_oracle.py [--go PATH] [--out-dir DIR] FILE...
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

GRANULARITIES = ("functions", "filefunctions", "files", "lines", "addresses")
TOP_ARGS = ("-top", "-unit=b", "-nodefraction=0", "-edgefraction=0", "-nodecount=1000000")


def pprof(go: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOTOOLCHAIN="local", PPROF_BINARY_PATH="/nonexistent")
    return subprocess.run([go, "tool", "pprof", *args], capture_output=True, text=True, env=env)


def sample_types(go: str, path: Path) -> list[str]:
    """The sample type names, read from the header of `pprof -raw`."""
    raw = pprof(go, "-raw", str(path))
    if raw.returncode != 0:
        raise RuntimeError(f"{path}: pprof -raw failed: {raw.stderr.strip()}")
    lines = raw.stdout.splitlines()
    header = lines[lines.index("Samples:") + 1]
    return [field.split("/")[0] for field in header.split()]


def record(go: str, path: Path, out_dir: Path | None = None) -> Path:
    types = sample_types(go, path)
    jobs = [(t, g) for t in types for g in GRANULARITIES]

    def run(job: tuple[str, str]) -> tuple[str, str]:
        t, g = job
        out = pprof(go, *TOP_ARGS, f"-sample_index={t}", f"-{g}", str(path))
        if out.returncode != 0:
            raise RuntimeError(f"{path}: pprof {t}/{g} failed: {out.stderr.strip()}")
        return f"{t}/{g}", out.stdout

    with ThreadPoolExecutor(max_workers=2) as pool:
        top = dict(pool.map(run, jobs))
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()
    oracle = {
        "go": version,
        "command": "go tool pprof " + " ".join(TOP_ARGS) + " -sample_index=TYPE -GRANULARITY FILE",
        "sample_types": types,
        "top": top,
    }
    target = (out_dir or path.parent) / (path.name + ".pprof.json")
    target.write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--go", default="go", help="the go command to use (default: go on PATH)")
    parser.add_argument("--out-dir", type=Path, help="write the oracles here, not next to FILE")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    for path in args.files:
        print(f"oracle: {record(args.go, path, args.out_dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
