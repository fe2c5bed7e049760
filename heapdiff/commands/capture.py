"""heapdiff capture URL --every 30s (--count N | --duration 10m) --out DIR"""
from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..common.errors import InputError
from ..fleet.query import duration, timeout

SIZE_UNITS = {"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
              "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3}
ENDPOINTS = ("/debug/pprof/heap", "/debug/pprof", "/debug/vars")


def register(commands) -> None:
    parser = commands.add_parser(
        "capture", help="snapshot a running Go service's heap, MemStats and RSS every so often",
        description="Fetch, every EVERY, the heap profile (/debug/pprof/heap), the debug=1 text "
                    "profile with its MemStats, /debug/vars and with --pid the process's /proc "
                    "memory files, all at the same moment, into one folder per round under "
                    "DIR with a manifest.json. Ctrl-C keeps every completed round.")
    parser.add_argument("url", metavar="URL",
                        help="the service's base URL, e.g. http://127.0.0.1:6060 (a URL ending "
                             "in /debug/pprof/heap, /debug/pprof/ or /debug/vars is fine too)")
    parser.add_argument("--every", type=duration, required=True, metavar="DURATION",
                        help="time between round starts: 500ms, 30s, 10m, 1h, 2d or seconds")
    rounds = parser.add_mutually_exclusive_group(required=True)
    rounds.add_argument("--count", type=positive_int, metavar="N", help="take N rounds")
    rounds.add_argument("--duration", type=duration, metavar="DURATION",
                        help="take rounds at 0, EVERY, 2*EVERY, ... up to DURATION")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="a new or empty folder for the rounds and manifest.json")
    parser.add_argument("--gc", action="store_true",
                        help="ask for a GC before each heap profile (gc=1). This changes the "
                             "service you measure: every round forces a full GC in it")
    parser.add_argument("--pid", type=positive_int, metavar="PID",
                        help="the service's process on this machine: also read "
                             "/proc/PID/status, smaps_rollup (RSS) and smaps (RSS by mapping), "
                             "and the memory files of its cgroup (found in /proc/PID/cgroup)")
    parser.add_argument("--heapdump", type=service_path, metavar="PATH",
                        help="also fetch a heap dump (runtime/debug.WriteHeapDump) every round "
                             "from the handler the service mounts at PATH, e.g. "
                             "/debug/heapdump (the README gives its ten lines of Go), for "
                             "`heapdiff retained`. Off by default: each dump stops the "
                             "service's world while it is written and is as large as its "
                             "heap (raise --max-bytes and --timeout to fit)")
    parser.add_argument("--timeout", type=timeout, default=10.0, metavar="DURATION",
                        help="give up on a request that has not completed in this long, "
                             "at most 1h (default: 10s)")
    parser.add_argument("--max-bytes", type=size, default=256 << 20, metavar="SIZE",
                        help="give up on a response larger than this: 256MiB, 1GiB, bytes "
                             "(default: 256MiB)")
    parser.set_defaults(run=run_capture)


def run_capture(args) -> int:
    from ..capture.run import Plan, capture  # http.client and ssl: only capture pays for them

    if args.pid is not None and not Path(f"/proc/{args.pid}").is_dir():
        raise InputError("--pid", f"no process {args.pid} on this machine")
    count = args.count or math.floor(args.duration / args.every + 1e-9) + 1
    return capture(Plan(url=base_url(args.url), out=args.out, every=args.every, count=count,
                        gc=args.gc, pid=args.pid, timeout=args.timeout, max_bytes=args.max_bytes,
                        heapdump=args.heapdump))


def base_url(text: str) -> str:
    """The service's base URL from what the user gave: http(s) only, endpoint paths stripped."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InputError(text, "not an http:// or https:// URL (capture reads a running "
                               "service's pprof endpoints, e.g. http://127.0.0.1:6060)")
    try:
        port = parts.port
    except ValueError:
        raise InputError(text, "bad port in the URL") from None
    if port == 0:
        raise InputError(text, "port 0 in the URL: a service listens on a port from 1 to 65535")
    if not parts.hostname:
        raise InputError(text, "no host in the URL")
    path = parts.path.rstrip("/")
    for endpoint in ENDPOINTS:
        if path.endswith(endpoint):
            path = path[:-len(endpoint)]
            break
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def service_path(text: str) -> str:
    """A path on the service (/debug/heapdump), appended to its base URL as given."""
    parts = urlsplit(text)
    if not text.startswith("/") or text.startswith("//") or parts.scheme or parts.fragment \
            or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a path on the service such as "
                                         "/debug/heapdump")
    return text


def size(text: str) -> int:
    """256MiB, 1GiB, 64KiB or bytes; more than zero."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([a-zA-Z]*)\s*", text)
    unit = SIZE_UNITS.get(m.group(2).lower()) if m else None
    if m is None or unit is None or not float(m.group(1)) * unit >= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 256MiB, 1GiB or bytes")
    return int(float(m.group(1)) * unit)


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above zero")
    return int(text)
