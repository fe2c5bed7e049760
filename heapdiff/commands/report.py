"""heapdiff report [--base FILE|DIR]... FILE|DIR... [-o findings.md]"""
from __future__ import annotations

import re

from ..analysis.diffoptions import DiffOptions
from ..common.errors import InputError
from ..inputs.moments import resolve_pair
from ..common.output import emit
from ..common.progress import TerminalProgress
from .diff import add_mode_options
from ..common.jsontext import json_text
from .fleet import add_server_options, server_moment
from .options import add_instance_option, add_pair_round_options, add_profile_options


def add_growth_options(parser) -> None:
    """How the growth is computed, as `heapdiff diff` takes it (the TUI's s, G, d, n, f, i)."""
    add_profile_options(parser)
    add_mode_options(parser)
    parser.add_argument("--focus", metavar="REGEX",
                        help="keep samples with a frame matching REGEX (pprof -focus)")
    parser.add_argument("--ignore", metavar="REGEX", help="drop samples with a matching frame")


def diff_options(args) -> DiffOptions:
    for option, pattern in (("--focus", args.focus), ("--ignore", args.ignore)):
        try:
            re.compile(pattern or "")
        except re.error as exc:
            raise InputError(option, f"bad regular expression {pattern!r}: {exc}") from None
    return DiffOptions(args.sample_index, args.granularity or "functions", args.mode,
                       args.normalize, args.focus, args.ignore)


def register(commands) -> None:
    report = commands.add_parser(
        "report", help="the findings as Markdown for an incident ticket (or JSON)",
        description="Gather what grew (with --base), where the memory went, GC health, the "
                    "pointer-dense retainers and every finding into one GitHub-flavoured "
                    "Markdown document; the same bytes for the same inputs.")
    report.add_argument("paths", nargs="*", metavar="FILE|DIR",
                        help="the artifacts of the moment to report on, or two heap profiles "
                             "BASE NEW (as diff takes them), or a capture folder "
                             "(its last round, with its first as the base), or a folder of "
                             "snapshot folders (the newest, with the oldest as the base); "
                             "with --prometheus, the server's moment joins the new one (none: "
                             "the server's alone)")
    report.add_argument("--base", action="append", default=[], metavar="FILE|DIR",
                        help="the artifacts of an earlier moment, to report growth (repeat "
                             "for several files)")
    add_pair_round_options(report)
    add_growth_options(report)
    add_instance_option(report)
    report.add_argument("--binary", metavar="PATH", help="the binary, for the retainers' verdicts")
    report.add_argument("--source", metavar="DIR", help="the source, for the retainers")
    report.add_argument("--format", choices=("markdown", "json"), default="markdown")
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    add_server_options(report, history=False)
    report.set_defaults(run=run)


def run(args) -> int:
    from ..gather import gather
    from ..render.markdown import report_markdown
    from ..render.report_json import report_json

    if not args.paths and args.prometheus is None:
        raise InputError("report", "give the files of one moment, --prometheus URL, or both")
    with TerminalProgress() as progress:
        inputs = resolve_pair(args.paths, args.base, args.from_round, args.to_round)
        gathered = gather(list(inputs.new.paths), list(inputs.base.paths) if inputs.base else [],
                          args.binary, args.source, progress, inputs.title or None,
                          diff_options(args), args.instance, server_moment(args))
    if args.format == "json":
        emit(json_text(report_json(gathered)), args.output)
    else:
        emit(report_markdown(gathered), args.output)
    return 0
