"""`heapdiff top` as a user meets it: defaults, options, text output and help."""
from __future__ import annotations

import json

from support import PUBLIC, SAMPLES, needs_public, run_heapdiff
from pbwire import heap_profile

LEAKY_LATER = SAMPLES / "leaky_cache" / "later" / "heap.pb.gz"


def test_help_lists_the_top_command():
    result = run_heapdiff("--help")
    assert result.returncode == 0
    assert "top" in result.stdout and "go tool pprof" in result.stdout


def test_top_help_explains_every_option():
    result = run_heapdiff("top", "--help")
    for option in ("--sample-index", "--granularity", "--nodecount", "--sort", "--format"):
        assert option in result.stdout


@needs_public
def test_default_sample_type_is_the_profiles_default(heapdiff_json):
    assert heapdiff_json("top", PUBLIC / "parca__alloc_objects.heap.pb.gz")["sample_type"] == "alloc_space"


def test_default_sample_type_is_the_last_one_without_a_default(heapdiff_json):
    assert heapdiff_json("top", LEAKY_LATER)["sample_type"] == "inuse_space"


def test_sample_index_by_position_as_pprof_allows(heapdiff_json):
    assert heapdiff_json("top", LEAKY_LATER, "--sample-index", "0")["sample_type"] == "alloc_objects"


def test_nodecount_limits_json_rows(heapdiff_json):
    assert len(heapdiff_json("top", LEAKY_LATER, "--nodecount", "3")["rows"]) == 3


def test_sort_cum_orders_by_cum(heapdiff_json):
    rows = heapdiff_json("top", LEAKY_LATER, "--sort", "cum")["rows"]
    cums = [abs(r["cum"]) for r in rows]
    assert cums == sorted(cums, reverse=True)
    assert rows[0]["name"] in ("main.main", "runtime.main")


def test_text_output_has_human_units_and_percentages():
    result = run_heapdiff("top", LEAKY_LATER)
    assert result.returncode == 0
    assert "MiB" in result.stdout and "%" in result.stdout
    assert "main.(*Cache).Insert" in result.stdout
    assert "showing 30 of" in result.stdout or "showing" in result.stdout


@needs_public
def test_unsymbolized_profile_shows_addresses_by_default():
    result = run_heapdiff("top", PUBLIC / "google-pprof__gobench.heap", "--nodecount", "3")
    assert result.returncode == 0
    assert "0000000000420cee" in result.stdout and "No symbols" in result.stdout


def test_hostile_names_reach_the_terminal_escaped(tmp_path):
    evil = "main.\x1b[31mred\x1b[0m\nnext\x07"
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", evil, "main.b", "main.c", "x.go"]
    path = tmp_path / "evil.pb"
    path.write_bytes(heap_profile([([1, 2, 3], [1, 16])], strings=strings))
    result = run_heapdiff("top", path)
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "main.\\x1b[31mred\\x1b[0m\\x0anext\\x07" in result.stdout
    as_json = json.loads(run_heapdiff("top", path, "--format", "json").stdout)
    assert as_json["rows"][0]["name"] == evil  # JSON carries the name exactly


def test_console_script_is_installed():
    import shutil
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "heapdiff"
    assert script.exists() or shutil.which("heapdiff")
