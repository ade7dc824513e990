"""What a simulated runner types, shared by the locust users and bench_http.py.

Kept apart from bench/locustfile.py because importing locust patches the
standard library (gevent), which must not happen in the controlling process.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.instrument import LIMIT_ACTIVITIES, LIMIT_SCALES  # noqa: E402
from tests.journey_helpers import STEP_POSTS as JOURNEY_POSTS  # noqa: E402

# What a runner enters on each step: the tests' data, with the whole limits grid filled.
STEP_POSTS: dict[str, dict[str, Any]] = {
    **JOURNEY_POSTS,
    "limits": {
        f"{scale}_{activity}": "limited" if scale == "worst" else "no_limit"
        for activity in LIMIT_ACTIVITIES
        for scale in LIMIT_SCALES
    },
}
STEPS = list(STEP_POSTS)
_addresses = itertools.count(1)


def new_address() -> str:
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def form_body(data: dict[str, Any], token: str) -> list[tuple[str, str]]:
    """A step's form fields as posted by a browser: the CSRF token, then one pair per value."""
    pairs = [("csrfmiddlewaretoken", token)]
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return pairs
