"""What heapdiff writes is safe to read and never destroys what it is pointed at: strict JSON,
-o that replaces only regular files and keeps their mode, file names that print under any
locale, and a TUI whose exit status says when it failed."""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import uuid

import pytest

from pbwire import heap_profile
from support import REPO, SAMPLES, run_heapdiff

BASE = [([1, 2, 3], [2, 32])]
NEW = [([1, 2, 3], [5, 80]), ([3, 2], [1, 16])]
STRICT_UTF8 = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


def profiles(tmp_path):
    base, new = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile(BASE))
    new.write_bytes(heap_profile(NEW))
    return base, new


def diff_into(tmp_path, target):
    base, new = profiles(tmp_path)
    return run_heapdiff("diff", base, new, "-o", target, timeout=60)


def strict_json(text: str):
    def refuse(token: str):
        raise AssertionError(f"{token} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_json_output_writes_nan_and_infinity_as_null():
    from heapdiff.common.jsontext import json_text

    document = {"ratio": math.nan, "rows": [{"growth": math.inf}, {"growth": -math.inf}],
                "pair": (1.5, 2), "name": "NaN"}
    assert strict_json(json_text(document)) == {
        "ratio": None, "rows": [{"growth": None}, {"growth": None}], "pair": [1.5, 2],
        "name": "NaN"}


def test_explain_json_of_a_memstats_with_a_nan_figure_is_valid_json(tmp_path):
    # Go never writes NaN, but Python's JSON reader accepts it: GCCPUFraction NaN became
    # cpu_percent NaN in the output. Refusing such an input in one line is right too.
    memstats = json.loads((SAMPLES / "ballast" / "base" / "memstats.json").read_text())
    memstats["GCCPUFraction"] = math.nan
    path = tmp_path / "memstats.json"
    path.write_text(json.dumps(memstats))
    result = run_heapdiff("explain", "--format", "json", path, timeout=60)
    if result.returncode == 0:
        strict_json(result.stdout)
    else:
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr


def test_o_onto_a_fifo_is_refused_not_replaced(tmp_path):
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    result = diff_into(tmp_path, fifo)
    assert result.returncode == 2
    assert result.stderr == f"heapdiff: {fifo}: cannot write: a FIFO: heapdiff writes only " \
                            "regular files\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_o_onto_a_symlink_is_refused_and_what_it_points_to_is_untouched(tmp_path):
    # a link to /dev/null stands for /dev/null itself, which a root user would lose
    kept = tmp_path / "kept"
    kept.write_text("mine\n")
    link = tmp_path / "out"
    link.symlink_to(kept)
    result = diff_into(tmp_path, link)
    assert result.returncode == 2
    assert "a symbolic link: heapdiff writes only regular files" in result.stderr
    assert link.is_symlink() and kept.read_text() == "mine\n"


def test_o_over_a_0600_file_leaves_it_0600(tmp_path):
    private = tmp_path / "diff.txt"
    private.write_text("old\n")
    private.chmod(0o600)
    assert diff_into(tmp_path, private).returncode == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text() != "old\n"


def test_o_to_a_new_file_gets_the_umask_default(tmp_path):
    fresh = tmp_path / "diff.txt"
    assert diff_into(tmp_path, fresh).returncode == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask


def test_a_file_name_that_is_not_utf8_prints_under_a_strict_utf8_locale(tmp_path):
    path = tmp_path / os.fsdecode(b"heap\xff.pb")
    path.write_bytes(heap_profile(BASE))
    result = run_heapdiff("top", path, env=STRICT_UTF8, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "heap\\udcff.pb" in result.stdout


def test_tui_exits_nonzero_after_a_crash(tmp_path, monkeypatch):
    from textual.app import App

    from heapdiff import cli
    from tui.app import HeapdiffApp

    def crash(self, analysis):
        raise RuntimeError("a bug in the TUI")

    monkeypatch.setattr(HeapdiffApp, "run", lambda self: App.run(self, headless=True))
    monkeypatch.setattr(HeapdiffApp, "_loaded", crash)
    base, _ = profiles(tmp_path)
    assert cli.main(["tui", str(base)]) == 1


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tui_exits_2_with_the_error_line_after_a_failed_load(tmp_path):
    bad, err, status = tmp_path / "heap.pb", tmp_path / "stderr", tmp_path / "status"
    bad.write_bytes(b"\x00garbage")
    server = f"heapdiff-test-{uuid.uuid4().hex[:8]}"
    command = (f"cd {REPO} && env -u COLUMNS -u LINES {sys.executable} -m heapdiff tui {bad} "
               f"2>{err}; echo $? >{status}")
    subprocess.run(["tmux", "-L", server, "new-session", "-d", "-x", "100", "-y", "30",
                    command], check=True, capture_output=True)
    try:
        deadline = time.monotonic() + 30
        while not status.exists() or not status.read_text():
            assert time.monotonic() < deadline, "the TUI stayed open after its load failed"
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True)
    assert status.read_text() == "2\n"
    # Textual draws on stderr: the error is the line after the terminal is given back
    assert re.search(rf"heapdiff: {re.escape(str(bad))}: [^\x1b\n]+\n\Z", err.read_text())


def test_an_os_error_on_an_input_path_is_one_line_not_a_traceback(tmp_path):
    # as a folder without search permission gives EACCES (which root never sees), a name
    # longer than the file system allows gives ENAMETOOLONG from the same stat
    result = run_heapdiff("top", tmp_path / ("a" * 300), timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"heapdiff: {tmp_path / ('a' * 300)}")
    assert "file name too long" in result.stderr
