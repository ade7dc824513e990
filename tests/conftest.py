import copy
import os

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.examples import MINIMAL
from tests.reviewers import staff


@pytest.fixture
def minimal_answers() -> dict:
    """A valid answers object with only the required items (a copy to change freely)."""
    return copy.deepcopy(MINIMAL)


# The machine is shared and noisy: time limits on examples would make the
# suite flaky without testing anything about the product.
settings.register_profile(
    "stride", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
# `make mutants` runs the scoring tests once per mutant: HYPOTHESIS_PROFILE=mutants
# makes every property test repeatable (derandomize, no example database) and
# bounded (tests/screening/examples.py caps max_examples).
settings.register_profile(
    "mutants", parent=settings.get_profile("stride"), derandomize=True, database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "stride"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    """Each test starts with empty rate-limit counters (they live in the cache), and
    its first cache outage is logged whatever earlier tests logged (web.cache)."""
    from django.core.cache import cache

    from web import cache as shared_cache

    cache.clear()
    monkeypatch.setattr(shared_cache, "_next_warning", 0.0)
    yield


@pytest.fixture
def reviewer(db):
    return staff("rita", "reviewers")


@pytest.fixture
def steward(db):
    return staff("stan", "data stewards")


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def steward_client(steward):
    """A browser of its own, so that a test can hold it beside reviewer_client."""
    browser = Client()
    browser.force_login(steward)
    return browser
