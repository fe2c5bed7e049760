"""Names are data everywhere: a profile whose function names, file name and sample type carry
terminal escapes (OSC 52 clipboard writes, CSI colours), bidi overrides, line separators,
zero-width characters, Rich markup and a Markdown fence goes through every output. Terminal
outputs show those characters as visible escapes, JSON keeps them exact, DOT, Markdown and
Mermaid stay well-formed, and the TUI shows them literally without acting on them."""
from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from textual.widgets import Static

from capture_folders import make_capture
from heapdiff.capture.run import Screen
from heapdiff.render import escape
from pbwire import field_bytes, field_varint, packed
from support import SAMPLES, needs_dot, run_heapdiff
from tui.app import HeapdiffApp
from tui.views import VIEWS
from tui.views.top import TopView
from tui.views.tree import CallTreeView
from tui.widgets.rowtable import RowTable
from tui_settle import settled

OSC52 = "main.(*T).clip\x1b]52;c;aGVsbG8=\x07"
QUIT = "[@click=app.quit]main.quit[/]"
SHOT = "[@click=app.screenshot('x.svg','{dir}')]main.shot"
UNBALANCED = "main.unbalanced[/]"
BOLD = "[bold]main.bold[/]"
COLOUR = "\x1b[31mmain.red\x1b[0m"
BIDI = "main.\u202eevil\u202c"
SEPARATOR = "main.line\u2028para\u2029"
ZERO_WIDTH = "main.zero\u200bwidth\ufeff"
URL = "main.https://evil.example/www.evil.example"
NAMES = [QUIT, SHOT, UNBALANCED, BOLD, OSC52, COLOUR, BIDI, SEPARATOR, ZERO_WIDTH, URL]
FILE = "evil.go\n```\n# injected\n<http://evil.example> https://evil.example www.evil.example"
SAMPLE_TYPE = "inuse_objects\x1b]52;c;aGk=\x07\u202e"
ACTING = {"Cc", "Cf", "Zl", "Zp"}  # controls, format (bidi, zero-width), separators


def hostile_profile(scale: int, shot_dir: Path) -> bytes:
    """One call chain through every hostile name (root last), each also a leaf of its own
    sample, the first name growing most; sample types SAMPLE_TYPE, inuse_objects, inuse_space."""
    names = [n.replace("{dir}", str(shot_dir)) for n in NAMES]
    strings = ["", SAMPLE_TYPE, "count", "inuse_space", "bytes", FILE, "inuse_objects", *names]
    out = bytearray()
    out += field_bytes(1, field_varint(1, 1) + field_varint(2, 2))
    out += field_bytes(1, field_varint(1, 6) + field_varint(2, 2))
    out += field_bytes(1, field_varint(1, 3) + field_varint(2, 4))
    ids = list(range(1, len(names) + 1))
    stacks = [(ids, [1, 1, 1024])] + [([i], [1, 1, 4096 * scale * (len(ids) - i + 1)])
                                       for i in ids]
    for locs, values in stacks:
        out += field_bytes(2, packed(1, locs) + packed(2, values))
    for i in ids:
        line = field_bytes(4, field_varint(1, i) + field_varint(2, 10 * i))
        out += field_bytes(4, field_varint(1, i) + field_varint(3, 0x1000 + i) + line)
        out += field_bytes(5, field_varint(1, i) + field_varint(2, 6 + i) + field_varint(4, 5))
    for s in strings:
        out += field_bytes(6, s.encode())
    out += field_varint(12, 524288)
    return bytes(out)


@pytest.fixture
def profiles(tmp_path) -> tuple[Path, Path]:
    shots = tmp_path / "shots"
    shots.mkdir()
    base, new = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(hostile_profile(1, shots))
    new.write_bytes(hostile_profile(3, shots))
    return base, new


def invisible(text: str) -> list[str]:
    """The characters a terminal acts on or hides (newlines apart: outputs have lines)."""
    return sorted({ch for ch in text if ch != "\n" and
                   unicodedata.category(ch) in ACTING})


def heapdiff(*args: object) -> subprocess.CompletedProcess:
    done = run_heapdiff(*args)
    assert done.returncode == 0, done.stderr
    return done


# --- the escaping functions -------------------------------------------------------------

@pytest.mark.parametrize("ch, shown", [
    ("\x1b", "\\x1b"), ("\x07", "\\x07"), ("\x9b", "\\x9b"), ("\u202e", "\\u202e"),
    ("\u2066", "\\u2066"), ("\u2069", "\\u2069"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
    ("\u200b", "\\u200b"), ("\u200f", "\\u200f"), ("\ufeff", "\\ufeff"), ("\u00ad", "\\xad"),
    ("\U000e0001", "\\U000e0001")])
def test_bidi_zero_width_and_separators_are_visible_in_every_format(ch, shown):
    for form in (escape.terminal, escape.markdown, escape.code_line, escape.mermaid):
        assert form(f"a{ch}b") == f"a{shown}b".replace("\\", "\\\\" if form is escape.markdown
                                                          else "\\"), form
    assert escape.dot(f"a{ch}b") == f"a\\{shown}b"


def test_printable_names_are_unchanged_for_the_terminal():
    name = "github.com/x/y.(*Ünïcode).Method[...]·func1 → é 中文"
    assert escape.terminal(name) == name


@pytest.mark.parametrize("text", ["see https://evil.example/x", "go www.evil.example now",
                                  "mail root@evil.example", "<http://evil.example>"])
def test_urls_in_names_do_not_become_markdown_links(text):
    parser = MarkdownIt("commonmark", {"linkify": True}).enable("linkify")
    parser.linkify.set({"fuzzy_link": False})
    tokens = [t for block in parser.parse(escape.markdown(text)) for t in block.children or []]
    assert not [t for t in tokens if t.type in ("link_open", "html_inline")]
    assert "".join(t.content for t in tokens if t.type in ("text", "text_special")) == text


# --- the command line -------------------------------------------------------------------

TEXT_COMMANDS = {
    "top": lambda base, new: ["top", new],
    "diff": lambda base, new: ["diff", base, new],
    "diff-files": lambda base, new: ["diff", "--granularity", "files", base, new],
    "paths": lambda base, new: ["paths", base, new],
    "peek": lambda base, new: ["peek", base, new, "main"],
    "sizes": lambda base, new: ["sizes", base, new],
    "retainers": lambda base, new: ["retainers", new],
    "allocs": lambda base, new: ["allocs", new, "--base", base, "--sample-index", "0"],
}


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_escapes_in_names_never_reach_the_terminal_in_text_output(command, profiles):
    done = heapdiff(*TEXT_COMMANDS[command](*profiles))
    assert invisible(done.stdout + done.stderr) == []
    if command in ("diff", "top", "peek", "paths"):
        assert "main.(*T).clip\\x1b]52;c;aGVsbG8=\\x07" in done.stdout
        assert "main.\\u202eevil\\u202c" in done.stdout or command == "paths"  # 5 paths


@pytest.fixture
def capture(profiles, tmp_path) -> Path:
    """A capture folder of two rounds: the leaky_cache sample's snapshots, their heap
    profiles replaced by the hostile ones."""
    snapshots = []
    for moment, profile in zip(("base", "later"), profiles):
        snapshot = tmp_path / "snapshots" / moment
        shutil.copytree(SAMPLES / "leaky_cache" / moment, snapshot)
        (snapshot / "heap.txt").unlink(missing_ok=True)
        shutil.copyfile(profile, snapshot / "heap.pb.gz")
        snapshots.append(snapshot)
    return make_capture(tmp_path / "capture", snapshots)


def test_explain_and_timeline_show_hostile_names_visible(capture):
    later = sorted(capture.glob("round-*"))[-1]
    for done in (heapdiff("explain", later), heapdiff("timeline", capture)):
        assert invisible(done.stdout + done.stderr) == []
    assert "main.\\u202eevil\\u202c" in done.stdout


def test_error_line_quoting_a_sample_type_does_not_write_the_clipboard(profiles):
    done = run_heapdiff("top", "--sample-index", "nope", profiles[1])
    assert done.returncode == 2
    assert done.stderr.startswith("heapdiff: ") and done.stderr.count("\n") == 1
    assert invisible(done.stderr) == []
    assert "inuse_objects\\x1b]52;c;aGk=\\x07\\u202e" in done.stderr


def test_error_line_quoting_a_metric_name_does_not_write_the_clipboard(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"/gc/heap/goal\x1b]52;c;aGk=\x07\u202e:bytes": True}))
    done = run_heapdiff("explain", metrics)
    assert done.returncode == 2 and invisible(done.stderr) == []
    assert "metric /gc/heap/goal\\x1b]52;c;aGk=\\x07\\u202e:bytes is a boolean" in done.stderr


def test_error_line_quoting_a_manifest_string_does_not_write_the_clipboard(capture):
    manifest = json.loads((capture / "manifest.json").read_text())
    manifest["rounds"][0]["dir"] = "round-\x1b]52;c;aGk=\x07\u202e"
    (capture / "manifest.json").write_text(json.dumps(manifest))
    done = run_heapdiff("timeline", capture)
    assert done.returncode == 2 and done.stderr.startswith("heapdiff: ")
    assert invisible(done.stderr) == []


def test_error_line_quoting_a_file_name_shows_its_escapes(tmp_path):
    done = run_heapdiff("top", tmp_path / "heap\x1b]0;owned\x07\u2028.pb")
    assert done.returncode == 2 and invisible(done.stderr) == []
    assert "heap\\x1b]0;owned\\x07\\u2028.pb" in done.stderr


class HostileServer(BaseHTTPRequestHandler):
    """Every path redirects, with OSC 52 and a bidi override in the reason and Location."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(302, "Found\x1b]52;c;aGk=\x07\u202e".encode().decode("latin-1"))
        self.send_header("Location", "/\x1b]0;owned\x07")
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_capture_quoting_a_servers_reason_and_location_does_not_write_the_clipboard(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = run_heapdiff("capture", f"http://127.0.0.1:{server.server_address[1]}",
                            "--every", "0.1s", "--count", "1", "--timeout", "3s",
                            "--out", tmp_path / "capture")
    finally:
        server.shutdown()
    assert "302" in done.stderr and "\\x1b]52;c;aGk=\\x07" in done.stderr
    assert invisible(done.stderr) == []


def test_capture_round_lines_quoting_a_server_show_its_escapes():
    screen = Screen(io.StringIO())
    screen.line("round 1/3  heap -  NO HEAP PROFILE  (heap: HTTP 500 \x1b]52;c;aGk=\x07\u202e)")
    assert screen.stream.getvalue() == \
        "round 1/3  heap -  NO HEAP PROFILE  (heap: HTTP 500 \\x1b]52;c;aGk=\\x07\\u202e)\n"


def test_json_keeps_hostile_names_exact(profiles, tmp_path):
    done = heapdiff("diff", "--format", "json", *profiles)
    names = {row["name"] for row in json.loads(done.stdout)["rows"]}
    assert {OSC52, BIDI, SEPARATOR, QUIT, UNBALANCED} <= names


@needs_dot
def test_dot_with_hostile_names_is_well_formed_and_shows_them(profiles, tmp_path):
    graph = heapdiff("diff", "--format", "dot", "--nodefraction", "0", *profiles).stdout
    assert invisible(graph) == []
    svg = subprocess.run(["dot", "-Tsvg"], input=graph, capture_output=True, text=True,
                         timeout=60)
    assert svg.returncode == 0, svg.stderr
    assert "main.\\u202eevil\\u202c" in svg.stdout


def report(profiles, tmp_path) -> str:
    out = tmp_path / "report.md"
    heapdiff("report", "--base", profiles[0], profiles[1], "-o", out)
    return out.read_text()


def test_file_name_with_newline_and_fence_stays_inside_the_reports_code_block(profiles,
                                                                           tmp_path):
    fenced = tmp_path / "new\n```\n# injected\n```sh\n.pb"
    profiles[1].rename(fenced)
    text = report((profiles[0], fenced), tmp_path)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "injected" not in headings  # the file name's line is no heading of its own
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid", "sh"]
    assert all(line.startswith("heapdiff ") for line in fences[1].content.splitlines())


def test_report_has_no_links_html_or_raw_escapes_from_names(profiles, tmp_path):
    text = report(profiles, tmp_path)
    assert invisible(text) == []
    parser = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
    parser.linkify.set({"fuzzy_link": False})
    tokens = parser.parse(text)
    inline = [c for t in tokens for c in t.children or []]
    assert not [t for t in inline if t.type in ("link_open", "html_inline", "strong_open")]
    assert not [t for t in tokens if t.type == "html_block"]


def test_mermaid_labels_with_hostile_names_stay_quoted(profiles, tmp_path):
    text = report(profiles, tmp_path)
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0] == "flowchart TD"
    for line in block[1:]:
        assert re.fullmatch(r'  n\d+\["[^"\[\]<>`]*"\]|  n\d+ --> n\d+', line), line


# --- the TUI ----------------------------------------------------------------------------

def run_tui(profiles, check, paths: list[str] | None = None) -> None:
    async def main():
        app = HeapdiffApp(paths or [str(profiles[1])], [] if paths else [str(profiles[0])])
        async with app.run_test(size=(160, 50)) as pilot:
            await settled(pilot)
            await check(app, pilot)
            assert app.is_running and app.return_code is None
    asyncio.run(main())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settled(pilot)


def tree_labels(tree) -> list[str]:
    nodes, labels = [tree.root], []
    while nodes:
        node = nodes.pop()
        labels.append(str(node.label))
        nodes += node.children
    return labels


@pytest.mark.parametrize("view", [v.slug for v in VIEWS])
def test_every_tui_view_with_hostile_names_neither_crashes_nor_acts(view, profiles):
    async def check(app, pilot):
        chosen = next(v for v in VIEWS if v.slug == view)
        await press(pilot, chosen.key)
        if view == "top":
            names = [row[-1] for row in app.query_one(TopView).query_one(RowTable).rows]
            assert QUIT in names and BOLD in names and UNBALANCED in names
            assert "main.(*T).clip\\x1b]52;c;aGVsbG8=\\x07" in names
            assert "main.\\u202eevil\\u202c" in names
        if view == "tree":
            labels = "\n".join(tree_labels(app.query_one(CallTreeView)))
            assert QUIT in labels and "main.\\u202eevil\\u202c" in labels
        if view == "peek":
            assert str(app.query_one("#peek-title", Static).render()).startswith(QUIT)
        await pilot.click(f"#{view}-view", offset=(3, 1))
        await settled(pilot)
    run_tui(profiles, check)
    assert not list(profiles[0].parent.joinpath("shots").iterdir())


@pytest.mark.parametrize("row, name", [(0, QUIT), (1, SHOT), (2, UNBALANCED), (3, BOLD)])
def test_a_function_named_as_markup_is_shown_literally_in_peek_and_never_acts(row, name,
                                                                             profiles):
    shots = profiles[0].parent / "shots"

    async def check(app, pilot):
        await press(pilot, "1", *["j"] * row, "enter")  # Enter peeks at the row
        for x in range(0, 30, 3):  # wherever a link would be
            await pilot.click("#peek-title", offset=(x, 0))
        await settled(pilot)
        assert app.is_running and not list(shots.iterdir())
        title = str(app.query_one("#peek-title", Static).render())
        assert title.startswith(name.replace("{dir}", str(shots)) + ": flat")
        await press(pilot, "f")  # focus: the notification quotes the name
        assert app.analysis.settings.focus
    run_tui(profiles, check)
    assert not list(shots.iterdir())


@pytest.mark.parametrize("view", ["timeline", "memory", "top"])
def test_a_hostile_capture_in_the_tui_neither_crashes_nor_acts(view, profiles, capture):
    async def check(app, pilot):
        chosen = next(v for v in VIEWS if v.slug == view)
        await press(pilot, chosen.key)
        if view == "timeline":
            names = [row[-1] for row in app.query_one("#timeline-table", RowTable).rows]
            assert QUIT in names and "main.\\u202eevil\\u202c" in names
        await pilot.click(f"#{view}-view", offset=(3, 1))
        await settled(pilot)
    run_tui(profiles, check, [str(capture)])
    assert not list(profiles[0].parent.joinpath("shots").iterdir())


def test_sizes_shows_a_sample_type_named_with_a_c1_escape_visible(tmp_path):
    """Found by the fuzzer: sizes printed the sample type raw, and U+009B is CSI on a C1
    terminal."""
    from pbwire import heap_profile
    hostile = ["", "inuse_objects", "count", "inuse_space\x9b31m", "bytes", "main.leaf",
               "main.middle", "main.root", "main.go"]
    base, new = tmp_path / "base.pb", tmp_path / "new.pb"
    base.write_bytes(heap_profile([([1, 2, 3], [1, 512])], strings=hostile))
    new.write_bytes(heap_profile([([1, 2, 3], [2, 1024])], strings=hostile))
    result = run_heapdiff("sizes", base, new)
    assert result.returncode == 0, result.stderr
    assert "\x9b" not in result.stdout
    assert "inuse_space\\x9b31m" in result.stdout
