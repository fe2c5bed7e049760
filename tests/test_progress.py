"""Long loads report progress; only a terminal sees it, and the line is cleared at the end."""
from __future__ import annotations

import io

from support import SAMPLES
from heapdiff.inputs.load import load_profile
from heapdiff.common.progress import TerminalProgress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_loading_reports_each_phase():
    messages: list[str] = []
    load_profile(SAMPLES / "leaky_cache" / "later" / "heap.pb.gz", messages.append)
    text = " | ".join(messages)
    for phase in ("reading", "inflating", "framing", "decoding"):
        assert phase in text
    assert messages[-1].endswith("samples")


def test_a_terminal_sees_progress_and_a_cleared_line():
    stream = FakeTerminal()
    with TerminalProgress(stream, delay=0, interval=0) as progress:
        progress("decoding x: 10 of 20 samples")
    assert "decoding x: 10 of 20 samples" in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_a_file_name_in_a_message_reaches_the_terminal_as_data():
    stream = FakeTerminal()
    with TerminalProgress(stream, delay=0, interval=0) as progress:
        progress("framing the heap dump big\x1b[31mRED\u202e.dump")
    assert "big\\x1b[31mRED\\u202e.dump" in stream.getvalue()
    assert "\x1b[31m" not in stream.getvalue() and "\u202e" not in stream.getvalue()


def test_a_pipe_sees_nothing():
    stream = io.StringIO()
    with TerminalProgress(stream, delay=0, interval=0) as progress:
        progress("decoding")
    assert stream.getvalue() == ""


def test_quick_work_shows_no_line():
    stream = FakeTerminal()
    with TerminalProgress(stream, delay=60) as progress:
        progress("decoding")
    assert stream.getvalue() == ""
