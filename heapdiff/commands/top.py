"""heapdiff top FILE"""
from __future__ import annotations

import sys

from ..analysis.aggregate import aggregate, top_rows
from ..analysis.diff import sample_index_in
from ..inputs.load import load_profile
from ..inputs.moments import resolve_one
from ..common.progress import TerminalProgress
from ..render.top import top_json, top_text
from .options import (add_output_options, add_profile_options, add_round_option, limit_rows,
                      resolve_granularity, write_json)


def register(commands) -> None:
    top = commands.add_parser(
        "top", help="the heaviest functions of one profile (like go tool pprof -top)",
        description="The heaviest nodes of one profile, with flat and cum figures equal to "
                    "`go tool pprof -top` for the same sample type and granularity.")
    top.add_argument("file", metavar="FILE", help="a heap/allocs profile (pprof or debug=1 "
                                                  "text), a snapshot folder, or a capture folder")
    add_round_option(top)
    add_profile_options(top)
    top.add_argument("--sort", choices=("flat", "cum"), default="flat",
                     help="order rows by flat (default) or cum, as pprof does")
    add_output_options(top)
    top.set_defaults(run=run)


def run(args) -> int:
    with TerminalProgress() as progress:
        profile = load_profile(resolve_one([args.file], args.round).profile_path(progress), progress)
    index = sample_index_in(profile, args.sample_index)
    granularity, note = resolve_granularity(profile, args.granularity)
    agg = aggregate(profile, index, granularity)
    rows = top_rows(agg, args.sort)
    shown = limit_rows(rows, args.nodecount, args.format == "text")
    if args.format == "json":
        write_json(top_json(profile, index, granularity, agg, shown))
    else:
        sys.stdout.write(top_text(profile, index, granularity, agg, rows, len(shown), note))
    return 0
