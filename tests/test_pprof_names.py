"""Function names are printed as `go tool pprof` prints them: its symbolizer's demangling
step simplifies names that look like demangled C++ (generic Go names among them), and the
profile's own name stays reachable. Every expected name below is what go1.27.3's pprof printed
(tests/oracles/names/ records it for the odd cases; samples/generics/ for real Go names)."""
from __future__ import annotations

import gzip
import json

import pytest

from heapdiff import profile_pb2 as pb
from heapdiff.cli import main
from heapdiff.inputs.load import load_profile
from heapdiff.inputs.names import pprof_name, simplified
from pprof_text import canonical, parse_top
from support import REPO, SAMPLES, run_heapdiff

NAMES = REPO / "tests" / "oracles" / "names"
GENERICS = SAMPLES / "generics"


def test_an_interface_shape_loses_its_method_parentheses():
    """The issue's first example (Prometheus's go-loser)."""
    name = ("github.com/bboreham/go-loser.New[go.shape.interface { At() github.com/prometheus/"
            "prometheus/storage.SeriesRef; Err() error; Next() bool }]")
    assert simplified(name) == (
        "github.com/bboreham/go-loser.New[go.shape.interface { At github.com/prometheus/"
        "prometheus/storage.SeriesRef; Err error; Next bool }]")


def test_a_receiver_after_type_arguments_is_dropped():
    """The issue's second example (Pyroscope): `.(*Resolver)` after `]` goes, leaving `..`."""
    name = ("github.com/grafana/pyroscope/pkg/phlaredb.mergeByStacktraces[go.shape.*uint8]"
            ".(*Resolver).AddSamplesFromParquetRow.func1")
    assert simplified(name) == ("github.com/grafana/pyroscope/pkg/phlaredb.mergeByStacktraces"
                                "[go.shape.*uint8]..AddSamplesFromParquetRow.func1")


@pytest.mark.parametrize("name", [
    "main.(*Cache).Insert",  # no brackets: not C++-looking
    "main.main.func1",
    "internal/sync.(*HashTrieMap[go.shape.interface {},go.shape.interface {}]).Load",
    "main.(*Store[go.shape.interface { Len() int }]).Put",  # "]).": a Go method, kept whole
    "java.util.ArrayList.<init>(java.util.List<T>)[]",  # ".<": Java
    "type:.eq.[2]interface {}",  # brackets, nothing to remove
    "main.Fill[go.shape.chan<- int]",  # an unclosed '<' stays
    "a)b(c)[x]",  # a ')' before any '(': pprof stops at once
])
def test_names_pprof_leaves_alone(name):
    assert simplified(name) == name


@pytest.mark.parametrize("name, printed", [
    ("main.Apply[go.shape.func(int) string]", "main.Apply[go.shape.func string]"),
    ("std::vector<std::pair<int, int> >::push_back(std::pair<int, int> const&)",
     "std::vector::push_back"),
    ("ns::f(int)", "ns::f"),
    ("h<(x)>(y)", "h"),  # parentheses first, then angle brackets
    ("k((a)(b))c[z]>d<e>", "kc[z]>d<e>"),  # a '>' before any '<' stops the second pass
    ("f(a)b)c[x](d)", "fb)c[x](d)"),  # stops at the unmatched ')', keeping what it removed
    ("g[x](unclosed", "g[x](unclosed"),
])
def test_names_pprof_simplifies(name, printed):
    assert simplified(name) == printed


def test_a_name_other_than_the_system_name_is_already_demangled():
    assert pprof_name("pretty.Name", "ugly[a(b)]") == "pretty.Name"


def test_an_empty_name_is_made_from_the_system_name():
    assert pprof_name("", "empty.name[a(b)]") == "empty.name[a]"


def test_odd_names_print_as_pprof_prints_them_at_every_granularity(heapdiff_json):
    """tests/oracles/names/: one sample per case of cases.json, pprof's -top recorded."""
    oracle = json.loads((NAMES / "names.pb.gz.pprof.json").read_text())
    for key, text in oracle["top"].items():
        _, granularity = key.split("/")
        total, rows = parse_top(text)
        got = heapdiff_json("top", NAMES / "names.pb.gz", "--granularity", granularity)
        assert got["total"] == total
        assert canonical([(r["name"], r["flat"], r["cum"]) for r in got["rows"]]) \
            == canonical(rows), key


def test_generic_names_in_a_go_profile_are_pprofs(heapdiff_json):
    """The real shapes Go 1.27 writes (samples/generics), as pprof prints them."""
    got = {r["name"] for r in heapdiff_json("top", GENERICS / "later" / "heap.pb.gz")["rows"]}
    assert {"main.Drain[go.shape.interface { At int; Err error }]",
            "main.Apply[go.shape.func string]",
            "main.Ring[go.shape.interface { Len int }].Wrap",
            "main.NewPair[go.shape.interface { Len int },go.shape.[60]int64]",  # an inlined frame
            "main.(*Store[go.shape.string,go.shape.[]uint8]).Put",
            "main.Lazy[go.shape.int64].func1",
            "main.Fill[go.shape.chan<- int]"} <= got


def test_the_profile_keeps_the_raw_name_as_system_name():
    profile = load_profile(GENERICS / "later" / "heap.pb.gz")
    raw = {f.system_name: f.name for f in profile.functions if f.name != f.system_name}
    assert raw["main.Drain[go.shape.interface { At() int; Err() error }]"] \
        == "main.Drain[go.shape.interface { At int; Err error }]"


def test_the_pprof_export_names_functions_as_pprof_proto_does(tmp_path):
    """`go tool pprof -proto -diff_base` writes the simplified name as the name and the raw one
    as the system name; these are its four pairs that differ on samples/generics."""
    out = tmp_path / "diff.pb.gz"
    assert main(["diff", str(GENERICS / "base" / "heap.pb.gz"),
                 str(GENERICS / "later" / "heap.pb.gz"), "--format", "pprof", "-o", str(out)]) == 0
    exported = pb.Profile.FromString(gzip.decompress(out.read_bytes()))
    s = exported.string_table
    assert {(s[f.name], s[f.system_name]) for f in exported.function
            if s[f.name] != s[f.system_name]} == {
        ("main.Apply[go.shape.func string]", "main.Apply[go.shape.func(int) string]"),
        ("main.Drain[go.shape.interface { At int; Err error }]",
         "main.Drain[go.shape.interface { At() int; Err() error }]"),
        ("main.NewPair[go.shape.interface { Len int },go.shape.[60]int64]",
         "main.NewPair[go.shape.interface { Len() int },go.shape.[60]int64]"),
        ("main.Ring[go.shape.interface { Len int }].Wrap",
         "main.Ring[go.shape.interface { Len() int }].Wrap")}


@pytest.mark.parametrize("command", [
    ("paths", "BASE", "NEW", "--count", "20"),
    ("peek", "BASE", "NEW", "Drain"),
    ("diff", "BASE", "NEW", "--format", "dot"),
    ("report", "--base", "BASE", "NEW"),  # Markdown: the growth table, paths, retainers
], ids=["paths", "peek", "dot", "report"])
def test_every_output_prints_pprofs_name(command):
    paths = {"BASE": GENERICS / "base", "NEW": GENERICS / "later"}
    result = run_heapdiff(*(paths.get(a, a) for a in command))
    assert result.returncode == 0, result.stderr
    assert "At int; Err error }" in result.stdout
    assert "At() int" not in result.stdout


DRAIN = "main.Drain[go.shape.interface { At int; Err error }]"
DRAIN_RAW = "main.Drain[go.shape.interface { At() int; Err() error }]"


def test_top_json_rows_carry_the_raw_name_where_it_differs(heapdiff_json):
    for granularity in ("functions", "lines"):
        rows = heapdiff_json("top", GENERICS / "later" / "heap.pb.gz",
                             "--granularity", granularity)["rows"]
        drain = [r for r in rows if r["name"].startswith(DRAIN)]
        assert drain and all(r["system_names"] == [DRAIN_RAW] for r in drain)
        assert all("system_names" not in r for r in rows if not r["name"].startswith(
            ("main.Drain", "main.Apply", "main.Ring[go.shape.interface", "main.NewPair")))


def test_diff_and_report_json_rows_carry_the_raw_name_where_it_differs(heapdiff_json):
    diff = heapdiff_json("diff", GENERICS / "base", GENERICS / "later")
    report = heapdiff_json("report", "--base", GENERICS / "base", GENERICS / "later")
    for rows in (diff["rows"], report["growth"]["rows"]):
        [drain] = [r for r in rows if r["name"] == DRAIN]
        assert drain["system_names"] == [DRAIN_RAW]
        [plain] = [r for r in rows if r["name"] == "main.Lazy[go.shape.int64].func1"]
        assert "system_names" not in plain


def test_raw_names_print_as_pprof_without_symbolization(heapdiff_json, monkeypatch):
    """HEAPDIFF_RAW_NAMES=1 is `go tool pprof -symbolize=none`: the profile's own names."""
    monkeypatch.setenv("HEAPDIFF_RAW_NAMES", "1")
    oracle = json.loads((NAMES / "generics-symbolize-none.pprof.json").read_text())
    assert DRAIN_RAW in oracle["top"]["inuse_space/functions"]
    for key, text in oracle["top"].items():
        sample_type, granularity = key.split("/")
        total, rows = parse_top(text)
        got = heapdiff_json("top", GENERICS / "later" / "heap.pb.gz", "--sample-index",
                            sample_type, "--granularity", granularity)
        assert got["total"] == total
        assert canonical([(r["name"], r["flat"], r["cum"]) for r in got["rows"]]) \
            == canonical(rows), key
