"""Understanding benchmark: intents read over the case tables against a bare call of the time library.

(d) `read_intents` over every reply of tests/conversation/cases.yaml and heldout.yaml (trimmed
    first, as the job does), against a bare `timefhuman(text)` call over the same trimmed texts:
    per-reply cost, and the ratio (goal <= 3x).

Both sides run in this process, interleaved in slices so that drift on a shared machine hits both
alike, after a warm-up (the library's grammar loads once per process). Prints a table; exits 1 when
the goal is missed. Run by hand, not in CI: `.venv/bin/python bench/understand.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import timefhuman.extraction as extraction  # noqa: E402
import timefhuman.fastpath as fastpath  # noqa: E402
import timefhuman.token_classifier as token_classifier  # noqa: E402
from timefhuman import tfhConfig, timefhuman  # noqa: E402

from concierge.inbound.intents import read_intents  # noqa: E402
from concierge.inbound.times import warm_up  # noqa: E402
from concierge.inbound.trim import trim_reply  # noqa: E402
from tests.conversation.harness import load_cases, situation  # noqa: E402

GOAL = 3.0


def forget_library_caches() -> None:
    """Empty timefhuman's per-text caches: replies are new text, a cache hit would flatter either side."""
    for module in (extraction, fastpath, token_classifier):
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__module__", "") == module.__name__:
                value.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the tables per side")
    args = parser.parse_args()
    cases = [
        c
        for table in ("cases.yaml", "heldout.yaml")
        for c in load_cases(ROOT / "tests" / "conversation" / table)
    ]
    texts = [trim_reply(c["text"]) for c in cases]
    situations = [situation(c) for c in cases]
    configs = [
        tfhConfig(now=s.now.astimezone(s.zone).replace(tzinfo=None), infer_datetimes=False)
        for s in situations
    ]
    warm_up()
    # One untimed pass of each side: what the library builds once per process (its grammar, the
    # lexer's scanners, built on first use of each parser state) is built before either is timed.
    for text, where, config in zip(texts, situations, configs, strict=True):
        read_intents(text, "Re: hello", where)
        timefhuman(text, config=config)
    ours: list[float] = []
    bare: list[float] = []
    for round_ in range(args.rounds):
        # Each round times both sides back to back, the side going first alternating: the ratio
        # of each round is taken, and the median of them reported, so that a burst of load on a
        # shared machine (which hits one round, or one side of it) does not decide the figure.
        for side in ("ours", "bare") if round_ % 2 == 0 else ("bare", "ours"):
            forget_library_caches()
            start = time.perf_counter()
            if side == "ours":
                for text, where in zip(texts, situations, strict=True):
                    read_intents(text, "Re: hello", where)
                ours.append(time.perf_counter() - start)
            else:
                for text, config in zip(texts, configs, strict=True):
                    timefhuman(text, config=config)
                bare.append(time.perf_counter() - start)
    ratios = sorted(o / b for o, b in zip(ours, bare, strict=True))
    ratio = statistics.median(ratios)
    ours_ms = statistics.median(ours) / len(texts) * 1000
    bare_ms = statistics.median(bare) / len(texts) * 1000
    ok = ratio <= GOAL
    print(f"{'measure':<52} {'value':<32} {'goal':<8} ok")
    print(
        f"{'(d) read_intents vs bare timefhuman, per reply':<52} "
        f"{f'{ours_ms:.2f} vs {bare_ms:.2f} ms: {ratio:.1f}x':<32} {'<= 3x':<8} {'yes' if ok else 'NO'}"
    )
    print(
        f"    {len(texts)} replies x {args.rounds} rounds; the costs are each side's median round, the ratio "
        f"the median of the rounds' ratios (from {ratios[0]:.1f}x to {ratios[-1]:.1f}x), "
        f"{datetime.now():%Y-%m-%d %H:%M}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
