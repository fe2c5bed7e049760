"""The `heapdiff` command line: parse arguments, run load -> analysis -> renderer, and turn
bad input into one line on stderr and exit status 2."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .common.errors import InputError
from .render.escape import terminal

DESCRIPTION = """\
heapdiff: Go heap profiles for people chasing memory.
Reads pprof heap/allocs profiles (.pb.gz or raw protobuf), legacy debug=1 text profiles and
MemStats JSON, and agrees with `go tool pprof` to the byte.

  heapdiff top FILE             the heaviest functions of one profile
  heapdiff diff BASE NEW        what grew between two profiles, base | new | delta
  heapdiff paths BASE NEW       the call paths that carry the growth
  heapdiff peek BASE NEW REGEX  callers and callees of a function, with their deltas
  heapdiff sizes BASE NEW       the change per object size
  heapdiff explain FILE|DIR...  where every byte of RSS went, with findings
  heapdiff gc LOG               GC health from a gctrace log
  heapdiff retainers PROFILE    live sites ranked by the bytes the GC must scan
  heapdiff retained DUMP        what keeps the heap alive: a heap dump's dominator tree
  heapdiff report [--base ...] FILES  all of it as Markdown for an incident ticket
  heapdiff capture URL --out DIR  heap, MemStats and RSS of a running service, every so often
  heapdiff timeline DIR         per-function heap and RSS over a capture's rounds, leak suspects
  heapdiff timeline --prometheus URL  each instance's memory from a Prometheus server, growers first
  heapdiff tui [--base ...] FILES     browse it all in the terminal"""


# Command -> the module that registers it. Only the named command's module is imported:
# each one imports its engine (numpy, networkx, ...), which costs more than a small profile.
COMMANDS = {
    "top": "top", "diff": "diff", "paths": "graph", "peek": "graph", "sizes": "sizes",
    "explain": "explain", "gc": "explain", "retainers": "retainers", "retained": "retained",
    "report": "report",
    "capture": "capture", "timeline": "timeline",
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with only the command argv names registered: all of them when it names
    none (help and the "invalid choice" message list them), none for --version alone. Other
    commands (the TUI, which imports us) come from entry points, looked up only when argv
    names no built-in command: the look-up itself costs a few hundredths of a second."""
    parser = argparse.ArgumentParser(prog="heapdiff", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"heapdiff {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    args = sys.argv[1:] if argv is None else argv
    named = args[0] if args else None
    if named == "--version":
        return parser
    modules = [COMMANDS[named]] if named in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(f".commands.{module}", __package__).register(commands)
    if named not in COMMANDS:
        from importlib.metadata import entry_points

        for plugin in entry_points(group="heapdiff.commands"):  # e.g. the TUI
            plugin.load()(commands)
    return parser


def prefer_small_pages() -> None:
    """numpy advises huge pages for big arrays. heapdiff makes many short-lived ones, and where
    THP defrag is `madvise` (a common default) each huge-page fault may stall on compaction;
    measured on a million-sample profile: 2.1 s steady with small pages, 2.1-2.6 s with huge.
    numpy reads NUMPY_MADVISE_HUGEPAGE when it is imported, which a small profile never does;
    only a numpy already imported (heapdiff called in-process) is switched here."""
    if "numpy" not in sys.modules:
        os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
        return
    try:
        # private, so not in numpy's stubs; present in numpy 2
        from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]
    except ImportError:  # numpy < 2 or without the switch: leave the default
        return
    _set_madvise_hugepage(False)


def tolerate_unencodable() -> None:
    """A file name that is not UTF-8 reaches Python as lone surrogates, which a strict UTF-8
    stdout or stderr refuses to encode: shown as backslash escapes, it never fails a command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def refuse(exc: InputError) -> int:
    """The one place an error line is printed: what it quotes (a server's reason, a metric, a
    manifest string, a sample type) reaches the terminal visible, never acting."""
    print(f"heapdiff: {terminal(str(exc))}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    tolerate_unencodable()
    args = build_parser(argv).parse_args(argv)
    prefer_small_pages()
    try:
        return args.run(args)
    except InputError as exc:
        return refuse(exc)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): not an error
        return 0
    except OSError as exc:  # on a named file, and no reader said more (EACCES on a folder)
        if exc.filename is None:
            raise
        reason = exc.strerror or str(exc)
        return refuse(InputError(os.fsdecode(exc.filename), reason[:1].lower() + reason[1:]))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
