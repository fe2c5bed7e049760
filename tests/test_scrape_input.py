"""A saved Prometheus scrape as an input: recognised by content, read with prometheus_client's
parser, one process chosen with --instance, and a waterfall from the scrape alone.

samples/leaky_service/scrape/ is real (samples/scrape_service): client_golang's /metrics of
the leaky service, and read right before it, the same moment's /debug/vars and right after,
/proc/PID/status. Between the two reads the service allocated ΔTotalAlloc bytes (28,672 in the
committed sample, no GC between them) and took a few fresh spans and a larger stack for it."""
from __future__ import annotations

import json
import time

import pytest

from support import SAMPLES, explain_json, run_heapdiff, waterfall_rows as rows
from heapdiff.common.errors import InputError
from heapdiff.inputs.decode.scrape import decode_scrape
from heapdiff.inputs.load import load
from heapdiff.inputs.snapshot import load_snapshot
from heapdiff.model import Scrape

SCRAPE = SAMPLES / "leaky_service" / "scrape"
PROM = SCRAPE / "metrics.prom"
MIB = 1 << 20
# Rows counted in pages may move by more than ΔTotalAlloc: each size class the handlers
# allocate from takes a fresh 8 KiB span per P, and the handler goroutine's stack grew by
# 64 KiB (measured: fragmentation 176 KiB, stacks 64 KiB apart).
PAGE_ROWS_SLACK = 256 << 10
# RSS was read 200 KiB later in status.txt than in the scrape, after the /metrics handler ran.
RSS_SLACK = 512 << 10


def allocated_between_reads() -> int:
    vars_total = json.loads((SCRAPE / "vars.json").read_text())["memstats"]["TotalAlloc"]
    scrape = load(PROM)
    assert isinstance(scrape, Scrape) and scrape.only.memstats is not None
    return scrape.only.memstats["TotalAlloc"] - vars_total


def test_a_scrape_is_recognised_by_content_whatever_its_name(tmp_path):
    renamed = tmp_path / "anything.txt"
    renamed.write_bytes(PROM.read_bytes())
    scrape = load(renamed)
    assert isinstance(scrape, Scrape) and len(scrape.processes) == 1


def test_scrape_alone_heap_alloc_agrees_with_memstats_of_the_same_moment():
    by_scrape, by_vars = rows(explain_json(PROM)), rows(explain_json(SCRAPE / "vars.json",
                                                                     SCRAPE / "status.txt"))
    between = allocated_between_reads()
    assert 0 < between < 64 << 10
    assert by_scrape["heap_alloc"] - by_vars["heap_alloc"] == between  # no GC between reads


@pytest.mark.parametrize("row", ["fragmentation", "free_retained", "stacks", "runtime_metadata"])
def test_scrape_alone_go_rows_agree_with_memstats_of_the_same_moment(row):
    by_scrape, by_vars = rows(explain_json(PROM)), rows(explain_json(SCRAPE / "vars.json",
                                                                     SCRAPE / "status.txt"))
    assert by_scrape[row] is not None and by_scrape[row] > 0
    assert abs(by_scrape[row] - by_vars[row]) <= allocated_between_reads() + PAGE_ROWS_SLACK


def test_scrape_alone_rss_and_what_lies_outside_go_agree_with_status():
    """client_golang exports no RssFile, so the split of RSS outside Go's memory into
    outside_go and untouched needs the status file; their sum agrees."""
    scrape, by_vars = explain_json(PROM), explain_json(SCRAPE / "vars.json", SCRAPE / "status.txt")
    assert abs(scrape["rss"] - by_vars["rss"]) <= RSS_SLACK
    outside = lambda d: rows(d)["outside_go"] + rows(d)["untouched"]  # noqa: E731
    assert abs(outside(scrape) - outside(by_vars)) <= RSS_SLACK + PAGE_ROWS_SLACK


def test_scrape_alone_rows_add_up_to_its_rss():
    document = explain_json(PROM)
    known = [b for c, b in rows(document).items() if c != "profile_inuse"]
    assert None not in known and sum(known) == document["rss"] == 38_158_336


def test_a_profile_added_to_the_scrape_settles_the_profile_row():
    with_profile = rows(explain_json(PROM, SCRAPE / "heap.pb.gz"))
    assert with_profile["profile_inuse"] is not None and with_profile["profile_inuse"] > 16 * MIB
    assert "since_last_gc" in with_profile and "heap_alloc" not in with_profile


def test_scrape_alone_names_the_file_that_settles_the_profile_row():
    document = explain_json(PROM)
    assert document["waterfall"][0]["needs"] == "a heap profile (/debug/pprof/heap)"


def test_memstats_json_and_status_given_beside_a_scrape_are_used_over_it():
    snap = load_snapshot([str(PROM), str(SCRAPE / "vars.json"), str(SCRAPE / "status.txt")])
    assert snap.memstats_source.endswith("vars.json")
    assert snap.rss_source.endswith("status.txt")


def test_scrape_fills_memstats_metrics_and_rss_labelled_as_such():
    snap = load_snapshot([str(PROM)])
    assert [label for source, label in snap.used if source == str(PROM)] == [
        "Prometheus scrape", "MemStats (Prometheus scrape)", "RSS (Prometheus scrape)",
        "runtime/metrics (Prometheus scrape)"]
    assert snap.label(str(PROM)) == "Prometheus scrape"
    lines = dict(line.rsplit(" ", 1) for line in PROM.read_text().splitlines()
                 if line and not line.startswith("#"))
    assert snap.metrics is not None
    assert snap.metrics.get("/sched/goroutines:goroutines") == int(lines["go_goroutines"])
    assert snap.memstats is not None
    assert snap.memstats["NumGC"] == int(lines["go_gc_duration_seconds_count"]) == 4


# A federation-style scrape of three processes, made from the real scrape by labelling its
# series (the (server) part reads real ones from a Prometheus server).
def fleet(tmp_path, instances=("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080")):
    out = []
    for n, instance in enumerate(instances):
        for line in PROM.read_text().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name, _, value = line.rpartition(" ")
            labels = f'instance="{instance}",job="api"'
            if "{" in name:
                name = name.replace("{", "{" + labels + ",", 1)
            else:
                name += "{" + labels + "}"
            if name.startswith("process_resident_memory_bytes"):
                value = str(float(value) + n * MIB)
            out.append(f"{name} {value}")
    path = tmp_path / "fleet.prom"
    path.write_text("\n".join(out) + "\n")
    return path


def test_a_scrape_of_several_processes_without_instance_lists_them(tmp_path):
    done = run_heapdiff("explain", fleet(tmp_path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "3 processes in this scrape; choose one with --instance: instance=10.0.0.1:8080 " \
           "job=api, instance=10.0.0.2:8080 job=api, instance=10.0.0.3:8080 job=api" in done.stderr


def test_instance_picks_one_process_of_a_scrape(tmp_path):
    document = explain_json(fleet(tmp_path), "--instance", "10.0.0.3:8080")
    assert document["rss"] == 38_158_336 + 2 * MIB


def test_an_instance_no_process_has_is_refused_naming_them(tmp_path):
    done = run_heapdiff("explain", fleet(tmp_path), "--instance", "10.9.9.9:1")
    assert done.returncode == 2
    assert "--instance 10.9.9.9:1: no process with that instance, job or pod label" in done.stderr


def test_an_instance_matching_several_processes_is_refused(tmp_path):
    done = run_heapdiff("explain", fleet(tmp_path), "--instance", "api")
    assert done.returncode == 2 and "3 processes with that instance" in done.stderr


def test_instance_without_a_scrape_is_refused():
    done = run_heapdiff("explain", SCRAPE / "vars.json", "--instance", "x")
    assert done.returncode == 2 and "no Prometheus scrape among these inputs" in done.stderr


VALID_OPENING = "".join(f"unread_metric_{i} {i}\n" for i in range(20))


@pytest.mark.parametrize("text, reason", [
    (VALID_OPENING + 'go_memstats_heap_alloc_bytes{instance="a" 12\n',
     "not a valid Prometheus scrape"),
    ("go_memstats_heap_alloc_bytes 1\ngo_memstats_heap_alloc_bytes 2\n",
     "the series go_memstats_heap_alloc_bytes appears twice"),
    ("# TYPE http_requests_total counter\nhttp_requests_total 5\n",
     "a Prometheus scrape without Go runtime or process memory series"),
])
def test_hostile_scrapes_get_one_line(tmp_path, text, reason):
    path = tmp_path / "m.prom"
    path.write_text(text)
    done = run_heapdiff("explain", path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"heapdiff: {path}: ") and reason in done.stderr


def test_nan_and_negative_values_are_passed_over_in_a_note(tmp_path):
    path = tmp_path / "m.prom"
    path.write_text("go_memstats_heap_alloc_bytes NaN\ngo_memstats_sys_bytes -5\n"
                    "process_resident_memory_bytes 4096\n")
    document = explain_json(path)
    assert document["rss"] == 4096
    assert document["notes"] == [f"{path}: passed over: 2 series with a value no size or count "
                                 "can be (NaN, infinite or negative)"]


def test_an_integer_past_a_floats_range_is_passed_over(tmp_path):
    path = tmp_path / "m.prom"
    path.write_text(f"go_memstats_sys_bytes {'9' * 400}\nprocess_resident_memory_bytes 4096\n")
    document = explain_json(path)
    assert document["rss"] == 4096 and "passed over: 1 series" in document["notes"][0]


def test_lines_heapdiff_does_not_read_are_passed_over_unparsed(tmp_path):
    path = tmp_path / "m.prom"
    path.write_text("# HELP x y\n" + VALID_OPENING + "broken_line{{{ 1\n"
                    "process_resident_memory_bytes 8192\n")
    assert explain_json(path)["rss"] == 8192


def test_a_million_unread_series_cost_little(tmp_path):
    path = tmp_path / "m.prom"
    path.write_text("process_resident_memory_bytes 8192\n"
                    + "".join(f'http_requests_total{{path="/{i}"}} {i}\n' for i in range(1_000_000)))
    scrape = load(path)
    assert isinstance(scrape, Scrape) and scrape.only.proc is not None


def test_too_many_processes_are_refused():
    text = "".join(f'process_resident_memory_bytes{{instance="{i}"}} 1\n' for i in range(1025))
    with pytest.raises(InputError, match="more than 1024 processes"):
        decode_scrape(text.encode(), "m.prom")


def test_millions_of_lines_of_a_series_heapdiff_reads_are_refused_before_parsing(tmp_path):
    path = tmp_path / "m.prom"
    path.write_text("".join(f'go_memory_used_bytes{{go_memory_type="t{i}"}} 1\n'
                            for i in range(1_000_000)))
    started = time.monotonic()
    done = run_heapdiff("explain", path)
    assert done.returncode == 2 and "more than 65536 lines of the series heapdiff reads" \
        in done.stderr
    assert time.monotonic() - started < 30


def test_the_report_lists_the_scrape_in_its_inputs_table():
    done = run_heapdiff("report", PROM, SCRAPE / "heap.pb.gz")
    assert done.returncode == 0, done.stderr
    assert "| Prometheus scrape |" in done.stdout


def test_report_takes_instance_for_a_scrape_of_several(tmp_path):
    done = run_heapdiff("report", fleet(tmp_path), "--instance", "10.0.0.2:8080", "--format",
                        "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["memory"]["rss"] == 38_158_336 + MIB


def test_instance_labels_listed_in_the_error_are_escaped(tmp_path):
    path = tmp_path / "m.prom"
    path.write_text('process_resident_memory_bytes{instance="first-of-two-processes-here"} 1\n'
                    'process_resident_memory_bytes{instance="b\x1b]52;c;aGk=\x07\u202e"} 2\n')
    done = run_heapdiff("explain", path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert not {"\x1b", "\x07", "\u202e"} & set(done.stderr)
    assert "instance=b\\x1b]52;c;aGk=\\x07\\u202e" in done.stderr


def test_the_tui_loader_takes_instance(tmp_path):
    from tui.state import load_moments
    moments = load_moments([str(fleet(tmp_path)), str(SCRAPE / "heap.pb.gz")], [],
                           lambda message: None, instance="10.0.0.2:8080")
    assert moments.new.rss == 38_158_336 + MIB
