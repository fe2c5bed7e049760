"""How a diff is computed: pprof's sample index, granularity, mode, -normalize, -focus and
-ignore. `report` takes them as options and the TUI's keys change them: one value, so that
`m` reports what the TUI shows."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # filters imports numpy: only when a filter is made
    from .filters import SampleFilter


@dataclass(frozen=True)
class DiffOptions:
    sample_type: str | None = None  # None: pprof's pick for the pair
    granularity: str = "functions"
    mode: str = "diff-base"
    normalize: bool = False
    focus: str | None = None  # regular expressions, as pprof's -focus and -ignore
    ignore: str | None = None

    def sample_filter(self) -> SampleFilter:
        from .filters import SampleFilter

        return SampleFilter(focus=re.compile(self.focus) if self.focus else None,
                            ignore=re.compile(self.ignore) if self.ignore else None)

    def flags(self, mode: bool = True) -> list[str]:
        """The command-line options that say these options (none for the defaults); `mode`:
        whether the command takes --mode and --normalize."""
        pairs = (("--sample-index", self.sample_type),
                 ("--granularity", None if self.granularity == "functions" else self.granularity),
                 ("--mode", self.mode if mode and self.mode != "diff-base" else None),
                 ("--focus", self.focus), ("--ignore", self.ignore))
        out = [part for flag, value in pairs if value for part in (flag, value)]
        return out + (["--normalize"] if mode and self.normalize else [])

    def label(self, sample_type: str) -> str:
        """What a title says: the sample type shown and every option not at its default."""
        parts = [sample_type]
        if self.granularity != "functions":
            parts.append(self.granularity)
        if self.mode != "diff-base":
            parts.append(f"mode {self.mode}")
        if self.normalize:
            parts.append("normalized")
        if self.focus:
            parts.append(f"focus {self.focus}")
        if self.ignore:
            parts.append(f"ignore {self.ignore}")
        return " · ".join(parts)
