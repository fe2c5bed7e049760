"""The compiler's escape-analysis log, read into Diagnostics.

Two forms, both from one compile (`-gcflags=PKG=-m=2 -json=0,file://DIR`):
- the JSON log (cmd/compile/internal/logopt, LSP-shaped, one file per source file): a
  header line {"version": 0, ...}, then one diagnostic per line; escapes are the codes
  "escape"/"escapes" with the flow in relatedInformation ("escflow: ..."). It names only
  what escapes;
- the -m=2 text on stderr: `file:line:col: message`, indented lines the flow of the
  headline before them. It also says what does not escape, and "moved to heap: x".
Lines are 1-based in both (logopt writes the position's line as is)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

LOG_VERSIONS = (0,)  # the JSON log versions this reader knows
ESCAPE_CODES = ("escape", "escapes")
FLOW_PREFIX = "escflow:"

TEXT_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
HEADLINES = (  # -m text messages that are a verdict on one expression or variable
    re.compile(r"^moved to heap: \S+$"),
    re.compile(r"^.* escapes to heap$"),
    re.compile(r"^.* does not escape$"),
)
FLOW_HEADER = re.compile(r"^.* escapes to heap(?: in \S+)?:$")
AT = re.compile(r"^(?P<what>.*) at (?P<file>[^\s:][^:]*):(?P<line>\d+)(?::\d+)?$")


class UnknownLogFormat(ValueError):
    """A log whose version or shape this reader does not know."""


@dataclass(frozen=True)
class Diagnostic:
    file: str  # absolute path
    line: int
    column: int
    message: str  # "&T{...} escapes to heap", "moved to heap: x", "x does not escape"
    flow: tuple[str, ...] = ()  # "file:line: what" steps, file as the compiler named it

    @property
    def heap(self) -> bool:
        return not self.message.endswith("does not escape")


def read_json_log(folder: Path) -> list[Diagnostic]:
    """Every escape diagnostic in the JSON log files under folder."""
    out: list[Diagnostic] = []
    for path in sorted(folder.rglob("*.json")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines:
            continue
        try:
            header = json.loads(lines[0])
            version = header["version"]
            file = str(header["file"])
        except (ValueError, KeyError, TypeError):
            raise UnknownLogFormat(f"{path.name}: no log header") from None
        if version not in LOG_VERSIONS:
            raise UnknownLogFormat(f"log version {version!r}; heapdiff reads "
                                   f"{', '.join(map(str, LOG_VERSIONS))}")
        for text in lines[1:]:
            try:
                d = json.loads(text)
                if d["code"] not in ESCAPE_CODES or not d["message"]:
                    continue
                start = d["range"]["start"]
                out.append(Diagnostic(file, int(start["line"]), int(start["character"]),
                                      str(d["message"]),
                                      tuple(_step(r) for r in d.get("relatedInformation") or ())))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise UnknownLogFormat(f"{path.name}: a diagnostic of unknown shape") from None
    return out


def _step(related: dict) -> str:
    where = related["location"]
    file = unquote(urlparse(where["uri"]).path)
    what = str(related["message"]).removeprefix(FLOW_PREFIX).strip()
    return f"{file}:{int(where['range']['start']['line'])}: {what}"


def read_text_log(text: str, cwd: Path) -> list[Diagnostic]:
    """The verdicts in -m=2 text, each with the flow printed above it; relative file names
    are taken from cwd, as go build prints them."""
    out: list[Diagnostic] = []
    flows: dict[tuple[str, int, int], list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        m = TEXT_LINE.match(raw)
        if m is None:
            continue
        file = str((cwd / m["file"]).resolve()) if not m["file"].startswith("/") else m["file"]
        key = (file, int(m["line"]), int(m["col"]))
        msg = m["msg"]
        if msg[:1].isspace():
            if current is not None:
                current.append(_text_step(msg.strip(), cwd))
            continue
        if FLOW_HEADER.match(msg):
            current = flows.setdefault(key, [])
            continue
        current = None
        if any(h.match(msg) for h in HEADLINES):
            out.append(Diagnostic(key[0], key[1], key[2], msg, tuple(flows.pop(key, ()))))
    return out


def _text_step(step: str, cwd: Path) -> str:
    """`from X (tag) at file:line:col` as "file:line: from X (tag)"; flow lines as they are."""
    m = AT.match(step)
    if m is None:
        return step
    file = m["file"] if m["file"].startswith("/") else str((cwd / m["file"]).resolve())
    return f"{file}:{m['line']}: {m['what']}"


def merged(json_log: list[Diagnostic], text_log: list[Diagnostic]) -> list[Diagnostic]:
    """The JSON log's escapes, the text's where the JSON has none at that position (what
    does not escape), and the text's headline where it is more precise ("moved to heap: x"
    for the JSON's "x escapes to heap")."""
    text_at = {(d.file, d.line, d.column): d for d in text_log}
    out = []
    for d in json_log:
        t = text_at.pop((d.file, d.line, d.column), None)
        if t is not None and t.message.startswith("moved to heap:"):
            d = Diagnostic(d.file, d.line, d.column, t.message, d.flow or t.flow)
        out.append(d)
    out.extend(text_at.values())
    return sorted(out, key=lambda d: (d.file, d.line, d.column, d.message))
