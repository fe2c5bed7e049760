"""What the TUI shows, computed by heapdiff (the TUI computes nothing of its own): the inputs
of one or two moments, the settings the keys change, and the analyses for those settings."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from heapdiff.analysis.aggregate import GRANULARITIES
from heapdiff.capture.manifest import Capture
from heapdiff.analysis.diff import Diff, diff_profiles, normalized
from heapdiff.analysis.filters import SampleFilter
from heapdiff.analysis.filters import apply as apply_filter
from heapdiff.memory.findings import Finding, findings
from heapdiff.memory.gchealth import GCHealth, gc_health
from heapdiff.model import Profile
from heapdiff.memory.waterfall import Waterfall, waterfall
from heapdiff.inputs.snapshot import Snapshot, load_snapshot


@dataclass(frozen=True)
class Settings:
    sample_type: str | None = None
    granularity: str = "functions"
    mode: str = "diff-base"
    normalize: bool = False
    focus: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def next_granularity(self) -> Settings:
        i = GRANULARITIES.index(self.granularity)
        return replace(self, granularity=GRANULARITIES[(i + 1) % len(GRANULARITIES)])


@dataclass
class Moments:
    """The loaded inputs: the new moment and, if any, the base moment."""

    new: Snapshot
    base: Snapshot | None
    source_dir: str | None = None

    @property
    def new_profile(self) -> Profile:
        profile = self.new.profile
        assert profile is not None  # load_moments refuses inputs without one
        return profile

    @property
    def base_profiles(self) -> list[Profile]:
        return [self.base.profile] if self.base is not None and self.base.profile else []


def load_moments(paths: list[str], base_paths: list[str], progress) -> Moments:
    """The new moment's inputs and the base's (none: no base), as heapdiff.inputs.moments
    resolved them."""
    new = load_snapshot(paths, progress)
    base = load_snapshot(base_paths, progress) if base_paths else None
    if new.profile is None:
        from heapdiff.common.errors import InputError
        raise InputError(" ".join(paths), "no heap profile among these inputs")
    return Moments(new, base)


@dataclass
class Analysis:
    settings: Settings
    sample_types: tuple[str, ...]
    bases: list[Profile]
    new: Profile
    diff: Diff
    waterfall: Waterfall | None = None
    findings: list[Finding] = field(default_factory=list)
    gc: GCHealth | None = None
    capture: Capture | None = None
    _peeks: dict = field(default_factory=dict)
    _trees: dict = field(default_factory=dict)
    _retainers: object = None
    _timeline: object = None
    _building: threading.Lock = field(default_factory=threading.Lock)

    def peek_graph(self, name: str | None):
        """The call graph with only the edges touching `name`: all a peek shows, and a
        fraction of the whole graph's work on a big profile."""
        if name not in self._peeks:
            import re

            from heapdiff.analysis.callgraph import build_graph
            around = re.compile(f"\\A{re.escape(name or '')}\\Z")
            self._peeks[name] = build_graph(self.diff, self.bases, self.new, around)
        return self._peeks[name]

    def tree(self, bottom_up: bool):
        with self._building:  # Tree and Flame, opened quickly one after the other, share it
            return self._tree(bottom_up)

    def _tree(self, bottom_up: bool):
        if bottom_up not in self._trees:
            from heapdiff.analysis.calltree import CallTree
            name = self.diff.sample_type.type
            weights = normalized(self.new, self.bases, self.new.sample_index(name)) \
                if self.diff.normalized else None  # as the diff's new side (n)
            self._trees[bottom_up] = CallTree(self.bases, self.new, name,
                                              self.settings.granularity, weights, bottom_up)
        return self._trees[bottom_up]

    def ready(self, tab: str, bottom_up: bool = False, selected: str | None = None) -> bool:
        """Whether the view's heavy part (call tree, call graph, retainers) is computed."""
        if tab == "tree":
            return bottom_up in self._trees
        if tab == "flame":
            return False in self._trees
        if tab == "peek":
            return selected is None or selected in self._peeks
        if tab == "retainers":
            return self._retainers is not None
        if tab == "timeline":
            return self.capture is None or self._timeline is not None
        return True

    def prepare(self, tab: str, bottom_up: bool = False, selected: str | None = None) -> None:
        """Compute the view's heavy part (meant for a worker thread)."""
        if tab in ("tree", "flame"):
            self.tree(bottom_up if tab == "tree" else False).children(())  # the first level too
        elif tab == "peek":
            self.peek_graph(selected)
        elif tab == "retainers":
            self.retainers()
        elif tab == "timeline":
            self.timeline()

    def timeline(self):
        """The capture's rounds, per function, for the sample type and granularity shown."""
        if self._timeline is None and self.capture is not None:
            from heapdiff.capture.timeline import build_timeline
            self._timeline = build_timeline(self.capture, self.diff.sample_type.type,
                                            self.settings.granularity)
        return self._timeline

    def retainers(self):
        if self._retainers is None:
            from heapdiff.retainers.report import analyse
            self._retainers = analyse(self.new)
        return self._retainers


def analyse(m: Moments, s: Settings, capture: Capture | None = None) -> Analysis:
    import re

    chosen = SampleFilter(focus=re.compile("|".join(map(re.escape, s.focus))) if s.focus else None,
                          ignore=re.compile("|".join(map(re.escape, s.ignore))) if s.ignore else None)
    bases = [apply_filter(p, chosen) for p in m.base_profiles]
    new = apply_filter(m.new_profile, chosen)
    d = diff_profiles(bases, new, s.sample_type, s.granularity, s.mode, s.normalize)
    a = Analysis(settings=s, sample_types=tuple(v.type for v in new.sample_types),
                 bases=bases, new=new, diff=d, capture=capture)
    if m.new.memstats is not None or m.new.rss is not None:
        a.waterfall = waterfall(m.new)
        a.gc = gc_health(m.new)
        a.findings = findings(m.new, a.waterfall, a.gc)
    return a
