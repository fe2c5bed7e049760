"""Object sizes that would print alike are told apart: idle_frees drops a 8,642,560-byte and a
8,552,448-byte buffer, both "8.2MiB" to one decimal; `sizes` and the report label them with
as many decimals as it takes, and leave every other label as it was."""
from __future__ import annotations

import json

from support import SAMPLES, run_heapdiff
from pprof_text import parse_top

from heapdiff.render.format import size_labels

IDLE = SAMPLES / "idle_frees"
INDEX, DICTIONARY = 8_642_560, 8_552_448  # 1055 and 1044 pages: large objects


def pprof_flat(snapshot, name: str) -> int:
    oracle = json.loads((snapshot / "heap.pb.gz.pprof.json").read_text())
    _, rows = parse_top(oracle["top"]["inuse_space/functions"])
    return next(flat for row_name, flat, _ in rows if row_name == name)


def test_the_two_buffers_are_two_sizes_with_pprofs_figures(heapdiff_json):
    got = heapdiff_json("sizes", IDLE / "base", IDLE / "later")
    rows = {r["size"]: r["delta"] for r in got["rows"]}
    assert rows == {INDEX: -pprof_flat(IDLE / "base", "main.loadIndex"),
                    DICTIONARY: -pprof_flat(IDLE / "base", "main.loadDictionary")}


def test_sizes_text_labels_them_apart():
    result = run_heapdiff("sizes", IDLE / "base", IDLE / "later")
    assert result.returncode == 0, result.stderr
    labels = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert labels == ["8.24MiB", "8.16MiB"]


def test_the_reports_size_table_labels_them_apart():
    result = run_heapdiff("report", "--base", IDLE / "base", IDLE / "later")
    table = result.stdout.split("## Object sizes")[1].split("##")[0]
    assert "| 8.24MiB | 8.2MiB | 0B | -8.2MiB |" in table
    assert "| 8.16MiB | 8.2MiB | 0B | -8.2MiB |" in table


def test_labels_that_differ_already_are_left_as_they_were():
    assert size_labels([1024, INDEX, 48, 1 << 30]) == ["1.0KiB", "8.2MiB", "48B", "1.0GiB"]


def test_only_the_clashing_labels_get_more_decimals():
    assert size_labels([INDEX, 4096, DICTIONARY]) == ["8.24MiB", "4.0KiB", "8.16MiB"]


def test_sizes_no_decimals_tell_apart_get_exact_bytes():
    assert size_labels([INDEX, INDEX + 8, 2048]) == ["8642560B", "8642568B", "2.0KiB"]
