"""Rate limits: 429 beyond the limit, keyed on the right client, never on a raw IP."""

import json
import re

import pytest
import redis
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from tests.journey_helpers import STEP_POSTS
from web.ratelimit import client_address, client_key, parse_rate

API = "/api/v1/score"
LIMITS = {
    "draft": "2/3600",
    "resume": "3/600",
    "api": "3/60",
    "report": "1/60",
    "login": "30/600",
}


def post_api(client, body=b"{}", **extra):
    return client.post(API, data=body, content_type="application/json", **extra)


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_the_pdf_api_has_its_own_smaller_limit(client):
    """One PDF a minute here, while scores (limit 3) still go through."""
    bad = b'{"age": "old"}'  # refused with 400 before any render, but counted
    report = [client.post("/api/v1/report", bad, content_type="application/json") for _ in range(2)]
    assert [r.status_code for r in report] == [400, 429]
    assert report[1]["Content-Type"] == "application/json"
    assert post_api(client).status_code == 400


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_it_answers_429_with_json_and_retry_after_beyond_the_api_limit(client, minimal_answers):
    body = json.dumps(minimal_answers)
    assert [post_api(client, body).status_code for _ in range(3)] == [200, 200, 200]
    refused = post_api(client, body)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert "Too many requests" in refused.json()["errors"]["request"][0]
    assert 1 <= int(refused["Retry-After"]) <= 60


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_it_counts_bad_requests_too(client):
    for _ in range(3):
        assert post_api(client, b"not json").status_code == 400
    assert post_api(client, b"not json").status_code == 429


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_it_limits_resume_code_guesses_with_a_page(client):
    statuses = [client.post("/resume/", {"code": "ABCD-EFGH-JKMN-P"}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    page = client.post("/resume/", {"code": "ABCD-EFGH-JKMN-P"})
    assert page.status_code == 429
    text = page.content.decode()
    assert "Too many attempts" in text and "<html" in text
    assert "protects resume codes from being guessed" in text
    assert int(page["Retry-After"]) > 0


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_it_limits_how_many_drafts_one_client_starts():
    from screening.models import Draft

    for _ in range(2):
        runner = Client()
        assert runner.post("/step/safety/", STEP_POSTS["safety"]).status_code == 302
    third = Client().post("/step/safety/", STEP_POSTS["safety"])
    assert third.status_code == 429
    assert Draft.objects.count() == 2
    # Nothing was saved, so the page comes back with the runner's choices still made.
    text = third.content.decode()
    minutes = max(1, round(int(third["Retry-After"]) / 60))  # the rest of the window
    assert "was not saved yet" in text and f"wait {minutes} minute" in text
    chosen = [tag for tag in re.findall(r"<input[^>]*>", text) if "checked" in tag]
    assert {re.search(r'name="(\w+)"', tag)[1] for tag in chosen} == set(STEP_POSTS["safety"])


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_an_urgent_answer_gets_the_help_page_even_when_no_draft_may_start():
    for _ in range(2):
        Client().post("/step/safety/", STEP_POSTS["safety"])
    urgent = Client().post("/step/safety/", {**STEP_POSTS["safety"], "sudden_weakness": "yes"})
    assert urgent.status_code == 200
    assert "Get medical help today" in urgent.content.decode()


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS)
def test_saving_later_steps_of_ones_own_draft_is_not_limited_as_a_new_draft():
    runner = Client()
    for step_id, data in list(STEP_POSTS.items())[:5]:
        assert runner.post(f"/step/{step_id}/", data).status_code == 302, step_id


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS, NUM_PROXIES=0)
def test_it_ignores_x_forwarded_for_when_no_proxy_is_trusted(client):
    for n in range(3):
        post_api(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert post_api(client, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS, NUM_PROXIES=1)
def test_it_tells_clients_apart_behind_one_trusted_proxy(client):
    for _ in range(3):
        post_api(client, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert post_api(client, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Another runner behind the same proxy still gets through...
    assert post_api(client, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 400
    # ...and a forged left-most entry does not buy the first one a fresh allowance.
    forged = post_api(client, HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.1")
    assert forged.status_code == 429


@pytest.mark.django_db
@override_settings(RATELIMITS=LIMITS, NUM_PROXIES=1)
def test_an_ipv6_client_cannot_rotate_through_its_own_64_network(client):
    """A line's /64 is one client; the next /64 is another."""
    for n in range(3):
        post_api(client, HTTP_X_FORWARDED_FOR=f"2001:db8:5:6::{n + 1:x}")
    assert post_api(client, HTTP_X_FORWARDED_FOR="2001:db8:5:6:ffff::1").status_code == 429
    assert post_api(client, HTTP_X_FORWARDED_FOR="2001:db8:5:7::1").status_code == 400


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "192.0.2.10"),
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (2, "1.1.1.1", "1.1.1.1"),
        (1, "", "192.0.2.10"),
    ],
)
def test_it_reads_the_client_address_through_the_trusted_proxies(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(NUM_PROXIES=proxies):
        assert client_address(request) == expected


def test_the_client_key_is_a_keyed_hash_not_the_address():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    key = client_key(request)
    assert "192.0.2.10" not in key and len(key) == 32
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        assert client_key(request) != key


REDIS = "redis://127.0.0.1:6379/7"


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "test-ratelimit",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.django_db
def test_it_keeps_no_ip_address_in_the_shared_redis_cache(client):
    server = redis.Redis.from_url(REDIS)
    with override_settings(CACHES=redis_cache(REDIS), RATELIMITS=LIMITS, NUM_PROXIES=1):
        cache.clear()
        for _ in range(4):
            post_api(client, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.77")
        assert post_api(client, HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 429
        keys = [key.decode() for key in server.keys("test-ratelimit:*")]
        cache.clear()
    assert keys and all(":rl:api:" in key for key in keys)
    assert not any("203.0.113.77" in key or "192.0.2.10" in key for key in keys)


@pytest.mark.django_db
def test_it_lets_requests_through_when_the_cache_is_down(client, minimal_answers, caplog):
    unreachable = "redis://127.0.0.1:1/0"
    with override_settings(CACHES=redis_cache(unreachable), RATELIMITS=LIMITS):
        statuses = [post_api(client, json.dumps(minimal_answers)).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert "rate-limit cache unavailable" in caplog.text


def test_a_rate_reads_count_per_seconds():
    assert parse_rate("10/600").count == 10 and parse_rate("10/600").seconds == 600
