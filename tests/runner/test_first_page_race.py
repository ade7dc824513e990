"""One draft per browser start, however many posts of the first page arrive at once."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from screening.models import Draft
from tests.journey_helpers import STEP_POSTS
from tests.runner.test_journey import screening_mark
from web.runner_cookies import CODE_COOKIE

PARALLEL = 20


@pytest.mark.django_db(transaction=True)
@override_settings(RATELIMITS={**settings.RATELIMITS, "draft": "1/3600"})
def test_parallel_posts_of_one_first_page_start_one_draft_charged_once():
    """Twenty posts of one first page at once, from one browser (its cookies copied
    to twenty clients, as a browser sends them with every request): one draft, every
    answer links the same code, and the draft budget (one here) is charged once,
    so no post is refused; a second start from that address is."""
    browser = Client()
    page = {**STEP_POSTS["safety"], "screening": screening_mark(browser.get("/step/safety/"))}
    start = threading.Barrier(PARALLEL)
    responses = {}

    def post(n: int) -> None:
        client = Client()
        client.cookies = browser.cookies
        try:
            start.wait()
            responses[n] = client.post("/step/safety/", page)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(r.status_code for r in responses.values())
    assert statuses == [302] * PARALLEL, statuses
    assert Draft.objects.count() == 1
    assert Draft.objects.get().answers == {k: "no" for k in STEP_POSTS["safety"]}
    codes = {r.cookies[CODE_COOKIE].value for r in responses.values()}
    linked = {
        Client(HTTP_COOKIE=f"{CODE_COOKIE}={v}").get("/step/about/").status_code for v in codes
    }
    assert linked == {200}  # every cookie handed out opens the one draft

    other = Client()
    again = {**STEP_POSTS["safety"], "screening": screening_mark(other.get("/step/safety/"))}
    assert other.post("/step/safety/", again).status_code == 429
    assert Draft.objects.count() == 1


@pytest.mark.django_db
def test_a_first_page_posted_again_without_its_cookie_saves_into_the_same_draft():
    """The response that linked the browser was lost (a dropped connection): the
    page posted again starts nothing new and links the same code."""
    browser = Client()
    page = {**STEP_POSTS["safety"], "screening": screening_mark(browser.get("/step/safety/"))}
    first = Client().post("/step/safety/", page)
    second = Client().post("/step/safety/", page)
    assert first.status_code == second.status_code == 302
    assert Draft.objects.count() == 1
