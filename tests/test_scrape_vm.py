"""A real VictoriaMetrics scrape: the leaky service built with Debian's VictoriaMetrics
`metrics` package (samples/programs/leaky_service/vm.go, `metrics.WritePrometheus(w, true)`),
saved by `samples/scrape_service victoriametrics` with the same moment's /debug/vars read
right before it and /proc/PID/status right after.

Between the vars and the scrape the service allocated ΔTotalAlloc bytes (27,944 in the
committed sample, no GC between them: NumGC 4 in both). Unlike client_golang, the package
exports RSS split as /proc/self/status does (anon, file, shared), so the scrape alone settles
outside_go and untouched apart."""
from __future__ import annotations

import json
import math

import pytest

from support import SAMPLES, explain_json, waterfall_rows as rows
from heapdiff.inputs.load import load
from heapdiff.inputs.snapshot import load_snapshot
from heapdiff.model import Scrape

SCRAPE = SAMPLES / "leaky_service" / "scrape_vm"
PROM = SCRAPE / "metrics.prom"
VARS = json.loads((SCRAPE / "vars.json").read_text())["memstats"]
# Rows counted in pages may move by more than ΔTotalAlloc: a size class the handlers allocate
# from takes a fresh 8 KiB span, and the handler goroutine's stack grew (measured: free
# pages 64 KiB, stacks 32 KiB apart).
PAGE_ROWS_SLACK = 256 << 10
# The package reads RSS from /proc/self/stat before the handler writes its reply; status.txt
# was read after it (measured: 92 KiB apart).
RSS_SLACK = 512 << 10


def exposed() -> dict[str, str]:
    """The scrape's unlabelled series, name -> value as written."""
    return dict(line.split(" ", 1) for line in PROM.read_text().splitlines()
                if line and not line.startswith("#") and "{" not in line)


def allocated_between_reads() -> int:
    scrape = load(PROM)
    assert isinstance(scrape, Scrape) and scrape.only.memstats is not None
    return scrape.only.memstats["TotalAlloc"] - VARS["TotalAlloc"]


@pytest.fixture(scope="module")
def by_scrape() -> dict:
    return explain_json(PROM)


@pytest.fixture(scope="module")
def by_vars() -> dict:
    return explain_json(SCRAPE / "vars.json", SCRAPE / "status.txt")


def test_the_sample_holds_the_names_only_victoriametrics_writes():
    assert {"go_memstats_gc_cpu_fraction", "process_resident_memory_anon_bytes",
            "process_resident_memory_file_bytes", "go_gc_forced_count",
            "go_gomaxprocs"} <= set(exposed())


def test_heap_alloc_agrees_with_memstats_of_the_same_moment(by_scrape, by_vars):
    between = allocated_between_reads()
    assert 0 < between < 64 << 10
    assert rows(by_scrape)["heap_alloc"] - rows(by_vars)["heap_alloc"] == between


@pytest.mark.parametrize("row", ["fragmentation", "free_retained", "stacks", "runtime_metadata"])
def test_go_rows_agree_with_memstats_of_the_same_moment(row, by_scrape, by_vars):
    scraped, read = rows(by_scrape)[row], rows(by_vars)[row]
    assert scraped is not None and scraped > 0
    assert abs(scraped - read) <= allocated_between_reads() + PAGE_ROWS_SLACK


def test_rss_agrees_with_status(by_scrape, by_vars):
    assert abs(by_scrape["rss"] - by_vars["rss"]) <= RSS_SLACK


@pytest.mark.parametrize("row", ["outside_go", "untouched"])
def test_the_rss_split_settles_outside_go_and_untouched_apart(row, by_scrape, by_vars):
    """process_resident_memory_file_bytes is status' RssFile: each row agrees on its own,
    not only their sum as with client_golang."""
    scraped, read = rows(by_scrape)[row], rows(by_vars)[row]
    assert scraped is not None
    assert abs(scraped - read) <= RSS_SLACK + PAGE_ROWS_SLACK


def test_outside_go_is_the_file_pages_the_scrape_exports(by_scrape):
    assert rows(by_scrape)["outside_go"] == int(exposed()["process_resident_memory_file_bytes"])


def test_rows_add_up_to_the_scraped_rss(by_scrape):
    known = [b for c, b in rows(by_scrape).items() if c != "profile_inuse"]
    assert None not in known
    assert sum(known) == by_scrape["rss"] == int(exposed()["process_resident_memory_bytes"])


def test_gc_cpu_fraction_and_forced_cycles_agree_with_memstats(by_scrape, by_vars):
    assert math.isclose(by_scrape["gc"]["cpu_percent"], 100 * VARS["GCCPUFraction"],
                        rel_tol=1e-12)
    assert (by_scrape["gc"]["cycles"], by_scrape["gc"]["forced"]) == (
        VARS["NumGC"], VARS["NumForcedGC"]) == (4, 1)


def test_go_gomaxprocs_is_the_gomaxprocs_knob():
    scrape = load(PROM)
    assert isinstance(scrape, Scrape)
    assert scrape.only.knobs == {"GOMAXPROCS": int(exposed()["go_gomaxprocs"])}
    assert scrape.only.knobs["GOMAXPROCS"] == 2


def test_go_goroutines_is_the_goroutine_count():
    snap = load_snapshot([str(PROM)])
    assert snap.metrics is not None
    assert snap.metrics.get("/sched/goroutines:goroutines") == int(exposed()["go_goroutines"])


def test_a_profile_added_to_the_scrape_settles_the_profile_row():
    with_profile = rows(explain_json(PROM, SCRAPE / "heap.pb.gz"))
    assert with_profile["profile_inuse"] is not None
    assert with_profile["profile_inuse"] > 16 << 20  # the 16 MiB leaked before the reads
