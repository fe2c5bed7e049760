"""heapdiff retained DUMP [--base DUMP] [--binary EXE] [--metrics FILE] [--format text|json]"""
from __future__ import annotations

from ..common.errors import InputError
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..common.jsontext import json_text
from .options import limit_rows


def register(commands) -> None:
    r = commands.add_parser(
        "retained", help="what keeps the heap alive: retained size by root, type and site",
        description="Read a Go heap dump (runtime/debug.WriteHeapDump), build the dominator "
                    "tree of its object graph from the GC roots, and rank what the roots "
                    "retain: by root (global, goroutine frame, finalizer), by type and by "
                    "allocation site, each with its dominator path from the root and its "
                    "pointer bytes. With --base, groups are matched across the two dumps and "
                    "ranked by retained growth.")
    r.add_argument("dump", metavar="DUMP", help="a heap dump (header `go1.7 heap dump`)")
    r.add_argument("--base", metavar="DUMP", help="an earlier dump of the same program")
    r.add_argument("--binary", metavar="EXE",
                   help="the binary that wrote the dumps (amd64): names globals, types and "
                        "finalizers")
    r.add_argument("--metrics", metavar="FILE",
                   help="runtime/metrics JSON of the same moment: pointer bytes against "
                        "/gc/scan/heap:bytes")
    r.add_argument("--nodecount", type=int, metavar="N",
                   help="show at most N groups (0: all; default 30 in text, all in JSON)")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(run=run)


def run(args) -> int:
    from ..inputs.load import describe, load, load_heapdump
    from ..model import Metrics
    from ..render.retained import retained_json, retained_text
    from ..retained.groups import compare, retention
    from ..retainers.binary.image import read_image

    with TerminalProgress() as progress:
        image = read_image(args.binary) if args.binary else None
        scan_heap = None
        if args.metrics:
            metrics = load(args.metrics, progress)
            if not isinstance(metrics, Metrics):
                raise InputError(args.metrics, f"{describe(metrics)}, not a runtime/metrics "
                                               "JSON dump")
            value = metrics.get("/gc/scan/heap:bytes")
            scan_heap = int(value) if value is not None else None
        result = retention(load_heapdump(args.dump, progress), image, progress)
        if args.base:
            result = compare(result, retention(load_heapdump(args.base, progress), image,
                                               progress))
    groups = limit_rows(list(result.groups), args.nodecount, args.format == "text")
    if args.format == "json":
        emit(json_text(retained_json(result, groups, scan_heap)), None)
    else:
        emit(retained_text(result, groups, scan_heap), None)
    return 0
