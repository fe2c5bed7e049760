"""`top` on a small profile reads it in plain Python (inputs/small.py, decode/small.py or,
for debug=1 text, decode/small_legacy.py, analysis/small.py), without importing numpy or protobuf: the same rows and totals as the
columnar route for every sample type, granularity and order, and the usual route for
anything else."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from pbwire import field_bytes, field_varint, heap_profile, packed
from support import PUBLIC, REPO, SAMPLES, public_case, run_heapdiff

from heapdiff.analysis.aggregate import aggregate, top_rows
from heapdiff.analysis.nodes import GRANULARITIES
from heapdiff.analysis.small import small_top
from heapdiff.common.kernel import compiled
from heapdiff.inputs.decode.small import FramedSamples, NotSmall, decode_small
from heapdiff.inputs.decode.small_legacy import decode_small_legacy
from heapdiff.inputs.load import load_profile
from heapdiff.inputs import limits, small
from heapdiff.inputs.small import read_small, read_small_text


# Profiles the small route leaves to the columnar one on purpose (tested below).
NAMES_PPROF_SIMPLIFIES = "generics"


def small_cases() -> list:
    cases: list = [pytest.param(p, id=f"{p.parent.parent.name}/{p.parent.name}")
                   for p in sorted(SAMPLES.glob("*/*/heap.pb.gz"))
                   if p.parent.parent.name != NAMES_PPROF_SIMPLIFIES]
    cases += [public_case(PUBLIC / name, id=name) for name in (
        "parca__alloc_objects.heap.pb.gz", "parca__many_1644509272337470000.heap.pb.gz",
        "parca__many_1644509299337903000.heap.pb.gz")]
    return cases


def assert_same_as_the_columnar_route(small_profile, path) -> None:
    """Every sample type, granularity and order: the small route's total and rows."""
    profile = load_profile(path)
    for index in range(len(profile.sample_types)):
        for granularity in GRANULARITIES:
            agg = aggregate(profile, index, granularity)
            for sort in ("flat", "cum"):
                got = small_top(small_profile, index, granularity, sort)
                assert got.total == agg.total, (index, granularity)
                assert got.rows == top_rows(agg, sort), (index, granularity, sort)


def heavy_modules_after_top(path) -> str:
    """`top PATH` in a fresh interpreter: its status and which heavy modules it imported."""
    code = ("import sys; from heapdiff.cli import main; "
            f"status = main(['top', {str(path)!r}]); "
            "print(status, sorted(m for m in ('numpy', 'google.protobuf', 'networkx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    return out.splitlines()[-1]


@pytest.mark.parametrize("path", small_cases())
def test_small_route_equals_the_columnar_route(path):
    data = read_small(str(path))
    assert data is not None, "an ordinary small profile takes the small route"
    assert_same_as_the_columnar_route(decode_small(data, str(path)), path)


def test_top_on_a_small_profile_imports_neither_numpy_nor_protobuf():
    assert heavy_modules_after_top(SAMPLES / "leaky_cache/later/heap.pb.gz") == "0 []"


def test_a_profile_too_large_for_the_small_route_takes_the_usual_one(tmp_path):
    raw = gzip.decompress((SAMPLES / "leaky_cache/later/heap.pb.gz").read_bytes())
    padded = tmp_path / "padded.pb"  # raw, and over the size the small route reads
    padded.write_bytes(raw + bytes(small.SMALL_FILE))  # zeros: field 0, refused by both
    assert read_small(str(padded)) is None
    result = run_heapdiff("top", padded)
    assert result.returncode == 2
    assert result.stderr.startswith(f"heapdiff: {padded}: not a valid pprof profile")


def test_anything_unexpected_is_left_to_the_usual_route():
    raw = gzip.decompress((SAMPLES / "leaky_cache/later/heap.pb.gz").read_bytes())
    for broken in (raw[:-3], raw + b"\x88\x01\x01", raw + b"\x32\x02\xff\xfe"):
        with pytest.raises(NotSmall):
            decode_small(broken, "x")


def test_a_truncated_small_profile_gives_the_usual_error(tmp_path):
    raw = gzip.decompress((SAMPLES / "leaky_cache/later/heap.pb.gz").read_bytes())
    cut = tmp_path / "cut.pb.gz"
    cut.write_bytes(gzip.compress(raw[:len(raw) // 2]))
    result = run_heapdiff("top", cut)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"heapdiff: {cut}: ")


def test_a_user_limit_on_inputs_sends_every_file_down_the_usual_route(monkeypatch):
    assert small.ENVIRONMENT == limits.ENVIRONMENT
    monkeypatch.setenv(limits.ENVIRONMENT, "1G")
    assert read_small(str(SAMPLES / "leaky_cache/later/heap.pb.gz")) is None


@pytest.mark.parametrize("pack", [True, False], ids=["packed", "unpacked"])
def test_samples_written_otherwise_than_go_writes_them_read_the_same(tmp_path, pack):
    """Location ids before values (Go writes values first), and unpacked fields (read field
    by field), give the columnar route's figures."""
    samples = [([1, 2, 3], [1, 16]), ([2, 3], [2, 64]), ([1, 2, 3], [0, 0]), ([3], [5, 80])]
    data = heap_profile(samples, pack=pack)
    path = tmp_path / "written.pb"
    path.write_bytes(data)
    small = decode_small(data, str(path))
    profile = load_profile(path)
    for index in range(len(profile.sample_types)):
        for granularity in GRANULARITIES:
            agg = aggregate(profile, index, granularity)
            got = small_top(small, index, granularity)
            assert (got.total, got.rows) == (agg.total, top_rows(agg)), (index, granularity)


@pytest.mark.parametrize("snapshot", ["base", "later"])
def test_a_profile_whose_names_pprof_prints_otherwise_takes_the_columnar_route(snapshot):
    """The JSON rows carry system_names, which only the columnar route maps to rows."""
    path = SAMPLES / NAMES_PPROF_SIMPLIFIES / snapshot / "heap.pb.gz"
    data = read_small(str(path))
    assert data is not None
    with pytest.raises(NotSmall, match="a name pprof prints otherwise"):
        decode_small(data, str(path))
    rows = json.loads(run_heapdiff("top", "--format", "json", str(path)).stdout)["rows"]
    assert any(r.get("system_names") for r in rows)


def test_a_delta_profile_takes_the_columnar_route_and_is_told_as_one():
    path = SAMPLES / "delta" / "heap-delta.pb.gz"
    data = read_small(str(path))
    if data is not None:  # small enough: the decoder sends it on
        with pytest.raises(NotSmall, match="duration|negative"):
            decode_small(data, str(path))
    assert "Delta: a delta profile" in run_heapdiff("top", str(path)).stdout


def text_cases() -> list:
    """Every sample's debug=1 profile small enough for the small route (escapes/later, with
    every allocation sampled, is 1.1 MiB: the usual route reads it)."""
    return [pytest.param(p, id=f"{p.parent.parent.name}/{p.parent.name}")
            for p in sorted(SAMPLES.glob("*/*/heap.txt"))
            if p.stat().st_size <= small.SMALL_FILE] + [
        public_case(PUBLIC / "google-pprof__gobench.heap", id="google-pprof__gobench.heap")]


@pytest.mark.parametrize("path", text_cases())
def test_small_text_route_equals_the_columnar_route(path):
    text = read_small_text(str(path))
    assert text is not None, "an ordinary small debug=1 profile takes the small route"
    assert_same_as_the_columnar_route(decode_small_legacy(text, str(path)), path)


def test_top_on_a_small_text_profile_imports_no_numpy():
    assert heavy_modules_after_top(SAMPLES / "leaky_cache/later/heap.txt") == "0 []"


def test_a_text_profile_the_small_route_refuses_gets_the_usual_error(tmp_path):
    text = (SAMPLES / "leaky_cache/later/heap.txt").read_text()
    broken = tmp_path / "heap.txt"
    broken.write_text(text.replace("\n1:", "\nx:", 1))
    with pytest.raises(NotSmall):
        decode_small_legacy(broken.read_text(), str(broken))
    result = run_heapdiff("top", broken)
    assert result.returncode == 2
    assert result.stderr.startswith(f"heapdiff: {broken}: line ")
    assert "not a heap profile record" in result.stderr



def decode_both_ways(monkeypatch, data: bytes):
    """decode_small with the compiled kernel's Location and message decoding, then without:
    each a SmallProfile with its samples read by Python, or the NotSmall it raised."""
    def decode():
        try:
            profile = decode_small(data, "x")
            return profile._replace(samples=profile.samples.stack_samples())
        except NotSmall:
            return NotSmall
    with_kernel = decode()
    monkeypatch.setenv("HEAPDIFF_KERNEL", "0")
    return with_kernel, decode()


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("path", small_cases())
def test_the_kernel_and_python_decode_a_small_profile_alike(monkeypatch, path):
    kernel, python = decode_both_ways(monkeypatch, read_small(str(path)))
    assert kernel is not NotSmall and kernel == python


def tops(profile) -> dict:
    """small_top's total and rows for every sample type, granularity and order, or NotSmall."""
    try:
        return {(index, granularity, sort): small_top(profile, index, granularity, sort)
                for index in range(len(profile.sample_types)) for granularity in GRANULARITIES
                for sort in ("flat", "cum")}
    except NotSmall:
        return {"refused": NotSmall}


def top_both_ways(monkeypatch, data: bytes) -> tuple[dict, dict]:
    """tops() with the kernel's stack_sums over the Sample records, then with Python's."""
    profile = decode_small(data, "x")
    assert isinstance(profile.samples, FramedSamples), "the kernel sums these samples"
    kernel = tops(profile)
    monkeypatch.setenv("HEAPDIFF_KERNEL", "0")
    try:
        return kernel, tops(profile._replace(samples=profile.samples.stack_samples()))
    except NotSmall:
        return kernel, {"refused": NotSmall}


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("path", small_cases())
def test_the_kernel_and_python_sum_a_small_profile_alike(monkeypatch, path):
    kernel, python = top_both_ways(monkeypatch, read_small(str(path)))
    assert "refused" not in kernel and kernel == python


def location(*fields: bytes) -> bytes:
    return field_bytes(4, b"".join(fields))


LINE = field_bytes(4, field_varint(1, 1) + field_varint(2, 7) + field_varint(3, 2))
ODD_LOCATIONS = {
    "an unknown location field": location(field_varint(1, 9), field_varint(6, 1)),
    "a line with a bytes field": location(field_varint(1, 9), field_bytes(4, field_bytes(1, b"x"))),
    "a line past its location": location(field_varint(1, 9), b"\x22\x09\x08\x01"),
    "an id past 64 bits": location(b"\x08" + b"\xff" * 9 + b"\x02"),
    "an overlong id": location(b"\x08\x89\x00", LINE),
    "an id given twice": location(field_varint(1, 8), field_varint(1, 9), LINE),
    "a folded location with a column": location(field_varint(1, 9), field_varint(5, 1), LINE),
    "no id, an address": location(field_varint(3, 0xFFFF_FFFF_FFFF), LINE),
    "a mapping no mapping has": location(field_varint(1, 9), field_varint(2, 4), LINE),
    "a line of an unknown function": location(
        field_varint(1, 9), field_bytes(4, field_varint(1, 77) + field_varint(2, 1))),
    "a negative line number": location(
        field_varint(1, 9), field_bytes(4, field_varint(1, 1) + field_varint(2, (1 << 64) - 5))),
}


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("extra", ODD_LOCATIONS.values(), ids=ODD_LOCATIONS.keys())
def test_the_kernel_and_python_agree_on_odd_locations(monkeypatch, extra):
    # a fourth location after heap_profile's three, read or refused alike by both routes
    kernel, python = decode_both_ways(monkeypatch, heap_profile([([1, 2, 3], [1, 8])]) + extra)
    assert kernel == python


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("extra", [
    field_bytes(5, field_varint(1, 9) + field_bytes(2, b"x")),  # a bytes field in a Function
    field_bytes(5, field_varint(1, 9) + field_varint(6, 1)),  # a field number past Function's
    field_bytes(5, field_varint(1, 9) + b"\x10"),  # a value cut off
    field_bytes(5, field_varint(1, 9) + field_varint(5, (1 << 64) - 1)),  # start_line -1
    field_bytes(3, field_varint(1, 4) + field_varint(5, 6)),  # a Mapping
], ids=["bytes field", "unknown field", "cut value", "negative start line", "mapping"])
def test_the_kernel_and_python_agree_on_odd_functions_and_mappings(monkeypatch, extra):
    kernel, python = decode_both_ways(monkeypatch, heap_profile([([1, 2, 3], [1, 8])]) + extra)
    assert kernel == python


def sample(*fields: bytes) -> bytes:
    return field_bytes(2, b"".join(fields))


ODD_SAMPLES = {
    "unpacked location ids": sample(field_varint(1, 1), field_varint(1, 2), packed(2, [1, 8])),
    "values given twice": sample(packed(1, [1]), packed(2, [1]), packed(2, [8])),
    "a stack of 200 frames": sample(packed(1, [1, 2, 3] * 66 + [1, 2]), packed(2, [1, 8])),
    "a stack cut in a varint": sample(field_bytes(1, b"\x01\x82"), packed(2, [1, 8])),
    "a label with a bytes field": sample(packed(1, [1]), packed(2, [1, 8]),
                                         field_bytes(3, field_bytes(2, b"x"))),
    "a label past the strings": sample(packed(1, [1]), packed(2, [1, 8]),
                                       field_bytes(3, field_varint(1, 99))),
    "no stack, no values": sample(),
    "an unknown sample field": sample(packed(1, [1]), packed(2, [1, 8]), field_varint(4, 1)),
}


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("extra", ODD_SAMPLES.values(), ids=ODD_SAMPLES.keys())
def test_the_kernel_and_python_agree_on_samples_written_otherwise(monkeypatch, extra):
    # an odd sample among ordinary ones: the kernel leaves it to Python, or both refuse it
    kernel, python = decode_both_ways(
        monkeypatch, heap_profile([([1, 2, 3], [1, 8]), ([2, 3], [2, 16])]) + extra)
    assert kernel == python


SUMMED_SAMPLES = {
    "unpacked location ids": sample(field_varint(1, 1), field_varint(1, 2), packed(2, [1, 8])),
    "unpacked values": sample(packed(1, [1, 2]), field_varint(2, 1), field_varint(2, 8)),
    "values given twice": sample(packed(1, [1]), packed(2, [1]), packed(2, [8])),
    "ids in two fields": sample(packed(1, [1]), packed(2, [1, 8]), packed(1, [2, 3])),
    "a stack of 200 frames": sample(packed(1, [1, 2, 3] * 66 + [1, 2]), packed(2, [1, 8])),
    "a recursive stack": sample(packed(1, [1, 2, 1, 2, 3]), packed(2, [3, 24])),
    "no stack": sample(packed(2, [1, 8])),
    "a zero weight": sample(packed(1, [2, 3]), packed(2, [0, 0])),
    "a negative value": sample(packed(1, [1]), packed(2, [1, (1 << 64) - 8])),
    "a value short": sample(packed(1, [1]), packed(2, [1])),
    "a value too many": sample(packed(1, [1]), packed(2, [1, 8, 9])),
    "an id no location has": sample(packed(1, [1, 7]), packed(2, [1, 8])),
    "an id no location has, weighing nothing": sample(packed(1, [7]), packed(2, [0, 0])),
    "an overlong id": sample(field_bytes(1, b"\x81\x00"), packed(2, [1, 8])),
    "an overlong value": sample(packed(1, [1]), field_bytes(2, b"\x81\x00\x08")),
    "an id of eleven bytes": sample(field_bytes(1, b"\x81" * 10 + b"\x01"), packed(2, [1, 8])),
}


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("extra", SUMMED_SAMPLES.values(), ids=SUMMED_SAMPLES.keys())
def test_the_kernel_and_python_sum_samples_written_otherwise_alike(monkeypatch, extra):
    # among ordinary samples: both give the same rows, or both refuse (the columnar route reads it)
    data = heap_profile([([1, 2, 3], [1, 8]), ([2, 3], [2, 16])]) + extra
    try:
        decode_small(data, "x")
    except NotSmall:  # refused while decoding, before any sum: the case tests nothing here
        pytest.fail("the sample should decode")
    kernel, python = top_both_ways(monkeypatch, data)
    assert kernel == python


def test_sums_past_int64_wrap_as_the_columnar_route_and_pprof_wrap_them(tmp_path):
    path = tmp_path / "huge.pb.gz"
    path.write_bytes(gzip.compress(heap_profile(
        [([1, 2, 3], [1, 2**62 + 5]), ([2, 3], [1, 2**62 + 7]), ([3], [1, 2**62 + 9])])))
    profile = decode_small(read_small(str(path)), str(path))
    assert small_top(profile, 1, "functions").total == 3 * 2**62 + 21 - 2**64  # wrapped
    assert_same_as_the_columnar_route(profile, path)


ODD_RECORDS = {
    "a field past 63": field_varint(100, 1),
    "a field past 15": field_bytes(20, b"x"),
    "a sample as a varint": field_varint(2, 1),
    "a string as a varint": field_varint(6, 1),
    "a fixed64 record": b"\x39" + b"\x00" * 8,  # field 7, wire 1
    "time twice": field_varint(9, 1) + field_varint(9, 2),
    "a comment": field_varint(13, 2),
}


@pytest.mark.skipif(compiled() is None, reason="the compiled kernel is not built here")
@pytest.mark.parametrize("extra", ODD_RECORDS.values(), ids=ODD_RECORDS.keys())
def test_the_kernel_and_python_agree_on_odd_top_level_records(monkeypatch, extra):
    kernel, python = decode_both_ways(monkeypatch, heap_profile([([1, 2, 3], [1, 8])]) + extra)
    assert kernel == python
