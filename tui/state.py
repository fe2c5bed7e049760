"""What the TUI shows, computed by heapdiff (the TUI computes nothing of its own): the inputs
of one or two moments, the settings the keys change, and the analyses for those settings."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from heapdiff.analysis.aggregate import GRANULARITIES, NodeInfo, frame_nodes
from heapdiff.capture.manifest import Capture
from heapdiff.common.errors import InputError
from heapdiff.common.progress import Report, silent
from heapdiff.analysis.diff import Diff, diff_profiles, normalized
from heapdiff.analysis.sampletypes import TypeList, pair_types
from heapdiff.analysis.diffoptions import DiffOptions
from heapdiff.analysis.filters import apply as apply_filter
from heapdiff.analysis.nodelines import NodeLines, node_lines
from heapdiff.memory.findings import Finding, findings
from heapdiff.memory.gchealth import GCHealth, gc_health
from heapdiff.model import Profile
from heapdiff.memory.waterfall import Waterfall, waterfall
from heapdiff.inputs.snapshot import Snapshot, load_snapshot

if TYPE_CHECKING:
    from heapdiff.fleet.moment import ServerMoment
    from heapdiff.retained.tree import RetainedTree

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    sample_type: str | None = None
    granularity: str = "functions"
    mode: str = "diff-base"
    normalize: bool = False
    focus: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def diff_options(self) -> DiffOptions:
        """These settings as heapdiff's options: what the views diff and `m` reports. f and i
        name functions; as pprof's regular expressions they match those names alone."""
        def either(names: tuple[str, ...]) -> str | None:
            return "|".join(map(re.escape, names)) or None
        return DiffOptions(self.sample_type, self.granularity, self.mode, self.normalize,
                           either(self.focus), either(self.ignore))

    def next_granularity(self) -> Settings:
        i = GRANULARITIES.index(self.granularity)
        return replace(self, granularity=GRANULARITIES[(i + 1) % len(GRANULARITIES)])


@dataclass
class Moments:
    """The loaded inputs: the new moment and, if any, the base moment."""

    new: Snapshot
    base: Snapshot | None
    source_dir: str | None = None  # --source: where Source looks for the profile's files
    binary: str | None = None  # --binary: the Retainers' binary route, as `heapdiff retainers`
    server_flags: tuple[str, ...] = ()  # --prometheus ... --at: the server's moment in `new`
    escapes: bool = False  # --escapes: Source shows the compiler's verdicts (compiles --source)
    dumps: Dumps = field(init=False)

    def __post_init__(self) -> None:
        self.dumps = Dumps(dump_file(self.new), dump_file(self.base), self.binary)

    def read_whole(self) -> tuple[Snapshot, Snapshot | None]:
        """The new and base snapshots with the heap dumps left unread read (the report's
        retained section needs them)."""
        return read_deferred(self.new), read_deferred(self.base) if self.base else None

    @property
    def new_profile(self) -> Profile:
        profile = self.new.profile
        assert profile is not None  # load_moments refuses inputs without one
        return profile

    @property
    def base_profiles(self) -> list[Profile]:
        return [self.base.profile] if self.base is not None and self.base.profile else []


@dataclass(eq=False)
class Dumps:
    """The moments' heap dumps and their dominator trees, built once (in a process of its own:
    tui/apart.py) whatever the settings: every Analysis of the moments shares this."""

    new: str | None  # the new moment's dump file
    base: str | None
    binary: str | None = None  # names globals, types and finalizers (`retained --binary`)
    failure: InputError | None = None  # why a dump (or the binary) could not be read
    status: str = ""  # what the tree's process is doing, while it builds (the view shows it)
    _built: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _report(self, message: str) -> None:
        self.status = message

    def tree(self) -> RetainedTree | None:
        """The new dump's tree (with the base's for growth, as `heapdiff retained --base`);
        None without a dump, or when one cannot be read (then `failure` says why, once)."""
        with self._lock:
            if not self._built:
                from .apart import run_apart
                try:
                    self._built.append(None if self.new is None else run_apart(
                        build_tree, (self.new, self.base, self.binary), self._stop,
                        self._report))
                except InputError as exc:
                    self.failure = exc
                    self._built.append(None)
            return self._built[0]

    def stop(self) -> None:
        """End a build under way (the app quits): its waiting thread returns."""
        self._stop.set()


def build_tree(new: str, base: str | None, binary: str | None,
               progress: Report = silent) -> RetainedTree:
    """The dumps read and analysed as `heapdiff retained NEW --base BASE --binary EXE` does."""
    from heapdiff.inputs.load import load_heapdump
    from heapdiff.retained.groups import analysed
    from heapdiff.retained.tree import RetainedTree
    from heapdiff.retainers.binary.image import read_image

    def tree(path: str, earlier: RetainedTree | None = None) -> RetainedTree:
        progress(f"reading {path}")
        dump = load_heapdump(path, progress)
        return RetainedTree(dump, analysed(dump, image, progress), earlier)
    image = read_image(binary) if binary else None
    return tree(new, tree(base) if base is not None else None)


LAZY = frozenset({"heapdump"})  # read when the Retained view asks: launch is as fast with one


def unread_dump(snapshot: Snapshot) -> str | None:
    """The moment's heap dump file load_snapshot left unread (LAZY), if any."""
    return next((source for slot, source in snapshot.deferred if slot == "heapdump"), None)


def dump_file(snapshot: Snapshot | None) -> str | None:
    """The moment's heap dump: the file left unread, else the one read."""
    if snapshot is None:
        return None
    return unread_dump(snapshot) or \
        (snapshot.heapdump.source if snapshot.heapdump is not None else None)


def read_deferred(snapshot: Snapshot) -> Snapshot:
    """The snapshot with its heap dump read, if it was left unread (one that changed since
    it was recognised is the usual one-line error)."""
    from heapdiff.inputs.load import load_heapdump
    source = unread_dump(snapshot)
    return snapshot if source is None else \
        replace(snapshot, heapdump=load_heapdump(source), deferred=())


def load_moments(paths: list[str], base_paths: list[str], progress,
                 source_dir: str | None = None, binary: str | None = None,
                 instance: str | None = None, server: ServerMoment | None = None,
                 escapes: bool = False) -> Moments:
    """The new moment's inputs and the base's (none: no base), as heapdiff.inputs.moments
    resolved them; server: a Prometheus server's instance at one moment, read beside the
    new files (--instance then names it, and the files' scrapes are read as alone)."""
    files_instance = instance if server is None else None
    new = load_snapshot(paths, progress, files_instance,
                        [server.artifact()] if server is not None else [], defer=LAZY)
    base = load_snapshot(base_paths, progress, files_instance, defer=LAZY) \
        if base_paths else None
    if new.profile is None:
        raise InputError(" ".join(paths), "no heap profile among these inputs")
    return Moments(new, base, source_dir, binary,
                   server.flags() if server is not None else (), escapes)


@dataclass
class Analysis:
    settings: Settings
    sample_types: tuple[str, ...]
    bases: list[Profile]
    new: Profile
    diff: Diff
    waterfall: Waterfall | None = None
    base_waterfall: Waterfall | None = None  # the base moment's, when it has MemStats or RSS
    findings: list[Finding] = field(default_factory=list)
    gc: GCHealth | None = None
    capture: Capture | None = None
    source_dir: str | None = None  # the moments' --source
    binary: str | None = None  # the moments' --binary
    escapes: bool = False  # the moments' --escapes
    dumps: Dumps | None = None  # the moments' heap dumps (the Retained view)
    _parts: dict = field(default_factory=dict)
    _locks: dict = field(default_factory=dict)
    _locking: threading.Lock = field(default_factory=threading.Lock)

    # --- the heavy parts, each computed once (in a worker) and then answered at once --------
    def _part(self, part: Callable, args: tuple, build: Callable[[], T]) -> T:
        """part(*args)'s value, built once, kept under the method's name and arguments. Two
        views asking at once (Tree and Flame share a tree) share one computation; a part
        already computed never waits for another being computed."""
        key = (part.__name__, *args)
        if key not in self._parts:
            with self._locking:
                lock = self._locks.setdefault(key, threading.Lock())
            with lock:
                if key not in self._parts:
                    self._parts[key] = build()
        return self._parts[key]

    def pending(self, part: Callable, *args: Hashable) -> Callable[[], object] | None:
        """part(*args), one of the methods below, to compute in a worker; None when it is
        computed and answers at once."""
        return None if (part.__name__, *args) in self._parts else partial(part, *args)

    def tree(self, bottom_up: bool):
        """The call tree, top-down or callers, with its first level computed."""
        return self._part(self.tree, (bottom_up,), lambda: self._tree(bottom_up))

    def _tree(self, bottom_up: bool):
        from heapdiff.analysis.calltree import CallTree
        name = self.diff.sample_type.type
        weights = normalized(self.new, self.bases, self.new.sample_index(name)) \
            if self.diff.normalized else None  # as the diff's new side (n)
        tree = CallTree(self.bases, self.new, name, self.settings.granularity, weights, bottom_up)
        tree.children(())
        return tree

    def peek_graph(self, node: NodeInfo):
        """The call graph with only the edges touching the nodes printed as `node` is: all a
        peek shows, and a fraction of the whole graph's work on a big profile."""
        def build():
            import re

            from heapdiff.analysis.callgraph import build_graph
            around = re.compile(f"\\A{re.escape(node.printable_name())}\\Z")
            return build_graph(self.diff, self.bases, self.new, around)
        return self._part(self.peek_graph, (node,), build)

    def source_lines(self, node: NodeInfo) -> NodeLines:
        """The node's source lines with their figures (a diff by lines, filtered to it)."""
        return self._part(self.source_lines, (node,), lambda: node_lines(self._lines(), node))

    def source_verdicts(self, node: NodeInfo):
        """With --source and --escapes, the compiler's escape verdict on each of the node's
        lines (allocs' engine: the file's package compiled once, then cached); else None."""
        def build():
            if self.source_dir is None or not self.escapes:
                return None
            from heapdiff.escapes.allocs import file_verdicts
            found = self.source_lines(node)
            return file_verdicts(self.source_dir, found.file, sorted(found.lines))
        return self._part(self.source_verdicts, (node,), build)

    def _lines(self) -> Diff:
        if self.diff.granularity == "lines":
            return self.diff
        s = self.settings
        return self._part(self._lines, (), lambda: diff_profiles(
            self.bases, self.new, self.diff.sample_type.type, "lines", s.mode, s.normalize))

    def timeline(self):
        """The capture's rounds, per function, for the sample type and granularity shown."""
        def build():
            from heapdiff.capture.timeline import build_timeline
            return build_timeline(self.capture, self.diff.sample_type.type,
                                  self.settings.granularity)
        return None if self.capture is None else self._part(self.timeline, (), build)

    def retainers(self):
        """The new profile's retainers by the routes `heapdiff retainers` takes: --binary,
        --source, else the heuristic."""
        from heapdiff.retainers.report import analyse
        return self._part(self.retainers, (),
                          lambda: analyse(self.new, self.binary, self.source_dir))

    def retention(self) -> RetainedTree | None:
        """The heap dumps' dominator tree (Dumps.tree): its first call waits for the build."""
        return self._part(self.retention, (),
                          lambda: self.dumps.tree() if self.dumps is not None else None)

    # --- node identity --------------------------------------------------------------------
    def closest(self, node: NodeInfo | None) -> NodeInfo | None:
        """The node of this analysis's diff that stands for `node`, one of another
        granularity's: itself, else the first row of its function, else of its file, else
        the first row."""
        rows = self.diff.rows
        if node is not None:
            for same in (lambda i: i == node, lambda i: node.name and i.name == node.name,
                         lambda i: node.file and i.file == node.file):
                found = next((r.info for r in rows if same(r.info)), None)
                if found is not None:
                    return found
        return rows[0].info if rows else None

    def node_named(self, name: str) -> NodeInfo | None:
        """The node printed as `name` at this granularity (a timeline row's), changed or not:
        the first diff row printed so, else the new profile's first node."""
        return self._part(self._named, (), self._named).get(name)

    def _named(self) -> dict[str, NodeInfo]:
        frames = frame_nodes(self.new, self.settings.granularity)
        named = {r.name: r.info for r in reversed(self.diff.rows)}
        for name, info in zip(frames.names, frames.infos):
            named.setdefault(name, info)
        return named


def analyse(m: Moments, s: Settings, capture: Capture | None = None) -> Analysis:
    o = s.diff_options()
    chosen = o.sample_filter()
    bases = [apply_filter(p, chosen) for p in m.base_profiles]
    new = apply_filter(m.new_profile, chosen)
    d = diff_profiles(bases, new, o.sample_type, o.granularity, o.mode, o.normalize)
    a = Analysis(settings=s, sample_types=pair_types([TypeList.of(b) for b in bases],
                                                     TypeList.of(new)).types,
                 bases=bases, new=new, diff=d, capture=capture,
                 source_dir=m.source_dir, binary=m.binary, escapes=m.escapes,
                 dumps=m.dumps)
    if m.new.memstats is not None or m.new.rss is not None:
        a.waterfall = waterfall(m.new)
        a.gc = gc_health(m.new)
        earlier = waterfall(m.base) if m.base is not None else None  # as explain --base
        if m.base is not None and (m.base.memstats is not None or m.base.rss is not None):
            a.base_waterfall = earlier
        a.findings = findings(m.new, a.waterfall, a.gc, earlier)
    return a
