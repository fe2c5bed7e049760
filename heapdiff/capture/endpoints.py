"""What each capture round fetches: one row per endpoint, naming the registered input kind it
yields, so the file it is written to is that kind's file name, and what it is checked with,
shown as and hinted at after a 404 sit in one place."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..inputs.kinds import BY_NAME, Kind
from .check import heapdump_body, profile_body, scrape_body, text_profile_body, vars_body
from .proc import read_cgroup

PPROF_HINT = "is net/http/pprof mounted?"
HEAPDUMP_HINT = "is a heap-dump handler mounted there? (README: capture --heapdump)"
# What an optional endpoint's 404 is recorded as: the service does not expose it, which is
# no failure, and the round's line leaves it out.
NOT_EXPOSED = "not exposed (404 Not Found)"


@dataclass(frozen=True)
class Endpoint:
    name: str                 # the artifact's name in the manifest
    kind: Kind
    where: str                # the URL path on the service, or the file under /proc/PID/
                              # ("": the path the capture is given, for an opt-in endpoint)
    label: str                # in the line printed after each round
    what: str = ""            # what a valid body is, in messages ("" : not checked)
    # raises InputError if invalid; the int is the size cap a gzip body inflates within
    check: Callable[[bytes, str, Endpoint, int], None] | None = None
    hint: str = ""            # after a 404
    from_proc: bool = False   # a /proc file of --pid, not a URL
    # how a --pid file is read, (path, max_bytes) -> body; None: the /proc file itself
    read: Callable[[str, int], bytes] | None = None
    forced_gc: bool = False   # takes ?gc=1 when the capture forces a GC
    optional: bool = False    # many services do not expose it: a 404 is NOT_EXPOSED
    # fetched only when the capture names its path (--heapdump), and left out of the round's
    # snapshot: as large as the heap, and only `retained` reads it
    opt_in: bool = False

    @property
    def file(self) -> str:
        return self.kind.file


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("heap", BY_NAME["pprof"], "/debug/pprof/heap", "heap", "a pprof heap profile",
             profile_body, PPROF_HINT, forced_gc=True),
    Endpoint("heap_text", BY_NAME["legacy_text"], "/debug/pprof/heap?debug=1", "text",
             "a debug=1 heap profile", text_profile_body, PPROF_HINT),
    Endpoint("vars", BY_NAME["memstats"], "/debug/vars", "vars", "expvar JSON", vars_body,
             "is expvar imported?"),
    Endpoint("metrics", BY_NAME["scrape"], "/metrics", "metrics", "a Prometheus scrape",
             scrape_body, optional=True),
    Endpoint("status", BY_NAME["status"], "status", "status", from_proc=True),
    Endpoint("smaps_rollup", BY_NAME["smaps_rollup"], "smaps_rollup", "smaps", from_proc=True),
    Endpoint("smaps", BY_NAME["smaps"], "smaps", "mappings", from_proc=True),
    Endpoint("cgroup", BY_NAME["cgroup"], "cgroup", "cgroup", from_proc=True, read=read_cgroup),
    # off by default: writing a dump stops the world in the service for as long as it takes
    Endpoint("heapdump", BY_NAME["heapdump"], "", "dump", "a heap dump (debug.WriteHeapDump)",
             heapdump_body, HEAPDUMP_HINT, opt_in=True),
)
ENDPOINT = {e.name: e for e in ENDPOINTS}
