"""heapdiff timeline DIR"""
from __future__ import annotations

from ..capture.manifest import is_capture, read_capture
from ..common.errors import InputError
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..render.timeline import timeline_json, timeline_text
from ..capture.timeline import build_timeline
from .options import add_profile_options, json_text, limit_rows

TEXT_ROWS = 20


def register(commands) -> None:
    timeline = commands.add_parser(
        "timeline", help="each function's live heap and RSS over the rounds of a capture",
        description="Read a folder made by `heapdiff capture` and show, per function, how its "
                    "in-use heap moved from round to round (the figures of `heapdiff top` for "
                    "each round), classified as grower (leak suspect), sawtooth, shrinking or "
                    "steady, with RSS, HeapAlloc and HeapInuse below.")
    timeline.add_argument("dir", metavar="DIR", help="a capture folder (with manifest.json)")
    add_profile_options(timeline)
    timeline.add_argument("--nodecount", type=int, metavar="N",
                          help=f"show at most N functions (0: all; default: {TEXT_ROWS} in "
                               "text, all otherwise)")
    timeline.add_argument("--format", choices=("text", "json"), default="text")
    timeline.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    timeline.set_defaults(run=run)


def run(args) -> int:
    if not is_capture(args.dir):
        raise InputError(args.dir, "not a capture folder (no manifest.json); make one with "
                                   "`heapdiff capture URL --out DIR`")
    capture = read_capture(args.dir)
    with TerminalProgress() as progress:
        tl = build_timeline(capture, args.sample_index, args.granularity or "functions",
                            progress)
    text = args.format == "text"
    nodecount = TEXT_ROWS if args.nodecount is None and text else args.nodecount
    shown = limit_rows(list(tl.functions), nodecount, text)
    if args.format == "json":
        emit(json_text(timeline_json(tl, shown)), args.output)
    else:
        emit(timeline_text(tl, shown), args.output)
    return 0
