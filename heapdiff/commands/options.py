"""Options and input handling shared by the subcommands. Registering a command's options
imports nothing heavy: the loaders and filters are imported when a command runs."""
from __future__ import annotations

import argparse
import re
import sys
TYPE_CHECKING = False  # typing's constant without typing's import (start-up: records.py)

from ..analysis.nodes import GRANULARITIES
from ..common.errors import InputError

if TYPE_CHECKING:
    from ..analysis.filters import SampleFilter
    from ..common.progress import Report
    from ..inputs.decode.small import SmallProfile
    from ..model import Profile

DEFAULT_TEXT_ROWS = 30


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample-index", metavar="NAME",
                        help="sample type, e.g. inuse_space, alloc_objects (default: the "
                             "profile's default type, else the last one, as pprof)")
    parser.add_argument("--granularity", choices=GRANULARITIES,
                        help="what one row stands for (default: functions; addresses when the "
                             "profile has no symbols)")


def add_output_options(parser: argparse.ArgumentParser, formats=("text", "json")) -> None:
    parser.add_argument("--nodecount", type=int, metavar="N",
                        help=f"show at most N rows (0: all; default: {DEFAULT_TEXT_ROWS} in "
                             "text, all otherwise)")
    parser.add_argument("--format", choices=formats, default="text",
                        help="a table for people (default), or " + ", ".join(formats[1:]))


def add_diff_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="BASE NEW, or just NEW with --base; several bases are merged; "
                             "a snapshot folder stands for its profile; or a capture folder (its "
                             "first round against its last) or a folder of snapshot folders "
                             "(the oldest against the newest)")
    parser.add_argument("--base", action="append", default=[], metavar="FILE",
                        help="a base profile (repeat to merge several, as pprof does)")
    add_pair_round_options(parser)
    add_profile_options(parser)
    add_filter_options(parser)


def add_pair_round_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("capture folders (heapdiff capture)")
    group.add_argument("--from", dest="from_round", type=int, metavar="K",
                       help="the base round (default: the first with a heap profile)")
    group.add_argument("--to", dest="to_round", type=int, metavar="L",
                       help="the new round (default: the last with a heap profile; -1 is the "
                            "last, -2 the one before)")


def add_round_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--round", type=int, metavar="K",
                        help="with a capture folder: the round to read (default: the latest "
                             "with a heap profile; -1 is the last, -2 the one before)")


def add_instance_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instance", metavar="VALUE",
                        help="with a Prometheus scrape of several processes: the one whose "
                             "instance, job or pod label is VALUE; with --prometheus: the "
                             "instance label of the process to explain")


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
    from ..analysis.filters import SampleFilter, parse_tagfocus

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


def diff_paths(args, progress: Report) -> tuple[list[str], str]:
    """The base profiles (--base, then all FILEs but the last) and the new one (the last)."""
    from ..inputs.moments import resolve_profiles

    return resolve_profiles([str(p) for p in args.files], [str(p) for p in args.base],
                            args.from_round, args.to_round, progress)


def load_diff_inputs(args, progress: Report) -> tuple[list[str], str, list[Profile], Profile]:
    """The base paths, the new path, and the profiles, filtered."""
    from ..analysis.filters import apply as apply_filter
    from ..inputs.load import load_profile

    base_paths, new_path = diff_paths(args, progress)
    chosen = sample_filter(args)
    bases = [apply_filter(load_profile(p, progress), chosen) for p in base_paths]
    new = apply_filter(load_profile(new_path, progress), chosen)
    return base_paths, new_path, bases, new


def resolve_granularity(profile: Profile | SmallProfile, requested: str | None) -> tuple[str, str]:
    """The granularity to use, and a note when it was chosen for the user."""
    if requested:
        return requested, ""
    if not profile.functions and len(profile.locations):
        return "addresses", "No symbols in this profile: showing addresses."
    return "functions", ""


def limit_rows(rows: list, nodecount: int | None, text: bool) -> list:
    """The rows to show: --nodecount, or by default 30 in text and all otherwise."""
    if nodecount is None:
        nodecount = DEFAULT_TEXT_ROWS if text else 0
    return rows if nodecount == 0 else rows[:nodecount]


def write_json(document: dict) -> None:
    from ..common.jsontext import json_text  # json's import is for JSON output only

    sys.stdout.write(json_text(document))
