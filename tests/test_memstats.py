"""MemStats from expvar JSON, bare json.Marshal(runtime.MemStats) and the debug=1 trailer."""
from __future__ import annotations

from support import SAMPLES
from heapdiff.inputs.load import load, load_profile
from heapdiff.model import MemStats

SNAPSHOT = SAMPLES / "leaky_cache" / "later"


def test_bare_and_expvar_json_give_the_same_memstats():
    bare, expvar = load(SNAPSHOT / "memstats.json"), load(SNAPSHOT / "vars.json")
    assert isinstance(bare, MemStats) and isinstance(expvar, MemStats)
    assert bare["HeapAlloc"] > 0
    for name in ("HeapSys", "HeapIdle", "HeapReleased", "StackSys", "MSpanSys", "GCSys"):
        assert bare[name] == expvar[name] or abs(bare[name] - expvar[name]) < bare["Sys"]


def test_memstats_identities_hold():
    m = load(SNAPSHOT / "memstats.json")
    assert m["HeapSys"] == m["HeapInuse"] + m["HeapIdle"]
    assert m["Sys"] == sum(m[k] for k in ("HeapSys", "StackSys", "MSpanSys", "MCacheSys",
                                           "BuckHashSys", "GCSys", "OtherSys"))
    assert len(m.by_size) == 61 and m.by_size[2][0] == 16
    assert len(m["PauseNs"]) == 256


def test_large_uint64_fields_stay_exact():
    m = load(SNAPSHOT / "memstats.json")
    assert isinstance(m["LastGC"], int) and m["LastGC"] > 2**53


def test_debug1_trailer_carries_memstats():
    profile = load_profile(SNAPSHOT / "heap.txt")
    m = profile.memstats
    assert m["HeapSys"] == m["HeapInuse"] + m["HeapIdle"]
    assert m["StackInuse"] <= m["StackSys"] and m["MSpanInuse"] <= m["MSpanSys"]
    assert isinstance(m["GCCPUFraction"], float) and m["DebugGC"] is False
    assert len(m["PauseNs"]) == 256
    assert "MaxRSS" not in m.fields
