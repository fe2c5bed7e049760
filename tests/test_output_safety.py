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
from support import REPO, run_heapdiff

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
    from heapdiff.commands.options import json_text

    document = {"ratio": math.nan, "rows": [{"growth": math.inf}, {"growth": -math.inf}],
                "pair": (1.5, 2), "name": "NaN"}
    assert strict_json(json_text(document)) == {
        "ratio": None, "rows": [{"growth": None}, {"growth": None}], "pair": [1.5, 2],
        "name": "NaN"}
