"""Compile the packages that hold a profile's top sites with escape analysis logging on, and
cache what the compiler said by build inputs (Go version and platform, GOFLAGS, the flags,
the packages' Go files, go.mod and go.sum): a second run on the same tree reads the cache.

The compile writes its binaries to a temporary folder (never into the source tree) and its
JSON log to another, new each run, so that go's own build cache never replays a compile
without its log."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..common.errors import InputError
from ..common.gotool import cache_root, find_go, first_line, go_env, run_until
from .log import (TEXT_LINE, Diagnostic, UnknownLogFormat, merged, read_json_log,
                  read_text_log)
from .module import Module

CACHE_FORMAT = "escapes-1"
FLAGS = "-m=2 -json=0,file://{log}"  # -m=2: the text flow; -json: the log gopls reads
# Lines of go build's stderr that are the compiler's analysis, not a build error.
ANALYSIS_WORDS = ("escape", "inlin", "leak", "flow:", "from ", "moved to heap", "cost:",
                  "capturing by", "isInBounds", "devirtualiz", "parameter ")


class Unavailable(Exception):
    """The verdicts cannot be had (no go, the module does not build, an unknown log format):
    one line for the user; the profile-only output is still shown."""


@dataclass(frozen=True)
class CompilerLog:
    diagnostics: tuple[Diagnostic, ...]
    go_version: str
    cached: bool
    seconds: float


def compiler_log(module: Module, packages: list[Path], go: str | None = None,
                 timeout: float = 120) -> CompilerLog:
    """What the compiler says about escapes in `packages` (folders under module.root)."""
    start = time.monotonic()
    go_bin = find_go(go)
    if go_bin is None:
        raise Unavailable("no Go toolchain found: the verdicts need `go` on PATH")
    env = go_env()
    where = str(module.root)
    deadline = start + timeout
    try:
        ver = run_until([go_bin, "env", "GOVERSION", "GOOS", "GOARCH", "GOFLAGS"], env, where,
                   deadline, timeout)
    except InputError as e:
        raise Unavailable(str(e)) from None
    if ver.returncode != 0:
        raise Unavailable(f"{go_bin} does not run: {first_line(ver.stderr, ver.returncode)}")
    go_version = ver.stdout.split()[0] if ver.stdout.split() else "?"
    rel = sorted({p.relative_to(module.root).as_posix() for p in packages})
    key = _key(module, rel, ver.stdout)
    cache = cache_root() / "escapes" / f"{key}.json"
    cached = _read_cache(cache)
    if cached is not None:
        return CompilerLog(cached, go_version, True, time.monotonic() - start)
    diagnostics = _compile(go_bin, env, module, rel, where, deadline, timeout)
    _write_cache(cache, diagnostics)
    return CompilerLog(diagnostics, go_version, False, time.monotonic() - start)


def _key(module: Module, packages: list[str], go_env: str) -> str:
    h = hashlib.sha256()
    for part in (CACHE_FORMAT, FLAGS, go_env, str(module.root), *packages):
        h.update(part.encode() + b"\0")
    for name in ("go.mod", "go.sum"):
        f = module.root / name
        h.update(name.encode() + b"\0" + (f.read_bytes() if f.is_file() else b"-") + b"\0")
    for package in packages:
        for f in sorted((module.root / package).glob("*.go")):
            h.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:32]


def _read_cache(path: Path) -> tuple[Diagnostic, ...] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return tuple(Diagnostic(str(d["file"]), int(d["line"]), int(d["column"]),
                                str(d["message"]), tuple(map(str, d["flow"])))
                     for d in doc["diagnostics"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or damaged: compile again


def _write_cache(path: Path, diagnostics: tuple[Diagnostic, ...]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": CACHE_FORMAT, "diagnostics": [asdict(d) for d in diagnostics]}, f)
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: the next run compiles again


def _compile(go: str, env: dict[str, str], module: Module, packages: list[str], where: str,
             deadline: float, timeout: float) -> tuple[Diagnostic, ...]:
    work = Path(tempfile.mkdtemp(prefix="heapdiff-escapes-"))
    try:
        log = work / "log"
        flags = FLAGS.format(log=log.as_posix())
        patterns = ["./" + p if p != "." else "." for p in packages]
        cmd = [go, "build", "-o", str(work / "bin") + os.sep,
               *(f"-gcflags={p}={flags}" for p in patterns), *patterns]
        (work / "bin").mkdir()
        try:
            built = run_until(cmd, env, where, deadline, timeout, cwd=module.root)
        except InputError as e:
            raise Unavailable(str(e)) from None
        if built.returncode != 0:
            raise Unavailable(f"the module does not build: {_build_error(built.stderr)}")
        try:
            json_log = read_json_log(log) if log.is_dir() else []
        except UnknownLogFormat as e:
            raise Unavailable(f"the compiler's escape log is in a format heapdiff does not "
                              f"know ({e})") from None
        if not json_log and not log.is_dir():
            raise Unavailable("the compiler wrote no escape log (-json): a format heapdiff "
                              "does not know")
        return tuple(merged(json_log, read_text_log(built.stderr, module.root)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build_error(stderr: str) -> str:
    """The first line of go build's stderr that is neither a package header nor analysis."""
    for line in stderr.splitlines():
        text = line.strip()
        m = TEXT_LINE.match(text)
        said = m["msg"] if m is not None else text
        if text and not text.startswith("#") and not any(w in said for w in ANALYSIS_WORDS):
            return text
    return first_line(stderr, 1)
