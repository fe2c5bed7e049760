"""The options that point a command at a Prometheus-compatible server instead of files, or
beside them (timeline, explain, report and tui --prometheus), and the server they name."""
from __future__ import annotations

import argparse

from .capture import size
from ..fleet import query
from ..fleet.api import MAX_BYTES


def add_server_options(parser: argparse.ArgumentParser, history: bool) -> None:
    group = parser.add_argument_group(
        "a Prometheus server (Prometheus, Thanos, Mimir, VictoriaMetrics: its query API)")
    group.add_argument("--prometheus", metavar="URL",
                       help="read the figures from this server, e.g. http://prometheus:9090"
                            + ("" if history else ": one instance (--instance) at --at, "
                               "instead of files or beside them (a heap profile)"))
    group.add_argument("--selector", type=query.matchers, default="{}", metavar="'{...}'",
                       help="label matchers choosing the fleet, e.g. '{job=\"api\"}' "
                            "(default: every series heapdiff knows)")
    if history:
        group.add_argument("--since", type=query.duration, default=3600.0, metavar="DURATION",
                           help="how far back from --until: 30m, 6h, 2d (default 1h)")
        group.add_argument("--until", type=query.moment, metavar="TIME",
                           help="the window's end: RFC 3339 or unix seconds (default: now)")
        group.add_argument("--step", type=query.duration, metavar="DURATION",
                           help="seconds between points: 15s, 1m (default: the window / "
                                f"{query.DEFAULT_POINTS}, at least 1s)")
    else:
        group.add_argument("--at", type=query.moment, metavar="TIME",
                           help="the moment: RFC 3339 or unix seconds (default: now)")
    group.add_argument("--timeout", type=query.timeout, default=30.0, metavar="DURATION",
                       help="for each request to the server, to its last byte (default 30s)")
    group.add_argument("--max-bytes", type=size, default=MAX_BYTES, metavar="SIZE",
                       help=f"the largest reply read (default {MAX_BYTES >> 20}MiB)")


def server(args):
    """The Server the arguments name (None without --prometheus)."""
    from ..fleet.api import Server, base_url

    if args.prometheus is None:
        return None
    return Server(base_url(args.prometheus), args.timeout, args.max_bytes)


def server_moment(args):
    """The --prometheus server's instance at --at (now by default) as a ServerMoment, one
    more input of the moment; None without --prometheus."""
    import time

    from ..fleet.moment import server_moment as read

    if args.prometheus is None:
        return None
    return read(server(args), args.instance, args.selector,
                time.time() if args.at is None else args.at)


def file_instance(args) -> str | None:
    """The --instance the files' scrapes are chosen by: with --prometheus it names the
    server's instance, and a scrape file given beside it is read as a scrape alone is."""
    return None if args.prometheus is not None else args.instance
