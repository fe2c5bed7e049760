"""The `heapdiff` command line: parse arguments, run load -> analysis -> renderer, and turn
bad input into one line on stderr and exit status 2."""
from __future__ import annotations

import argparse
import json
import re
import sys

from .aggregate import GRANULARITIES, aggregate, top_rows
from .diff import MODES, diff_profiles
from .errors import InputError
from .filters import SampleFilter, parse_tagfocus
from .filters import apply as apply_filter
from .load import load_profile
from .progress import TerminalProgress
from .render.diff import SORTS, diff_json, diff_text, drop_negative, sort_rows
from .render.top import top_json, top_text

DESCRIPTION = """\
heapdiff: Go heap profiles for people chasing memory.
Reads pprof heap/allocs profiles (.pb.gz or raw protobuf), legacy debug=1 text profiles and
MemStats JSON, and agrees with `go tool pprof` to the byte.

  heapdiff top FILE             the heaviest functions of one profile
  heapdiff diff BASE NEW        what grew between two profiles, base | new | delta"""

DEFAULT_TEXT_ROWS = 30


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heapdiff", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    top = commands.add_parser(
        "top", help="the heaviest functions of one profile (like go tool pprof -top)",
        description="The heaviest nodes of one profile, with flat and cum figures equal to "
                    "`go tool pprof -top` for the same sample type and granularity.")
    top.add_argument("file", metavar="FILE", help="a heap/allocs profile (pprof or debug=1 text)")
    add_profile_options(top)
    top.add_argument("--nodecount", type=int, metavar="N",
                     help=f"show at most N rows (0: all; default: {DEFAULT_TEXT_ROWS} in text, "
                          "all in JSON)")
    top.add_argument("--sort", choices=("flat", "cum"), default="flat",
                     help="order rows by flat (default) or cum, as pprof does")
    top.add_argument("--format", choices=("text", "json"), default="text",
                     help="a table for people (default) or JSON with exact integers")
    top.set_defaults(run=run_top)

    diff = commands.add_parser(
        "diff", help="what grew between two profiles: base | new | delta (like pprof -diff_base)",
        description="Diff NEW against BASE. Deltas, totals and percentages equal `go tool pprof "
                    "-top -diff_base` (or -base, -normalize) for the same options; heapdiff also "
                    "shows the base and new columns and marks new and gone functions.")
    diff.add_argument("files", nargs="+", metavar="FILE",
                      help="BASE NEW, or just NEW with --base; several bases are merged")
    diff.add_argument("--base", action="append", default=[], metavar="FILE",
                      help="a base profile (repeat to merge several, as pprof does)")
    add_profile_options(diff)
    diff.add_argument("--mode", choices=MODES, default="diff-base",
                      help="diff-base (default; pprof -diff_base: percentages of the base "
                           "total) or base (pprof -base: equal samples cancel, percentages of "
                           "the sum of |net|)")
    diff.add_argument("--normalize", action="store_true",
                      help="scale NEW to BASE's total first (pprof -normalize)")
    add_filter_options(diff)
    diff.add_argument("--drop-negative", action="store_true",
                      help="hide rows that shrank (pprof -drop_negative)")
    diff.add_argument("--nodecount", type=int, metavar="N",
                      help=f"show at most N rows (0: all; default: {DEFAULT_TEXT_ROWS} in text, "
                           "all in JSON)")
    diff.add_argument("--sort", choices=SORTS, default="delta",
                      help="delta (default: largest |flat delta| first, pprof's order), base, "
                           "new, or delta-pct (relative change, new functions first)")
    diff.add_argument("--format", choices=("text", "json"), default="text",
                      help="a table for people (default) or JSON with exact integers")
    diff.set_defaults(run=run_diff)
    return parser


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (pprof's, applied to every profile)")
    group.add_argument("--focus", metavar="REGEX",
                       help="keep samples with a frame matching REGEX (function, file or binary)")
    group.add_argument("--ignore", metavar="REGEX", help="drop samples with a matching frame")
    group.add_argument("--hide", metavar="REGEX", help="remove matching frames from stacks")
    group.add_argument("--show", metavar="REGEX", help="keep only matching frames in stacks")
    group.add_argument("--tagfocus", metavar="KEY=LOW:HIGH",
                       help="keep samples whose numeric label is in range, e.g. bytes=1kb:64kb "
                            "(object sizes)")


def sample_filter(args) -> SampleFilter:
    def regex(option: str, text: str | None):
        if text is None:
            return None
        try:
            return re.compile(text)
        except re.error as exc:
            raise InputError(option, f"bad regular expression {text!r}: {exc}") from None

    tag_key = tag_low = tag_high = None
    if args.tagfocus:
        try:
            tag_key, tag_low, tag_high = parse_tagfocus(args.tagfocus)
        except ValueError as exc:
            raise InputError("--tagfocus", str(exc)) from None
    return SampleFilter(focus=regex("--focus", args.focus), ignore=regex("--ignore", args.ignore),
                        hide=regex("--hide", args.hide), show=regex("--show", args.show),
                        tag_key=tag_key, tag_low=tag_low, tag_high=tag_high)


def run_diff(args) -> int:
    paths = [*args.base, *args.files[:-1]]
    new_path = args.files[-1]
    if not paths:
        raise InputError(new_path, "no base profile: give BASE NEW, or --base BASE NEW")
    chosen = sample_filter(args)
    with TerminalProgress() as progress:
        bases = [apply_filter(load_profile(p, progress), chosen) for p in paths]
        new = apply_filter(load_profile(new_path, progress), chosen)
        granularity, _ = resolve_granularity(new, args.granularity)
        progress("diffing")
        result = diff_profiles(bases, new, args.sample_index, granularity, args.mode,
                               args.normalize)
    rows = sort_rows(result.rows, args.sort)
    if args.drop_negative:
        rows = drop_negative(rows)
    sources = [str(p) for p in paths]
    if args.format == "json":
        if args.nodecount:
            rows = rows[:args.nodecount]
        json.dump(diff_json(result, sources, str(new_path), rows), sys.stdout,
                  separators=(",", ":"))
        sys.stdout.write("\n")
        return 0
    limit = DEFAULT_TEXT_ROWS if args.nodecount is None else args.nodecount
    shown = len(rows) if limit == 0 else min(limit, len(rows))
    sys.stdout.write(diff_text(result, sources, str(new_path), rows, shown))
    return 0


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample-index", metavar="NAME",
                        help="sample type, e.g. inuse_space, alloc_objects (default: the "
                             "profile's default type, else the last one, as pprof)")
    parser.add_argument("--granularity", choices=GRANULARITIES,
                        help="what one row stands for (default: functions; addresses when the "
                             "profile has no symbols)")


def resolve_sample_index(profile, name: str | None) -> int:
    try:
        return profile.sample_index(name)
    except KeyError as exc:
        raise InputError(profile.source, exc.args[0]) from None


def resolve_granularity(profile, requested: str | None) -> tuple[str, str]:
    """The granularity to use, and a note when it was chosen for the user."""
    if requested:
        return requested, ""
    if not profile.functions and len(profile.locations):
        return "addresses", "No symbols in this profile: showing addresses."
    return "functions", ""


def run_top(args) -> int:
    with TerminalProgress() as progress:
        profile = load_profile(args.file, progress)
    index = resolve_sample_index(profile, args.sample_index)
    granularity, note = resolve_granularity(profile, args.granularity)
    agg = aggregate(profile, index, granularity)
    rows = top_rows(agg, args.sort)
    if args.format == "json":
        if args.nodecount:
            rows = rows[:args.nodecount]
        json.dump(top_json(profile, index, granularity, agg, rows), sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
        return 0
    limit = DEFAULT_TEXT_ROWS if args.nodecount is None else args.nodecount
    shown = len(rows) if limit == 0 else min(limit, len(rows))
    sys.stdout.write(top_text(profile, index, granularity, agg, rows, shown, note))
    return 0


def prefer_small_pages() -> None:
    """numpy advises huge pages for big arrays. heapdiff makes many short-lived ones, and where
    THP defrag is `madvise` (a common default) each huge-page fault may stall on compaction;
    measured on a million-sample profile: 2.1 s steady with small pages, 2.1-2.6 s with huge."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # numpy < 2 or without the switch: leave the default
        return
    _set_madvise_hugepage(False)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    prefer_small_pages()
    try:
        return args.run(args)
    except InputError as exc:
        print(f"heapdiff: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): not an error
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
