"""Every number read from a text or JSON input is checked where it is read: finite, in range
and of the field's type. A bad one is `FILE: what is wrong` from the decoder (InputError), so
the waterfall, GC health, findings and the report only ever see good numbers. The legacy
reader stays linear on hostile lines and deep records, and splits lines on newlines only."""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap

import pytest

from heapdiff.common.errors import InputError
from heapdiff.inputs.load import decode
from support import REPO, SAMPLES, run_heapdiff

BASE = SAMPLES / "leaky_cache" / "base"
HUGE = "9" * 5000


def text(name: str) -> str:
    return (BASE / name).read_text()


def rejected(data: str | bytes, reason: str) -> str:
    """The decoder refuses the bytes with an InputError whose message matches `reason`."""
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InputError) as caught:
        decode(raw, "input")
    assert caught.value.source == "input"
    assert reason in caught.value.message, caught.value.message
    return caught.value.message


def memstats(**changes) -> str:
    document = json.loads(text("memstats.json"))
    document.update(changes)
    return json.dumps(document)


def metrics(**changes) -> str:
    document = json.loads(text("metrics.json"))
    document.update(changes)
    return json.dumps(document)


LEGACY_HEADER = "heap profile: 1: 64 [1: 64] @ heap/1024\n"
LEGACY_RECORD = "1: 64 [1: 64] @ 0x401001\n#\t0x401000\tmain.f+0x10\t/src/main.go:12\n"


def legacy(*records: str, header: str = LEGACY_HEADER) -> str:
    return header + "".join(records)


# One 5,000-digit number in each text and JSON kind: int() raised ValueError past 4,300.
FIVE_THOUSAND_DIGITS = {
    "memstats JSON": (memstats().replace('"HeapAlloc": ', f'"HeapAlloc": {HUGE}, "X": ', 1),
                      "a JSON number with 5000 digits"),
    "metrics JSON": (metrics().replace('"/gc/heap/live:bytes": ',
                                       f'"/gc/heap/live:bytes": {HUGE}, "/x:bytes": ', 1),
                     "a JSON number with 5000 digits"),
    "legacy header": (legacy(LEGACY_RECORD,
                             header=f"heap profile: {HUGE}: 64 [1: 64] @ heap/1024\n"),
                      "a header total is not an integer"),
    "legacy record": (legacy(f"1: {HUGE} [1: 64] @ 0x401001\n"),
                      "line 2: inuse bytes is not an integer"),
    "legacy frame line": (legacy(f"1: 64 [1: 64] @ 0x401001\n#\t0x401000\tmain.f+0x10\tm.go:{HUGE}\n"),
                          "line 3: a line number is not an integer"),
    "legacy MemStats trailer": (text("heap.txt").replace("# NumGC = ", f"# NumGC = {HUGE}", 1),
                                "MemStats field NumGC is not an integer"),
    "gctrace": (text("gctrace.log").replace("gc 2 @", f"gc {HUGE} @", 1),
                "line 2: the cycle number is not an integer"),
    "/proc status": (re.sub(r"VmRSS:\s+\d+", f"VmRSS:\t{HUGE}", text("status.txt")),
                     "VmRSS is not an integer"),
    "smaps_rollup": (re.sub(r"Rss:\s+\d+", f"Rss: {HUGE}", text("smaps_rollup.txt")),
                     "Rss is not an integer"),
}


@pytest.mark.parametrize("kind", FIVE_THOUSAND_DIGITS)
def test_a_5000_digit_number_is_an_input_error_in_every_text_and_json_kind(kind):
    rejected(*FIVE_THOUSAND_DIGITS[kind])


@pytest.mark.parametrize("data", [
    memstats().replace('"NextGC": ', '"NextGC": 1e400, "X": ', 1),
    metrics().replace('"/gc/heap/live:bytes": ', '"/gc/heap/live:bytes": 1e400, "/x:bytes": ', 1),
    re.sub(r"# GCCPUFraction = \S+", "# GCCPUFraction = 1e400", text("heap.txt")),
], ids=["memstats", "metrics", "trailer"])
def test_1e400_is_refused_not_read_as_infinity(data):
    rejected(data, "is not a finite number ('1e400')")


@pytest.mark.parametrize("data, reason", [
    (memstats(GCCPUFraction=math.nan), "NaN in JSON"),
    (metrics(**{"/gc/heap/live:bytes": -math.inf}), "-Infinity in JSON"),
    (metrics(**{"/x:seconds": {"counts": [1], "buckets": ["NaN", 1.0]}}),
     "a bucket bound is not a finite number ('NaN')"),
    (re.sub(r"# GCCPUFraction = \S+", "# GCCPUFraction = NaN", text("heap.txt")),
     "GCCPUFraction is not a finite number ('NaN')"),
], ids=["memstats", "metrics", "histogram bound", "trailer"])
def test_nan_is_refused_by_the_decoder(data, reason):
    rejected(data, reason)


def test_nan_never_reaches_the_report(tmp_path):
    """`explain` with metrics holding NaN: a ValueError in the report before."""
    bad = tmp_path / "metrics.json"
    bad.write_text(metrics(**{"/gc/heap/live:bytes": math.nan}))
    result = run_heapdiff("explain", BASE / "heap.pb.gz", BASE / "memstats.json", bad)
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr == f"heapdiff: {bad}: NaN in JSON: not a number JSON allows\n"


@pytest.mark.parametrize("data, reason", [
    (memstats(NumGC=[1, 2]), "NumGC is a list"),
    (memstats(PauseEnd=5), "PauseEnd is not a list"),
    (memstats(GCCPUFraction={"a": 1}), "GCCPUFraction is an object"),
    (memstats(BySize=[{"Size": [8], "Mallocs": 1, "Frees": 0}]), "BySize Size is a list"),
    (metrics(**{"/x:seconds": {"counts": [[1]], "buckets": [0, 1]}}), "is a list"),
], ids=["NumGC", "PauseEnd", "GCCPUFraction", "BySize", "histogram count"])
def test_a_json_list_or_object_where_a_number_belongs_is_refused(data, reason):
    rejected(data, reason)


@pytest.mark.parametrize("data, reason", [
    (memstats(NextGC=-5), "NextGC is out of range"),
    (metrics(**{"/gc/heap/live:bytes": -1}), "is negative"),
    (metrics(**{"/x:seconds": {"counts": [-1], "buckets": [0, 1]}}), "out of range"),
], ids=["memstats", "metric", "histogram count"])
def test_negative_sizes_are_refused(data, reason):
    rejected(data, reason)


@pytest.mark.parametrize("data", [
    legacy("1: 64 [1: 64] @ 0x10000000000000001\n"),
    legacy("1: 64 [1: 64] @ 0x401001\n#\t0x10000000000000000\tmain.f+0x10\t/src/main.go:12\n"),
], ids=["record", "frame line"])
def test_an_address_of_2_to_the_64_or_more_is_refused(data):
    rejected(data, "does not fit 64 bits")


def test_the_legacy_reader_no_longer_divides_by_zero():
    """An average size too small for the rate: 1 - exp(-avg/rate) is 0.0 in float64."""
    record = "1000000000000000000: 1 [1000000000000000000: 1] @ 0x401001\n"
    rejected(legacy(record, header="heap profile: 1: 1 [1: 1] @ heap/2097152\n"),
             "cannot be unsampled")


def test_gctrace_figures_that_are_not_numbers_are_refused():
    log = text("gctrace.log").replace("gc 2 @0.007s", "gc 2 @0.0.7s", 1)
    assert "line 2: the start time is not a number" in rejected(log, "")


def test_the_legacy_reader_splits_lines_on_newlines_only():
    """U+2028 and U+0085 inside a name are part of it (str.splitlines split there)."""
    name = "main.f\u2028g\x85h"
    data = legacy(f"1: 64 [1: 64] @ 0x401001\n#\t0x401000\t{name}+0x10\t/src/main.go:12\n")
    profile = decode(data.replace("\n", "\r\n").encode(), "input")
    assert [f.name for f in profile.functions] == [name]
    assert decode(data.encode(), "input").functions == profile.functions


def within(seconds: float, build: str) -> None:
    """Decode what `build` (Python, defining DATA) makes, in a child process: it must finish
    in `seconds` (the old code took minutes, so a regression fails instead of hanging)."""
    script = textwrap.dedent(f"""
        import time
        from heapdiff.common.errors import InputError
        from heapdiff.inputs.load import decode
        {build}
        start = time.perf_counter()
        try:
            decode(DATA.encode(), "input")
        except InputError:
            pass
        print(time.perf_counter() - start)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, timeout=seconds + 20)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < seconds


@pytest.mark.parametrize("line", [
    "'#\\t0x401000\\tmain.f' + '+0x1 ' * 52000",  # name, offset, then no file:line
    "'#\\t0x401000\\t' + '+0x1\\t:' * 40000",
], ids=["offsets", "offsets and colons"])
def test_a_256_kb_legacy_frame_line_is_read_in_linear_time(line):
    within(2, f"DATA = {LEGACY_HEADER!r} + '1: 64 [1: 64] @ 0x401001\\n' + {line} + '\\n'")


def test_a_legacy_record_with_50000_frames_is_read_in_linear_time():
    within(3, f"""DATA = {LEGACY_HEADER!r} + '1: 64 [1: 64] @' + ''.join(
            f' 0x{{0x401001 + i:x}}' for i in range(50000)) + '\\n' + ''.join(
            f'#\\t0x{{0x401000 + i:x}}\\tmain.f{{i}}+0x10\\t/src/main.go:{{i}}\\n'
            for i in range(50000))""")
