"""A runtime/metrics dump written by another program: values of a shape heapdiff does not use
(histograms summarised as {"kind": "histogram", "count", "p50", ...}) are passed over in one
note; only a document with nothing usable is refused."""
from __future__ import annotations

import json

import pytest

from support import SAMPLES, run_heapdiff
from heapdiff.common.errors import InputError
from heapdiff.inputs.decode.metrics import metrics_from_dict

# The shape the issue quotes: other exporters summarise each histogram.
SUMMARISED = {"kind": "histogram", "count": 36793, "sum": 613639528.0, "p50": 1024.0,
              "p90": 4096.0, "p99": 32768.0}
DUMP = {
    "/gc/heap/live:bytes": 545462776, "/gc/scan/heap:bytes": 150792,
    "/sched/goroutines:goroutines": 7, "/gc/heap/goal:bytes": 1091105058,
    "/gc/heap/allocs-by-size:bytes": SUMMARISED, "/gc/heap/frees-by-size:bytes": SUMMARISED,
    "/gc/pauses:seconds": dict(SUMMARISED, count=3, sum=0.0004),
}


def test_summarised_histograms_are_passed_over_and_the_scalars_read():
    metrics = metrics_from_dict(DUMP, "m.json")
    assert metrics.values == {"/gc/heap/live:bytes": 545462776, "/gc/scan/heap:bytes": 150792,
                              "/sched/goroutines:goroutines": 7, "/gc/heap/goal:bytes": 1091105058}
    assert metrics.histograms == {}
    assert metrics.notes == ("passed over: 3 histograms in another shape",)


def test_other_shapes_are_counted_apart_from_histograms():
    metrics = metrics_from_dict({"/gc/heap/live:bytes": 1, "/a:b": "many", "/c:d": [1],
                                 "/e:f": SUMMARISED}, "m.json")
    assert metrics.notes == ("passed over: 1 histogram in another shape, "
                             "2 values of another shape",)


def test_a_dump_with_nothing_usable_is_refused():
    with pytest.raises(InputError, match="no metric heapdiff can use: metric /gc/pauses:seconds "
                                         "is a histogram in another shape"):
        metrics_from_dict({"/gc/pauses:seconds": SUMMARISED}, "m.json")


def test_a_negative_number_is_still_refused():
    with pytest.raises(InputError, match="is negative"):
        metrics_from_dict({"/gc/heap/live:bytes": -1, "/x:y": SUMMARISED}, "m.json")


def test_explain_reads_the_dump_and_shows_the_note(tmp_path):
    dump = tmp_path / "metrics.json"
    dump.write_text(json.dumps(DUMP))
    done = run_heapdiff("explain", SAMPLES / "pointer_slice" / "later" / "vars.json", dump)
    assert done.returncode == 0, done.stderr
    assert f"Note: {dump}: passed over: 3 histograms in another shape\n" in done.stdout


def test_explain_json_lists_the_note(tmp_path):
    dump = tmp_path / "metrics.json"
    dump.write_text(json.dumps(DUMP))
    done = run_heapdiff("explain", dump, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["notes"] == [f"{dump}: passed over: 3 histograms in "
                                                "another shape"]
