"""The call tree and its growth path (the TUI's Tree and Flame, key `g`) stay linear in stack
depth and bounded in memory under recursion: each runs in a child process under a time and
address-space limit, so a regression fails instead of hanging or swapping the machine."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from support import REPO

# Builds `base` and `new`: one sample whose stack is `stack` (location ids, leaf first) in a
# profile with `locations` locations, location i calling function main.f<i>; new grew.
PROFILES = """
    import sys
    sys.path.insert(0, "tests")
    from pbwire import heap_profile
    from heapdiff.inputs.decode.pprof import decode_pprof

    def profile(samples, locations):
        strings = ["", "inuse_objects", "count", "inuse_space", "bytes"] + [
            f"main.f{i}" for i in range(1, locations + 1)] + ["main.go"] * 4
        return decode_pprof(heap_profile(samples, locations=locations, strings=strings), "p")
"""


def growth_path_within(seconds: float, build: str, expect: int, memory_mib: int = 1024) -> None:
    """Build `base` and `new` with `build`, find the growth path of their call tree (top-down
    and callers' view) in a child limited to `memory_mib` of address space: it must find a
    path of `expect` nodes in `seconds`."""
    script = textwrap.dedent(PROFILES) + textwrap.dedent(f"""
        import resource, time
        resource.setrlimit(resource.RLIMIT_AS, ({memory_mib} << 20, {memory_mib} << 20))
        from heapdiff.analysis.calltree import CallTree
        {build}
        start = time.perf_counter()
        lengths = [len(CallTree([base], new, "inuse_space", "functions",
                                bottom_up=up).growth_path()) for up in (False, True)]
        print(time.perf_counter() - start, *lengths)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, timeout=seconds + 30)
    assert result.returncode == 0, result.stderr[-2000:]
    took, *lengths = result.stdout.split()
    assert [int(n) for n in lengths] == [expect, expect]
    assert float(took) < seconds, f"{took} s"


def test_the_growth_path_of_a_100000_frame_recursion_stays_in_bounded_memory():
    """main.f1 calling itself 100,000 times under main.f2: 22 GB before (every path a tuple
    of its ids, kept for every level)."""
    growth_path_within(30, """
        stack = [1] * 100_000 + [2]
        base = profile([(stack, [1, 100])], 2)
        new = profile([(stack, [2, 300])], 2)
    """, expect=100_001, memory_mib=768)


def test_the_growth_path_of_a_20000_frame_recursion_takes_seconds():
    growth_path_within(4, """
        stack = [1] * 20_000 + [2]
        base = profile([(stack, [1, 100])], 2)
        new = profile([(stack, [2, 300])], 2)
    """, expect=20_001)


def test_g_on_1000_frame_stacks_answers_in_the_tui(tmp_path):
    """Textual's Tree lays out one Python frame per level: a 1,000-level unfold raised
    RecursionError on the event loop, and the app hung formatting it. The tree now opens the
    growth path's first 256 levels (f1000, the root, down to f745) and says so."""
    script = textwrap.dedent(PROFILES) + textwrap.dedent(f"""
        import asyncio, time
        from tui_settle import settled
        from tui.app import HeapdiffApp
        from tui.views.tree import CallTreeView

        stack = list(range(1, 1001))
        for name, values in (("base.pb", [1, 100]), ("new.pb", [2, 300])):
            strings = ["", "inuse_objects", "count", "inuse_space", "bytes"] + [
                f"main.f{{i}}" for i in range(1, 1001)]
            with open({str(tmp_path)!r} + "/" + name, "wb") as out:
                out.write(heap_profile([(stack, values)], locations=1000, strings=strings))

        async def main():
            app = HeapdiffApp([{str(tmp_path / "new.pb")!r}], [{str(tmp_path / "base.pb")!r}])
            async with app.run_test(size=(140, 40)) as pilot:
                await settled(pilot)
                await pilot.press("2")
                await settled(pilot)
                start = time.perf_counter()
                await pilot.press("g")
                await settled(pilot)
                print(time.perf_counter() - start, app.query_one(CallTreeView).cursor_node.data.name)
        asyncio.run(main())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    took, name = result.stdout.split()
    assert name == "main.f745" and float(took) < 10
