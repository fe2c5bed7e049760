"""heapdiff diff BASE NEW"""
from __future__ import annotations

from ..analysis.diff import MODES, diff_profiles, diff_sides, side_of
from ..analysis.sampletypes import TypeList, check_normalizable, pair_types, pick
from ..analysis.verdict import alloc_falls_between, alloc_totals, verdict
from ..common.errors import InputError
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..render.diff import diff_json, diff_text, drop_negative
from ..render.order import CLI_SORTS, sort_rows
from ..render.pprof_export import diff_profile_bytes
from ..analysis.filters import apply as apply_filter
from ..inputs.load import load_profile
from ..common.jsontext import json_text
from .options import (add_diff_inputs, add_output_options, diff_paths, limit_rows,
                      load_diff_inputs, resolve_granularity,
                      sample_filter)


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
    diff.add_argument("--sort", choices=tuple(CLI_SORTS), default="delta",
                      help="delta (default: largest |flat delta| first, pprof's order), base, "
                           "new, or delta-pct (relative change, new functions first)")
    add_output_options(diff, formats=("text", "json", "dot", "pprof"))
    diff.add_argument("-o", "--output", metavar="FILE",
                      help="write to FILE (whole or not at all) instead of standard output")
    diff.add_argument("--nodefraction", type=float, default=0.005, metavar="F",
                      help="dot: drop nodes whose |delta cum| is below F of the total "
                           "(default 0.005, as pprof)")
    diff.add_argument("--edgefraction", type=float, default=0.001, metavar="F",
                      help="dot: drop edges whose |delta| is below F of the total "
                           "(default 0.001, as pprof)")
    diff.set_defaults(run=run)


def add_mode_options(parser) -> None:
    parser.add_argument("--mode", choices=MODES, default="diff-base",
                        help="diff-base (default; pprof -diff_base: percentages of the base "
                             "total) or base (pprof -base: equal samples cancel, percentages of "
                             "the sum of |net|)")
    parser.add_argument("--normalize", action="store_true",
                        help="scale NEW to BASE's total first (pprof -normalize)")


def compute(args, progress):
    """Load, filter and diff, keeping the profiles: (base paths, new path, bases, new, Diff)."""
    base_paths, new_path, bases, new = load_diff_inputs(args, progress)
    granularity, _ = resolve_granularity(new, args.granularity)
    progress("diffing")
    result = diff_profiles(bases, new, args.sample_index, granularity, args.mode,
                           args.normalize)
    return base_paths, new_path, bases, new, result


def compute_lean(args, progress):
    """The same Diff with one profile in memory at a time: each is reduced to what the diff
    needs (its aggregate and totals, and its alloc_* totals for the verdict) before the next
    is read. The sample type pprof reads depends on every profile's types and defaults
    (sampletypes.py): each side is summarized for the type picked from the profiles read so
    far, and a side whose type a later base changed (an allocs base under a heap profile;
    types that differ) is read again.
    (base paths, new path, Diff, the alloc_* totals that fell)"""
    base_paths, new_path = diff_paths(args, progress)
    chosen = sample_filter(args)
    registry: dict = {}

    def load(path: str):
        return apply_filter(load_profile(path, progress), chosen)

    new = load(new_path)
    new_allocs = (new_path, alloc_totals(new))
    new_types = TypeList.of(new)
    granularity, _ = resolve_granularity(new, args.granularity)

    def side(profile, name: str, scale_to: int | None = None):
        return side_of(profile, name, granularity, args.mode, registry, scale_to)

    name = pick(new_types, args.sample_index)
    new_side = None
    if not args.normalize:  # a normalized new side needs the base sums first
        new_side = side(new, name)
        new = None
    lists: list[TypeList] = []
    sides, base_allocs = [], []
    for path in base_paths:
        base = load(path)
        base_allocs.append((path, alloc_totals(base)))
        lists.append(TypeList.of(base))
        name = pick(pair_types(lists, new_types), args.sample_index)
        sides.append(side(base, name))
        del base
    sides = [s if s.sample_type.type == name else side(load(path), name)
             for s, path in zip(sides, base_paths)]
    if new_side is None:
        check_normalizable(lists, new_types)
        new_side = side(new, name, scale_to=sum(s.sum for s in sides))
    elif new_side.sample_type.type != name:
        new_side = side(load(new_path), name)
    progress("diffing")
    return (base_paths, new_path,
            diff_sides(sides, new_side, granularity, args.mode, args.normalize),
            alloc_falls_between(base_allocs, new_allocs))


def run(args) -> int:
    if args.format in ("pprof", "dot"):
        return run_export(args)
    with TerminalProgress() as progress:
        base_paths, new_path, result, falls = compute_lean(args, progress)
    rows = sort_rows(result.rows, CLI_SORTS[args.sort])
    if args.drop_negative:
        rows = drop_negative(rows)
    shown = limit_rows(rows, args.nodecount, args.format == "text")
    if args.format == "json":
        emit(json_text(diff_json(result, base_paths, new_path, shown)), args.output)
    else:
        emit(diff_text(result, base_paths, new_path, rows, len(shown), verdict(result, falls)),
             args.output)
    return 0


def run_export(args) -> int:
    """The pprof profile or the DOT graph of the diff: these need the profiles themselves."""
    if args.format == "pprof" and args.mode != "diff-base":
        raise InputError("--format pprof", "the pprof export is a -diff_base profile; "
                                           "leave out --mode base")
    with TerminalProgress() as progress:
        base_paths, new_path, bases, new, result = compute(args, progress)
        if args.format == "pprof":
            progress("writing the pprof profile")
            emit(diff_profile_bytes(bases, new, args.normalize), args.output)
        else:
            # networkx takes 0.1 s and 20 MB to import: only the graph outputs pay for it.
            from ..analysis.callgraph import build_graph, prune
            from ..render.dot import diff_dot

            progress("building the call graph")
            graph = prune(build_graph(result, bases, new), args.nodefraction, args.edgefraction)
            title = f"{result.sample_type.type}: {', '.join(base_paths)} -> {new_path}"
            emit(diff_dot(graph, title), args.output)
    return 0
