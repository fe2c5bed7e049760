#!/usr/bin/env python3
"""Record what `go tool pprof -top` says about profile files, so tests can check heapdiff
against pprof itself without Go installed.

For every FILE it writes FILE.pprof.json (next to FILE, or in --out-dir):
  {"go": "go version ...", "command": "...", "sample_types": [...],
   "top": {"<sample_type>/<granularity>": "<pprof stdout>"}}

Usage: pprof_oracle.py [--go PATH] [--out-dir DIR] FILE...
       pprof_oracle.py [--go PATH] --diff BASE NEW --out ORACLE.json

With --diff it records `go tool pprof -top` of NEW against BASE in the three diff modes
(-diff_base, -base, -diff_base -normalize), for every sample type, at the functions and lines
granularities: {"go", "base", "new", "sample_types", "top": {"<mode>/<type>/<gran>": text}}.

With --pair it does the same for a pair whose sample types may differ: every type the two
have in common, the default pick (no -sample_index: "<mode>/default/<gran>"), and what pprof
refuses (-normalize needs equal sample types) as {"refused": {"<mode>": stderr}}.
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


DIFF_MODES = {"diff-base": ("-diff_base={base}",), "base": ("-base={base}",),
              "diff-base-normalize": ("-diff_base={base}", "-normalize")}
DIFF_GRANULARITIES = ("functions", "lines")
# pprof's filters on the default diff (inuse_space, functions): key -> flags.
DIFF_FILTERS = {"focus=Insert|Put": ("-focus=Insert|Put",), "ignore=SessionRing": ("-ignore=SessionRing",),
                "hide=^runtime": ("-hide=^runtime",), "show=^main\\.": ("-show=^main\\.",),
                "tagfocus=bytes=1kb:": ("-tagfocus=bytes=1kb:",),
                "drop_negative": ("-drop_negative",)}


def record_diff(go: str, base: Path, new: Path, target: Path) -> Path:
    types = sample_types(go, new)
    jobs = [(m, t, g) for m in DIFF_MODES for t in types for g in DIFF_GRANULARITIES]

    def run(job: tuple[str, str, str]) -> tuple[str, str]:
        mode, t, g = job
        flags = [f.format(base=base) for f in DIFF_MODES[mode]]
        out = pprof(go, *TOP_ARGS, *flags, f"-sample_index={t}", f"-{g}", str(new))
        if out.returncode != 0:
            raise RuntimeError(f"{new}: pprof {job} failed: {out.stderr.strip()}")
        return f"{mode}/{t}/{g}", out.stdout

    def run_filter(key: str) -> tuple[str, str]:
        out = pprof(go, *TOP_ARGS, f"-diff_base={base}", "-sample_index=inuse_space",
                    "-functions", *DIFF_FILTERS[key], str(new))
        if out.returncode != 0:
            raise RuntimeError(f"{new}: pprof filter {key} failed: {out.stderr.strip()}")
        return f"filter/{key}", out.stdout

    with ThreadPoolExecutor(max_workers=2) as pool:
        top = dict(pool.map(run, jobs))
        if "inuse_space" in types:
            top.update(pool.map(run_filter, DIFF_FILTERS))
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()
    oracle = {"go": version, "base": base.name, "new": new.name, "sample_types": types,
              "command": "go tool pprof " + " ".join(TOP_ARGS)
                         + " MODE -sample_index=TYPE -GRANULARITY NEW", "top": top}
    target.write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    return target


def record_pair(go: str, base: Path, new: Path, target: Path) -> Path:
    base_types = set(sample_types(go, base))
    common = [t for t in sample_types(go, new) if t in base_types]
    jobs = [(m, t, g) for m in DIFF_MODES for t in [*common, "default"]
            for g in DIFF_GRANULARITIES]

    def run(job: tuple[str, str, str]) -> tuple[str, str, subprocess.CompletedProcess]:
        mode, t, g = job
        flags = [f.format(base=base) for f in DIFF_MODES[mode]]
        index = [] if t == "default" else [f"-sample_index={t}"]
        return mode, f"{mode}/{t}/{g}", pprof(go, *TOP_ARGS, *flags, *index, f"-{g}", str(new))

    top: dict[str, str] = {}
    refused: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for mode, key, out in pool.map(run, jobs):
            if out.returncode == 0:
                top[key] = out.stdout
            else:
                refused[mode] = out.stderr.strip()
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()
    oracle = {"go": version, "base": base.name, "new": new.name, "sample_types": common,
              "command": "go tool pprof " + " ".join(TOP_ARGS)
                         + " MODE [-sample_index=TYPE] -GRANULARITY NEW",
              "top": top, "refused": refused}
    target.write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--go", default="go", help="the go command to use (default: go on PATH)")
    parser.add_argument("--out-dir", type=Path, help="write the oracles here, not next to FILE")
    parser.add_argument("--diff", nargs=2, type=Path, metavar=("BASE", "NEW"),
                        help="record the diff of NEW against BASE instead")
    parser.add_argument("--pair", nargs=2, type=Path, metavar=("BASE", "NEW"),
                        help="record the diff of a pair whose sample types may differ")
    parser.add_argument("--out", type=Path, help="with --diff or --pair: where to write the oracle")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    if args.pair:
        print(f"oracle: {record_pair(args.go, *args.pair, args.out)}", file=sys.stderr)
        return 0
    if args.diff:
        print(f"oracle: {record_diff(args.go, *args.diff, args.out)}", file=sys.stderr)
        return 0
    for path in args.files:
        print(f"oracle: {record(args.go, path, args.out_dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
