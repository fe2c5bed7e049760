"""Bad input gives one line, `heapdiff: FILE: what is wrong`, exit status 2, nothing on
standard output, and never a traceback. Each case runs the real command."""
from __future__ import annotations

import gzip
import random
import re

import pytest

from support import PUBLIC, SAMPLES, needs_public, run_heapdiff
from pbwire import heap_profile

GOOD = [([1, 2, 3], [2, 32])]


def noise(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def assert_rejected(path, reason: str) -> str:
    result = run_heapdiff("top", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"heapdiff: {path}: ")
    assert re.search(reason, lines[0]), lines[0]
    return lines[0]


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_valid_handmade_profile_is_accepted(tmp_path):
    result = run_heapdiff("top", write(tmp_path, "ok.pb", heap_profile(GOOD)))
    assert result.returncode == 0 and "main.leaf" in result.stdout


def test_missing_file(tmp_path):
    assert_rejected(tmp_path / "nope.pb.gz", "no such file")


def test_directory(tmp_path):
    assert_rejected(tmp_path, "is a directory")


def test_empty_file(tmp_path):
    assert_rejected(write(tmp_path, "empty.pb.gz", b""), "empty file")


def test_png(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + noise(200, 1)
    assert_rejected(write(tmp_path, "heap.pb.gz", png), "PNG image")


def test_truncated_gzip(tmp_path):
    whole = (SAMPLES / "leaky_cache" / "later" / "heap.pb.gz").read_bytes()
    assert_rejected(write(tmp_path, "cut.pb.gz", whole[: len(whole) // 2]), "truncated gzip")


@pytest.mark.parametrize("seed", range(5))
def test_gzip_of_random_bytes(tmp_path, seed):
    data = gzip.compress(noise(4096, seed))
    assert_rejected(write(tmp_path, "random.pb.gz", data), "not a valid pprof profile")


@pytest.mark.parametrize("seed", range(5))
def test_raw_random_bytes(tmp_path, seed):
    assert_rejected(write(tmp_path, "random.bin", noise(4096, seed)), "not a valid pprof profile")


def test_random_bytes_that_open_like_json_are_not_called_text(tmp_path):
    assert_rejected(write(tmp_path, "brace.bin", b"{\x80\x81\xfe" + noise(4096, 9)),
                    "not a valid pprof profile")


def test_sample_pointing_at_a_missing_location(tmp_path):
    data = heap_profile([([1, 2, 7], [2, 32])])
    assert_rejected(write(tmp_path, "badloc.pb", data), r"location id 7, which the profile does not define")


def test_string_index_out_of_range(tmp_path):
    data = heap_profile(GOOD, function_name=40)
    assert_rejected(write(tmp_path, "badstr.pb", data), r"string index 40 out of range")


def test_sample_with_more_values_than_sample_types(tmp_path):
    data = heap_profile([([1, 2, 3], [2, 32, 7])])
    assert_rejected(write(tmp_path, "values.pb", data), r"has 3 values but the profile declares 2 sample types")


def test_text_profile_with_broken_header(tmp_path):
    text = (SAMPLES / "leaky_cache" / "base" / "heap.txt").read_text()
    broken = text.replace("heap profile: ", "heap profile: x", 1)
    assert_rejected(write(tmp_path, "heap.txt", broken.encode()), "broken heap profile header")


def test_text_profile_with_broken_record(tmp_path):
    lines = (SAMPLES / "leaky_cache" / "base" / "heap.txt").read_text().splitlines()
    lines[1] = "12: 34 [oops] @ 0x1"
    assert_rejected(write(tmp_path, "heap.txt", "\n".join(lines).encode()), "not a heap profile record")


def test_json_that_is_not_memstats(tmp_path):
    assert_rejected(write(tmp_path, "vars.json", b'{"cmdline": ["x"], "foo": 1}'),
                    "not a MemStats snapshot")


def test_memstats_json_given_where_a_profile_is_needed():
    assert_rejected(SAMPLES / "leaky_cache" / "base" / "memstats.json", "MemStats snapshot, not a profile")


@needs_public
def test_cpp_gperftools_profile_is_refused_clearly():
    assert_rejected(PUBLIC / "google-pprof__cppbench.heap", r"C\+\+ gperftools.*not a Go heap profile")


@pytest.mark.parametrize("cut", [1, 7, 100])
def test_truncated_raw_protobuf(tmp_path, cut):
    data = heap_profile(GOOD * 50)
    assert_rejected(write(tmp_path, "cut.pb", data[:-cut]), "pprof|sample|truncated|string")
