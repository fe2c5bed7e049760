"""`heapdiff tui`: registered into heapdiff's CLI through an entry point (heapdiff.commands),
so heapdiff itself never imports the TUI."""
from __future__ import annotations

from heapdiff.commands.options import add_instance_option, add_pair_round_options


def register(commands) -> None:
    tui = commands.add_parser(
        "tui", help="browse the diff, call graph, memory waterfall and retainers",
        description="heapdiff in the terminal: one profile, a pair (--base), the artifacts of "
                    "two moments, a folder of snapshot folders (the oldest is the base), or a "
                    "capture folder (its last round against its first, and the Timeline).")
    tui.add_argument("paths", nargs="+", metavar="FILE|DIR")
    tui.add_argument("--base", action="append", default=[], metavar="FILE|DIR")
    tui.add_argument("--source", metavar="DIR", help="map the profile's file paths into a checkout")
    tui.add_argument("--report", default="heapdiff-report.md", metavar="FILE",
                     help="where m writes the Markdown report (default heapdiff-report.md)")
    add_pair_round_options(tui)
    add_instance_option(tui)
    tui.set_defaults(run=run)


def run(args) -> int:
    import os

    # A lone Esc is told from an escape sequence by waiting; Textual's default wait (100 ms)
    # would make Esc the one key slower than the 100 ms every key must answer in, and so
    # would its input poll, which the fast-Esc driver wakes at the wait's end.
    os.environ.setdefault("ESCDELAY", "25")
    from .app import HeapdiffApp
    from .driver import driver_class

    app = HeapdiffApp(args.paths, args.base, args.source, args.report, driver_class(),
                      args.from_round, args.to_round, args.instance)
    app.run()
    if app.failure is not None:  # the CLI's one line, once the terminal is restored
        raise app.failure
    return app.return_code or 0  # 1 after a crash (Textual's), which printed the traceback
