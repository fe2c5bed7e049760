"""The readers of issue 4: gctrace logs of three Go versions, /proc files, runtime/metrics."""
from __future__ import annotations

import math

import pytest

from support import SAMPLES, run_heapdiff
from heapdiff.inputs.load import load
from heapdiff.model import GCTrace, Metrics, ProcMem

GCTRACE = SAMPLES / "gctrace"


@pytest.mark.parametrize("version, cycles, forced", [("1.19", 191, 4), ("1.21", 190, 3),
                                                     ("1.27", 226, 4)])
def test_real_gctrace_logs_of_each_go_version_parse(version, cycles, forced):
    log = load(GCTRACE / f"go{version}.log")
    assert isinstance(log, GCTrace)
    assert len(log.cycles) == cycles
    assert sum(c.forced for c in log.cycles) == forced
    assert [c.number for c in log.cycles] == sorted(c.number for c in log.cycles)


def test_a_gc_line_split_by_program_output_is_passed_over():
    text = (GCTRACE / "go1.27.log").read_text()
    assert "gc 226 @" in text
    numbers = [c.number for c in load(GCTRACE / "go1.27.log").cycles]
    assert 226 not in numbers and 225 in numbers and 227 in numbers


def test_gctrace_fields_of_a_known_line(tmp_path):
    path = tmp_path / "trace.log"
    path.write_text("starting\ngc 57 @0.877s 21%: 0.46+25+0.052 ms clock, 0.93+3.3/13/0.68+0.10 "
                    "ms cpu, 100->132->69 MB, 117 MB goal, 16 MB stacks, 2 MB globals, 2 P\n"
                    "gc 58 @0.9s 22%: 0.1+2+0.1 ms clock, 0.2+0/1/0+0.2 ms cpu, 70->70->60 MB, "
                    "138 MB goal, 2 P (forced)\n")
    first, second = load(path).cycles
    assert (first.number, first.start, first.cpu_percent) == (57, 0.877, 21)
    assert first.cpu_ms == (0.93, 3.3, 13.0, 0.68, 0.10)
    assert (first.live_mb, first.goal_mb, first.forced) == (69, 117, False)
    assert (second.number, second.live_mb, second.forced) == (58, 60, True)  # the pre-1.18 shape
    assert first.mark_cpu_ms == pytest.approx(3.3 + 13 + 0.68)


def test_proc_status_and_smaps_rollup_read_in_bytes():
    status = load(SAMPLES / "mmap_offheap" / "later" / "status.txt")
    rollup = load(SAMPLES / "mmap_offheap" / "later" / "smaps_rollup.txt")
    assert isinstance(status, ProcMem) and status.kind == "status"
    assert isinstance(rollup, ProcMem) and rollup.kind == "smaps_rollup"
    assert status.rss == status.fields["RssAnon"] + status.fields["RssFile"] + status.fields.get("RssShmem", 0)
    assert abs(status.rss - rollup.rss) < 1 << 20 and status.rss % 1024 == 0
    assert "LazyFree" in rollup.fields


def test_runtime_metrics_json_reads_numbers_and_histograms():
    metrics = load(SAMPLES / "pointer_slice" / "later" / "metrics.json")
    assert isinstance(metrics, Metrics)
    assert metrics.get("/gc/scan/heap:bytes") > 32 << 20
    counts, buckets = metrics.histograms["/gc/heap/allocs-by-size:bytes"]
    assert len(buckets) == len(counts) + 1 and math.isinf(buckets[-1])


@pytest.mark.parametrize("content, reason", [
    ("hello\nworld\n", "text, but not a heap profile"),
    ('{"/gc/heap/live:bytes": true}', "boolean"),
    ('{"/gc/heap/live:bytes": "many"}', "neither a number"),
    ("Name:\tx\nVmSize:\t1 kB\nVmRSS:\toops\n", "without VmRSS"),
])
def test_bad_artifacts_get_one_line(tmp_path, content, reason):
    path = tmp_path / "artifact"
    path.write_text(content)
    result = run_heapdiff("explain", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"heapdiff: {path}: ") and reason in result.stderr
