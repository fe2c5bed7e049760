"""Limits on what one input may cost, stated and enforced before allocating (issue 13, point 1):
the inflated size, the gzip trailer, files that are not regular files, and what a protobuf
declares beyond what its own bytes can hold. Each refusal is one line and exit status 2;
the memory tests run the command under an address-space limit it would break without them."""
from __future__ import annotations

import gzip
import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from heapdiff import cli
from heapdiff.common.errors import InputError
from heapdiff.inputs.decode import pprof
from heapdiff.inputs.load import load
from pbwire import field_bytes, heap_profile
from support import REPO, SAMPLES, run_heapdiff

PROFILE = SAMPLES / "leaky_cache" / "later" / "heap.pb.gz"
ADDRESS_SPACE = 3 << 29  # 1.5 GiB: far more than any of these inputs needs
GOOD = [([1, 2, 3], [2, 32])]


def bounded_heapdiff(*args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command in a child limited to ADDRESS_SPACE: past it, an allocation fails."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    return subprocess.run([sys.executable, "-m", "heapdiff", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=timeout,
                          preexec_fn=limit)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def one_line(result: subprocess.CompletedProcess, path: object, message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"heapdiff: {path}: {message}\n"


def zeros_gzip(size: int) -> bytes:
    """size zero bytes as gzip: about a thousandth of size."""
    packer = zlib.compressobj(1, wbits=31)
    block = bytes(1 << 20)
    return b"".join([*(packer.compress(block) for _ in range(size >> 20)), packer.flush()])


def test_forged_gzip_trailer_does_not_size_the_buffer(tmp_path):
    forged = write(tmp_path, "heap.pb.gz", PROFILE.read_bytes() + b"\xff\xff\xff\xff")
    result = bounded_heapdiff("top", forged)
    assert result.returncode == 0, result.stderr
    assert result.stdout == run_heapdiff("top", PROFILE).stdout.replace(str(PROFILE), str(forged))


def test_gzip_bomb_stops_at_the_inflate_limit(tmp_path):
    bomb = write(tmp_path, "bomb.pb.gz", zeros_gzip(320 << 20))
    one_line(bounded_heapdiff("top", bomb), bomb,
             "inflates past 268435456 bytes (set HEAPDIFF_MAX_INFLATED=SIZE to allow more)")


def test_max_inflated_setting_lowers_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("HEAPDIFF_MAX_INFLATED", "8K")
    one_line(run_heapdiff("top", PROFILE), PROFILE,
             "inflates past 8192 bytes (raise HEAPDIFF_MAX_INFLATED=SIZE to allow more)")


def test_max_inflated_setting_that_is_not_a_size(monkeypatch):
    monkeypatch.setenv("HEAPDIFF_MAX_INFLATED", "lots")
    one_line(run_heapdiff("top", PROFILE), "HEAPDIFF_MAX_INFLATED",
             "not a size: 'lots' (bytes, or a number with K, M or G)")


def test_max_inflated_setting_raises_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("HEAPDIFF_MAX_INFLATED", "1G")
    bomb = write(tmp_path, "bomb.pb.gz", zeros_gzip(320 << 20))
    assert "inflates past" not in bounded_heapdiff("top", bomb).stderr


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "heap.pb.gz"
    os.mkfifo(fifo)
    one_line(bounded_heapdiff("top", fifo, timeout=20), fifo, "is a named pipe (FIFO), not a file")


def test_dev_zero_is_refused():
    one_line(bounded_heapdiff("top", "/dev/zero", timeout=20), "/dev/zero",
             "is a character device, not a file")


def test_sparse_file_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    sparse = tmp_path / "heap.pb"
    with sparse.open("wb") as f:
        f.truncate(2 << 30)
    monkeypatch.setenv("HEAPDIFF_MAX_INFLATED", "1G")
    one_line(bounded_heapdiff("top", sparse, timeout=20), sparse,
             f"too large ({2 << 30} bytes; the limit is {1 << 30}: "
             "raise HEAPDIFF_MAX_INFLATED=SIZE to allow more)")


def test_sparse_file_over_four_gib_names_the_setting(tmp_path):
    sparse = tmp_path / "heap.pb"
    with sparse.open("wb") as f:
        f.truncate(5 << 30)
    one_line(bounded_heapdiff("top", sparse, timeout=20), sparse,
             f"too large ({5 << 30} bytes; the limit is {4 << 30}: "
             "set HEAPDIFF_MAX_INFLATED=SIZE to allow more)")


@pytest.fixture
def locked(tmp_path, monkeypatch) -> Path:
    """A folder without search permission. Root's stat is never refused, so os.stat refuses
    everything under it here, as the kernel would for a user."""
    folder = tmp_path / "locked"
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path).startswith(str(folder)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    return folder


@pytest.mark.parametrize("command", ["top", "diff", "explain", "report", "retainers"])
def test_file_in_folder_without_search_permission_is_one_line(locked, capsys, command):
    target = locked / "heap.pb.gz"
    assert cli.main([command, str(PROFILE), str(target)] if command == "diff"
                    else [command, str(target)]) == 2
    assert capsys.readouterr().err == f"heapdiff: {target}: permission denied\n"


def test_permission_error_in_any_check_is_one_line(locked, capsys):
    """The last resort, for a check outside the resolver (gc reads its log directly)."""
    target = locked / "gctrace.log"
    assert cli.main(["gc", str(target)]) == 2
    assert capsys.readouterr().err == f"heapdiff: {target}: permission denied\n"


def many_sample_types(count: int) -> bytes:
    """A profile declaring `count` empty sample types and `count` empty samples: a few
    hundred bytes gzipped, and count x count values if believed."""
    return (field_bytes(1, b"") * count + field_bytes(2, b"") * count + field_bytes(6, b""))


def test_profile_declaring_100000_sample_types_is_refused_before_allocating(tmp_path):
    path = write(tmp_path, "types.pb.gz", gzip.compress(many_sample_types(100_000)))
    assert path.stat().st_size < 1000
    one_line(bounded_heapdiff("top", path), path,
             "not a valid pprof profile: 100,000 samples of 100,000 sample types need "
             "10,000,000,000 values, but the samples hold 0 bytes")


def test_ten_byte_tag_varint_is_an_input_error(tmp_path):
    """A tag of wire type 0 whose field number needs 67 bits: an OverflowError in framing."""
    tag = b"\x80" * 9 + b"\x7f"
    path = write(tmp_path, "tag.pb", tag + b"\x00" + heap_profile(GOOD))
    one_line(run_heapdiff("top", path), path,
             f"not a valid pprof profile: field number {0x7F << 60} out of range at byte 0")


def test_unknown_wire_type_names_its_byte_once(tmp_path):
    path = write(tmp_path, "wire.pb", b"\x0f" + heap_profile(GOOD))
    with pytest.raises(InputError) as caught:
        load(path)
    assert caught.value.message == "not a valid pprof profile: unknown wire type 7 at byte 0"


def test_gzip_inside_gzip_is_named(tmp_path):
    path = write(tmp_path, "twice.pb.gz", gzip.compress(PROFILE.read_bytes()))
    one_line(run_heapdiff("top", path), path,
             "gzip inside gzip: gunzip it once and give the inner file")


@pytest.mark.parametrize("error", [ValueError, OverflowError, IndexError, KeyError, TypeError])
def test_unforeseen_decoder_exception_is_an_input_error(tmp_path, monkeypatch, error):
    def broken(*args, **kwargs):
        raise error("something the decoder did not expect")
    monkeypatch.setattr(pprof, "decode_samples", broken)
    with pytest.raises(InputError, match=f"not a valid pprof profile \\({error.__name__}: "):
        load(write(tmp_path, "ok.pb", heap_profile(GOOD)))
