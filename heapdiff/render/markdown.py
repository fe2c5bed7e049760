"""The findings as GitHub-flavoured Markdown for an incident ticket: deterministic (no clock),
sections without data left out, every name from a profile escaped."""
from __future__ import annotations

from ..analysis.diffoptions import DiffOptions
from ..gather import Gathered
from ..memory.container import Container
from ..common.units import human, human_bytes, percent
from .escape import code_line
from .escape import markdown as md
from .escape import mermaid
from . import verdict as verdict_text
from .format import (bar, bar_scale, diff_cells, gc_summary, held_as, share, signed,
                     site_cells, size_labels)

GROWTH_ROWS = 15
RETAINER_ROWS = 10
ALLOC_ROWS = 10
RETAINED_ROWS = 10


def report_markdown(g: Gathered) -> str:
    parts = [f"# heapdiff report: {_title(g)}", "", *_summary(g), "", *_deltas(g)]
    for section in (_inputs, _growth, _paths, _sizes, _memory, _gc, _retainers, _allocs,
                    _retained, _findings, _reproduce):
        lines = section(g)
        if lines:
            parts += lines + [""]
    return "\n".join(parts).rstrip() + "\n"


def _title(g: Gathered) -> str:
    """What the user named, and how the growth was computed when it was not pprof's default."""
    if g.diff is None or g.options == DiffOptions():
        return md(g.title)
    return f"{md(g.title)} ({md(g.options.label(g.diff.sample_type.type))})"


def summary_lines(g: Gathered) -> list[str]:
    """Three lines: what changed (led by the whole profile's direction: see verdict), the
    leading cause of the RSS gap (or the leading finding), and the one action to take first.
    Plain text; escaped by the caller."""
    lines = []
    severe = [f for f in g.findings if f.severity in ("critical", "warning")]
    if severe:
        lines.append(f"{severe[0].id}: {severe[0].title}.")
    v = g.verdict
    if v is not None:
        lines.append(verdict_text.headline(v))
    w = g.waterfall
    if w is not None and w.leading is not None and w.rss is not None and len(lines) < 2:
        profile = w.get("profile_inuse")
        shown = f"the heap profile shows {human_bytes(profile)}; " if profile is not None else ""
        lines.append(f"Of RSS {human_bytes(w.rss)}, {shown}the largest other part is "
                     f"{w.leading.component}: {human_bytes(w.leading.bytes or 0)}.")  # never None
    action = severe[0].advice if severe else (
        verdict_text.first_step(v) if v is not None else
        g.findings[0].advice if g.findings else "")
    if action:
        lines.append(f"First: {action}")
    return lines[:3]


def warning_lines(g: Gathered) -> list[str]:
    """What makes the summary doubtful (alloc counters that fell); plain text."""
    return verdict_text.warnings(g.verdict) if g.verdict is not None else []


def _summary(g: Gathered) -> list[str]:
    warned = [f"> **{md(line)}**  " for line in warning_lines(g)]
    return [f"> {md(line)}  " for line in summary_lines(g)] + warned


def _deltas(g: Gathered) -> list[str]:
    """A delta profile among the inputs is said before anything is read as the heap."""
    notes = [f"**Delta:** {md(i.path)} ({i.role}) is {md(i.delta)}." for i in g.inputs if i.delta]
    return [*notes, ""] if notes else []


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" ---: " if a == "r" else " --- " for a in align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def _inputs(g: Gathered) -> list[str]:
    rows = [[i.role, md(i.path), md(i.kind), md(i.time),
             md(i.sample_types), md(i.build_id)] for i in g.inputs]
    return ["## Inputs", "", *_table(["moment", "file", "kind", "time", "sample types",
                                      "build id"], rows, "llllll")]


def _growth(g: Gathered) -> list[str]:
    if g.diff is None or g.verdict is None or not g.diff.rows:
        return []
    d, unit = g.diff, g.diff.sample_type.unit
    rows = [[md(r.name), c.base_flat, c.new_flat, c.delta_flat, c.flat_percent, c.base_cum,
             c.new_cum, c.delta_cum, r.status]
            for r, c in ((r, diff_cells(r, unit)) for r in d.rows[:GROWTH_ROWS])]
    return [f"## {verdict_text.table_title(g.verdict)} ({md(d.sample_type.type)})", "",
            f"Base total {human(d.base_total, unit)}, new total {human(d.new_total, unit)}, "
            f"net change {signed(d.net_change, unit)}.", "",
            *_table(["function", "base flat", "new flat", "Δ flat", "Δ%", "base cum",
                     "new cum", "Δ cum", ""], rows, "lrrrrrrrl")]


def _paths(g: Gathered) -> list[str]:
    if not g.paths:
        return []
    assert g.diff is not None  # growth paths come with the diff
    unit = g.diff.sample_type.unit
    lines = ["## Growth paths", "", "```mermaid", "flowchart TD"]
    ids: dict[str, str] = {}

    def node(name: str, label: str) -> str:
        if name not in ids:
            ids[name] = f"n{len(ids)}"
            lines.append(f'  {ids[name]}["{mermaid(label)}"]')
        return ids[name]

    for path in g.paths:
        previous = node(path.nodes[0], path.nodes[0])
        for hop in path.hops:
            current = node(hop.callee, f"{hop.callee} {signed(hop.delta, unit)}")
            edge = f"  {previous} --> {current}"
            if edge not in lines:
                lines.append(edge)
            previous = current
    lines.append("```")
    return lines


def _sizes(g: Gathered) -> list[str]:
    if not g.sizes:
        return []
    rows = [[label, human_bytes(r.base), human_bytes(r.new), signed(r.delta, "bytes")]
            for r, label in zip(g.sizes, size_labels([r.size for r in g.sizes]))]
    return ["## Object sizes", "", *_table(["object size", "base", "new", "Δ"], rows, "rrrr")]


def _memory(g: Gathered) -> list[str]:
    w = g.waterfall
    if w is None:
        return []
    scale = bar_scale(r.bytes for r in w.rows)
    rows = []
    base = g.base_waterfall
    for r in w.rows:
        if r.bytes is None:
            cells = [md(r.component), "unknown", "", ""]
        else:
            cells = [md(r.component), human_bytes(r.bytes),
                     percent(r.bytes, w.rss, digits=1) if w.rss else "",
                     f"`{bar(r.bytes, scale)}`" if bar(r.bytes, scale) else ""]
        if base is not None:
            before = base.get(r.component)
            cells.append(signed(r.bytes - before, "bytes")
                         if r.bytes is not None and before is not None else "")
        cells.append(md(f"needs {r.needs}" if r.bytes is None else r.cause))
        rows.append(cells)
    header = ["component", "bytes", "share of RSS", "bar"] + (["change"] if base else []) + \
        ["what it is"]
    lines = ["## Where the memory went", "",
             f"RSS {human_bytes(w.rss)} ({md(w.rss_source)})." if w.rss is not None else
             "RSS unknown: give /proc/PID/status or smaps\\_rollup.", ""]
    if w.leading is not None:
        lines += [f"Leading cause of the gap between the profile and RSS: "
                  f"**{md(w.leading.component)}**.", ""]
    lines += _table(header, rows, "lrrl" + ("r" if base else "") + "l")
    if w.split:
        lines += ["", "RSS by mapping (smaps): " + ", ".join(
            f"{md(c)} {human_bytes(b)}" for c, b in w.split) + "."]
    return lines + _container(w.container, w.rss)


def _container(c: Container | None, rss: int | None) -> list[str]:
    """The rows past RSS to the cgroup's usage, and the limit."""
    if c is None:
        return []
    start = f"RSS {human_bytes(rss)}" if rss is not None else "0 (no RSS given)"
    limit = "no limit" if c.limit is None else (
        f"limit {human_bytes(c.limit)}, {percent(c.usage, c.limit, digits=1)} used")
    rows = [[md(r.component), human_bytes(r.bytes), md(r.cause)] for r in c.rows]
    return ["", f"### The container (cgroup {c.version})", "",
            f"From {start} to {md(c.usage_file)} {human_bytes(c.usage)} ({limit}"
            + (f"; working set {human_bytes(c.working_set)}" if c.working_set is not None
               else "") + ").", ""] + _table(["component", "bytes", "what it is"], rows, "lrl")


def _gc(g: Gathered) -> list[str]:
    if g.gc is None:
        return []
    return ["## GC health", "", md(gc_summary(g.gc))]


def _retainers(g: Gathered) -> list[str]:
    r = g.retainers
    if g.no_retainers:
        return ["## Pointer-dense retainers", "", f"Not known: {md(g.no_retainers)}."]
    if r is None or not r.sites:
        return []
    rows = []
    for s in r.sites[:RETAINER_ROWS]:
        c = site_cells(s)
        rows.append([md(s.function), md(f"{s.file}:{s.line}"), md(s.type or ""), c.evidence,
                     md(c.verdict), c.inuse, "unknown" if s.scan_bytes is None else c.scan,
                     md(s.advice)])
    return ["## Pointer-dense retainers", "",
            f"Verdicts for {share(r.known_share)} of in-use bytes (evidence: binary > source "
            "> heuristic; heuristic rows are hints, not verdicts).", "",
            *([f"The profile has {md(r.note)}.", ""] if r.note else []),
            *_table(["site", "where", "type", "evidence", "verdict", "in use", "GC scans",
                     "advice"], rows, "llllllrl")]


def _allocs(g: Gathered) -> list[str]:
    a = g.allocs
    if a is None:
        return []
    rows = []
    for s in a.sites[:ALLOC_ROWS]:
        rows.append([md(s.site.function), md(f"{s.shown_file}:{s.site.line}"),
                     human(s.site.flat, a.unit), share(s.share, 1),
                     "-" if s.rate_per_s is None else human(s.rate_per_s, a.unit),
                     s.escape.verdict, s.escape.reason if s.escape.verdict == "heap" else "",
                     md(s.escape.detail), md(s.escape.advice)])
    span = f"over {a.span_s:.3g} s" if a.span_s else "(rates need --base or a delta profile)"
    said = f"{md(a.go_version)}'s escape analysis of `{md(a.module)}`" if a.go_version \
        else "no compiler verdicts"
    return ["## Why these allocate on the heap", "",
            f"{md(a.sample_type)} per line of the source, {span}; {said}.", "",
            *[f"- {md(w)}" for w in a.warnings], *([""] if a.warnings else []),
            *_table(["site", "where", "allocated", "share", "per second", "verdict", "reason",
                     "the compiler's words", "advice"], rows, "llrrrllll")]


def _retained(g: Gathered) -> list[str]:
    r = g.retained
    if r is None:
        return []
    grew = r.base is not None
    rows = []
    for group in r.groups[:RETAINED_ROWS]:
        row = [md(f"{group.root} ({group.root_kind})"), md(held_as(group, str)),
               human_bytes(group.retained_bytes), f"{group.retained_objects:,}",
               human_bytes(group.pointer_bytes), md(" → ".join(group.path))]
        if grew:
            row.insert(2, signed(group.delta_bytes, "bytes"))
        rows.append(row)
    head = ["root", "held as", "retained", "objects", "pointers", "dominator path"]
    if grew:
        head.insert(2, "growth")
    return ["## What keeps the heap alive (heap dump)", "",
            f"{md(r.source)}: {human_bytes(r.reachable_bytes)} reachable from the roots in "
            f"{r.reachable_objects:,} objects"
            + (f"; ranked by growth since {md(r.base.source)}" if r.base else "") + ".", "",
            *_table(head, rows, "ll" + ("r" if grew else "") + "rrrl")]


def _findings(g: Gathered) -> list[str]:
    if not g.findings:
        return []
    lines = ["## Findings", ""]
    for f in g.findings:
        figure = f" ({human_bytes(f.bytes)})" if f.bytes is not None else ""
        lines += [f"### {f.severity}: `{f.id}`{figure}", "", md(f.title) + ".", "",
                  md(f.detail), "", f"**Do:** {md(f.advice)}", ""]
    return lines[:-1]


def _reproduce(g: Gathered) -> list[str]:
    if not g.commands:
        return []
    return ["## How to reproduce", "", "```sh", *map(code_line, g.commands.values()), "```"]
