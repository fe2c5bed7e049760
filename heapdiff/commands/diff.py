"""heapdiff diff BASE NEW"""
from __future__ import annotations

import sys

from ..diff import MODES, diff_profiles
from ..progress import TerminalProgress
from ..render.diff import SORTS, diff_json, diff_text, drop_negative, sort_rows
from .options import (add_diff_inputs, add_output_options, limit_rows, load_diff_inputs,
                      resolve_granularity, write_json)


def register(commands) -> None:
    diff = commands.add_parser(
        "diff", help="what grew between two profiles: base | new | delta (like pprof -diff_base)",
        description="Diff NEW against BASE. Deltas, totals and percentages equal `go tool pprof "
                    "-top -diff_base` (or -base, -normalize) for the same options; heapdiff also "
                    "shows the base and new columns and marks new and gone functions.")
    add_diff_inputs(diff)
    add_mode_options(diff)
    diff.add_argument("--drop-negative", action="store_true",
                      help="hide rows that shrank (pprof -drop_negative)")
    diff.add_argument("--sort", choices=SORTS, default="delta",
                      help="delta (default: largest |flat delta| first, pprof's order), base, "
                           "new, or delta-pct (relative change, new functions first)")
    add_output_options(diff)
    diff.set_defaults(run=run)


def add_mode_options(parser) -> None:
    parser.add_argument("--mode", choices=MODES, default="diff-base",
                        help="diff-base (default; pprof -diff_base: percentages of the base "
                             "total) or base (pprof -base: equal samples cancel, percentages of "
                             "the sum of |net|)")
    parser.add_argument("--normalize", action="store_true",
                        help="scale NEW to BASE's total first (pprof -normalize)")


def compute(args, progress):
    """Load, filter and diff: (base paths, new path, bases, new, Diff)."""
    base_paths, new_path, bases, new = load_diff_inputs(args, progress)
    granularity, _ = resolve_granularity(new, args.granularity)
    progress("diffing")
    result = diff_profiles(bases, new, args.sample_index, granularity, args.mode,
                           args.normalize)
    return base_paths, new_path, bases, new, result


def run(args) -> int:
    with TerminalProgress() as progress:
        base_paths, new_path, _, _, result = compute(args, progress)
    rows = sort_rows(result.rows, args.sort)
    if args.drop_negative:
        rows = drop_negative(rows)
    shown = limit_rows(rows, args.nodecount, args.format == "text")
    if args.format == "json":
        write_json(diff_json(result, base_paths, new_path, shown))
    else:
        sys.stdout.write(diff_text(result, base_paths, new_path, rows, len(shown)))
    return 0
