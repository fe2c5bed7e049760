"""heapdiff timeline DIR, heapdiff timeline --prometheus URL"""
from __future__ import annotations

from ..capture.manifest import is_capture, read_capture
from ..common.errors import InputError
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..render.timeline import timeline_json, timeline_text
from ..capture.timeline import build_timeline
from .fleet import add_server_options, server
from ..common.jsontext import json_text
from .options import add_profile_options, limit_rows

TEXT_ROWS = 20
FLEET_DETAILS = 5  # instances whose figures and waterfall the text shows by default


def register(commands) -> None:
    timeline = commands.add_parser(
        "timeline", help="each function's live heap and RSS over the rounds of a capture",
        description="Read a folder made by `heapdiff capture` and show, per function, how its "
                    "in-use heap moved from round to round (the figures of `heapdiff top` for "
                    "each round), classified as grower (leak suspect), sawtooth, shrinking or "
                    "steady, with RSS, HeapAlloc and HeapInuse below. With --prometheus: each "
                    "instance's RSS, heap and waterfall over a window, from a Prometheus "
                    "server, the instances ranked by RSS growth.")
    timeline.add_argument("dir", metavar="DIR", nargs="?",
                          help="a capture folder (with manifest.json)")
    add_profile_options(timeline)
    timeline.add_argument("--nodecount", type=int, metavar="N",
                          help=f"show at most N functions (0: all; default: {TEXT_ROWS} in "
                               "text, all otherwise); with --prometheus, detail the first N "
                               f"instances in text (0: all; default {FLEET_DETAILS})")
    timeline.add_argument("--format", choices=("text", "json"), default="text")
    timeline.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    add_server_options(timeline, history=True)
    timeline.set_defaults(run=run)


def run(args) -> int:
    if (args.dir is None) == (args.prometheus is None):
        raise InputError(args.dir or args.prometheus or "timeline",
                         "give a capture folder or --prometheus URL (one of them)")
    if args.prometheus is not None:
        return run_fleet(args)
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


def run_fleet(args) -> int:
    import time

    from ..fleet.history import fleet_history
    from ..fleet.query import MAX_POINTS, default_step, iso
    from ..render.fleet import fleet_json, fleet_text

    end = round(time.time() if args.until is None else args.until, 3)  # as sent: to the ms
    start = round(end - args.since, 3)
    if start < 0:
        raise InputError(args.prometheus, f"--since {args.since:g}s from {iso(end)} starts "
                                          "before 1970")
    step = args.step or default_step(args.since)
    if args.since / step >= MAX_POINTS:
        raise InputError(args.prometheus, f"--since / --step is {args.since / step:.0f} "
                                          f"points; the query API answers at most {MAX_POINTS}: "
                                          "a longer --step")
    fleet = fleet_history(server(args), args.selector, start, end, step)
    if args.format == "json":
        emit(json_text(fleet_json(fleet)), args.output)
    else:
        detailed = FLEET_DETAILS if args.nodecount is None else args.nodecount or None
        emit(fleet_text(fleet, detailed), args.output)
    return 0
