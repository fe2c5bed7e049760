"""The compiled kernel (heapdiff/_kernel.c) is a fast path: on every profile it takes, it gives
exactly what the numpy route gives, and what it declines the numpy route decides, error
messages included. Each test runs both routes in this process (HEAPDIFF_KERNEL=0 turns the
kernel off) and compares them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pbwire import field_bytes, heap_profile, packed
from support import PUBLIC, SAMPLES
from heapdiff.analysis.aggregate import GRANULARITIES, aggregate
from heapdiff.common.errors import InputError
from heapdiff.common.kernel import compiled
from heapdiff.inputs.decode.pprof import decode_pprof
from heapdiff.inputs.load import load_profile, read_input

pytestmark = pytest.mark.skipif(
    compiled() is None, reason="the compiled kernel is not built here (`make setup` builds it "
                               "with the C compiler; without one, only the numpy route runs)")

PROFILES = sorted(p for p in SAMPLES.rglob("*.pb.gz") if "bin" not in p.parts) + \
    (sorted(PUBLIC.glob("*.pb.gz")) if PUBLIC.is_dir() else [])


def both_routes(monkeypatch, load):
    """load() by the kernel, then by numpy alone: (kernel's, numpy's)."""
    with_kernel = load()
    monkeypatch.setenv("HEAPDIFF_KERNEL", "0")
    try:
        return with_kernel, load()
    finally:
        monkeypatch.delenv("HEAPDIFF_KERNEL")


def columns(profile) -> dict[str, np.ndarray]:
    l = profile.labels
    return {"values": profile.values, "stack_offsets": profile.stack_offsets,
            "stack_locations": profile.stack_locations, "label_sample": l.sample,
            "label_key": l.key, "label_str": l.str, "label_num": l.num, "label_unit": l.num_unit}


def assert_same_profile(a, b) -> None:
    for (name, x), y in zip(columns(a).items(), columns(b).values()):
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def profile_id(path: Path) -> str:
    return str(path.relative_to(SAMPLES if path.is_relative_to(SAMPLES) else PUBLIC))


@pytest.mark.parametrize("path", PROFILES, ids=profile_id)
def test_every_committed_and_public_profile_decodes_alike_by_both_routes(monkeypatch, path):
    kernel, numpy = both_routes(monkeypatch, lambda: load_profile(path))
    assert_same_profile(kernel, numpy)


@pytest.mark.parametrize("path", PROFILES, ids=profile_id)
def test_cum_and_flat_are_alike_by_both_routes_for_every_type_and_granularity(monkeypatch, path):
    profile = load_profile(path)

    def all_aggregates():
        profile._cache.clear()
        return [aggregate(profile, i, g) for i in range(len(profile.sample_types))
                for g in GRANULARITIES]

    for kernel, numpy in zip(*both_routes(monkeypatch, all_aggregates)):
        assert np.array_equal(kernel.flat, numpy.flat)
        assert np.array_equal(kernel.cum, numpy.cum)
        assert kernel.total == numpy.total


def test_a_recursive_stack_counts_once_in_cum_by_the_kernel(monkeypatch):
    # location 1 twice in one stack (recursion): its cum is the sample's value, not twice it
    profile = decode_pprof(heap_profile([([1, 2, 1, 3], [1, 64]), ([1], [2, 32])]), "recursive")
    agg = aggregate(profile, 1, "functions")
    leaf = agg.frames.names.index("main.leaf")
    assert agg.cum[leaf] == 96 and agg.flat[leaf] == 96
    assert agg.cum[agg.frames.names.index("main.root")] == 64


@pytest.mark.parametrize("pack", [True, False], ids=["packed", "unpacked"])
def test_packed_and_unpacked_fields_decode_alike_by_both_routes(monkeypatch, pack):
    data = heap_profile([([1, 2, 3], [1, 16]), ([2, 3], [4, 4096]), ([], [1, 8])], pack=pack)
    assert_same_profile(*both_routes(monkeypatch, lambda: decode_pprof(data, "p")))


BROKEN_SAMPLES = {
    "an undefined location id": packed(1, [1, 9]) + packed(2, [1, 16]),
    "a value count unlike the sample types": packed(1, [1]) + packed(2, [1, 16, 3]),
    "a field running past its sample": b"\x0a\x09\x01" + packed(2, [1, 16]),
    "a varint cut at the sample's end": packed(1, [1]) + packed(2, [1]) + b"\x10\x80",
    "a fixed64 field in a sample": packed(1, [1]) + packed(2, [1, 16]) + b"\x29" + bytes(8),
}


@pytest.mark.parametrize("kind", BROKEN_SAMPLES)
def test_what_the_kernel_declines_numpy_decides_with_the_same_outcome(monkeypatch, kind):
    data = heap_profile([]) + field_bytes(2, BROKEN_SAMPLES[kind])  # fields in any order

    def outcome():
        try:
            return columns(decode_pprof(data, "broken"))
        except InputError as exc:
            return str(exc)

    kernel, numpy = both_routes(monkeypatch, outcome)
    if isinstance(numpy, str):
        assert kernel == numpy
    else:
        assert all(np.array_equal(kernel[k], numpy[k]) for k in numpy)


def test_framing_by_the_kernel_equals_the_numpy_walk_on_a_big_sample(monkeypatch):
    import heapdiff.inputs.decode.framing as framing

    buf = np.frombuffer(read_input(SAMPLES / "leaky_cache" / "later" / "heap.pb.gz"), np.uint8)
    kernel = framing._compiled_records(buf)
    numpy = framing._numpy_records(buf)
    assert kernel is not None
    for name in ("field", "start", "payload", "end"):
        assert np.array_equal(getattr(kernel, name), getattr(numpy, name)), name


def test_sums_past_int64_wrap_as_gos_do_by_both_routes(monkeypatch):
    # two samples of 2**62 + 5 and 2**62 + 7 bytes: their sum passes 2**63 and wraps, as
    # pprof's int64 sum does; the numpy route once took such sums for exact float sums
    data = heap_profile([([1], [1, 2**62 + 5]), ([1, 2], [1, 2**62 + 7])])

    def leaf_figures():
        profile = decode_pprof(data, "huge")
        agg = aggregate(profile, 1, "functions")
        leaf = agg.frames.names.index("main.leaf")
        return int(agg.flat[leaf]), int(agg.cum[leaf])

    wrapped = 2**63 + 12 - 2**64
    assert both_routes(monkeypatch, leaf_figures) == ((wrapped, wrapped), (wrapped, wrapped))


@pytest.mark.parametrize("path", PROFILES, ids=profile_id)
def test_call_graph_edges_are_alike_by_both_routes(monkeypatch, path):
    from heapdiff.analysis.aggregate import frame_nodes
    from heapdiff.analysis.callgraph import _edges

    profile = load_profile(path)

    def all_edges():
        out = []
        for granularity in ("functions", "lines"):
            fn = frame_nodes(profile, granularity)
            weights = profile.values[:, len(profile.sample_types) - 1]
            out.append(_edges(profile, fn, weights))
            half = np.arange(len(fn.infos)) % 2 == 0  # in most stacks: every stack is read
            out.append(_edges(profile, fn, weights, half))
        return out

    kernel, numpy = both_routes(monkeypatch, all_edges)
    assert kernel == numpy
    assert list(kernel[0]) == sorted(kernel[0])  # ordered by (caller, callee), as numpy's
