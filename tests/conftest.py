import copy

import pytest
from hypothesis import HealthCheck, settings

from tests.examples import MINIMAL


@pytest.fixture
def minimal_answers() -> dict:
    """A valid answers object with only the required items (a copy to change freely)."""
    return copy.deepcopy(MINIMAL)


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
