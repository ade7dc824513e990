"""How many screenings per second score() does on one core.

Scores 100,000 random valid answers (generated up front, validated, not timed)
and reports the rate, with a baseline measured in the same run: a dict copy of
each answers object, so the ratio says how heavy scoring is compared to
touching the data at all. Target: at least 20,000 screenings per second.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.instrument import EXCLUSIVE_CODES, ITEMS, Kind, validate  # noqa: E402
from screening.scoring import score  # noqa: E402

N = int(os.environ.get("BENCH_SCORE_N", "100000"))


def random_answers(rng: random.Random) -> dict:
    answers: dict = {}
    for item_id, item in ITEMS.items():
        if not item.required and rng.random() < 0.4:
            continue
        if item.kind is Kind.INT:
            answers[item_id] = rng.randint(item.min or 0, item.max or 0)
        elif item.kind is Kind.ENUM:
            answers[item_id] = rng.choice(item.codes)
        elif item.kind is Kind.TEXT:
            answers[item_id] = "words " * rng.randint(1, 50)
        else:
            plain = [c for c in item.codes if c not in EXCLUSIVE_CODES]
            answers[item_id] = rng.sample(plain, rng.randint(1, min(4, len(plain))))
    answers["onset_age"] = min(answers["onset_age"], answers["age"])
    return validate(answers)


def rate(fn, data) -> float:
    start = time.perf_counter()
    for answers in data:
        fn(answers)
    return len(data) / (time.perf_counter() - start)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rng = random.Random(2026)
    data = [random_answers(rng) for _ in range(N)]
    baseline = max(rate(dict, data) for _ in range(3))
    scoring = max(rate(score, data) for _ in range(3))
    with_json = max(rate(lambda a: score(a).to_dict(), data) for _ in range(3))
    print(f"answers objects          : {N}")
    print(f"baseline dict copy       : {baseline:12,.0f} /s")
    for name, value in (("score()", scoring), ("score().to_dict()", with_json)):
        print(f"{name:<25}: {value:12,.0f} /s   ratio to baseline {value / baseline:.4f}")
    verdict = "meets" if scoring >= 20_000 else "MISSES"
    print(f"target >= 20,000 /s      : {verdict}")


if __name__ == "__main__":
    main()
