"""cgroup memory files as an input: recognised alone by their keys or together by name, and the
waterfall past RSS that ends at the cgroup's usage exactly.

samples/container holds a Go program's real cgroup v1 files (a child cgroup with a 512 MiB
limit) read with /proc/self/status and smaps; samples/cgroup_v2 is built by hand in the
kernel's documented v2 format (its PROVENANCE.md says how)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support import SAMPLES, run_heapdiff
from heapdiff.common.errors import InputError
from heapdiff.inputs.decode.cgroup import bundle, decode_cgroup
from heapdiff.inputs.load import load
from heapdiff.inputs.snapshot import load_snapshot
from heapdiff.memory.waterfall import waterfall
from heapdiff.model import CgroupMem

LATER = SAMPLES / "container" / "later"
V2 = SAMPLES / "cgroup_v2"
MIB = 1 << 20


def read(path: Path) -> int:
    return int(path.read_text())


def smaps_rss(path: Path) -> int:
    """The sum of an smaps's Rss lines, in bytes: the oracle of the RSS a full smaps gives."""
    return sum(int(line.split()[1]) * 1024 for line in path.read_text().splitlines()
               if line.startswith("Rss:"))


RSS = smaps_rss(LATER / "smaps.txt")


def test_a_folders_cgroup_files_are_one_v1_input_with_the_files_figures():
    snap = load_snapshot([str(LATER)])
    cg = snap.cgroup
    assert cg is not None and cg.version == "v1"
    assert cg.usage == read(LATER / "memory.usage_in_bytes") == 240996352
    assert cg.limit == 512 * MIB and cg.kmem == read(LATER / "memory.kmem.usage_in_bytes")
    assert cg.stat["total_cache"] == 75595776 and cg.events["oom_kill"] == 0
    assert snap.label(str(LATER / "memory.*")) == "cgroup memory"


def test_v2_files_given_by_name_are_read_together():
    names = ["memory.current", "memory.max", "memory.high", "memory.stat", "memory.events"]
    cg = load_snapshot([str(V2 / n) for n in names]).cgroup
    assert (cg.version, cg.usage, cg.limit, cg.high) == ("v2", 240996352, 256 * MIB, None)
    assert cg.events["oom_kill"] == 1 and cg.stat["inactive_file"] == 98304


def test_a_lone_memory_stat_is_recognised_by_its_keys():
    v1, v2 = load(LATER / "memory.stat"), load(V2 / "memory.stat")
    assert isinstance(v1, CgroupMem) and (v1.version, v1.usage) == ("v1", None)
    assert isinstance(v2, CgroupMem) and v2.version == "v2" and v2.stat["anon"] == 162914304


def test_a_tail_of_the_files_reads_as_the_folder_does(tmp_path):
    text = bundle([(str(p), p.read_bytes()) for p in sorted(V2.glob("memory.*"))])
    (tmp_path / "cgroup.txt").write_bytes(text)
    assert load(tmp_path / "cgroup.txt").stat == load_snapshot([str(V2)]).cgroup.stat


def test_v1s_no_limit_value_and_v2s_max_mean_no_limit():
    v1 = decode_cgroup("==> memory.limit_in_bytes <==\n9223372036854771712\n", "x")
    v2 = decode_cgroup("==> memory.max <==\nmax\n", "x")
    assert v1.limit is None and v2.limit is None


@pytest.mark.parametrize("text, message", [
    ("==> memory.current <==\nlots\n", "memory.current is not an integer"),
    ("==> memory.stat <==\nanon 1\nfile\n", "memory.stat line 2 is not `key value`"),
    ("==> memory.current <==\n1\n==> memory.usage_in_bytes <==\n2\n", "given twice"),
    ("==> memory.events <==\noom 0\n==> memory.oom_control <==\noom_kill 0\n", "given twice"),
    ("==> memory.current <==\n1\n==> memory.limit_in_bytes <==\n2\n", "v1 and v2 files mixed"),
    ("==> memory.pressure <==\nsome avg10=0.00\n", "no cgroup memory file"),
    ("==> memory.current <==\n-5\n", "memory.current is out of range"),
])
def test_bad_cgroup_files_get_one_line_naming_what_is_wrong(text, message):
    with pytest.raises(InputError) as caught:
        decode_cgroup(text, "cg.txt")
    assert message in caught.value.message and "\n" not in str(caught.value)


def test_a_bad_cgroup_file_given_by_name_is_an_error_and_exit_2(tmp_path):
    (tmp_path / "memory.current").write_text("\x1b[31mred\n")
    result = run_heapdiff("explain", tmp_path / "memory.current")
    assert result.returncode == 2
    assert result.stderr.startswith(f"heapdiff: {tmp_path}/memory.*: memory.current is not")
    assert "\x1b" not in result.stderr


def test_in_a_folder_a_bad_cgroup_file_is_passed_over_and_the_rest_are_read(tmp_path):
    for name in ("memory.current", "memory.max", "memory.stat"):
        (tmp_path / name).write_bytes((V2 / name).read_bytes())
    (tmp_path / "memory.events").write_text("not events\n")
    cg = load_snapshot([str(tmp_path)]).cgroup
    assert cg.usage == 240996352 and cg.events == {}


def test_the_v1_waterfall_continues_from_rss_to_usage_in_bytes_exactly():
    snap = load_snapshot([str(LATER)])
    c = waterfall(snap).container
    assert snap.rss == RSS
    assert snap.rss + sum(r.bytes for r in c.rows) == c.usage == 240996352
    rows = {r.component: r.bytes for r in c.rows}
    status = snap.status.fields
    assert rows["cgroup_anon"] == 162914304 - status["RssAnon"]
    assert rows["page_cache_inactive"] == 98304
    assert rows["page_cache_active"] == 67108864 - (snap.rss - status["RssAnon"]
                                                    - status["RssShmem"])
    assert rows["shmem"] == 8 * MIB - status["RssShmem"]
    assert rows["kernel"] == 2236416
    assert (c.limit, c.headroom, c.working_set) == (512 * MIB, 512 * MIB - 240996352,
                                                    240996352 - 98304)


def test_the_v2_waterfall_ends_at_memory_current_exactly_and_counts_sockets():
    files = [str(LATER / f) for f in ("vars.json", "status.txt", "smaps.txt", "metrics.json")]
    c = waterfall(load_snapshot(files + [str(V2)])).container
    assert c.version == "v2" and c.usage_file == "memory.current"
    rows = {r.component: r.bytes for r in c.rows}
    assert list(rows) == ["cgroup_anon", "page_cache_active", "page_cache_inactive", "shmem",
                          "kernel", "sockets", "charged_other"]
    assert RSS + sum(rows.values()) == 240996352


def test_without_rss_the_rows_split_the_whole_usage():
    c = waterfall(load_snapshot([str(V2)])).container
    assert sum(r.bytes for r in c.rows) == c.usage
    assert c.rows[0].bytes == 162914304  # all of anon


def test_explain_json_carries_the_container_and_the_v2_sample_raises_the_container_findings():
    files = [str(LATER / f) for f in ("vars.json", "status.txt", "smaps.txt", "metrics.json")]
    result = run_heapdiff("explain", *files, V2, "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    container = doc["container"]
    assert container["usage"] == 240996352 and container["limit"] == 256 * MIB
    assert doc["rss"] + sum(r["bytes"] for r in container["rows"]) == container["usage"]
    ids = [f["id"] for f in doc["findings"]]
    assert {"heap_goal_over_limit", "oom_kills", "no_gomemlimit", "page_cache_charged"} <= set(ids)


def test_explain_text_shows_the_rows_past_rss_and_the_limit():
    result = run_heapdiff("explain", LATER)
    assert result.returncode == 0, result.stderr
    assert "Container (cgroup v1" in result.stdout
    assert "= memory.usage_in_bytes 230MiB" in result.stdout
    assert "limit 512MiB: 44.9% used, 282MiB headroom" in result.stdout
    assert "[warning] no_gomemlimit: no GOMEMLIMIT under the container's 512.0 MiB limit" \
        in result.stdout


def own_memory_cgroup() -> Path | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "memory":
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
    return None


needs_v1_memory_cgroup = pytest.mark.skipif(
    own_memory_cgroup() is None or not (own_memory_cgroup() / "memory.usage_in_bytes").exists(),
    reason="this machine has no cgroup v1 memory controller for the test's process")


@needs_v1_memory_cgroup
def test_the_live_cgroup_folder_of_this_process_reads():
    folder = own_memory_cgroup()
    cg = load_snapshot([str(folder)]).cgroup
    assert cg.version == "v1" and cg.usage is not None and cg.usage > 0
    assert "total_rss" in cg.stat


@needs_v1_memory_cgroup
def test_a_child_cgroup_with_a_limit_reads_that_limit(tmp_path):
    parent = own_memory_cgroup()
    child = parent / f"heapdiff-test-{os.getpid()}"
    try:
        child.mkdir()
        (child / "memory.limit_in_bytes").write_text(str(64 * MIB))
    except OSError as exc:
        pytest.skip(f"may not create a child memory cgroup here: {exc}")
    try:
        assert load_snapshot([str(child)]).cgroup.limit == 64 * MIB
    finally:
        child.rmdir()


def test_the_report_lists_the_cgroup_input_and_shows_the_container_rows():
    result = run_heapdiff("report", LATER)
    assert result.returncode == 0, result.stderr
    assert "/samples/container/later/memory.\\* | cgroup memory |" in result.stdout
    assert "### The container (cgroup v1)" in result.stdout
    assert "From RSS 159MiB to memory.usage\\_in\\_bytes 230MiB (limit 512MiB, 44.9% used" \
        in result.stdout


def test_a_copied_cgroup_folder_with_child_cgroups_is_read_as_one_moment(tmp_path):
    for name in ("memory.current", "memory.max", "memory.stat", "memory.events"):
        (tmp_path / name).write_bytes((V2 / name).read_bytes())
    for child in ("app", "sidecar"):  # cp -r of a pod's folder copies its containers too
        (tmp_path / child).mkdir()
        (tmp_path / child / "memory.current").write_text("4096\n")
    result = run_heapdiff("explain", tmp_path, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["container"]["usage"] == 240996352
