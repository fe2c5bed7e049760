"""The fuzzer itself: its cases are reproducible from (seed, index), and its classifier tells
a clean error from a traceback, a hang, a blow-up, an escape and invalid JSON."""
from __future__ import annotations

import random

from fuzz.cases import make
from fuzz.classify import BAD_ERROR, BAD_JSON, BLOWUP, CLEAN, ESCAPE, HANG, OK, TRACEBACK, \
    Result, classify
from fuzz.mutate import mutate
from fuzz.runner import hang_signature
from fuzz.seeds import REPO, all_seeds

TRACE = """Traceback (most recent call last):
  File "heapdiff/inputs/decode/framing.py", line 40, in frame
OverflowError: Python int too large to convert to C long
"""


def test_a_case_is_the_same_for_the_same_seed_and_index():
    assert [make(7, i) for i in range(40)] == [make(7, i) for i in range(40)]


def test_different_seeds_give_different_cases():
    assert [make(7, i).data for i in range(10)] != [make(8, i).data for i in range(10)]


def test_the_mutator_depends_only_on_its_generator():
    data = (REPO / "samples/leaky_cache/later/heap.pb.gz").read_bytes()
    other = (REPO / "samples/leaky_cache/later/memstats.json").read_bytes()
    runs = [[mutate(random.Random(seed), data, other) for seed in range(20)] for _ in range(2)]
    assert runs[0] == runs[1]
    assert len({payload for _, payload in runs[0]}) > 15


def test_every_input_kind_has_seeds_and_commands():
    kinds = {seed.kind for seed in all_seeds()}
    assert {"pprof", "legacy", "memstats", "expvar", "metrics", "status", "smaps", "smaps-full",
            "cgroup", "gctrace", "gctrace-log", "capture-manifest", "capture-round", "scrape",
            "server-reply", "prometheus-reply", "heapdump"} <= kinds


def test_exit_0_is_ok_and_one_heapdiff_line_with_exit_2_is_a_clean_error():
    assert classify(Result(0, "top\n", "")) == OK
    assert classify(Result(2, "", "heapdiff: x.pb.gz: not a profile\n")) == CLEAN


def test_a_traceback_is_a_traceback_whatever_the_status():
    assert classify(Result(1, "", TRACE)) == TRACEBACK
    assert classify(Result(2, "", "heapdiff: x: bad\n" + TRACE)) == TRACEBACK
    assert classify(Result(3, "", "")) == TRACEBACK


def test_a_timeout_is_a_hang_and_a_memory_error_or_a_killed_worker_a_blowup():
    assert classify(Result(None, "", "", timed_out=True)) == HANG
    assert classify(Result(1, "", TRACE.replace("OverflowError", "MemoryError"))) == BLOWUP
    assert classify(Result(None, "", "", killed=True)) == BLOWUP


def test_a_raw_control_or_bidi_character_in_text_output_is_an_escape():
    for char in ("\x1b", "\x07", "\x9b", "\u202e", "\u2028", "\u200b"):
        assert classify(Result(0, f"main.f{char}x\n", "")) == ESCAPE, repr(char)
        assert classify(Result(2, "", f"heapdiff: x: bad name {char}\n")) == ESCAPE, repr(char)
    assert classify(Result(0, "a\tb\n", "")) == OK


def test_json_output_may_carry_escaped_controls_but_not_nan():
    assert classify(Result(0, '{"name": "a\\u001b"}', "", json_output=True)) == OK
    assert classify(Result(0, '{"v": NaN}', "", json_output=True)) == BAD_JSON
    assert classify(Result(0, '{"v": 1', "", json_output=True)) == BAD_JSON


def test_an_exit_2_without_the_one_heapdiff_line_is_a_bad_error():
    assert classify(Result(2, "", "usage: heapdiff\nerror: x\n")) == BAD_ERROR
    assert classify(Result(2, "", "")) == BAD_ERROR


def test_a_hang_is_attributed_to_the_innermost_heapdiff_frame_of_the_main_thread():
    dump = (f'Thread 0x1 (most recent call first):\n  File "{REPO}/heapdiff/common/parallel.py",'
            f' line 9 in wait\n\nCurrent thread 0x2 (most recent call first):\n'
            f'  File "/usr/lib/python3/re/__init__.py", line 1 in match\n'
            f'  File "{REPO}/heapdiff/inputs/decode/legacy_text.py", line 77 in parse_frames\n'
            f'  File "{REPO}/heapdiff/cli.py", line 60 in main\n')
    assert hang_signature(dump) == "hang at heapdiff/inputs/decode/legacy_text.py:77 in " \
                                   "parse_frames"


def test_a_worker_runs_a_saved_case_in_process_and_reports_its_output(tmp_path):
    from dataclasses import replace

    from fuzz.runner import Outcome, Worker, save
    case = make(1, 0)
    pristine = replace(case, kind="pprof", command="top", argv=("top", "in/later/heap.pb.gz"),
                       folder="samples/leaky_cache", target="later/heap.pb.gz",
                       data=(REPO / "samples/leaky_cache/later/heap.pb.gz").read_bytes())
    entry = save(Outcome(pristine, "ok", "a signature", "", 0.0), tmp_path / "corpus")
    (tmp_path / "work").mkdir()
    worker = Worker(tmp_path / "work", timeout=60, memory=2 << 30)
    try:
        result, raised = worker.run({"entry": str(entry)}, json_output=False)
    finally:
        worker.stop()
    assert (classify(result), raised) == (OK, "")
    assert "main.(*Cache).Put" in result.stdout or "flat" in result.stdout


def pristine_case(kind: str, command: str, argv: tuple[str, ...], folder: str, target: str):
    from dataclasses import replace
    return replace(make(1, 0), kind=kind, command=command, argv=argv, folder=folder,
                   target=target, steps=(), data=(REPO / folder / target).read_bytes())


def test_a_tui_case_visits_every_view_headless_and_prints_each_screen(tmp_path, monkeypatch):
    from fuzz.tui import KEYS, run_headless
    from fuzz.worker import run
    from tui.app import HeapdiffApp
    monkeypatch.setattr(HeapdiffApp, "run", run_headless)  # what install() does in a worker
    case = pristine_case("pprof", "tui", ("tui", "--base", "in/base", "in/later"),
                         "samples/leaky_cache", "later/heap.pb.gz")
    reply = run(case, tmp_path / "case", tmp_path / "templates")
    assert (reply["status"], reply["signature"]) == (0, "")
    screens = str(reply["stdout"]).split("\n\n")
    assert len(screens) == 1 + len(KEYS)
    assert "base 16.5MiB -> new 57.9MiB" in screens[1]   # 1: Top
    assert "runtime.main" in screens[2]                  # 2: Tree
    assert "main.(*Cache).Insert" in screens[3]          # 3: Peek at the top grower
    assert "main.(*Cache).Insert" in (tmp_path / "case" / "heapdiff-report.md").read_text()


def test_an_exception_the_tui_shows_instead_of_crashing_is_a_failure_to_the_fuzzer():
    from fuzz.tui import SWALLOWED
    assert SWALLOWED.match("flame: ZeroDivisionError: division by zero")
    assert SWALLOWED.match("report: KeyError: 'inuse_space'")
    assert SWALLOWED.match("heapdiff: in/later: cannot analyse these inputs: IndexError: x")
    assert not SWALLOWED.match("heapdiff: in/later/heap.pb.gz: not a valid pprof profile")
    assert not SWALLOWED.match("report: in/later/x.json: not JSON: Expecting value")


def test_the_reply_server_answers_each_capture_request_with_a_real_services_reply():
    import json
    import urllib.error
    import urllib.request

    import pytest

    from fuzz.seeds import REPLIES
    from fuzz.server import ReplyServer
    with ReplyServer(REPLIES) as server:
        with urllib.request.urlopen(server.url + "/debug/vars", timeout=5) as reply:
            assert "memstats" in json.loads(reply.read())
        with urllib.request.urlopen(server.url + "/debug/pprof/heap?debug=1", timeout=5) as reply:
            assert reply.read().startswith(b"heap profile: ")
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(server.url + "/elsewhere", timeout=5)


def test_a_reply_is_mutated_in_its_body_head_or_framing_and_stays_a_reply():
    import gzip

    from fuzz.httpreply import split
    from fuzz.seeds import REPLIES
    recorded = (REPLIES / "heap.http").read_bytes()
    _, body = split(recorded)  # Go's chunked body, de-chunked: the profile
    from heapdiff import profile_pb2
    assert "inuse_space" in profile_pb2.Profile.FromString(gzip.decompress(body)).string_table
    for index in range(50):
        steps, data = mutate(random.Random(index), recorded, b"")
        assert data.startswith(b"HTTP/") and any(s.startswith("frame:") for s in steps)
