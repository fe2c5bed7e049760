"""capture --pid finds the process's cgroup memory folder from /proc/PID/cgroup: the v1
memory controller's line, else the v2 line where its folder has memory.current."""
from __future__ import annotations

import os

import pytest

from heapdiff.capture import proc
from heapdiff.capture.errors import FetchError
from heapdiff.inputs.load import decode


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A fake /sys/fs/cgroup: v1 memory/ and a v2 hierarchy, both with one folder."""
    (tmp_path / "memory" / "svc").mkdir(parents=True)
    (tmp_path / "memory" / "svc" / "memory.usage_in_bytes").write_text("4096\n")
    (tmp_path / "kubepods" / "pod1").mkdir(parents=True)
    (tmp_path / "kubepods" / "pod1" / "memory.current").write_text("8192\n")
    (tmp_path / "kubepods" / "pod1" / "memory.max").write_text("max\n")
    monkeypatch.setattr(proc, "V1_MEMORY", tmp_path / "memory")
    monkeypatch.setattr(proc, "V2_ROOTS", (tmp_path, tmp_path / "unified"))
    return tmp_path


def test_the_v1_memory_line_names_the_folder(root):
    text = "5:cpu,cpuacct:/\n4:memory:/svc\n0::/\n"
    assert proc.cgroup_folder("/proc/1/cgroup", text) == root / "memory" / "svc"


def test_a_v2_only_machine_uses_the_unified_line(root):
    assert proc.cgroup_folder("/proc/1/cgroup", "0::/kubepods/pod1\n") == root / "kubepods" / "pod1"


def test_no_memory_cgroup_is_one_line(root):
    with pytest.raises(FetchError) as caught:
        proc.cgroup_folder("/proc/1/cgroup", "0::/elsewhere\n")
    assert "no memory cgroup folder" in str(caught.value)


def test_read_cgroup_writes_the_files_as_one_input(root, tmp_path_factory):
    cgroup = tmp_path_factory.mktemp("proc") / "cgroup"
    cgroup.write_text("0::/kubepods/pod1\n")
    cg = decode(proc.read_cgroup(str(cgroup), 1 << 20), "cgroup.txt")
    assert (cg.version, cg.usage, cg.limit) == ("v2", 8192, None)


def test_read_cgroup_keeps_to_max_bytes(root, tmp_path_factory):
    cgroup = tmp_path_factory.mktemp("proc") / "cgroup"
    cgroup.write_text("0::/kubepods/pod1\n")
    with pytest.raises(FetchError, match="more than --max-bytes"):
        proc.read_cgroup(str(cgroup), 40)


@pytest.mark.skipif(not os.path.exists("/sys/fs/cgroup/memory/memory.usage_in_bytes")
                    and not os.path.exists("/sys/fs/cgroup/memory.stat"),
                    reason="no cgroup memory controller mounted at /sys/fs/cgroup")
def test_this_process_cgroup_reads_with_a_usage():
    cg = decode(proc.read_cgroup(f"/proc/{os.getpid()}/cgroup", 1 << 20), "cgroup.txt")
    assert cg.usage is not None and cg.usage > 0
