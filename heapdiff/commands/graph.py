"""heapdiff paths BASE NEW, heapdiff peek BASE NEW REGEX: queries of the diff's call graph.

The call graph modules import numpy, and peek networkx (0.09 s): they are imported when a graph
command runs, not when the CLI starts; paths walks the graph's plain dicts, without networkx."""
from __future__ import annotations

import re
import sys

from ..common.errors import InputError
from ..common.progress import TerminalProgress
from .diff import add_mode_options, compute
from .options import add_diff_inputs, write_json


def register(commands) -> None:
    paths = commands.add_parser(
        "paths", help="the call paths from the roots that carry most of the growth",
        description="The few call paths that carry most of the net growth (or, with --shrink, "
                    "the shrinkage): from each function whose own allocations changed most, up "
                    "through the callers that carry most of that change.")
    add_diff_inputs(paths)
    add_mode_options(paths)
    paths.add_argument("--shrink", action="store_true", help="paths of shrinkage instead")
    paths.add_argument("--count", type=int, default=5, metavar="N", help="how many (default 5)")
    paths.add_argument("--format", choices=("text", "json"), default="text")
    paths.set_defaults(run=run_paths)

    peek_parser = commands.add_parser(
        "peek", help="callers and callees of functions, with their deltas (like pprof -peek)",
        description="For every function matching REGEX: who calls it and whom it calls, with "
                    "base, new and delta weights of each call edge.")
    add_diff_inputs(peek_parser)
    peek_parser.add_argument("regex", metavar="REGEX", help="functions to look at")
    add_mode_options(peek_parser)
    peek_parser.set_defaults(run=run_peek)


def _graph(args, progress, build):
    _, _, bases, new, result = compute(args, progress)
    progress("building the call graph")
    return result, build(result, bases, new)


def deltas_text(result) -> str:
    """A line per side that is a delta profile, whose figures are changes over its span."""
    return "".join(f"Delta: {note}\n" for note in result.deltas)


def run_paths(args) -> int:
    from ..analysis.callgraph import change_paths, graph_data
    from ..render.graph import paths_json, paths_text

    with TerminalProgress() as progress:
        result, graph = _graph(args, progress, graph_data)
    found = change_paths(graph, args.count, growth=not args.shrink)
    unit = result.sample_type.unit
    if args.format == "json":
        write_json(paths_json(found, result.sample_type.type, unit, not args.shrink))
    else:
        sys.stdout.write(deltas_text(result) + paths_text(found, unit, not args.shrink))
    return 0


def run_peek(args) -> int:
    from ..analysis.callgraph import build_graph, find, peek
    from ..render.graph import peek_text

    try:
        around = re.compile(args.regex)
    except re.error as exc:
        raise InputError("REGEX", f"bad regular expression {args.regex!r}: {exc}") from None
    with TerminalProgress() as progress:
        result, graph = _graph(args, progress,
                               lambda d, bases, new: build_graph(d, bases, new, around))
    nodes = find(graph, args.regex)
    if not nodes:
        raise InputError(args.files[-1], f"no function matches {args.regex!r}")
    unit = result.sample_type.unit
    nodes.sort(key=lambda n: -abs(graph.nodes[n]["delta_cum"]))
    sys.stdout.write(deltas_text(result))
    for n in nodes:
        callers, callees = peek(graph, n)
        sys.stdout.write(peek_text(graph.nodes[n]["name"], graph.nodes[n], callers, callees, unit))
    return 0
