"""The round loop of `heapdiff capture`: rounds on a fixed grid, each written under a dot-name
and renamed into place, the manifest rewritten after each, and a clean stop on Ctrl-C or
SIGTERM that keeps every completed round."""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from ..common.errors import InputError
from ..common.units import human_bytes
from ..render.escape import terminal
from . import lock
from .endpoints import ENDPOINT, NOT_EXPOSED
from .manifest import Manifest, Round, write_manifest
from .round import fetch_all, iso, round_dir, sources, write_round
from .signals import Interrupts


@dataclass(frozen=True)
class Plan:
    url: str              # the service's base URL, without a trailing slash
    out: Path
    every: float          # seconds between round starts
    count: int
    gc: bool = False
    pid: int | None = None
    timeout: float = 10.0
    max_bytes: int = 256 << 20
    heapdump: str | None = None  # the path of the service's heap-dump handler (opt-in)


def capture(plan: Plan, stream: TextIO | None = None) -> int:
    """Run the capture and return the exit status: 0 when every round got a heap profile, 1
    when some did not, 130 when interrupted. When the first round gets none, raise InputError
    and leave nothing behind."""
    screen = Screen(stream or sys.stderr)
    created = claim(plan.out)
    try:
        return _capture(plan, created, screen)
    finally:
        lock.release(plan.out)


def _capture(plan: Plan, created: Path | None, screen: Screen) -> int:
    if plan.heapdump is not None:
        screen.line(f"heapdiff: --heapdump: every round makes the service write a heap dump "
                    f"({plan.heapdump}), which stops its world while it writes")
    if plan.gc:
        screen.line("heapdiff: --gc: every round forces a GC in the service before its heap "
                    "profile (gc=1), which changes what you measure")
    manifest = Manifest(url=plan.url, started=iso(now()), state="running",
                        every_seconds=plan.every, gc=plan.gc, pid=plan.pid,
                        heapdump=plan.heapdump)
    committed: list[Round] = []
    failure: OSError | None = None
    with Interrupts() as interrupts:
        try:
            write_manifest(plan.out, manifest)
            take_rounds(plan, manifest, committed, created, interrupts, screen)
            state = "complete"
        except KeyboardInterrupt:
            state = "interrupted"
        except OSError as exc:
            state, failure = "failed", exc
        interrupts.ignore()  # finishing takes a moment; a second Ctrl-C must not cut it short
        try:
            finish(plan.out, replace(manifest, rounds=tuple(committed)), state)
        except OSError as exc:  # the disk that failed a round may fail the manifest too
            failure = failure or exc
    if failure is not None:
        raise InputError(str(plan.out), f"cannot write: {failure.strerror or failure}")
    kept = sum(r.has_profile for r in committed)
    if state == "interrupted":
        screen.line(f"interrupted: {len(committed)} complete rounds ({kept} with a heap "
                    f"profile) kept in {plan.out}")
        return 130
    screen.line(f"{kept} of {plan.count} rounds with a heap profile in {plan.out}")
    return 0 if kept == plan.count else 1


def take_rounds(plan: Plan, manifest: Manifest, committed: list[Round], created: Path | None,
                interrupts: Interrupts, screen: Screen) -> None:
    """Round after round on the grid start + k*every (a round that overruns is followed at
    once), each renamed into place and appended to committed and the manifest while signals
    wait, so that committed is what the disk holds whenever this stops."""
    wanted = sources(plan.url, plan.gc, plan.pid, plan.heapdump)
    start = time.monotonic()
    for number in range(1, plan.count + 1):
        wait_until(start + (number - 1) * plan.every, screen,
                   f"round {number - 1}/{plan.count} done")
        started = now()
        fetched = fetch_all(wanted, plan.timeout, plan.max_bytes)
        temp = plan.out / f".{round_dir(number, started)}"
        done = write_round(temp, number, started, fetched)
        with interrupts.held():
            if number == 1 and not done.has_profile:
                discard(plan.out, created)
                heap = next((f for f in fetched if f.source.name == "heap"), None)
                raise InputError(heap.source.where if heap else plan.url,
                                 heap.error if heap and heap.error else "no heap profile")
            os.rename(temp, plan.out / done.dir)
            committed.append(done)
            write_manifest(plan.out, replace(manifest, rounds=tuple(committed)))
        screen.line(round_line(done, plan.count))


def now() -> datetime:
    return datetime.now(timezone.utc)


def claim(out: Path) -> Path | None:
    """Make out a new or empty folder and hold its lock. Returns the topmost folder this
    created (removed again when the capture leaves nothing), None when out was there."""
    try:
        top: Path | None = None
        if out.exists():
            if not out.is_dir():
                raise InputError(str(out), "exists and is not a folder")
        else:
            top = out.absolute()
            while not top.parent.exists():
                top = top.parent
            out.mkdir(parents=True, exist_ok=True)
        lock.take(out)
        if any(p.name != lock.LOCK for p in out.iterdir()):
            lock.release(out)
            raise InputError(str(out), "not empty: capture writes into a new or empty folder")
    except OSError as exc:
        raise InputError(str(out), f"cannot create the folder: {exc.strerror or exc}") from None
    return top


def discard(out: Path, created: Path | None) -> None:
    """Remove everything the capture wrote."""
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def finish(out: Path, manifest: Manifest, state: str) -> None:
    """Drop a round cut short (its dot-folder) and write the final manifest."""
    for leftover in out.glob(".round-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    write_manifest(out, replace(manifest, state=state, finished=iso(now())))


def wait_until(due: float, screen: Screen, status: str) -> None:
    """Sleep until the monotonic instant due, counting down on a terminal."""
    while (left := due - time.monotonic()) > 0:
        screen.live(f"{status}, next in {int(left + 0.999)} s")
        time.sleep(min(left, 1.0) if screen.tty else left)


def round_line(r: Round, count: int) -> str:
    """round 3/10  12:01:05Z  heap 84.0KiB  text 120KiB  vars 6.0KiB  ok"""
    clock = datetime.fromtimestamp(r.unix, timezone.utc).strftime("%H:%M:%SZ")
    shown = [a for a in r.artifacts if a.error != NOT_EXPOSED]  # not exposed: not a failure
    sizes = "  ".join(f"{ENDPOINT[a.name].label} {human_bytes(a.bytes) if a.ok else '-'}"
                      for a in shown)
    failed: dict[str, list[str]] = {}
    for a in shown:
        if not a.ok:
            failed.setdefault(a.error or "failed", []).append(ENDPOINT[a.name].label)
    notes = "; ".join(f"{', '.join(names)}: {error}" for error, names in failed.items())
    verdict = "ok" if r.has_profile else "NO HEAP PROFILE"
    line = f"round {r.round}/{count}  {clock}  {sizes}  {verdict}"
    return f"{line}  ({notes})" if notes else line


class Screen:
    """Lines for the record, and on a terminal one live line under them, rewritten in place."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self.live_shown = False

    def line(self, text: str) -> None:
        self.stream.write(("\r\x1b[K" if self.live_shown else "") + terminal(text) + "\n")
        self.stream.flush()
        self.live_shown = False

    def live(self, text: str) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[K{terminal(text)}")
            self.stream.flush()
            self.live_shown = True
