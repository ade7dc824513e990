"""CORS: the programs' routes (/api/, /fhir/) answer any origin, without credentials;
the runner's and reviewer's pages answer none."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

from screening import fhir
from screening.instrument import validate
from tests.screening.test_fhir import DAY

ORIGIN = "https://forms.elsewhere.example"
SCORE = "/fhir/QuestionnaireResponse/$score"
PROGRAM_URLS = ["/fhir/metadata", "/fhir/Questionnaire/llc-screen", "/api/v1/score", SCORE]
PAGES = ["/", "/about/", "/start/", f"/{settings.ADMIN_URL}", f"/{settings.ADMIN_URL}login/"]


def preflight(client: Client, url: str, method: str = "POST", headers: str = "content-type"):
    return client.options(
        url,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def assert_open_to_any_origin(response) -> None:
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("url", PROGRAM_URLS)
def test_a_preflight_on_a_program_route_is_answered_204(client, url):
    response = preflight(client, url)
    assert response.status_code == 204
    assert response.content == b""
    assert_open_to_any_origin(response)
    assert {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")} >= {
        "GET",
        "POST",
    }
    assert "content-type" in response["Access-Control-Allow-Headers"].lower()
    assert int(response["Access-Control-Max-Age"]) > 0
    assert not response.cookies


@pytest.mark.django_db
def test_a_cross_origin_post_without_cookies_scores(minimal_answers):
    # What a browser sends after the preflight: no cookie, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response_resource = fhir.questionnaire_response(validate(minimal_answers), DAY)
    with override_settings(RATELIMIT_ENABLED=False):
        fhir_answer = client.post(
            SCORE,
            json.dumps(response_resource),
            content_type=fhir.FHIR_JSON,
            headers={"Origin": ORIGIN},
        )
        api_answer = client.post(
            "/api/v1/score",
            json.dumps(minimal_answers),
            content_type="application/json",
            headers={"Origin": ORIGIN},
        )
    for response in (fhir_answer, api_answer):
        assert response.status_code == 200
        assert_open_to_any_origin(response)
        assert not response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize(
    "request_args",
    [
        ("get", "/fhir/Patient/1", 404),
        ("get", "/fhir/Questionnaire/llc-screen?version=7", 404),
        ("get", SCORE, 405),
        ("post", "/api/v1/score", 415),
    ],
    ids=["unknown-route", "unknown-version", "wrong-method", "not-json"],
)
def test_refusals_are_readable_cross_origin_too(client, request_args):
    method, url, status = request_args
    response = getattr(client, method)(url, headers={"Origin": ORIGIN})
    assert response.status_code == status
    assert_open_to_any_origin(response)


@pytest.mark.django_db
@override_settings(RATELIMITS={**settings.RATELIMITS, "api": "1/60"}, RATELIMIT_ENABLED=True)
def test_a_rate_limited_client_can_read_when_to_retry(client, minimal_answers):
    body = json.dumps(minimal_answers)
    client.post("/api/v1/score", body, content_type="application/json")
    response = client.post("/api/v1/score", body, content_type="application/json")
    assert response.status_code == 429
    assert_open_to_any_origin(response)
    assert "Retry-After" in response["Access-Control-Expose-Headers"]


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_refusal_from_a_lower_layer_is_readable_cross_origin(client):
    # BodySizeLimitMiddleware refuses before any view runs.
    response = client.post(
        SCORE, "x" * 2048, content_type=fhir.FHIR_JSON, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 413
    assert response.json()["resourceType"] == "OperationOutcome"
    assert_open_to_any_origin(response)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_the_runners_and_reviewers_pages_get_no_cors_header(client, url):
    response = client.get(url, headers={"Origin": ORIGIN})
    assert response.status_code in (200, 302)
    assert not any(header.lower().startswith("access-control-") for header in response.headers)
    answered = preflight(client, url)
    assert answered.status_code != 204
    assert not any(header.lower().startswith("access-control-") for header in answered.headers)


@pytest.mark.django_db
def test_a_plain_options_request_is_no_preflight(client):
    # Without Access-Control-Request-Method it reaches the view, which takes POST only.
    response = client.options(SCORE, headers={"Origin": ORIGIN})
    assert response.status_code == 405
    assert_open_to_any_origin(response)
