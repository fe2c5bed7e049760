"""The allocs command's engine: a profile's (or a pair's) allocation lines, with rates,
shares, the compiler's escape verdict per line and the advice that fits it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..model import GCTrace, Metrics, Profile
from .build import Unavailable, compiler_log
from .log import Diagnostic
from .module import Module, find_module
from .reasons import UNKNOWN, Escape, escape_of
from .sites import LineSite, line_sites, sites_between

COMPILED_SITES = 20  # the top sites whose packages are compiled


@dataclass(frozen=True)
class AllocSite:
    site: LineSite
    rate_per_s: float | None  # bytes (or the sample type's unit) per second over the span
    objects_per_s: float | None
    per_gc: float | None  # per GC cycle, with a gctrace log
    share: float  # of all allocation (of the change, with a base)
    gc_share: float | None  # share x GC CPU: the share of all CPU this site drives in GC
    escape: Escape
    shown_file: str  # the file as the user reads it (relative to the module root)


@dataclass(frozen=True)
class Allocs:
    sample_type: str
    unit: str
    total: int
    span_s: float | None
    span_from: str  # "time_nanos" (two profiles), "duration_nanos" (a delta profile), ""
    gc_cycles: int | None
    gc_cpu: float | None  # GC's share of CPU (gctrace's cumulative percentage), 0..1
    sites: tuple[AllocSite, ...]
    warnings: tuple[str, ...]  # one line each: what kept verdicts away, another build
    go_version: str = ""
    cached: bool = False
    compile_s: float | None = None
    module: str = ""


def allocs(profile: Profile, index: int, source: str | None, base: Profile | None = None,
           gctrace: GCTrace | None = None, go: str | None = None, limit: int = COMPILED_SITES,
           metrics: Metrics | None = None) -> Allocs:
    module = find_module(source) if source is not None else None

    def local(name: str) -> str | None:
        if module is None:
            return None
        found = module.local(name)
        return str(found) if found is not None else None

    new = line_sites(profile, index, local)
    old = line_sites(base, base.sample_index(profile.sample_types[index].type), local) \
        if base is not None else None
    sites = sites_between(new, old)
    span_s, span_from = _span(profile, base)
    total = sum(s.flat for s in sites)
    warnings: list[str] = []
    log, go_version, cached, seconds = None, "", False, None
    top = [s for s in sites if s.flat > 0][:limit]
    if module is None:
        warnings.append("no --source given: the verdicts are unknown")
    else:
        warnings.extend(build_warnings(profile, module, top))
        packages = sorted({Path(s.local).parent for s in top if s.local})
        if packages:
            try:
                got = compiler_log(module, packages, go)
                log, go_version, cached, seconds = got.diagnostics, got.go_version, got.cached, \
                    got.seconds
            except Unavailable as e:
                warnings.append(f"{e}; the verdicts are unknown")
    by_line = _by_line(log or ())
    cycles, cpu = _gc(gctrace, span_s)
    if cpu is None and metrics is not None:
        cpu = _metrics_gc_cpu(metrics)
    out = []
    for s in sites:
        share = s.flat / total if total else 0.0
        escape = _escape(s, by_line, module) if log is not None and module else UNKNOWN
        out.append(AllocSite(
            site=s, rate_per_s=s.flat / span_s if span_s else None,
            objects_per_s=s.objects / span_s if span_s and s.objects is not None else None,
            per_gc=s.flat / cycles if cycles else None, share=share,
            gc_share=share * cpu if cpu is not None else None, escape=escape,
            shown_file=module.shown(s.local) if module is not None and s.local else s.file))
    return Allocs(sample_type=profile.sample_types[index].type,
                  unit=profile.sample_types[index].unit, total=total, span_s=span_s,
                  span_from=span_from, gc_cycles=cycles, gc_cpu=cpu, sites=tuple(out),
                  warnings=tuple(warnings), go_version=go_version, cached=cached,
                  compile_s=seconds, module=module.path if module is not None else "")


def _span(profile: Profile, base: Profile | None) -> tuple[float | None, str]:
    """The seconds the figures accumulated over: between the two profiles' times, or a delta
    profile's duration; None for one cumulative profile (its start is not recorded)."""
    if base is not None and profile.time_nanos > base.time_nanos > 0:
        return (profile.time_nanos - base.time_nanos) / 1e9, "time_nanos"
    if base is None and profile.duration_nanos > 0:
        return profile.duration_nanos / 1e9, "duration_nanos"
    return None, ""


def _gc(gctrace: GCTrace | None, span_s: float | None) -> tuple[int | None, float | None]:
    """GC cycles over the span (the log's last span_s seconds: a log runs to the newer
    profile; all of it without a span) and GC's share of CPU (the last cycle's cumulative
    percentage)."""
    if gctrace is None or not gctrace.cycles:
        return None, None
    last = gctrace.cycles[-1]
    cycles = [c for c in gctrace.cycles if span_s is None or c.start > last.start - span_s]
    return len(cycles) or None, last.cpu_percent / 100


GC_CPU = "/cpu/classes/gc/total:cpu-seconds"
ALL_CPU = "/cpu/classes/total:cpu-seconds"


def _metrics_gc_cpu(metrics: Metrics) -> float | None:
    """GC's share of CPU from runtime/metrics (GC CPU over all CPU the runtime counts)."""
    gc, total = metrics.get(GC_CPU), metrics.get(ALL_CPU)
    return gc / total if gc is not None and total else None


def _by_line(log) -> dict[tuple[str, int], list[Diagnostic]]:
    out: dict[tuple[str, int], list[Diagnostic]] = {}
    for d in log:
        out.setdefault((d.file, d.line), []).append(d)
    for found in out.values():
        found.sort(key=lambda d: d.column)
    return out


def _escape(site: LineSite, by_line, module: Module) -> Escape:
    if site.local is None:
        return replace(UNKNOWN, detail="not in the source tree")
    diagnostics = by_line.get((site.local, site.line))
    escape = escape_of(diagnostics or [], _source_line(site.local, site.line))
    if escape.verdict == "unknown" and not escape.detail:
        escape = replace(escape, detail="the compiler logs no allocation at this line: a call "
                                        "made here allocates")
    return replace(escape, flow=tuple(module.shown(f) + rest for f, rest in map(_split_step,
                                                                               escape.flow)))


def _split_step(step: str) -> tuple[str, str]:
    """"/abs/file.go:12: what" as ("/abs/file.go", ":12: what")."""
    head, sep, rest = step.partition(": ")
    file, colon, line = head.rpartition(":")
    return (file, f":{line}{sep}{rest}") if colon and line.isdigit() else (step, "")


def _source_line(path: str, line: int) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, text in enumerate(f, 1):
                if number == line:
                    return text
    except OSError:
        pass
    return None


def build_warnings(profile: Profile, module: Module, top: list[LineSite]) -> list[str]:
    """The source tree checked against the profile's build: the main package's file must be
    in the tree, and every top site's line inside its file."""
    out = []
    mains = sorted({f.filename for f in profile.functions if f.name == "main.main"})
    if mains and not any(module.local(name) for name in mains):
        out.append(f"the profile's main package ({mains[0]}) is not in the source tree "
                   f"(module {module.path}): the source is another build")
    for s in top:
        if s.local and _source_line(s.local, s.line) is None:
            out.append(f"{s.file}:{s.line} is past the end of {module.shown(s.local)}: the "
                       "source is another build")
            break
    return out


@dataclass(frozen=True)
class FileVerdicts:
    """The escape verdict of each asked line of one file (the TUI's Source view), or why
    there are none."""
    lines: dict[int, Escape]
    note: str = ""


def file_verdicts(source: str, name: str, lines: list[int], go: str | None = None,
                  ) -> FileVerdicts:
    """The verdicts on `lines` of the profile's file `name`, matched under source's module;
    its package compiled (or read from the cache) as allocs does."""
    from ..common.errors import InputError

    try:
        module = find_module(source)
    except InputError as e:
        return FileVerdicts({}, str(e))
    found = module.local(name)
    if found is None:
        return FileVerdicts({}, f"{name} is not in the module at {source}")
    try:
        log = compiler_log(module, [found.parent], go).diagnostics
    except Unavailable as e:
        return FileVerdicts({}, str(e))
    by_line = _by_line(log)
    text = found.read_text(encoding="utf-8", errors="replace").splitlines()
    return FileVerdicts({n: escape_of(by_line.get((str(found), n), []),
                                      text[n - 1] if 0 < n <= len(text) else None)
                         for n in lines})
