"""heapdiff top FILE"""
from __future__ import annotations

import sys

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
    if args.round is None and run_small(args):
        return 0
    from ..analysis.aggregate import aggregate, top_rows
    from ..analysis.diff import sample_index_in
    from ..inputs.load import load_profile
    from ..inputs.moments import resolve_one

    with TerminalProgress() as progress:
        path = resolve_one([args.file], args.round).profile_path(progress)
        profile = load_profile(path, progress)
    index = sample_index_in(profile, args.sample_index)
    granularity, note = resolve_granularity(profile, args.granularity)
    agg = aggregate(profile, index, granularity)
    rows = top_rows(agg, args.sort)
    output(args, profile, index, granularity, agg, rows, note)
    return 0


def run_small(args) -> bool:
    """A small, ordinary pprof or debug=1 text file, read without numpy (inputs/small.py);
    False when the file is not one, and the usual route reads it."""
    from ..analysis.small import small_top
    from ..common.sample_index import sample_index_of
    from ..inputs.decode.small import NotSmall

    profile = small_profile(args.file)
    if profile is None:
        return False
    try:
        index = sample_index_of(profile.sample_types, profile.default_sample_type,
                                args.sample_index)
    except KeyError:  # the usual route says what is wrong
        return False
    granularity, note = resolve_granularity(profile, args.granularity)
    try:
        agg = small_top(profile, index, granularity, args.sort)
    except NotSmall:  # its samples, read only when summed
        return False
    output(args, profile, index, granularity, agg, agg.rows, note)
    return True


def small_profile(path: str):
    """The file as a SmallProfile, or None when the small route does not read it."""
    from ..inputs.decode.small import NotSmall, decode_small
    from ..inputs.small import read_small, read_small_text

    try:
        if (data := read_small(path)) is not None:
            return decode_small(data, path)
        if (text := read_small_text(path)) is not None:
            from ..inputs.decode.small_legacy import decode_small_legacy

            return decode_small_legacy(text, path)
    except NotSmall:
        pass
    return None


def output(args, profile, index, granularity, agg, rows, note) -> None:
    shown = limit_rows(rows, args.nodecount, args.format == "text")
    if args.format == "json":
        write_json(top_json(profile, index, granularity, agg, shown))
    else:
        sys.stdout.write(top_text(profile, index, granularity, agg, rows, len(shown), note))
