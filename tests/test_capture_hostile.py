"""`heapdiff capture` against servers and folders that misbehave on purpose (issue 13): every
failure is one line or one artifact's recorded error, within --timeout and --max-bytes, and a
capture folder's manifest never leads outside the folder. Servers listen on 127.0.0.1 only;
every run is bounded in time."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capture_folders import make_capture
from capture_server import Server
from support import REPO, SAMPLES
from heapdiff.capture.endpoints import ENDPOINT
from heapdiff.capture.manifest import Artifact, Manifest, Round, read_capture
from heapdiff.capture.schema import ARTIFACT_FIELDS, MANIFEST_FIELDS, ROUND_FIELDS
from heapdiff.capture.validate import verdict
from heapdiff.common.errors import InputError

LATER = SAMPLES / "leaky_cache" / "later"


@pytest.fixture(scope="module")
def server():
    with Server() as s:
        yield s


def heapdiff(*args: object, within: float = 30) -> subprocess.CompletedProcess:
    """The real command in a child, which must end within `within` seconds."""
    return subprocess.run([sys.executable, "-m", "heapdiff", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=within)


def capture(url: str, out: Path, *options: object, within: float = 30):
    return heapdiff("capture", url, "--every", "0.1s", "--out", out, *options, within=within)


def only_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    (line,) = stderr.splitlines()
    return line


# validation inside the deadline and the size cap

def test_hostile_debug1_body_does_not_make_a_round_outlast_the_timeout(server, tmp_path):
    start = time.monotonic()
    done = capture(f"{server.url}/backtrack", tmp_path / "c", "--count", "1", "--timeout", "3s",
                   within=20)
    assert time.monotonic() - start < 12, "a round lasted far longer than --timeout"
    assert done.returncode == 0, done.stderr  # the protobuf profile came
    text = read_capture(tmp_path / "c").manifest.rounds[0].artifact("heap_text")
    assert not text.ok and text.error


def test_validation_past_the_deadline_is_recorded_as_too_slow_to_validate():
    def slow_check(body, source, endpoint, limit):
        time.sleep(30)

    endpoint = dataclasses.replace(ENDPOINT["heap_text"], check=slow_check)
    start = time.monotonic()
    said = verdict(endpoint, b"heap profile", "", "src", 1 << 20, start + 0.5, 0.5)
    assert time.monotonic() - start < 5
    assert said == "too slow to validate: not checked within 0.5 s (--timeout)"


def test_gzip_body_inflating_past_max_bytes_is_refused(server, tmp_path):
    done = capture(f"{server.url}/bomb", tmp_path / "c", "--count", "1", "--max-bytes", "1MiB")
    assert done.returncode == 2
    line = only_line(done.stderr)
    assert line.endswith("inflates to more than the 1.0MiB cap (--max-bytes)"), line
    assert not (tmp_path / "c").exists()


# an exception in a fetch thread

def test_fetch_thread_exception_in_round_1_is_one_line_exit_2_and_nothing_left(server,
                                                                              tmp_path):
    done = capture(f"{server.url}/crash", tmp_path / "c", "--count", "1")
    assert done.returncode == 2, done.stderr
    line = only_line(done.stderr)
    assert line.startswith(f"heapdiff: {server.url}/crash/debug/pprof/heap: ")
    assert "StopIteration" not in line
    assert not (tmp_path / "c").exists()


def test_fetch_thread_exception_is_recorded_for_its_artifact_and_the_round_lacks_a_profile(
        tmp_path):
    with Server() as server:
        done = capture(f"{server.url}/crashlater", tmp_path / "c", "--count", "2")
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr
    assert done.returncode == 1, done.stderr
    later = read_capture(tmp_path / "c").manifest.rounds[1]
    heap = later.artifact("heap")
    assert heap is not None and not heap.ok and heap.error and "\n" not in heap.error
    assert not later.has_profile


# port, TLS, early interrupt

def test_port_0_is_refused_and_never_reported_as_port_80(tmp_path):
    done = capture("http://127.0.0.1:0", tmp_path / "c", "--count", "1")
    assert done.returncode == 2
    line = only_line(done.stderr)
    assert "port 0" in line and ":80" not in line


def test_https_to_a_plain_http_port_fails_fast_with_a_tls_message(tmp_path):
    with socket.socket() as silent:  # listens, never answers: HTTP waiting for a request line
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        start = time.monotonic()
        done = capture(f"https://127.0.0.1:{port}", tmp_path / "c", "--count", "1",
                       "--timeout", "20s", within=18)
    assert time.monotonic() - start < 12
    assert done.returncode == 2
    line = only_line(done.stderr)
    assert "TLS" in line and "too slow" not in line, line


@pytest.mark.parametrize("delay", [0.3, 0.6])  # Python is up; heapdiff importing
def test_ctrl_c_in_the_first_moments_exits_130_without_a_traceback(server, tmp_path, delay):
    child = subprocess.Popen([sys.executable, "-m", "heapdiff", "capture", f"{server.url}/good",
                              "--every", "1s", "--count", "3", "--out", str(tmp_path / "c")],
                             stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        time.sleep(delay)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=20)
    finally:
        child.kill()
    # -SIGINT: the signal came before Python had set up its handler (a busy machine), which a
    # shell also reports as 130
    assert child.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


# the lock

def test_second_capture_into_a_folder_with_a_running_capture_refuses_on_its_lock(server,
                                                                                 tmp_path):
    out = tmp_path / "c"
    out.mkdir()
    (out / ".lock").write_text(f"{os.getpid()}\n")  # this test's process: running
    done = capture(f"{server.url}/good", out, "--count", "1")
    assert done.returncode == 2
    line = only_line(done.stderr)
    assert f"another capture (pid {os.getpid()})" in line
    assert os.listdir(out) == [".lock"]  # the other capture's lock, left alone


def test_stale_lock_of_a_dead_capture_is_taken_over_and_removed_at_the_end(server, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "c"
    out.mkdir()
    (out / ".lock").write_text(f"{dead.pid}\n")
    done = capture(f"{server.url}/good", out, "--count", "1")
    assert done.returncode == 0, done.stderr
    assert ".lock" not in os.listdir(out)


# a capture folder's manifest, read

def broken(folder: Path, edit) -> Path:
    """A real capture folder whose manifest.json was edited by edit(raw)."""
    make_capture(folder, [LATER])
    raw = json.loads((folder / "manifest.json").read_text())
    edit(raw)
    (folder / "manifest.json").write_text(json.dumps(raw))
    return folder


def refusal(folder: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_capture(folder)
    assert "\n" not in str(caught.value)
    return caught.value.message


@pytest.mark.parametrize("name", ["..", "/etc", "../outside", "a/b", "", "."])
def test_manifest_round_dir_leading_out_of_the_folder_is_refused(tmp_path, name):
    folder = broken(tmp_path / "c", lambda raw: raw["rounds"][0].update(dir=name))
    assert refusal(folder) == (f"malformed manifest: rounds[0].dir is {name!r}: not a plain "
                               "name inside the capture folder")


@pytest.mark.parametrize("name", ["../../heap.pb.gz", "/etc/passwd", ".."])
def test_manifest_artifact_file_leading_out_of_the_folder_is_refused(tmp_path, name):
    folder = broken(tmp_path / "c",
                    lambda raw: raw["rounds"][0]["artifacts"][0].update(file=name))
    assert refusal(folder).startswith("malformed manifest: rounds[0].artifacts[0].file is ")


@pytest.mark.parametrize("field, value, said", [
    ("round", "1", "rounds[0].round is a string, not a whole number"),
    ("unix", [1], "rounds[0].unix is a list, not a number"),
    ("artifacts", {"a": 1}, "rounds[0].artifacts is an object, not a list"),
    ("round", True, "rounds[0].round is true or false, not a whole number"),
    ("unix", float("nan"), "rounds[0].unix is a number that is not finite, not a number"),
])
def test_manifest_field_of_the_wrong_type_is_one_line(tmp_path, field, value, said):
    folder = broken(tmp_path / "c", lambda raw: raw["rounds"][0].update({field: value}))
    assert refusal(folder) == f"malformed manifest: {said}"


def test_manifest_rounds_not_a_list_of_objects_is_one_line(tmp_path):
    folder = broken(tmp_path / "c", lambda raw: raw.update(rounds=[7]))
    assert refusal(folder) == "malformed manifest: rounds[0] is a whole number, not an object"


def test_manifest_nested_too_deeply_is_one_line(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"rounds": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert refusal(folder) == "not valid JSON: nested too deeply"


def test_manifest_lone_surrogate_is_one_line(tmp_path):
    folder = broken(tmp_path / "c", lambda raw: raw.update(url="http://x\ud800"))
    assert refusal(folder) == ("malformed manifest: the manifest.url holds a lone surrogate "
                               "(\\ud800), not text")


def test_manifest_leading_out_of_the_folder_is_one_line_from_the_command(tmp_path):
    folder = broken(tmp_path / "c", lambda raw: raw["rounds"][0].update(dir=".."))
    done = heapdiff("top", folder)
    assert done.returncode == 2
    assert only_line(done.stderr).startswith(f"heapdiff: {folder}/manifest.json: malformed "
                                             "manifest: rounds[0].dir is '..'")


def test_manifest_round_dir_that_is_a_link_out_of_the_folder_is_refused(tmp_path):
    folder = make_capture(tmp_path / "c", [LATER])
    (tmp_path / "elsewhere").mkdir()
    name = read_capture(folder).manifest.rounds[0].dir
    (folder / name).rename(tmp_path / "elsewhere" / name)
    (folder / name).symlink_to(tmp_path / "elsewhere" / name)
    assert refusal(folder) == f"{name!r} is a link out of the capture folder"


def test_manifest_schema_names_every_field_the_capture_writes():
    for cls, table in ((Manifest, MANIFEST_FIELDS), (Round, ROUND_FIELDS),
                       (Artifact, ARTIFACT_FIELDS)):
        assert [f.name for f in dataclasses.fields(cls)] == list(table), cls.__name__


def test_a_manifest_that_is_a_huge_sparse_file_is_refused_before_it_is_read(tmp_path):
    """Found by the fuzzer: read_capture read the manifest whole (a MemoryError)."""
    folder = make_capture(tmp_path / "c", [LATER, LATER])
    with open(folder / "manifest.json", "r+b") as f:
        f.truncate(5 << 30)  # sparse: 5 GiB that cost no disk
    with pytest.raises(InputError) as caught:
        read_capture(folder)
    assert caught.value.message.startswith("too large (5368709120 bytes")


@pytest.mark.parametrize("option, value, said", [
    ("--timeout", "99999999999999h", "longer than 1h"),  # past a socket's clock: OverflowError
    ("--every", "9" * 400 + "s", "is not a duration"),  # an infinite float
])
def test_a_duration_out_of_range_is_refused_before_any_request(tmp_path, option, value, said):
    args = {"--every": "1s", "--timeout": "10s", option: value}
    result = subprocess.run(
        [sys.executable, "-m", "heapdiff", "capture", "http://127.0.0.1:9/", "--count", "1",
         "--out", str(tmp_path / "out"), *[x for kv in args.items() for x in kv]],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert said in result.stderr.splitlines()[-1]
    assert not (tmp_path / "out").exists()
