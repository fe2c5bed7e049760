"""One round: every artifact fetched at the same moment, checked, and written to a folder.

The fetches run at once so the profile, MemStats and RSS describe one moment. They run in
daemon threads: a Ctrl-C must not wait for a slow fetch to reach its deadline, and nothing a
fetch thread does touches the disk. Whatever goes wrong in one, even a defect, ends as that
artifact's one-line error: a fetch always gives a result."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..common.output import write_atomic
from .endpoints import ENDPOINT, ENDPOINTS, NOT_EXPOSED
from .errors import FetchError
from .fetch import get
from .manifest import Artifact, Round
from .proc import read_proc
from .validate import one_line, verdict


@dataclass(frozen=True)
class Source:
    name: str    # an endpoint's name
    where: str   # URL or /proc path


@dataclass(frozen=True)
class Fetched:
    source: Source
    body: bytes | None     # None when the fetch failed
    error: str | None      # one line, when it failed or the body is not what it should be
    seconds: float


def sources(url: str, gc: bool, pid: int | None,
            heapdump: str | None = None) -> tuple[Source, ...]:
    """What each round fetches from the service at url (a base URL) and the process pid, and
    with heapdump (a path on the service) its heap dump."""
    found = []
    for e in ENDPOINTS:
        if e.opt_in:
            if heapdump is not None:
                found.append(Source(e.name, url + heapdump))
        elif not e.from_proc:
            found.append(Source(e.name, url + e.where + ("?gc=1" if gc and e.forced_gc else "")))
        elif pid is not None:
            found.append(Source(e.name, f"/proc/{pid}/{e.where}"))
    return tuple(found)


def fetch_all(wanted: tuple[Source, ...], timeout: float, max_bytes: int) -> list[Fetched]:
    results: list[Fetched | None] = [None] * len(wanted)

    def work(i: int) -> None:
        start = time.monotonic()
        try:
            results[i] = fetch(wanted[i], timeout, max_bytes)
        except Exception as exc:  # a defect: recorded for the artifact, not a thread traceback
            results[i] = Fetched(wanted[i], None, one_line(exc), time.monotonic() - start)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(wanted))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r if r is not None else Fetched(s, None, "the fetch gave no result", 0.0)
            for s, r in zip(wanted, results)]


def fetch(source: Source, timeout: float, max_bytes: int) -> Fetched:
    """The body of source, fetched and checked within timeout seconds of starting."""
    start = time.monotonic()
    body = None
    try:
        endpoint = ENDPOINT[source.name]
        if endpoint.from_proc:
            body, content_type = (endpoint.read or read_proc)(source.where, max_bytes), ""
        else:
            response = get(source.where, timeout, max_bytes)
            body, content_type = response.body, response.content_type
        error = verdict(ENDPOINT[source.name], body, content_type, source.where, max_bytes,
                        start + timeout, timeout)
    except FetchError as exc:
        error = str(exc)
        if exc.status == 404:
            endpoint = ENDPOINT[source.name]
            error = NOT_EXPOSED if endpoint.optional else f"{error}: {endpoint.hint}"
    return Fetched(source, body if error is None else None, error, time.monotonic() - start)


def round_dir(number: int, started: datetime) -> str:
    return f"round-{number:04d}-{started:%Y%m%dT%H%M%SZ}"


def iso(moment: datetime) -> str:
    """ISO 8601 UTC to the millisecond: 2026-11-22T06:15:00.123Z."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def write_round(folder: Path, number: int, started: datetime, fetched: list[Fetched]) -> Round:
    """Write the fetched bodies into folder (new) and describe them as round `number`, whose
    final folder name is round_dir(number, started)."""
    folder.mkdir()
    artifacts = []
    for f in fetched:
        file = None
        if f.body is not None:
            file = ENDPOINT[f.source.name].file
            write_atomic(folder / file, f.body)
        artifacts.append(Artifact(name=f.source.name, source=f.source.where, ok=f.body is not None,
                                  file=file, bytes=len(f.body or b""),
                                  seconds=round(f.seconds, 3), error=f.error))
    return Round(round=number, dir=round_dir(number, started), time=iso(started),
                 unix=started.timestamp(), artifacts=tuple(artifacts))
