import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def minimal_answers() -> dict:
    """A valid answers object with only the required items."""
    return json.loads((EXAMPLES / "minimal.json").read_text())


# The machine is shared and noisy: time limits on examples would make the
# suite flaky without testing anything about the product.
settings.register_profile(
    "stride", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("stride")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with empty rate-limit counters (they live in the cache)."""
    from django.core.cache import cache

    cache.clear()
    yield
