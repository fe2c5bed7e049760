"""Past RSS: what the container (the cgroup) is charged, from the process's RSS to
memory.current (v1: memory.usage_in_bytes), and how close that is to the limit.

The rows add up exactly:
  RSS + cgroup_anon + page_cache_active + page_cache_inactive + shmem + kernel + sockets
      + charged_other = memory.current
The process's own pages are in RSS, so the cgroup's anonymous, file and shmem figures are
counted less the process's part of each (its RssAnon, RssFile, RssShmem); charged_other is
what memory.stat does not split (its per-CPU counters lag the charge, and v1 without
memory.kmem.usage_in_bytes leaves kernel memory there). Kubernetes' working set, the figure
it evicts on, is usage less inactive_file."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import CgroupMem, ProcMem

# memory.stat's names per version: v1's total_* are hierarchical, like its usage_in_bytes
STAT_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "v2": {"anon": ("anon",), "active_file": ("active_file",),
           "inactive_file": ("inactive_file",), "shmem": ("shmem",), "sock": ("sock",),
           "kernel": ("kernel",)},
    "v1": {"anon": ("total_rss", "rss"), "active_file": ("total_active_file", "active_file"),
           "inactive_file": ("total_inactive_file", "inactive_file"),
           "shmem": ("total_shmem", "shmem"), "sock": (), "kernel": ()},
}
# v2 kernels before 5.18 have no `kernel` line: its parts
V2_KERNEL_PARTS = ("kernel_stack", "pagetables", "sec_pagetables", "percpu", "slab", "vmalloc")
USAGE_FILE = {"v2": "memory.current", "v1": "memory.usage_in_bytes"}
LIMIT_FILE = {"v2": "memory.max", "v1": "memory.limit_in_bytes"}


@dataclass(frozen=True)
class Charge:
    """One row past RSS: (component, bytes, cause)."""
    component: str
    bytes: int
    cause: str


@dataclass(frozen=True)
class Container:
    version: str
    usage: int                 # memory.current / usage_in_bytes: where the rows end
    usage_file: str
    limit_file: str
    limit: int | None          # None: no limit
    high: int | None
    working_set: int | None    # usage - inactive_file (Kubernetes), None without memory.stat
    page_cache: int | None     # active_file + inactive_file
    oom_kills: int | None      # memory.events / oom_control oom_kill
    rows: tuple[Charge, ...]   # from RSS (or 0 without it) to usage, exactly
    source: str

    @property
    def headroom(self) -> int | None:
        return None if self.limit is None else self.limit - self.usage


def _stat(cg: CgroupMem, name: str) -> int | None:
    for key in STAT_NAMES[cg.version][name]:
        if key in cg.stat:
            return cg.stat[key]
    return None


def _kernel(cg: CgroupMem) -> int | None:
    if cg.version == "v1":
        return cg.kmem
    kernel = _stat(cg, "kernel")
    if kernel is None and any(k in cg.stat for k in V2_KERNEL_PARTS):
        kernel = sum(cg.stat.get(k, 0) for k in V2_KERNEL_PARTS)
    return kernel


def own_pages(rss: int | None, status: ProcMem | None, smaps: ProcMem | None) -> dict[str, int]:
    """The process's anon, file and shmem resident pages, summing to its RSS: status's
    RssAnon/RssShmem, else smaps's Anonymous; file is the rest."""
    if rss is None:
        return {"anon": 0, "file": 0, "shmem": 0}
    anon = shmem = 0
    if status is not None and "RssAnon" in status.fields:
        anon, shmem = status.fields["RssAnon"], status.fields.get("RssShmem", 0)
    elif smaps is not None:
        anon = smaps.fields.get("Anonymous", 0)
    return {"anon": anon, "file": rss - anon - shmem, "shmem": shmem}


def container(cg: CgroupMem | None, rss: int | None, own: dict[str, int]) -> Container | None:
    """The charge past RSS; None without a cgroup usage figure to end at."""
    if cg is None or cg.usage is None:
        return None
    usage_file = USAGE_FILE[cg.version]
    whose = "this process's" if rss is not None else "no process's (no RSS given)"
    candidates = (
        ("cgroup_anon", _stat(cg, "anon"), own["anon"],
         f"anonymous memory charged to the cgroup beyond {whose}: other processes in it, "
         "swap cache"),
        ("page_cache_active", _stat(cg, "active_file"), own["file"],
         f"page cache in active use (files read or written recently), less {whose} mapped "
         "file pages counted in RSS (negative when those pages are charged to another "
         "cgroup: shared libraries first read elsewhere)"),
        ("page_cache_inactive", _stat(cg, "inactive_file"), 0,
         "page cache not used recently: reclaimed before an OOM kill, but charged until then"),
        ("shmem", _stat(cg, "shmem"), own["shmem"],
         f"tmpfs and shared memory (/dev/shm, memfd) beyond {whose}"),
        ("kernel", _kernel(cg), 0,
         "kernel memory charged to the cgroup: slab (dentries, inodes), page tables, kernel "
         "stacks"),
        ("sockets", _stat(cg, "sock"), 0, "socket buffers"),
    )
    rows = [Charge(name, value - own_part, cause)
            for name, value, own_part, cause in candidates if value is not None]
    start = rss if rss is not None else 0
    rows.append(Charge("charged_other", cg.usage - start - sum(r.bytes for r in rows),
                       f"the rest of {usage_file}: what memory.stat does not split (its per-CPU "
                       "counters lag the charge"
                       + (", kernel memory without memory.kmem.usage_in_bytes"
                          if cg.version == "v1" and cg.kmem is None else "") + ")"))
    active, inactive = _stat(cg, "active_file"), _stat(cg, "inactive_file")
    return Container(
        version=cg.version, usage=cg.usage, usage_file=usage_file,
        limit_file=LIMIT_FILE[cg.version], limit=cg.limit, high=cg.high,
        working_set=None if inactive is None else cg.usage - inactive,
        page_cache=None if active is None or inactive is None else active + inactive,
        oom_kills=cg.events.get("oom_kill"), rows=tuple(rows), source=cg.source)
