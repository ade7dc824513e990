"""The shared cache (Redis in production) holds only what may be lost.

Rate-limit counters and a few precomputed admin values: nothing of a screening,
and nothing a page needs to be answered. When the cache cannot be reached (down,
or hanging until the short socket timeouts of settings.env_cache), a read is a
miss, a write is skipped and the request carries on. The outage is logged once
a minute per process, with how many operations failed meanwhile, rather than on
every request, so that a Redis outage does not flood the logs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import cache

logger = logging.getLogger("screening.cache")

WARN_EVERY_SECONDS = 60

_lock = threading.Lock()
_next_warning = 0.0
_failures = 0


def unavailable(message: str, event: str) -> None:
    """Note a failed cache operation: logged at most once a minute (per process)."""
    global _next_warning, _failures
    now = time.monotonic()
    with _lock:
        _failures += 1
        if now < _next_warning:
            return
        failures, _failures = _failures, 0
        _next_warning = now + WARN_EVERY_SECONDS
    logger.warning(message, extra={"event": event, "count": failures})


def get(key: str, default: Any = None) -> Any:
    """The cached value, or ``default`` when it is missing or the cache is unreachable."""
    try:
        return cache.get(key, default)
    except Exception:  # any cache failure is a miss, never a 500
        unavailable("cache unavailable", "cache_error")
        return default


def set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:  # nothing is kept; the next request computes the value again
        unavailable("cache unavailable", "cache_error")
