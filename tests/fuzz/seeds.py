"""The real inputs the fuzzer mutates, one Seed per file, and the commands that read each kind.
A seed names a folder that is copied whole into every case (so a command sees the mutated file
beside its real neighbours) and the file inside it that is mutated."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
PUBLIC = REPO.parent / "shared" / "testdata" / "public"
CAPTURE = SAMPLES / "leaky_service" / "capture"
SCRAPE = SAMPLES / "leaky_service" / "scrape"
SCRAPE_VM = SAMPLES / "leaky_service" / "scrape_vm"  # VictoriaMetrics' metrics package
REPLIES = Path(__file__).resolve().parent / "replies"
RETENTION = SAMPLES / "retention"
# the heap dumps mutated: the smaller shapes' later dumps (about 1 MB each)
HEAPDUMP_SHAPES = ("cycle", "shared_child")


@dataclass(frozen=True)
class Seed:
    kind: str     # the input kind, as counted in the summary
    folder: Path  # copied into the case as in/
    target: str   # the mutated file, relative to folder


# Per kind, the commands run on it: {x} is the mutated file, {dir} its folder, {base} the
# same sample's unmutated base folder, {profile} the unmutated later profile, {in} the copy,
# {url} the misbehaving server (tests/fuzz/server.py) serving the copy's replies.
PROFILE_COMMANDS = (
    ("top", "top {x}"), ("top-json", "top --format json {x}"),
    ("diff", "diff {base}/heap.pb.gz {x}"), ("paths", "paths {base}/heap.pb.gz {x}"),
    ("peek", "peek {base}/heap.pb.gz {x} main"), ("sizes", "sizes {base}/heap.pb.gz {x}"),
    ("retainers", "retainers {x}"), ("explain", "explain {x}"),
    ("explain-dir", "explain --base {base} {dir}"), ("report", "report {x}"),
    ("tui", "tui --base {base} {dir}"), ("allocs", "allocs --base {base}/heap.pb.gz {x}"),
)
MEMORY_COMMANDS = (
    ("explain", "explain {x}"), ("explain-dir", "explain --base {base} {dir}"),
    ("explain-json", "explain --format json {dir}"), ("report", "report --base {base} {dir}"),
    ("retainers", "retainers {dir}"), ("tui", "tui --base {base} {dir}"),
)
GCTRACE_COMMANDS = (
    ("gc", "gc {x}"), ("gc-json", "gc --format json {x}"),
    ("explain-dir", "explain {dir}"), ("retainers", "retainers {profile} --gctrace {x}"),
    ("allocs-gctrace", "allocs {profile} --gctrace {x}"),
)
LONE_GCTRACE_COMMANDS = (("gc", "gc {x}"), ("gc-json", "gc --format json {x}"))
PUBLIC_COMMANDS = (("top", "top {x}"), ("top-json", "top --format json {x}"),
                   ("diff", "diff {x} {x}"), ("retainers", "retainers {x}"),
                   ("explain", "explain {x}"), ("report", "report {x}"), ("tui", "tui {x}"),
                   ("allocs", "allocs --sample-index 0 {x}"))
CAPTURE_COMMANDS = (
    ("timeline", "timeline {in}"), ("timeline-json", "timeline --format json {in}"),
    ("top", "top {in}"), ("diff", "diff {in}"), ("explain", "explain {in}"),
    ("report", "report {in}"), ("retainers", "retainers {in}"), ("sizes", "sizes {in}"),
    ("tui", "tui {in}"),
)
# A Prometheus scrape beside the same moment's vars.json, status.txt and heap profile; named
# apart so that `bench/fuzz --command scrape-explain` runs only these.
SCRAPE_COMMANDS = (
    ("scrape-explain", "explain {x}"), ("scrape-explain-json", "explain --format json {x}"),
    ("scrape-explain-dir", "explain {dir}"), ("scrape-report", "report {x} {dir}/heap.pb.gz"),
    ("scrape-instance", "explain --instance 10.0.0.1:8080 {x}"), ("tui", "tui {dir}"),
)
# A heap dump beside its base: what reads dumps, and commands that must refuse one in one line.
HEAPDUMP_COMMANDS = (
    ("top", "top {x}"), ("explain", "explain {x}"),
    ("retained", "retained {x}"), ("retained-json", "retained --format json {x}"),
    ("retained-base", "retained --base {dir}/base.heapdump {x}"),
)
SERVER_COMMANDS = (
    ("capture", "capture {url} --every 100ms --count 2 --out out --timeout 2s"),
    ("capture-gc", "capture {url} --every 100ms --count 1 --gc --out out --timeout 2s "
                   "--max-bytes 1MiB"),
)
# --until and --at: the moment tests/fuzz/record_prometheus_replies recorded the replies at
PROMETHEUS_COMMANDS = (
    ("timeline-prometheus", "timeline --prometheus {url} --since 10s --step 1s "
                            "--until 1796556567.777 --timeout 2s"),
    ("timeline-prometheus-json", "timeline --prometheus {url} --since 10s --step 1s "
                                 "--until 1796556567.777 --timeout 2s --format json"),
    ("explain-prometheus", "explain --prometheus {url} --at 1796556567.777 --timeout 2s"),
    ("report-prometheus", "report --prometheus {url} --at 1796556567.777 --timeout 2s "
                          "--format json"),
)
# How often a command is chosen against its kind's others, and a kind's seeds against the
# others' (1 when not listed): a TUI case takes seconds and a capture half a second where the
# others take a hundredth, so the TUI comes about once in 700 cases and a capture once in 80.
WEIGHTS = {"tui": 0.01}
KIND_WEIGHTS = {"server-reply": 0.3, "prometheus-reply": 0.3}

SNAPSHOT_FILES = {
    "heap.pb.gz": ("pprof", PROFILE_COMMANDS), "heap.txt": ("legacy", PROFILE_COMMANDS),
    "memstats.json": ("memstats", MEMORY_COMMANDS), "vars.json": ("expvar", MEMORY_COMMANDS),
    "metrics.json": ("metrics", MEMORY_COMMANDS + (
        ("retainers-metrics", "retainers {profile} --metrics {x}"),)),
    "status.txt": ("status", MEMORY_COMMANDS), "smaps_rollup.txt": ("smaps", MEMORY_COMMANDS),
    "gctrace.log": ("gctrace", GCTRACE_COMMANDS),
    "smaps.txt": ("smaps-full", MEMORY_COMMANDS),
    # the container sample's cgroup files, read together by name in their folder
    **{name: ("cgroup", MEMORY_COMMANDS) for name in (
        "memory.usage_in_bytes", "memory.limit_in_bytes", "memory.stat", "memory.oom_control",
        "memory.kmem.usage_in_bytes")},
}
COMMANDS = {kind: commands for kind, commands in SNAPSHOT_FILES.values()} | {
    "gctrace-log": LONE_GCTRACE_COMMANDS, "public": PUBLIC_COMMANDS,
    "capture-manifest": CAPTURE_COMMANDS, "capture-round": CAPTURE_COMMANDS,
    "scrape": SCRAPE_COMMANDS, "heapdump": HEAPDUMP_COMMANDS,
    "server-reply": SERVER_COMMANDS, "prometheus-reply": PROMETHEUS_COMMANDS}
# the kinds whose file is not read by heapdiff from disk: never replaced by a FIFO and such
NOT_FILES = {"server-reply", "prometheus-reply"}


def snapshot_seeds() -> list[Seed]:
    """Every file of every sample's later/ snapshot (its base/ stays whole beside it)."""
    return [Seed(SNAPSHOT_FILES[path.name][0], path.parent.parent, f"later/{path.name}")
            for path in sorted(SAMPLES.glob("*/later/*")) if path.name in SNAPSHOT_FILES]


def capture_seeds() -> list[Seed]:
    """The capture folder: its manifest and every file of its last round."""
    last = sorted(p for p in CAPTURE.iterdir() if p.is_dir())[-1]
    return [Seed("capture-manifest", CAPTURE, "manifest.json")] + [
        Seed("capture-round", CAPTURE, f"{last.name}/{f.name}") for f in sorted(last.iterdir())]


def server_seeds() -> list[Seed]:
    """A real Go service's replies to each request capture sends (tests/fuzz/record_replies),
    and a real Prometheus server's to heapdiff's queries (record_prometheus_replies)."""
    return [Seed("prometheus-reply" if p.name.startswith("prometheus_") else "server-reply",
                 REPLIES, p.name) for p in sorted(REPLIES.glob("*.http"))]


def heapdump_seeds() -> list[Seed]:
    """The later heap dump of a few retention shapes (samples/retention/<shape>/)."""
    return [Seed("heapdump", RETENTION / shape, "later.heapdump") for shape in HEAPDUMP_SHAPES]


def all_seeds() -> list[Seed]:
    """Every seed, in a fixed order (the mutator's choices index into it)."""
    lone = [Seed("gctrace-log", SAMPLES / "gctrace", p.name)
            for p in sorted((SAMPLES / "gctrace").glob("*.log"))]
    public = [Seed("public", PUBLIC, p.name) for p in sorted(PUBLIC.glob("*"))
              if p.is_file() and p.suffix != ".md"] if PUBLIC.is_dir() else []
    scrape = [Seed("scrape", SCRAPE, "metrics.prom"), Seed("scrape", SCRAPE_VM, "metrics.prom")]
    return snapshot_seeds() + lone + capture_seeds() + scrape + server_seeds() + \
        heapdump_seeds() + public
