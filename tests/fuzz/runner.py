"""The runner: a pool of workers (one per job), the cases handed out in order, every result
classified, new failures saved in the corpus, and the summary counts."""
from __future__ import annotations

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cases import Case, command_of, describe, load, make
from .classify import ACCEPTABLE, BAD_ERROR, BAD_JSON, ESCAPE, ESCAPES, Result, classify
from .seeds import REPO
from .tui import STEPS as TUI_STEPS

CORPUS = Path(__file__).resolve().parent / "corpus"
HANG_FRAME = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')


@dataclass(frozen=True)
class Outcome:
    case: Case
    outcome: str
    signature: str  # what the failure is and where (empty for ok and clean)
    detail: str     # the traceback or the offending output, shortened
    elapsed: float


def hang_signature(dump: str) -> str:
    """The innermost project frame of the main thread in faulthandler's dump."""
    block = dump.split("\n\n")[-1] if "Current thread" not in dump \
        else dump[dump.index("Current thread"):]
    for path, line, name in HANG_FRAME.findall(block):
        if "/heapdiff/" in path or "/tui/" in path:
            relative = os.path.relpath(path, REPO)
            return f"hang at {relative}:{line} in {name}"
    return "hang outside heapdiff"


def escape_signature(case: Case, result: Result) -> str:
    for stream, text in (("stderr", result.stderr), ("stdout", result.stdout)):
        found = ESCAPES.search(text)
        if found and (stream == "stderr" or not result.json_output):
            return f"escape U+{ord(found.group()):04X} in {stream} of {case.command.split('-')[0]}"
    return "escape"


def signature_of(case: Case, outcome: str, result: Result, raised: str) -> str:
    if outcome in ACCEPTABLE:
        return ""
    if raised:
        return raised
    if outcome == ESCAPE:
        return escape_signature(case, result)
    if outcome == BAD_ERROR:
        first = re.sub(r"\d+", "N", (result.stderr.splitlines() or [""])[0])[:70]
        return f"bad-error ({len(result.stderr.splitlines())} lines): {first}"
    if outcome == BAD_JSON:
        return f"bad-json from {case.command}"
    return f"{outcome} (status {result.status})"


class Worker:
    """One worker process, restarted whenever it dies or hangs."""

    def __init__(self, scratch: Path, timeout: float, memory: int) -> None:
        self.scratch, self.timeout, self.memory = scratch, timeout, memory
        self.hang_file, self.log = scratch / "hang.txt", scratch / "worker.log"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> subprocess.Popen[str]:
        env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'tests'}",
                   MALLOC_ARENA_MAX="2", PYTHONHASHSEED="0", LC_ALL="C.UTF-8",
                   TEXTUAL_ANIMATIONS="none")
        self.hang_file.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fuzz.worker", "--scratch", str(self.scratch),
             "--hang-file", str(self.hang_file), "--log", str(self.log), "--timeout", str(self.timeout),
             "--memory", str(self.memory)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def run(self, request: dict[str, object], json_output: bool, steps: int = 1,
            ) -> tuple[Result, str]:
        """The case's result; steps: how many times the worker's watchdog may run out."""
        process = self.process or self.start()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        # the worker's own watchdog ends it at timeout; this is the backstop (start-up too)
        ready, _, _ = select.select([process.stdout], [], [], self.timeout * steps + 30)
        line = process.stdout.readline() if ready else ""
        if line:
            reply = json.loads(line)
            if process.poll() is not None or "MemoryError" in reply["stderr"]:
                self.stop()
            return Result(reply["status"], reply["stdout"], reply["stderr"],
                          json_output=json_output), reply["signature"]
        try:
            status = process.wait(timeout=5) if ready else None
        except subprocess.TimeoutExpired:
            status = None
        self.stop()
        dump = self.hang_file.read_text(errors="replace")
        if dump.strip() or not ready:
            return Result(None, "", dump, timed_out=True), hang_signature(dump)
        said = self.log.read_text(errors="replace")[-2000:]
        return Result(None, "", said, killed=True), f"worker died ({ending(status)})"


def ending(status: int | None) -> str:
    """How a process ended, as a shell would say it."""
    if status is not None and status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


def judge(case: Case, result: Result, raised: str, elapsed: float) -> Outcome:
    outcome = classify(result)
    detail = result.stderr[-3000:] if outcome not in ACCEPTABLE else ""
    if outcome == ESCAPE:
        detail = "\n".join(line for line in (result.stderr + result.stdout).split("\n")
                           if ESCAPES.search(line))[:1000]
    if outcome in ACCEPTABLE:  # only a failure is saved: a long run keeps no inputs
        case = replace(case, data=b"")
    return Outcome(case, outcome, signature_of(case, outcome, result, raised), detail, elapsed)


def is_json(case: Case) -> bool:
    return "json" in case.argv


def steps(case: Case) -> int:
    """The TUI's load and each key have the whole timeout (tests/fuzz/tui.py)."""
    return TUI_STEPS if case.command == "tui" else 1


@dataclass
class Pool:
    """jobs workers, each in its own thread, taking requests from one shared iterator."""
    jobs: int
    timeout: float = 20
    memory: int = 2 << 30
    results: list[Outcome] = field(default_factory=list)

    def run(self, requests: Iterator[tuple[dict[str, object], Case]],
            on_result: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        lock = threading.Lock()
        with tempfile.TemporaryDirectory(prefix="heapdiff-fuzz-") as scratch:
            def serve(slot: int) -> None:
                folder = Path(scratch) / f"worker-{slot}"
                folder.mkdir()
                worker = Worker(folder, self.timeout, self.memory)
                try:
                    while True:
                        with lock:
                            request, case = next(requests, (None, None))
                        if case is None or request is None:
                            return
                        started = time.monotonic()
                        result, raised = worker.run(request, is_json(case), steps(case))
                        outcome = judge(case, result, raised, time.monotonic() - started)
                        with lock:
                            self.results.append(outcome)
                            if on_result:
                                on_result(outcome)
                finally:
                    worker.stop()
            threads = [threading.Thread(target=serve, args=(slot,)) for slot in range(self.jobs)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        return self.results


def fuzz_requests(seed: int, start: int, count: int, command: str | None = None,
                  ) -> Iterator[tuple[dict[str, object], Case]]:
    """count cases of the run from start on (of one command only: the next count of them)."""
    index, made = start, 0
    while made < count:
        if command is None or command_of(seed, index) == command:
            made += 1
            yield {"seed": seed, "index": index}, make(seed, index)
        index += 1


def corpus_entries(corpus: Path = CORPUS) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if (p / "case.json").is_file()) \
        if corpus.is_dir() else []


def replayable(entries: list[Path]) -> list[Path]:
    """The entries whose real folder is here (the public profiles sit beside the clone)."""
    return [entry for entry in entries if (REPO / load(entry).folder).is_dir()]


def replay_requests(entries: list[Path]) -> Iterator[tuple[dict[str, object], Case]]:
    for entry in entries:
        yield {"entry": str(entry)}, load(entry)


def known_signatures(corpus: Path) -> set[str]:
    return {json.loads((entry / "case.json").read_text()).get("signature", "")
            for entry in corpus_entries(corpus)}


def save(outcome: Outcome, corpus: Path) -> Path:
    """A failing case in the corpus: its mutated bytes and how to replay it."""
    digest = hashlib.sha1(outcome.signature.encode("utf-8", "replace")).hexdigest()[:10]
    entry = corpus / f"{outcome.outcome}-{outcome.case.kind}-{digest}"
    entry.mkdir(parents=True, exist_ok=True)
    (entry / "input.bin").write_bytes(outcome.case.data)
    meta = describe(outcome.case) | {"outcome": outcome.outcome, "signature": outcome.signature,
                                     "detail": outcome.detail}
    (entry / "case.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n")
    return entry


def summary(results: list[Outcome], seconds: float) -> str:
    """Counts per outcome, per input kind and per command, and the failure signatures."""
    lines = [f"{len(results)} cases in {seconds:.0f} s ({len(results) / max(seconds, 1e-9):.1f}"
             " cases/s)", ""]
    outcomes = Counter(r.outcome for r in results)
    lines += ["outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()), ""]
    for title, key in (("input kind", lambda r: r.case.kind),
                       ("command", lambda r: r.case.command)):
        table: dict[str, Counter[str]] = {}
        for r in results:
            table.setdefault(key(r), Counter())[r.outcome] += 1
        lines.append(f"per {title}:")
        for name in sorted(table):
            counts = table[name]
            lines.append(f"  {name:20} {sum(counts.values()):7}  " + ", ".join(
                f"{k} {v}" for k, v in counts.most_common()))
        lines.append("")
    signatures = Counter(r.signature for r in results if r.signature)
    lines.append(f"failure signatures ({len(signatures)}):")
    for signature, count in signatures.most_common():
        lines.append(f"  {count:6}  {signature}")
    return "\n".join(lines)
