"""The fuzzer as a specification: a short deterministic run finds no traceback, hang,
blow-up or escape, and every case saved in tests/fuzz/corpus/ is now ok or a clean error.
The long run is `bench/fuzz --cases 200000 --jobs 2`."""
from __future__ import annotations

from fuzz.classify import ACCEPTABLE
from fuzz.runner import Pool, corpus_entries, fuzz_requests, replay_requests, replayable, \
    summary

SHORT_RUN = 2000
SEED = 13


def failures(results) -> list[str]:
    """One line per failure, in ASCII: a hostile file name must not reach the terminal here."""
    return [ascii(f"{r.outcome} {r.case.kind} {' '.join(r.case.argv)} (seed {r.case.seed} case "
                  f"{r.case.index}): {r.signature}")
            for r in results if r.outcome not in ACCEPTABLE]


def test_a_short_fuzz_run_finds_no_traceback_hang_blowup_or_escape():
    results = Pool(jobs=2, timeout=20).run(fuzz_requests(SEED, 0, SHORT_RUN))
    assert len(results) == SHORT_RUN
    assert not failures(results), summary(results, 1)


def test_every_saved_crash_in_the_corpus_is_now_ok_or_a_clean_error():
    entries = replayable(corpus_entries())
    results = Pool(jobs=2, timeout=20).run(replay_requests(entries))
    assert len(results) == len(entries)
    assert not failures(results), "\n".join(failures(results))
