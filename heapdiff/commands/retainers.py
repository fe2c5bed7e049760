"""heapdiff retainers PROFILE [--base BASE] [--binary PATH] [--source DIR] [--metrics FILE]
[--gctrace FILE]"""
from __future__ import annotations

from ..common.errors import InputError
from ..inputs.load import load, load_profile
from ..inputs.moments import resolve_one
from ..model import GCTrace, Metrics
from ..common.output import emit
from ..common.progress import TerminalProgress
from ..common.jsontext import json_text
from .options import add_round_option, limit_rows


def register(commands) -> None:
    r = commands.add_parser(
        "retainers", help="live allocation sites ranked by the bytes the GC must scan",
        description="Rank live allocation sites by the pointer-bearing bytes the GC scans each "
                    "cycle. Every verdict says how it is known: binary (the type the allocation "
                    "passed, read from the exact binary), source (go/types on the allocating "
                    "line) or heuristic (a hint from names and sizes, never a verdict).")
    r.add_argument("profile", metavar="PROFILE",
                   help="a heap profile, a snapshot folder, or a capture folder")
    add_round_option(r)
    r.add_argument("--base", metavar="BASE", help="an earlier heap profile: which sites grew")
    r.add_argument("--binary", metavar="PATH", help="the binary that wrote the profile (amd64)")
    r.add_argument("--source", metavar="DIR", help="the Go module's source (needs go on PATH)")
    r.add_argument("--metrics", metavar="FILE", help="runtime/metrics JSON: cross-check with "
                                                     "/gc/scan/heap")
    r.add_argument("--gctrace", metavar="FILE", help="a gctrace log: mark CPU per cycle")
    r.add_argument("--nodecount", type=int, metavar="N",
                   help="show at most N sites (0: all; default 30 in text, all in JSON)")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(run=run)


def _typed(path: str | None, kind, what: str):
    if path is None:
        return None
    artifact = load(path)
    if not isinstance(artifact, kind):
        raise InputError(path, f"not {what}")
    return artifact


def run(args) -> int:
    from ..render.retainers import retainers_json, retainers_text
    from ..retainers.report import analyse

    with TerminalProgress() as progress:
        profile = load_profile(resolve_one([args.profile], args.round).profile_path(progress),
                               progress)
        base = load_profile(resolve_one([args.base]).profile_path(progress), progress) \
            if args.base else None
        metrics = _typed(args.metrics, Metrics, "a runtime/metrics JSON dump")
        gctrace = _typed(args.gctrace, GCTrace, "a gctrace log")
        progress("reading the allocation sites")
        result = analyse(profile, args.binary, args.source, metrics, gctrace, base)
    sites = limit_rows(list(result.sites), args.nodecount, args.format == "text")
    if args.format == "json":
        emit(json_text(retainers_json(result, sites)), None)
    else:
        emit(retainers_text(result, sites), None)
    return 0
