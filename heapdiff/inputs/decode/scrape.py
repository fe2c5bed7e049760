"""A saved Prometheus scrape (`curl host/metrics > m.prom`, or a federation dump of many
processes), read with prometheus_client's text parser and mapped through the names table.

Only the lines of series the table names are handed to the parser, a bounded batch at a
time: a scrape is mostly series heapdiff does not read, and the parser keeps a family's
samples in one list, so a hostile file of millions of lines costs neither time nor memory.
The series of each process (its instance, job, pod... labels) go to snapshot_parts."""
from __future__ import annotations

import math
import re

from ...common.errors import InputError
from ...model import Scrape
from .prometheus import Labels, Series, snapshot_parts, wanted
from .telemetry import NAMES

# The labels that tell one process from another in a scrape of several, in the order a
# process is named by.
IDENTITY = ("instance", "job", "pod", "namespace", "container")
MAX_BYTES = 256 << 20  # a /metrics scrape is KiB; a federation dump of a fleet a few MiB
MAX_PROCESSES = 1024
# Lines of the series the table names, parsed at some 20 µs each: a process has about 40, so
# this is room for every process allowed, and a bound of a few seconds.
MAX_LINES = 64 * MAX_PROCESSES
BATCH = 1024  # lines handed to the parser at once
SNIFFED_LINES = 20

_SERIES = sorted({n.series for n in NAMES}, key=len, reverse=True)
_WANTED_LINE = re.compile(r"^(?:" + "|".join(map(re.escape, _SERIES)) + r")(?=[{ \t])[^\n]*",
                          re.MULTILINE)
_SAMPLE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^\n]*\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$")
_COMMENT = ("# HELP ", "# TYPE ")


def looks_like_scrape(opening: str) -> bool:
    """The first lines are the text exposition format's: # HELP / # TYPE comments and
    `name{labels} value` lines, at least one of them a sample."""
    lines = [line.rstrip("\r") for line in opening.split("\n")[:SNIFFED_LINES] if line.strip()]
    if len(lines) == SNIFFED_LINES and not opening.endswith("\n"):
        lines = lines[:-1]  # the opening may cut the last line
    samples = 0
    for line in lines:
        if line.startswith("#"):
            if not line.startswith(_COMMENT) and line != "# EOF":
                return False
            continue
        m = _SAMPLE.match(line)
        if m is None or not _is_number(m.group(1)):
            return False
        samples += 1
    return samples > 0 or any(line.startswith("# TYPE ") for line in lines)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def decode_scrape(data: bytes | bytearray, source: str) -> Scrape:
    if len(data) > MAX_BYTES:
        raise InputError(source, f"a scrape of {len(data)} bytes: more than heapdiff reads "
                                 f"({MAX_BYTES >> 20} MiB)")
    text = bytes(data).decode("utf-8", errors="replace")
    processes: dict[Labels, dict[tuple[str, Labels], Series]] = {}
    lines: list[str] = []
    for m in _WANTED_LINE.finditer(text):
        if len(lines) == MAX_LINES:
            raise InputError(source, f"more than {MAX_LINES} lines of the series heapdiff "
                                     "reads: not the scrape of a few processes")
        lines.append(m.group(0))
    for start in range(0, len(lines), BATCH):
        for s in _parsed("\n".join(lines[start:start + BATCH]) + "\n", source):
            if not wanted(s):
                continue
            labels = dict(s.labels)
            identity = tuple((k, labels[k]) for k in IDENTITY if k in labels)
            series = processes.get(identity)
            if series is None:
                if len(processes) == MAX_PROCESSES:
                    raise InputError(source, f"more than {MAX_PROCESSES} processes in one "
                                             "scrape")
                series = processes[identity] = {}
            if (s.name, s.labels) in series:
                raise InputError(source, f"the series {s.name}{_shown(s.labels)} appears twice")
            series[(s.name, s.labels)] = s
    if not processes:
        raise InputError(source, "a Prometheus scrape without Go runtime or process memory "
                                 "series (no go_memstats_*, go_memory_*, "
                                 "process_resident_memory_bytes)")
    return Scrape(tuple(snapshot_parts(series.values(), source, identity)
                        for identity, series in processes.items()), source)


def _parsed(text: str, source: str) -> list[Series]:
    # imported here: prometheus_client (with http.server) is 50 ms of every start, and most
    # runs read no scrape (heapdiff tui's first screen, issue 15)
    from prometheus_client.parser import text_string_to_metric_families

    try:
        return [Series(sample.name, tuple(sorted(sample.labels.items())), _real(sample.value))
                for family in text_string_to_metric_families(text)
                for sample in family.samples]
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(source, f"not a valid Prometheus scrape: {reason}") from None


def _real(value: float | int) -> float:
    """The parser gives a long integer as an int: past a float's range it is infinite (and
    passed over as no size can be), not an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _shown(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{v[:40]}"' for k, v in labels[:6]) + "}"

