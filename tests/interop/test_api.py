import json

import pytest

from screening.models import Submission
from screening.scoring import score

URL = "/api/v1/score"


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type)


@pytest.mark.django_db
def test_it_returns_the_result_of_score(client, minimal_answers):
    response = post(client, minimal_answers)
    assert response.status_code == 200
    assert response.json() == score(minimal_answers).to_dict()


@pytest.mark.django_db
def test_it_stores_nothing(client, minimal_answers):
    post(client, minimal_answers)
    assert Submission.objects.count() == 0
    assert "Set-Cookie" not in response_headers(post(client, minimal_answers))


@pytest.mark.django_db
def test_an_answer_the_form_would_not_ask_is_scored_as_given(client, minimal_answers):
    """instrument.md scores d7 from prior_diagnosis alone; the web form asks it
    only after an examination or a test, but the API takes the answers as sent."""
    unseen = {**minimal_answers, "prior_diagnosis": "none"}
    result = post(client, unseen).json()
    assert result["definition"]["components"]["d7_not_explained"] == "met"
    assert result == score(unseen).to_dict()


def response_headers(response):
    return dict(response.items())


def test_it_names_the_bad_items(client, minimal_answers):
    minimal_answers["age"] = True
    minimal_answers["side"] = "middle"
    del minimal_answers["walking"]
    response = post(client, minimal_answers)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"age", "side", "walking"}


def test_it_reports_onset_after_age(client, minimal_answers):
    minimal_answers["onset_age"] = minimal_answers["age"] + 1
    response = post(client, minimal_answers)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["onset_age"]


@pytest.mark.parametrize("url", [URL, f"{URL}?format=fhir", "/api/v1/report"])
def test_it_refuses_text_that_is_no_unicode_with_400(client, minimal_answers, url):
    """JSON can carry a lone surrogate; it is no text and could not be printed or stored."""
    body = json.dumps({**minimal_answers, "own_words": "fine \ud800 then"})
    assert "\\ud800" in body
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "own_words" in response.content.decode()


@pytest.mark.parametrize("body", ["{", "[1, 2", " ", "nul", "[" * 5000 + "]" * 5000])
def test_it_answers_malformed_json_with_400(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert "answers" in response.json()["errors"]


def test_it_refuses_bodies_over_64_kib(client, minimal_answers):
    minimal_answers["own_words"] = "x" * (65 * 1024)
    response = post(client, minimal_answers)
    assert response.status_code == 413


def test_it_refuses_other_content_types(client, minimal_answers):
    response = post(client, json.dumps(minimal_answers), content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize("url", [URL, "/api/v1/report", "/fhir/QuestionnaireResponse/$score"])
def test_a_chunked_body_without_a_length_is_refused_with_411_not_as_bad_json(client, url):
    response = client.generic(
        "POST", url, b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert "Content-Length" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_it_allows_only_post_and_says_so_in_json(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "accepts POST" in response.json()["errors"]["request"][0]


@pytest.mark.django_db
def test_a_page_refusing_a_method_says_so_to_a_person():
    """OPTIONS passes the CSRF check (PUT or DELETE would get its "page expired" page)."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).options("/step/about/")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, POST"
    assert "This address cannot do that" in response.content.decode()


def test_it_needs_no_csrf_token(minimal_answers):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), minimal_answers)
    assert response.status_code == 200


def _with_v1_item(answers: dict) -> dict:
    v1 = {k: v for k, v in answers.items() if k != "prior_diagnosis"}
    return {**v1, "diagnosis_explains": "yes"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL, "/api/v1/report"])
def test_a_version_1_item_is_refused_naming_the_item_that_replaced_it(client, minimal_answers, url):
    response = client.post(
        url, data=json.dumps(_with_v1_item(minimal_answers)), content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["diagnosis_explains"]
    assert "prior_diagnosis" in errors["diagnosis_explains"][0]


@pytest.mark.django_db
def test_version_2_answers_are_scored_with_the_new_items(client, minimal_answers):
    answers = {
        **minimal_answers,
        "prior_diagnosis": "dystonia",
        "procedures": ["nerve_release"],
        "family_history": ["parkinsons"],
        "onset_activity": "cycling",
        "regions": ["knee"],
        "gait_video": "yes",
    }
    result = post(client, answers).json()
    assert result["instrument_version"] == "2"
    assert result == score(answers).to_dict()
    codes = {flag["code"] for flag in result["flags"]}
    assert {"invasive_procedures", "family_movement_disorder"} <= codes
