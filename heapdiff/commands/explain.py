"""heapdiff explain FILE|DIR..., heapdiff gc LOG"""
from __future__ import annotations

from ..common.errors import InputError
from ..memory.findings import findings
from ..memory.gchealth import gc_health
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..memory.waterfall import waterfall
from ..render import shapes
from ..render.explain import changes_json, changes_text, explain_json, explain_text, gc_text
from ..inputs.moments import resolve_one
from ..inputs.snapshot import load_snapshot
from .fleet import add_server_options, server
from ..common.jsontext import json_text
from .options import add_instance_option, add_round_option


def register(commands) -> None:
    explain = commands.add_parser(
        "explain", help="where every byte of RSS went, and whether the GC is healthy",
        description="Reconcile the heap profile (as of an earlier GC), MemStats (an instant) "
                    "and RSS (the kernel's view) into a waterfall whose rows add up to RSS, "
                    "with findings and advice. Give the artifacts of one moment in any "
                    "combination, or a folder holding them.")
    explain.add_argument("paths", nargs="*", metavar="FILE|DIR",
                         help="heap profile, MemStats JSON or /debug/vars, /proc/PID/status, "
                              "smaps_rollup, runtime/metrics JSON, gctrace log, Prometheus "
                              "scrape (/metrics), or a folder "
                              "(a capture folder: its latest round; a folder of snapshot "
                              "folders: the newest); none with --prometheus")
    add_round_option(explain)
    add_instance_option(explain)
    explain.add_argument("--base", action="append", default=[], metavar="FILE|DIR",
                         help="the artifacts of an earlier moment: show how each row changed")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    add_server_options(explain, history=False)
    explain.set_defaults(run=run_explain)

    gc = commands.add_parser(
        "gc", help="GC health from a gctrace log: cycles, CPU, live heap and goal over time",
        description="Read a GODEBUG=gctrace=1 log (program output mixed in is fine) and show "
                    "how often the GC runs, what it costs and how the live heap and the goal "
                    "moved, with sparklines.")
    gc.add_argument("log", metavar="LOG")
    gc.add_argument("--format", choices=("text", "json"), default="text")
    gc.set_defaults(run=run_gc)


def run_explain(args) -> int:
    if bool(args.paths) == (args.prometheus is not None):
        raise InputError(args.prometheus or "explain",
                         "give the files of one moment or --prometheus URL (one of them)")
    with TerminalProgress() as progress:
        snap = load_snapshot(list(resolve_one(args.paths, args.round).paths), progress,
                             args.instance) if args.paths else server_moment(args)
        earlier = waterfall(load_snapshot(list(resolve_one(args.base).paths), progress,
                                          args.instance if args.paths else None)) \
            if args.base else None  # with --prometheus, --instance names the server's
    w = waterfall(snap)
    health = gc_health(snap)
    found = findings(snap, w, health, earlier)
    if args.format == "json":
        document = explain_json(w, found, health, snap.sources, snap.notes)
        if earlier is not None:
            document["changes"] = changes_json(earlier, w)
        emit(json_text(document), args.output)
    else:
        text = explain_text(w, found, health, snap.sources, snap.notes)
        if earlier is not None:
            text += changes_text(earlier, w)
        emit(text, args.output)
    return 0


def server_moment(args):
    """The instance's snapshot at --at (now by default) from the --prometheus server."""
    import time

    from ..fleet.moment import instance_moment

    at = time.time() if args.at is None else args.at
    return instance_moment(server(args), args.instance, args.selector, at)


def run_gc(args) -> int:
    snap = load_snapshot([args.log])
    if snap.gctrace is None:
        raise InputError(args.log, "not a gctrace log (GODEBUG=gctrace=1 output)")
    health = gc_health(snap)
    assert health is not None  # there is a gctrace
    if args.format == "json":
        emit(json_text(shapes.gc_health(health)), None)
    else:
        emit(gc_text(health), None)
    return 0
