"""Faults: the database going away, two submits racing, oversized and non-JSON bodies.

The outage is real as far as Django is concerned: a database execute wrapper
(Django's own hook for instrumenting queries) makes every query fail with
OperationalError, as a dropped connection does, and is removed when the
database "returns". Nothing of ours is replaced.
"""

import json
import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client

from screening.models import Draft, Submission
from tests.journey_helpers import EXPECTED_ANSWERS, STEP_POSTS, code_of, complete_steps

STEPS = list(STEP_POSTS)


def refuse_queries(execute, sql, params, many, context):
    raise OperationalError("the database is unreachable")


def refuse_session_writes(execute, sql, params, many, context):
    if "django_session" in sql and not sql.lstrip().upper().startswith("SELECT"):
        raise OperationalError("the database is unreachable")
    return execute(sql, params, many, context)


@pytest.mark.django_db
def test_a_lost_database_mid_journey_gives_a_503_page_and_keeps_earlier_answers():
    runner = Client()
    complete_steps(runner, until="exclusions")
    code = code_of(runner)
    saved = dict(Draft.objects.get().answers)

    with connection.execute_wrapper(refuse_queries):
        response = runner.post("/step/exclusions/", STEP_POSTS["exclusions"])
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "briefly unavailable" in text and "<html" in text
    assert "Traceback" not in text and "OperationalError" not in text

    # The database is back: nothing saved before is lost, and the runner carries on.
    assert Draft.objects.get().answers == saved
    later = Client()
    resumed = later.post("/resume/", {"code": code})
    assert resumed["Location"] == "/step/exclusions/"
    complete_rest = {k: v for k, v in STEP_POSTS.items() if STEPS.index(k) >= 3}
    for step_id, data in complete_rest.items():
        assert later.post(f"/step/{step_id}/", data).status_code == 302
    assert Draft.objects.get().answers == EXPECTED_ANSWERS


URGENT_ADVICE = "Get medical help today"


@pytest.mark.parametrize("linked", [False, True], ids=["first visit", "mid-journey"])
@pytest.mark.django_db
def test_an_urgent_yes_gets_the_help_page_with_the_database_and_the_cache_down(linked):
    """docs/clinical-safety.md H1: the emergency advice needs neither the database
    (every query refused) nor the cache (Redis on a closed port)."""
    from django.test import override_settings

    from tests.web.test_cache_outage import caches_at, closed_port

    runner = Client(raise_request_exception=False)
    if linked:
        complete_steps(runner, until="about")
    urgent = {**STEP_POSTS["safety"], "sudden_weakness": "yes"}
    with (
        closed_port() as cache_url,
        override_settings(CACHES=caches_at(cache_url)),
        connection.execute_wrapper(refuse_queries),
    ):
        response = runner.post("/step/safety/", urgent)
        plain = runner.post("/step/safety/", STEP_POSTS["safety"])
    text = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert URGENT_ADVICE in text and "call 999" in text
    assert "The page you just sent was not saved" in text
    # Without an urgent yes the outage page answers, itself with the advice in one line.
    assert plain.status_code == 503
    assert "briefly unavailable" in plain.content.decode()
    assert URGENT_ADVICE in plain.content.decode()


def test_the_503_page_carries_the_urgent_advice():
    from django.template.loader import render_to_string

    page = render_to_string("503.html")
    assert URGENT_ADVICE in page and "112" in page and "911" in page


@pytest.mark.django_db
def test_a_lost_database_while_saving_the_session_also_gives_the_503_page():
    """Only staff have sessions (a runner's link is a signed cookie): a reviewer
    signing in while the session table cannot be written gets the 503 page."""
    from django.urls import reverse

    from tests.reviewers import PASSWORD, staff

    staff("rita", "reviewers")
    reviewer = Client(raise_request_exception=False)
    with connection.execute_wrapper(refuse_session_writes):
        response = reviewer.post(reverse("admin:login"), {"username": "rita", "password": PASSWORD})
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()


@pytest.mark.django_db
def test_the_journey_never_writes_a_session():
    runner = Client(raise_request_exception=False)
    with connection.execute_wrapper(refuse_session_writes):
        complete_steps(runner)
        assert runner.post("/consent/", {}).status_code == 302
        assert runner.get("/result/").status_code == 200


@pytest.mark.django_db
def test_the_api_keeps_scoring_while_the_database_is_down(client):
    # The API stores nothing, so an outage does not touch it.
    with connection.execute_wrapper(refuse_queries):
        response = client.post(
            "/api/v1/score",
            data=json.dumps(EXPECTED_ANSWERS),
            content_type="application/json",
        )
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_browsers_submitting_one_draft_at_once_make_one_submission():
    first, second = Client(), Client()
    complete_steps(first)
    code = code_of(first)
    assert second.post("/resume/", {"code": code})["Location"] == "/check-your-answers/"

    start = threading.Barrier(2)
    responses = {}

    def submit(name: str, client: Client) -> None:
        try:
            start.wait()
            responses[name] = client.post("/consent/", {"share_for_research": "on"})
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in [("a", first), ("b", second)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(r.status_code for r in responses.values())
    seen = (statuses, Submission.objects.count(), Draft.objects.count())
    # The second insert waits for the first (a row lock on PostgreSQL, the write
    # lock on SQLite), hits the unique index, and is answered with the first's result.
    assert seen == ([302, 302], 1, 0), seen
    assert {r["Location"] for r in responses.values()} == {"/result/"}
    for client in (first, second):
        assert client.get("/result/").status_code == 200


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_submission_for_one_code():
    fields = Submission.fields_from(EXPECTED_ANSWERS)
    Submission.objects.create(**fields, code_hash="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(**fields, code_hash="a" * 64)


@pytest.mark.django_db
def test_an_oversized_form_post_is_refused_with_413_and_nothing_saved(client):
    data = {**STEP_POSTS["safety"], "padding": "x" * (300 * 1024)}
    response = client.post("/step/safety/", data)
    assert response.status_code == 413
    assert "too much to send" in response.content.decode()
    assert Draft.objects.count() == 0
    # Answered late enough in the middleware chain to carry every page's headers.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_413_comes_from_the_declared_length_before_any_byte_is_read(client):
    # Declares 10 MB but sends a few bytes: a server that read the body first
    # would wait for the rest or fail to parse; it is refused at once instead.
    response = client.post(
        "/step/safety/",
        data="bladder_bowel_saddle=no",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert Draft.objects.count() == 0


@pytest.mark.django_db
def test_the_api_refuses_a_body_over_64_kib_with_413(client):
    body = json.dumps({**EXPECTED_ANSWERS, "own_words": "y" * (70 * 1024)})
    response = client.post("/api/v1/score", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["errors"]


@pytest.mark.django_db
def test_the_api_refuses_a_body_over_the_site_limit_as_json(client):
    body = "z" * (300 * 1024)
    response = client.post("/api/v1/score", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/jsonp",
        "",
    ],
)
@pytest.mark.django_db
def test_the_api_refuses_bodies_that_are_not_json(client, content_type):
    body = json.dumps(EXPECTED_ANSWERS)
    response = client.post("/api/v1/score", data=body, content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"]["answers"][0]


@pytest.mark.django_db
def test_the_api_accepts_json_with_a_charset(client):
    body = json.dumps(EXPECTED_ANSWERS)
    response = client.post(
        "/api/v1/score", data=body, content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_api_answers_405_to_other_methods(client):
    assert client.get("/api/v1/score").status_code == 405
    assert (
        client.put("/api/v1/score", data="{}", content_type="application/json").status_code == 405
    )


@pytest.mark.django_db
def test_saving_a_step_of_a_draft_deleted_meanwhile_is_no_500():
    """Another tab deletes (or submits) the draft between this request reading
    it and saving it: the page comes back saying so, with what was posted, no 500."""
    runner = Client(raise_request_exception=False)
    complete_steps(runner, until="symptoms")
    deleting = []

    def delete_first(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith('UPDATE "SCREENING_DRAFT"') and not deleting:
            deleting.append(True)
            Draft.objects.all().delete()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(delete_first):
        response = runner.post("/step/symptoms/", STEP_POSTS["symptoms"])
    assert deleting, "the save never reached the database"
    assert response.status_code == 409
    assert "no longer here: they were deleted" in response.content.decode()
    assert Draft.objects.count() == 0
