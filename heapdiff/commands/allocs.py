"""heapdiff allocs PROFILE [--base PROFILE] --source DIR [--sample-index NAME]
[--gctrace FILE] [--metrics FILE] [--format text|json]"""
from __future__ import annotations

import argparse
import sys

from ..common.errors import InputError
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..render.escape import terminal
from ..common.jsontext import json_text
from .options import limit_rows


def register(commands) -> None:
    a = commands.add_parser(
        "allocs", help="allocation sites with the compiler's reason they are on the heap",
        description="The lines that allocate most (or grew most against --base), each with "
                    "its allocation rate, its share, the compiler's escape-analysis verdict "
                    "(from the packages in --source, compiled with -gcflags=-m=2 -json) and "
                    "the advice that fits the reason.")
    a.add_argument("profile", metavar="PROFILE", help="a heap or allocs profile")
    a.add_argument("--base", metavar="PROFILE", help="an earlier profile of the same process: "
                                                     "rates over the span between the two")
    a.add_argument("--source", metavar="DIR", help="the Go module's source (needs go on PATH)")
    a.add_argument("--sample-index", metavar="NAME", default="alloc_space",
                   help="the sample type (default alloc_space)")
    a.add_argument("--gctrace", metavar="FILE", help="a gctrace log: rates per GC cycle and "
                                                     "each site's share of GC CPU")
    a.add_argument("--metrics", metavar="FILE", help="runtime/metrics JSON: GC's share of CPU "
                                                     "(when no --gctrace gives it)")
    a.add_argument("--go", metavar="PATH", help=argparse.SUPPRESS)  # tests: a given toolchain
    a.add_argument("--nodecount", type=int, metavar="N",
                   help="show at most N sites (0: all; default 30 in text, all in JSON)")
    a.add_argument("--format", choices=("text", "json"), default="text")
    a.set_defaults(run=run)


def run(args) -> int:
    from ..analysis.diff import sample_index_in
    from ..escapes.allocs import allocs
    from ..inputs.load import load, load_profile
    from ..model import GCTrace, Metrics

    with TerminalProgress() as progress:
        profile = load_profile(args.profile, progress)
        base = load_profile(args.base, progress) if args.base else None
        gctrace = load(args.gctrace) if args.gctrace else None
        if gctrace is not None and not isinstance(gctrace, GCTrace):
            raise InputError(args.gctrace, "not a gctrace log")
        metrics = load(args.metrics) if args.metrics else None
        if metrics is not None and not isinstance(metrics, Metrics):
            raise InputError(args.metrics, "not a runtime/metrics JSON dump")
        index = sample_index_in(profile, args.sample_index)
        if base is not None:
            sample_index_in(base, profile.sample_types[index].type)
        progress("reading the compiler's escape analysis")
        result = allocs(profile, index, args.source, base, gctrace, args.go, metrics=metrics)
    for warning in result.warnings:
        print(f"heapdiff: {terminal(args.source or '--source')}: {terminal(warning)}",
              file=sys.stderr)
    sites = limit_rows(list(result.sites), args.nodecount, args.format == "text")
    if args.format == "json":
        from ..render.allocs import allocs_json

        emit(json_text(allocs_json(result, sites)), None)
    else:
        from ..render.allocs import allocs_text

        title = args.profile + (f" against {args.base}" if args.base else "")
        emit(allocs_text(result, sites, title), None)
    return 0
