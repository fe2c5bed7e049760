"""The source route: a standard-library Go helper (helper/main.go) type-checks the packages that
hold the profile's allocating lines with go/types and lists, per `file:line`, the expressions
there that allocate, with their types and whether those types hold pointers.

The helper is built once per helper source and Go version into the user cache
(`$XDG_CACHE_HOME/heapdiff` or `~/.cache/heapdiff`), then run with the user's `go`, which it
needs for `go list -export` (dependencies come from export data, as go/packages does it).

Candidate kinds: make-slice, make-map, make-chan, new, composite (&T{...}), slice-literal,
map-literal, append, map-assign, string-concat, string-conv, closure (func literals with
captures, method values, `go f(args)`), iface-box (an implicit conversion to an interface),
moved-var (a local whose address is taken or that a closure captures by reference).
Priority: 0 an explicit allocation, 1 interface boxing, 2 a variable moved to the heap.
For arrays (slices, channel buffers, string bytes) `type` is the whole type and `size`,
`pointers` and `ptr_fraction` describe one element; for maps one slot {key, elem}.
`pointers` is None when a type parameter decides it; the type then names the parameter."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ...common.errors import InputError
from ...common.gotool import cache_root, find_go, first_line, go_env, run_until

__all__ = ["SourceCandidate", "source_candidates"]

HELPER_DIR = Path(__file__).resolve().parent / "helper"
_HELPER_FILES = ("main.go", "go.mod")


@dataclass(frozen=True)
class SourceCandidate:
    kind: str
    expr: str
    type: str
    pointers: bool | None
    ptr_fraction: float | None
    size: int | None
    priority: int





def source_candidates(source_dir: Path, queries: list[tuple[str, int]], go: str | None = None,
                      timeout: float = 120, *, errors: list[str] | None = None,
                      ) -> dict[tuple[str, int], list[SourceCandidate]]:
    """The allocating expressions on each (file, line) of `queries`, typed from the Go module at
    `source_dir`. Files may be absolute, relative to source_dir, or import-path suffixes as
    -trimpath records them. Lines the helper could not resolve map to []; its reasons are
    appended to `errors` when given. Raises InputError when the route cannot run at all."""
    where = str(source_dir) if source_dir is not None else "--source"
    if source_dir is None:
        raise InputError(where, "no source directory given")
    try:
        source_dir = Path(source_dir)
        exists, is_dir = source_dir.exists(), source_dir.is_dir()
    except (OSError, ValueError, TypeError) as e:
        raise InputError(where, f"not a usable directory ({e})") from None
    if not exists:
        raise InputError(where, "no such directory")
    if not is_dir:
        raise InputError(where, "not a directory (--source wants the Go module's directory)")
    out: dict[tuple[str, int], list[SourceCandidate]] = {}
    asked: dict[str, list[tuple[str, int]]] = {}
    for q in queries:
        out[q] = []
        file, line = q
        if not isinstance(file, str) or not file or "\n" in file or not isinstance(line, int) \
                or isinstance(line, bool) or line <= 0:
            continue
        asked.setdefault(f"{file}:{line}", []).append(q)
    if not asked:
        return out
    go_bin = find_go(go)
    if go_bin is None:
        raise InputError(where, f"no Go toolchain found ({go!r} is not an executable)" if go else
                         "no Go toolchain found: --source needs `go` on PATH")
    env = go_env()
    deadline = time.monotonic() + timeout
    helper = _helper(go_bin, env, where, deadline, timeout)
    proc = run_until([helper, "-go", go_bin, "-dir", str(source_dir.resolve()), "-queries", "-"],
                env, where, deadline, timeout, cwd=source_dir, stdin="\n".join(asked) + "\n")
    if proc.returncode != 0:
        why = first_line(proc.stderr, proc.returncode).removeprefix("allocsite: ")
        raise InputError(where, f"the helper failed: {why}")
    try:
        doc = json.loads(proc.stdout)
        for r in doc["results"]:
            cands = [_candidate(c) for c in r["candidates"]]
            for key in asked.get(r["query"], ()):
                out[key] = cands
        if errors is not None:
            errors.extend(str(e) for e in doc.get("errors") or ())
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(where, f"the helper's output is not what heapdiff expects ({e})") from None
    return out


def _candidate(c: dict) -> SourceCandidate:
    def opt(key: str, kind):
        return None if c[key] is None else kind(c[key])

    return SourceCandidate(kind=str(c["kind"]), expr=str(c["expr"]), type=str(c["type"]),
                           pointers=opt("pointers", bool), ptr_fraction=opt("ptr_fraction", float),
                           size=opt("size", int), priority=int(c["priority"]))

















def _helper(go: str, env: dict[str, str], where: str, deadline: float, timeout: float) -> str:
    """The helper binary for this helper source and this Go, built once and cached."""
    try:
        sources = [(HELPER_DIR / name).read_bytes() for name in _HELPER_FILES]
    except OSError as e:
        raise InputError(where, f"the Go helper's source is missing ({e.filename})") from None
    ver = run_until([go, "env", "GOVERSION", "GOHOSTOS", "GOHOSTARCH"], env, where, deadline, timeout)
    if ver.returncode != 0:
        raise InputError(where, f"{go} does not run: {first_line(ver.stderr, ver.returncode)}")
    fields = ver.stdout.split()
    if len(fields) != 3:
        raise InputError(where, f"{go} env printed {ver.stdout.strip()!r}")
    goos, goarch = fields[1], fields[2]
    digest = hashlib.sha256(b"\0".join(sources + [ver.stdout.encode()])).hexdigest()[:16]
    exe = ".exe" if goos == "windows" else ""
    name = f"allocsite-{digest}{exe}"
    user = os.getuid() if hasattr(os, "getuid") else "user"
    for root in (cache_root(), Path(tempfile.gettempdir()) / f"heapdiff-{user}"):
        binary = root / name
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
        try:
            root.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix="allocsite-build-", dir=root))
        except OSError:
            continue
        try:
            for fname, data in zip(_HELPER_FILES, sources):
                (work / fname).write_bytes(data)
            build_env = dict(env, GOOS=goos, GOARCH=goarch, CGO_ENABLED="0", GOFLAGS="",
                             GOWORK="off")
            built = run_until([go, "build", "-trimpath", "-o", str(work / name), "."], build_env, where,
                         deadline, timeout, cwd=work)
            if built.returncode != 0:
                raise InputError(where, "the Go helper did not build: "
                                        f"{first_line(built.stderr, built.returncode)}")
            os.replace(work / name, binary)  # atomic: a concurrent build loses harmlessly
            return str(binary)
        except OSError:
            continue
        finally:
            shutil.rmtree(work, ignore_errors=True)
    raise InputError(where, "cannot write the Go helper's build cache (~/.cache/heapdiff)")
