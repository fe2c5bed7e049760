"""`heapdiff tui`: registered into heapdiff's CLI through an entry point (heapdiff.commands),
so heapdiff itself never imports the TUI."""
from __future__ import annotations

from heapdiff.commands.fleet import add_server_options
from heapdiff.commands.options import add_instance_option, add_pair_round_options


def register(commands) -> None:
    tui = commands.add_parser(
        "tui", help="browse the diff, call graph, memory waterfall and retainers",
        description="heapdiff in the terminal: one profile, two heap profiles BASE NEW "
                    "(compared as `heapdiff diff BASE NEW` compares them), a pair (--base), "
                    "the artifacts of two moments, a folder of snapshot folders (the oldest "
                    "is the base), or a capture folder (its last round against its first, "
                    "and the Timeline). Bad input is refused before the screen is taken.")
    tui.add_argument("paths", nargs="+", metavar="FILE|DIR",
                     help="BASE NEW (two heap profiles), or the artifacts of one moment (with "
                          "--base: the new one), a folder of snapshot folders or a capture "
                          "folder; with --prometheus, the server's moment joins the new one "
                          "(its heap profile is still a file's)")
    tui.add_argument("--base", action="append", default=[], metavar="FILE|DIR",
                     help="the artifacts of an earlier moment (repeat for several files)")
    tui.add_argument("--binary", metavar="PATH",
                     help="the binary that wrote the profile: Retainers' verdicts by its types, "
                          "as `heapdiff retainers --binary`")
    tui.add_argument("--source", metavar="DIR",
                     help="the Go module's source: Source maps the profile's file paths into "
                          "it, and Retainers reads its types as `heapdiff retainers --source`")
    tui.add_argument("--escapes", action="store_true",
                     help="Source shows each line's escape verdict beside its figures, as "
                          "`heapdiff allocs` gives it (compiles --source's packages with go)")
    tui.add_argument("--report", default="heapdiff-report.md", metavar="FILE",
                     help="where m writes the Markdown report (default heapdiff-report.md; "
                          "never over an earlier one: heapdiff-report-1.md, -2, ... then)")
    add_pair_round_options(tui)
    add_instance_option(tui)
    add_server_options(tui, history=False)
    tui.set_defaults(run=run)


def run(args) -> int:
    import gc
    import os
    import sys
    import traceback

    from heapdiff.commands.fleet import server_moment
    from heapdiff.common.progress import TerminalProgress
    from heapdiff.inputs.moments import resolve_pair

    from .state import load_moments

    # The inputs are read before the screen is taken: bad input is the CLI's one line and
    # status 2, never a full-screen app with a bar that will not finish.
    with TerminalProgress() as progress:
        inputs = resolve_pair(args.paths, args.base, args.from_round, args.to_round)
        if args.binary is not None:
            readable(args.binary)  # Retainers reads it, and says what else is wrong with it
        moments = load_moments(list(inputs.new.paths),
                               list(inputs.base.paths) if inputs.base else [], progress,
                               args.source, args.binary, args.instance, server_moment(args),
                               args.escapes)
    # A lone Esc is told from an escape sequence by waiting; Textual's default wait (100 ms)
    # would make Esc the one key slower than the 100 ms every key must answer in, and so
    # would its input poll, which the fast-Esc driver wakes at the wait's end.
    os.environ.setdefault("ESCDELAY", "25")
    from .app import HeapdiffApp
    from .driver import driver_class

    # The modules and the inputs read live as long as the app: out of the collector's sight,
    # a full collection (every few keys) scans a third of the objects (0.06 s instead of
    # 0.2 s on the loaded bench machine, in a key's 100 ms).
    gc.freeze()
    app = HeapdiffApp(args.paths, args.base, args.source, args.report, driver_class(),
                      args.from_round, args.to_round, moments=moments, binary=args.binary,
                      instance=args.instance, escapes=args.escapes)
    app.run()
    if app.crashes:  # bugs the app showed and survived: the run failed all the same
        traceback.print_exception(app.crashes[0], file=sys.stderr)
        if len(app.crashes) > 1:
            print(f"heapdiff: the TUI met {len(app.crashes)} unexpected errors, the first "
                  "shown above", file=sys.stderr)
        return 1
    if app.failure is not None:  # the CLI's one line, once the terminal is restored
        raise app.failure
    return app.return_code or 0  # 1 after a crash (Textual's), which printed the traceback


def readable(path: str) -> None:
    """A file there and readable, or the CLI's one line about it."""
    import os
    import stat

    from heapdiff.common.errors import InputError

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(mode):
        raise InputError(path, "not a regular file")
    if not os.access(path, os.R_OK):
        raise InputError(path, "permission denied")
