"""The `heapdiff` command line: parse arguments, run load -> analysis -> renderer, and turn
bad input into one line on stderr and exit status 2."""
from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points

from .commands import capture, diff, explain, graph, report, retainers, sizes, timeline, top
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
  heapdiff report [--base ...] FILES  all of it as Markdown for an incident ticket
  heapdiff capture URL --out DIR  heap, MemStats and RSS of a running service, every so often
  heapdiff timeline DIR         per-function heap and RSS over a capture's rounds, leak suspects
  heapdiff tui [--base ...] FILES     browse it all in the terminal"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heapdiff", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (top, diff, graph, sizes, explain, retainers, report, capture, timeline):
        command.register(commands)
    for plugin in entry_points(group="heapdiff.commands"):  # e.g. the TUI, which imports us
        plugin.load()(commands)
    return parser


def prefer_small_pages() -> None:
    """numpy advises huge pages for big arrays. heapdiff makes many short-lived ones, and where
    THP defrag is `madvise` (a common default) each huge-page fault may stall on compaction;
    measured on a million-sample profile: 2.1 s steady with small pages, 2.1-2.6 s with huge."""
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
    args = build_parser().parse_args(argv)
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
