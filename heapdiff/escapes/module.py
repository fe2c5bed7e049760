"""Which source file a profile's file name is: the profile names files by their build path
(absolute) or, built with -trimpath, by module path (example.com/m/pkg/f.go); the standard
library as fmt/print.go. A module-path name maps under the module root; an absolute one by
its longest suffix that exists under the root."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import InputError

MODULE_LINE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?\s*$", re.M)


@dataclass(frozen=True)
class Module:
    root: Path  # the folder holding go.mod
    path: str  # the module path go.mod declares

    def local(self, name: str) -> Path | None:
        """The file under root the profile's file name is, or None (std, other modules)."""
        if not name or "\0" in name or ".." in Path(name).parts:
            return None  # a name from the profile never leads out of the tree
        if name.startswith(self.path + "/"):
            return self._file(Path(name[len(self.path) + 1:]).parts)
        if not name.startswith("/"):
            return None
        parts = Path(name).parts[1:]
        for k in range(len(parts)):  # longest suffix first
            if (found := self._file(parts[k:])) is not None:
                return found
        return None

    def _file(self, parts: tuple[str, ...]) -> Path | None:
        """root/parts when it is a Go file inside root (symbolic links resolved)."""
        if not parts or not parts[-1].endswith(".go"):
            return None
        try:
            found = self.root.joinpath(*parts).resolve()
            return found if found.is_file() and found.is_relative_to(self.root) else None
        except (OSError, ValueError):
            return None

    def shown(self, path: str | Path) -> str:
        """A file as the user reads it: relative to the module root when under it."""
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def find_module(source: str) -> Module:
    """The module at source (a folder with go.mod, or inside one)."""
    try:
        start = Path(source).resolve()
        if not start.is_dir():
            raise InputError(source, "not a directory (--source wants the Go module's directory)")
        for folder in (start, *start.parents):  # resolved: local() compares resolved paths
            mod = folder / "go.mod"
            if mod.is_file():
                m = MODULE_LINE.search(mod.read_text(encoding="utf-8", errors="replace"))
                if m is None:
                    raise InputError(str(mod), "no module line")
                return Module(folder, m.group(1))
    except OSError as e:
        raise InputError(source, f"not readable ({e.strerror or e})") from None
    raise InputError(source, "no go.mod here or above: --source wants a Go module")
