"""One fuzz case from (run seed, case index): which real input, how it is mutated, which
command reads it. A case is pure data; `materialise` writes its input folder."""
from __future__ import annotations

import json
import os
import random
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .mutate import mutate
from .seeds import COMMANDS, KIND_WEIGHTS, NOT_FILES, REPO, WEIGHTS, Seed, all_seeds


@dataclass(frozen=True)
class Case:
    seed: int
    index: int
    kind: str
    command: str        # the command's name in the summary (e.g. top-json)
    argv: tuple[str, ...]  # relative to the case folder
    folder: str         # the real folder copied to in/ (relative to the repository if inside)
    target: str         # the mutated file inside it
    steps: tuple[str, ...]
    data: bytes
    special: str = ""   # the mutated file made something else: see SPECIALS


# What a file argument may be besides a regular file, and a file name no terminal or codec
# expects: each replaces the mutated file in a few cases out of a hundred.
ODD_NAME = "x\udcff\x1b]52;c;eA==\x07\u202e\n```"
SPECIALS = ("fifo", "dev-zero", "sparse", "directory", "odd-name", "symlink-loop")
SPECIAL_SHARE = 0.01


@cache
def seeds() -> tuple[Seed, ...]:
    return tuple(all_seeds())


@cache
def seed_weights() -> tuple[float, ...]:
    return tuple(KIND_WEIGHTS.get(seed.kind, 1) for seed in seeds())


@cache
def original(path: Path) -> bytes:
    return path.read_bytes()


def relative(folder: Path) -> str:
    return os.path.relpath(folder, REPO)


def argv_for(seed: Seed, pattern: str) -> tuple[str, ...]:
    target = Path("in") / seed.target
    fill = {"x": str(target), "dir": str(target.parent), "base": "in/base",
            "profile": "in/later/heap.pb.gz", "in": "in", "url": "{url}"}
    return tuple(word.format(**fill) for word in pattern.split())


def _draws(seed: int, index: int) -> tuple[random.Random, Seed, Seed, str, str]:
    """The case's first draws: its generator, the input, the other input, the command."""
    rng = random.Random(f"{seed}:{index}")
    chosen = rng.choices(seeds(), seed_weights())[0]
    other = rng.choice(seeds())
    commands = COMMANDS[chosen.kind]
    command, pattern = rng.choices(commands, [WEIGHTS.get(c, 1) for c, _ in commands])[0]
    return rng, chosen, other, command, pattern


def command_of(seed: int, index: int) -> str:
    """The case's command, without mutating its input (bench/fuzz --command skips the rest)."""
    return _draws(seed, index)[3]


def make(seed: int, index: int) -> Case:
    """The case number index of the run with this seed: the same for ever."""
    rng, chosen, other, command, pattern = _draws(seed, index)
    steps, data = mutate(rng, original(chosen.folder / chosen.target),
                         original(other.folder / other.target))
    special = rng.choice(SPECIALS) if rng.random() < SPECIAL_SHARE else ""
    if chosen.kind in NOT_FILES:
        special = ""
    argv = argv_for(chosen, pattern)
    if special == "odd-name":
        target = str(Path("in") / chosen.target)
        argv = tuple(word.replace(target, str(Path(target).parent / ODD_NAME)) for word in argv)
    return Case(seed, index, chosen.kind, command, argv, relative(chosen.folder),
                chosen.target, tuple(steps), data, special)


def materialise(case: Case, where: Path, templates: Path) -> None:
    """The case's folder at where: in/ is the real folder (hard links to a private copy kept
    under templates, so the repository's files are never written) with the mutated file."""
    template = templates / case.folder.replace("/", "_").replace(".", "_")
    if not template.exists():
        shutil.copytree(REPO / case.folder, template.with_suffix(".tmp"),
                        ignore=shutil.ignore_patterns("*.pprof.json", "program", "programs"))
        template.with_suffix(".tmp").rename(template)
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    shutil.copytree(template, where / "in", copy_function=os.link)
    target = where / "in" / case.target
    target.unlink(missing_ok=True)
    SPECIAL_FILES.get(case.special, write)(target, case.data)


def write(target: Path, data: bytes) -> None:
    target.write_bytes(data)


def odd_name(target: Path, data: bytes) -> None:
    (target.parent / ODD_NAME).write_bytes(data)


def sparse(target: Path, data: bytes) -> None:
    """The data, then a hole up to 8 GiB: no disk used, but read whole it is 8 GiB."""
    with open(target, "wb") as file:
        file.write(data)
        file.truncate(8 << 30)


def symlink_loop(target: Path, _: bytes) -> None:
    target.symlink_to(target.name)


SPECIAL_FILES = {
    "fifo": lambda target, _: os.mkfifo(target),
    "dev-zero": lambda target, _: target.symlink_to("/dev/zero"),
    "sparse": sparse, "directory": lambda target, _: target.mkdir(),
    "odd-name": odd_name, "symlink-loop": symlink_loop,
}


def describe(case: Case) -> dict[str, object]:
    """What the corpus keeps beside the mutated bytes to replay the case."""
    return {"seed": case.seed, "index": case.index, "kind": case.kind,
            "command": case.command, "argv": list(case.argv), "folder": case.folder,
            "target": case.target, "steps": list(case.steps),
            "special": case.special}


def load(entry: Path) -> Case:
    """A case saved in the corpus (case.json and input.bin)."""
    meta = json.loads((entry / "case.json").read_text())
    return Case(meta["seed"], meta["index"], meta["kind"], meta["command"],
                tuple(meta["argv"]), meta["folder"], meta["target"], tuple(meta["steps"]),
                (entry / "input.bin").read_bytes(), meta.get("special", ""))
