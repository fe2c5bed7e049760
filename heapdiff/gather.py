"""Everything heapdiff finds about one or two moments, gathered for a report: the diff and its
growth paths, object sizes, the waterfall with findings and GC health, the retainers, and the
commands that reproduce each part. Plain values: the Markdown and JSON renderers share them."""
from __future__ import annotations

import datetime
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .analysis.diff import Diff, diff_profiles
from .analysis.diffoptions import DiffOptions
from .analysis.filters import apply as apply_filter
from .analysis.verdict import Verdict, alloc_falls_between, alloc_totals, verdict
from .analysis.live import live_heap, why_not_live
from .memory.findings import Finding, findings
from .memory.gchealth import GCHealth, gc_health
from .model import Profile
from .common.progress import Report, silent
from .memory.waterfall import Waterfall, waterfall
from .analysis.sizes import SizeRow, size_changes
from .inputs.delta import delta_note
from .inputs.snapshot import Snapshot, load_snapshot

if TYPE_CHECKING:  # imported where used: the binary route's libraries load slowly
    from .escapes.allocs import Allocs
    from .fleet.moment import ServerMoment
    from .retainers.report import Retainers
    from .retained.groups import Retention


NOT_USED = "not used (another file of its kind was)"


@dataclass(frozen=True)
class Input:
    role: str  # base or new
    path: str
    kind: str
    time: str = ""  # the profile's own time stamp (UTC), never the clock
    sample_types: str = ""
    build_id: str = ""
    delta: str = ""  # delta_note of a delta profile: a change over a span, not the heap


@dataclass(frozen=True)
class Gathered:
    title: str  # what the user named: the files or folders of the moment reported on
    inputs: tuple[Input, ...]
    diff: Diff | None = None
    verdict: Verdict | None = None  # the diff's as a whole: the headline follows it
    paths: tuple = ()
    sizes: tuple[SizeRow, ...] = ()
    waterfall: Waterfall | None = None
    base_waterfall: Waterfall | None = None
    findings: tuple[Finding, ...] = ()
    gc: GCHealth | None = None
    retainers: Retainers | None = None
    no_retainers: str = ""  # why the new profile has no retainers (no in-use sample type)
    allocs: Allocs | None = None  # with --source: why the top allocation lines are on the heap
    retained: Retention | None = None  # a heap dump's dominator tree, when one is given
    commands: dict[str, str] = field(default_factory=dict)
    options: DiffOptions = DiffOptions()  # how the growth was computed


def gather(new_paths: list[str], base_paths: list[str], binary: str | None = None,
           source: str | None = None, progress: Report = silent,
           title: str | None = None, options: DiffOptions = DiffOptions(),
           instance: str | None = None, server: ServerMoment | None = None) -> Gathered:
    """server: a Prometheus server's instance at one moment, read beside the new files
    (--instance then names it, and the files' scrapes are read as alone)."""
    files_instance = instance if server is None else None
    new = load_snapshot(new_paths, progress, files_instance,
                        [server.artifact()] if server is not None else [])
    base = load_snapshot(base_paths, progress, files_instance) if base_paths else None
    return gather_snapshots(new, base, new_paths, base_paths, binary=binary, source=source,
                            progress=progress, title=title, options=options,
                            server_flags=server.flags() if server is not None else ())


def gather_snapshots(new: Snapshot, base: Snapshot | None, new_paths: list[str],
                     base_paths: list[str], *, binary: str | None = None,
                     source: str | None = None, progress: Report = silent,
                     title: str | None = None,
                     options: DiffOptions = DiffOptions(),
                     server_flags: tuple[str, ...] = ()) -> Gathered:
    """gather() of moments already read (the TUI's: never decoded twice). `options` choose
    how the growth is computed, as `heapdiff diff` takes them; server_flags read again the
    server's moment the new one holds (--prometheus URL --instance X --at TIME)."""
    inputs = _inputs("new", new) + (_inputs("base", base) if base else ())
    quote = lambda paths: " ".join(shlex.quote(p) for p in paths)  # noqa: E731
    commands: dict[str, str] = {}
    # Gathered's fields, by name
    result: dict[str, Any] = dict(inputs=inputs, title=title or " ".join(new_paths)
                                  or " ".join(new.sources), options=options)
    if base is not None and base.profile is not None and new.profile is not None:
        progress("diffing")
        chosen = options.sample_filter()
        bases, latest = [apply_filter(base.profile, chosen)], apply_filter(new.profile, chosen)
        d = diff_profiles(bases, latest, options.sample_type, options.granularity, options.mode,
                          options.normalize)
        result["diff"] = d
        falls = alloc_falls_between([(base.profile.source, alloc_totals(base.profile))],
                                    (new.profile.source, alloc_totals(new.profile)))
        result["verdict"] = verdict(d, falls)
        result["sizes"] = tuple(size_changes(bases, latest, options.sample_type)[:10])
        pair = f"{shlex.quote(base.profile.source)} {shlex.quote(new.profile.source)}"
        flags, size_flags = (quote(options.flags(mode)) for mode in (True, False))
        commands["growth"] = " ".join(filter(None, ("heapdiff diff", pair, flags)))
        commands["paths"] = " ".join(filter(None, ("heapdiff paths", pair, flags)))
        commands["sizes"] = " ".join(filter(None, ("heapdiff sizes", pair, size_flags)))
        from .analysis.callgraph import change_paths, graph_data

        result["paths"] = tuple(change_paths(graph_data(d, bases, latest), 3))
    if new.memstats is not None or new.rss is not None:
        w = waterfall(new)
        health = gc_health(new)
        earlier = waterfall(base) if base is not None else None  # as explain --base reads it
        result.update(waterfall=w, gc=health, findings=tuple(findings(new, w, health, earlier)))
        commands["memory"] = " ".join(filter(None, (
            "heapdiff explain", quote(new_paths), quote(server_flags),
            f"--base {quote(base_paths)}" if base_paths else "")))
        if base is not None and (base.memstats is not None or base.rss is not None):
            result["base_waterfall"] = earlier
    if new.profile is not None and live_heap(new.profile) is not None:
        from .retainers.report import analyse

        progress("reading the allocation sites")
        base_live = base.profile if base and base.profile is not None \
            and live_heap(base.profile) is not None else None
        result["retainers"] = analyse(new.profile, binary, source, new.metrics, new.gctrace,
                                      base_live)
        commands["retainers"] = (f"heapdiff retainers {shlex.quote(new.profile.source)}"
                                 + (f" --binary {shlex.quote(binary)}" if binary else "")
                                 + (f" --source {shlex.quote(source)}" if source else ""))
    elif new.profile is not None:
        result["no_retainers"] = f"{new.profile.source} has {why_not_live(new.profile)}"
    if source is not None and new.profile is not None:
        result["allocs"] = _allocs(new, base, source, progress)
        if result["allocs"] is not None:
            commands["allocs"] = (f"heapdiff allocs {shlex.quote(new.profile.source)}"
                                  + (f" --base {shlex.quote(base.profile.source)}"
                                     if base is not None and base.profile is not None else "")
                                  + f" --source {shlex.quote(source)}")
    if new.heapdump is not None:
        result["retained"] = _retained(new, base, binary, progress)
        commands["retained"] = " ".join(
            ["heapdiff retained", shlex.quote(new.heapdump.source)]
            + (["--base", shlex.quote(base.heapdump.source)]
               if base is not None and base.heapdump is not None else [])
            + (["--binary", shlex.quote(binary)] if binary else []))
    return Gathered(commands=commands, **result)


def _allocs(new: Snapshot, base: Snapshot | None, source: str, progress: Report):
    """allocs over the alloc_space both profiles have (None when the new one has none)."""
    from .escapes.allocs import allocs

    assert new.profile is not None
    kinds = [vt.type for vt in new.profile.sample_types]
    if "alloc_space" not in kinds:
        return None
    older = base.profile if base is not None and base.profile is not None and "alloc_space" in [
        vt.type for vt in base.profile.sample_types] else None
    progress("reading the compiler's escape analysis")
    return allocs(new.profile, kinds.index("alloc_space"), source, older, new.gctrace,
                  metrics=new.metrics)


def _retained(new: Snapshot, base: Snapshot | None, binary: str | None,
              progress: Report) -> Retention:
    """The heap dump's groups, compared with the base moment's dump when it has one."""
    from .retained.groups import compare, retention
    from .retainers.binary.image import read_image

    assert new.heapdump is not None
    progress("the heap dump's dominator tree")
    image = read_image(binary) if binary else None
    result = retention(new.heapdump, image, progress)
    if base is not None and base.heapdump is not None:
        result = compare(result, retention(base.heapdump, image, progress))
    return result


def _inputs(role: str, s: Snapshot) -> tuple[Input, ...]:
    out = []
    for path in s.sources:
        kind, time, types, build, delta = s.label(path) or NOT_USED, "", "", "", ""
        p: Profile | None = s.profile if s.profile is not None and s.profile.source == path else None
        if p is not None:
            if p.time_nanos:
                time = datetime.datetime.fromtimestamp(p.time_nanos / 1e9, datetime.timezone.utc) \
                    .strftime("%Y-%m-%d %H:%M:%S UTC")
            types = ", ".join(vt.type for vt in p.sample_types)
            build = next((m.build_id for m in p.mappings if m.build_id), "")
            delta = delta_note(p)
        out.append(Input(role, path, kind, time, types, build, delta))
    return tuple(out)
