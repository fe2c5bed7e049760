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
from ..common.jsontext import json_text
from .fleet import add_server_options, file_instance, server_moment
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
                              "folders: the newest); with --prometheus, the files of that "
                              "moment to read beside the server's (a heap profile: the "
                              "waterfall starts from it)")
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
    if not args.paths and args.prometheus is None:
        raise InputError("explain", "give the files of one moment, --prometheus URL, or both")
    with TerminalProgress() as progress:
        moment = server_moment(args)
        snap = load_snapshot(list(resolve_one(args.paths, args.round).paths)
                             if args.paths else [], progress, file_instance(args),
                             [moment.artifact()] if moment is not None else [])
        earlier = waterfall(load_snapshot(list(resolve_one(args.base).paths), progress,
                                          file_instance(args))) if args.base else None
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
