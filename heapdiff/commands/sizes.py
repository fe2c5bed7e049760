"""heapdiff sizes BASE NEW"""
from __future__ import annotations

import sys

from ..common.progress import TerminalProgress
from ..analysis.sampletypes import pair_sample_type
from ..analysis.sizes import size_changes
from ..render import shapes
from ..render.sizes import sizes_text
from .options import add_diff_inputs, add_output_options, limit_rows, load_diff_inputs, write_json


def register(commands) -> None:
    sizes = commands.add_parser(
        "sizes", help="the change per object size (Go's `bytes` label)",
        description="Net change per object size: Go labels each heap sample with the size of "
                    "its objects, so this shows, say, that 1 KiB objects grew by 40 MiB.")
    add_diff_inputs(sizes)
    add_output_options(sizes)
    sizes.set_defaults(run=run)


def run(args) -> int:
    with TerminalProgress() as progress:
        _, _, bases, new = load_diff_inputs(args, progress)
    rows = size_changes(bases, new, args.sample_index)
    shown = limit_rows(rows, args.nodecount, args.format == "text")
    vt = new.sample_types[new.sample_index(pair_sample_type(bases, new, args.sample_index))]
    if args.format == "json":
        write_json({"sample_type": vt.type, "unit": vt.unit,
                    "rows": [shapes.size_row(r) for r in shown]})
        return 0
    sys.stdout.write(sizes_text(vt, rows, shown))
    return 0
