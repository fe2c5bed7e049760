"""The worker: a long-lived process that imports heapdiff once and runs cases in-process,
about 20x faster than a Python per case. Resource limits are set once at start (an address
space limit, so a blow-up is a MemoryError, not a swapping machine); a hang is cut short by
faulthandler's watchdog, which dumps the stack to a file and ends the process, and the runner
starts a new worker.

Protocol: one JSON request per line on stdin ({"seed", "index"} or {"entry": corpus dir}),
one JSON reply per line on the original stdout; fd 1 goes to /dev/null meanwhile and fd 2 to
--log (what C code writes as it dies: a fatal error, an abort), and
each case's sys.stdout/sys.stderr are strict UTF-8 buffers, like a UTF-8 terminal's."""
from __future__ import annotations

import argparse
import contextlib
import faulthandler
import io
import json
import os
import resource
import shutil
import sys
import time
import traceback
import warnings
from pathlib import Path

from .cases import Case, load, make, materialise
from .seeds import REPO
from .server import ReplyServer
from .tui import SwallowedError, install


def heapdiff_frame(frames: traceback.StackSummary) -> str:
    """The innermost frame in the project's code: where a failure is attributed."""
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(REPO) and path.parts[len(REPO.parts)] in ("heapdiff", "tui"):
            return f"{path.relative_to(REPO)}:{frame.lineno} in {frame.name}"
    return "outside heapdiff"


def run(case: Case, where: Path, templates: Path) -> dict[str, object]:
    """Run one case in-process; its exit status and what it wrote."""
    from heapdiff.cli import main
    materialise(case, where, templates)
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict",
                                 write_through=True) for _ in range(2))
    saved = sys.stdout, sys.stderr, os.getcwd()
    sys.stdout, sys.stderr = out, err
    os.chdir(where)
    signature, trace, started = "", "", time.monotonic()
    server = ReplyServer(where / "in") if "{url}" in case.argv else contextlib.nullcontext()
    try:
        with server:
            url = getattr(server, "url", "")
            status = main([word.replace("{url}", url) for word in case.argv])
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # what would have been a traceback for the user
        frames = traceback.extract_tb(exc.__traceback__)
        signature = exc.signature if isinstance(exc, SwallowedError) else \
            f"{type(exc).__name__} at {heapdiff_frame(frames)}"
        trace = "".join(traceback.format_exception(exc))  # may not encode: kept apart
        status = 1
    finally:
        for stream in (out, err):
            try:
                stream.flush()
            except Exception:
                pass
        sys.stdout, sys.stderr = saved[0], saved[1]
        os.chdir(saved[2])
    return {"status": status, "signature": signature,
            "elapsed": round(time.monotonic() - started, 3),
            "stdout": out.buffer.getvalue().decode("utf-8", "surrogateescape"),
            "stderr": err.buffer.getvalue().decode("utf-8", "surrogateescape") + trace}


def serve(args: argparse.Namespace) -> None:
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    warnings.simplefilter("always")  # a fresh process would print each warning
    resource.setrlimit(resource.RLIMIT_AS, (args.memory, args.memory))
    scratch, templates = Path(args.scratch), Path(args.scratch) / "templates"
    hang = open(args.hang_file, "w")
    # `heapdiff tui` runs headless, driven by a Pilot, with the watchdog restarted per key
    install(lambda: faulthandler.dump_traceback_later(args.timeout, exit=True, file=hang))
    for number, line in enumerate(sys.stdin):
        request = json.loads(line)
        case = load(Path(request["entry"])) if "entry" in request \
            else make(request["seed"], request["index"])
        where = scratch / f"case-{number}"
        faulthandler.dump_traceback_later(args.timeout, exit=True, file=hang)
        try:
            reply = run(case, where, templates)
        finally:
            faulthandler.cancel_dump_traceback_later()
        shutil.rmtree(where, ignore_errors=True)
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
        if "MemoryError" in str(reply["stderr"]):
            return  # the heap may be in pieces: the runner starts a fresh worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--hang-file", required=True)
    parser.add_argument("--log", default=os.devnull)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--memory", type=int, default=2 << 30)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
