"""One instance at one moment from a Prometheus server: an instant query for every series
name the telemetry table knows, handed to the same mapper a saved scrape goes through, so the
waterfall from a server agrees with the one from a scrape of that moment."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from ..inputs.decode.prometheus import Series, snapshot_parts
from ..inputs.decode.telemetry import NAMES
from ..inputs.snapshot import Snapshot, assemble
from ..model import Scrape
from .api import Labels, Server
from .query import iso, selector

SERIES_NAMES = tuple(dict.fromkeys(n.series for n in NAMES))  # what a query asks for
SHOWN = 10  # instances named in an error, at most
INSTANCE_LABELS = ("instance", "pod")  # the first a series has names its process


def instance_of(labels: Labels) -> str:
    """The process a series belongs to: its instance (or pod) label, else all its labels."""
    named = dict(labels)
    for key in INSTANCE_LABELS:
        if key in named:
            return named[key]
    return ",".join(f"{k}={v}" for k, v in labels if k != "__name__")


def to_series(samples: Iterable[tuple[Labels, float]]) -> list[Series]:
    """The API's (labels with __name__, value) as the mapper's Series."""
    out = []
    for labels, value in samples:
        named = dict(labels)
        name = named.pop("__name__", "")
        out.append(Series(name, tuple(sorted(named.items())), value))
    return out


def snapshot_of(series: list[Series], source: str, identity: Labels = ()) -> Snapshot:
    """What the series of one process fill (MemStats, runtime/metrics, RSS), assembled as a
    saved scrape of them would be: the registry's scrape kind decides the slots and labels."""
    return assemble([(source, scrape_of(series, source, identity))])


def scrape_of(series: list[Series], source: str, identity: Labels = ()) -> Scrape:
    """One process's series as a saved scrape of them: what a server's moment and a
    timeline's snapshot are read as."""
    return Scrape((snapshot_parts(series, source, identity),), source)


@dataclass(frozen=True)
class ServerMoment:
    """One instance at one moment as read from a server: a scrape artifact, which joins the
    files of a moment (a heap profile beside it) as one more input, and the flags that read
    it again (for the commands a report reproduces)."""

    url: str
    instance: str
    matchers: str  # the --selector's, inside its braces
    at: float
    scrape: Scrape

    @property
    def source(self) -> str:
        return self.scrape.source

    def artifact(self) -> tuple[str, Scrape]:
        return self.source, self.scrape

    def flags(self) -> tuple[str, ...]:
        return (("--prometheus", self.url, "--instance", self.instance, "--at", iso(self.at))
                + (("--selector", f"{{{self.matchers}}}") if self.matchers else ()))


def server_moment(server: Server, instance: str | None, matchers: str,
                  at: float) -> ServerMoment:
    """The instance (the only one, when None) at `at`: the latest sample of each series
    within the server's lookback (5 minutes by default in Prometheus), as a scrape."""
    where = ", ".join(m for m in (f"instance={json.dumps(instance)}" if instance else "",
                                  matchers) if m)
    samples = server.instant(selector(SERIES_NAMES, where), at)
    names = sorted({instance_of(s.labels) for s in samples})
    if not samples:
        raise server.error(_nothing(server, instance, matchers, at))
    if len(names) > 1:
        raise server.error(f"{len(names)} instances at {iso(at)}: {_listed(names)}; choose "
                           "one with --instance")
    jobs = sorted({dict(s.labels).get("job", "") for s in samples})
    if len(jobs) > 1:
        raise server.error(f"instance {names[0]} is scraped by {len(jobs)} jobs "
                           f"({_listed(jobs)}): add --selector '{{job=\"...\"}}'")
    source = f"{server.url} instance {names[0]} at {iso(at)}"
    identity = (("instance", names[0]),) + ((("job", jobs[0]),) if jobs[0] else ())
    series = to_series((s.labels, s.value) for s in samples)
    return ServerMoment(server.url, names[0], matchers, at,
                        scrape_of(series, source, identity))


def _nothing(server: Server, instance: str | None, matchers: str, at: float) -> str:
    """Why an instant query found nothing, naming the instances that are there."""
    where = f"{{{matchers}}}" if matchers else "any selector"
    if instance is None:
        return f"no Go or process series under {where} at {iso(at)}"
    query = f"count by (instance) ({selector(SERIES_NAMES, matchers)})"
    there = sorted({instance_of(s.labels) for s in server.instant(query, at)})
    return (f"no series of instance {instance} at {iso(at)}; "
            + (f"instances there: {_listed(there)}" if there
               else f"no Go or process series under {where} then"))


def _listed(names: list[str]) -> str:
    more = len(names) - SHOWN
    return ", ".join(names[:SHOWN]) + (f" and {more} more" if more > 0 else "")
