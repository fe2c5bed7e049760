"""Capture folders for the tests: assembled from the committed sample snapshots (each round
folder a copy of a real snapshot, so every value comes from a real profile), or watched while
a real capture writes them."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from heapdiff.capture.manifest import (ARTIFACT_FILES, Artifact, Manifest, Round, read_capture,
                                       write_manifest)
from heapdiff.common.errors import InputError

START = 1_800_000_000.0
EVERY = 30.0  # seconds between rounds


def make_capture(folder: Path, snapshots: list[Path], skip: tuple[str, ...] = ()) -> Path:
    """A capture folder whose round i is a copy of snapshots[i] (artifacts in skip left out),
    EVERY seconds apart."""
    rounds = []
    for i, snap in enumerate(snapshots, 1):
        name = f"round-{i:04d}-20270115T080000Z"
        (folder / name).mkdir(parents=True)
        artifacts = []
        for artifact, file in ARTIFACT_FILES.items():
            if artifact in skip or not (snap / file).exists():
                continue
            shutil.copyfile(snap / file, folder / name / file)
            artifacts.append(Artifact(name=artifact, source=f"{snap}/{file}", ok=True, file=file,
                                      bytes=(snap / file).stat().st_size))
        rounds.append(Round(round=i, dir=name, time=f"2027-01-15T08:00:{i:02d}.000Z",
                            unix=START + EVERY * (i - 1), artifacts=tuple(artifacts)))
    write_manifest(folder, Manifest(url="http://127.0.0.1:1", started="2027-01-15T08:00:00Z",
                                    state="complete", every_seconds=EVERY, pid=1,
                                    rounds=tuple(rounds)))
    return folder


def wait_for_rounds(out: Path, count: int, timeout: float = 20) -> None:
    """Until the capture's manifest lists `count` rounds (a capture running in a child)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(read_capture(out).manifest.rounds) >= count:
                return
        except InputError:  # no manifest yet
            pass
        time.sleep(0.02)
    raise AssertionError(f"{out}: fewer than {count} rounds after {timeout} s")
