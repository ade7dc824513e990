"""The FHIR endpoints, through the Django test client on the real database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import fhir
from screening.instrument import validate
from screening.models import Submission
from screening.scoring import score
from tests.screening.test_fhir import DAY, assert_valid, valid_answers

QUESTIONNAIRE = "/fhir/Questionnaire/llc-screen"
SCORE = "/fhir/QuestionnaireResponse/$score"
API = "/api/v1/score"


def post(client: Client, url: str, body: Any, content_type: str = fhir.FHIR_JSON) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type=content_type)


def refused(response: Any, status: int = 400) -> set[str]:
    """Assert a valid OperationOutcome with this status; return the linkIds it names."""
    assert response.status_code == status
    assert response["Content-Type"].startswith(fhir.FHIR_JSON)
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert_valid(outcome)
    return fhir.link_ids_of(outcome)


def response_for(answers: dict[str, Any]) -> dict[str, Any]:
    return fhir.questionnaire_response(validate(answers), DAY)


def entry(response: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(
        item for group in response["item"] for item in group["item"] if item["linkId"] == link_id
    )


@pytest.mark.django_db
def test_it_serves_the_questionnaire_as_fhir_json(client):
    response = client.get(QUESTIONNAIRE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response.json() == fhir.questionnaire()
    assert_valid(response.json())


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/fhir/Questionnaire/phq-9", "/fhir/CodeSystem/loinc"])
def test_it_answers_an_unknown_resource_with_404(client, url):
    assert refused(client.get(url), status=404) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("system_id", ["llc-screen-answers", "llc-screen-result"])
def test_it_serves_our_code_systems(client, system_id):
    response = client.get(f"/fhir/CodeSystem/{system_id}")
    assert response.status_code == 200
    assert response.json()["url"] == f"https://stride-screen.example/fhir/CodeSystem/{system_id}"
    assert_valid(response.json())


@pytest.mark.django_db
@settings(max_examples=40)
@given(answers=valid_answers())
def test_score_of_a_response_equals_score_of_its_answers(answers):
    with override_settings(RATELIMIT_ENABLED=False):
        response = post(Client(), SCORE, fhir.questionnaire_response(answers, DAY))
    assert response.status_code == 200
    bundle = response.json()
    assert_valid(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    echoed = resources[0]
    assert fhir.answers_from_response(echoed) == answers
    assert echoed["authored"] == DAY.isoformat()
    read_back = fhir.result_from_observations(resources[1:], echoed["questionnaire"])
    assert read_back == score(answers).to_dict()


@pytest.mark.django_db
def test_it_stores_nothing_and_sets_no_cookie(client, minimal_answers):
    response = post(client, SCORE, response_for(minimal_answers))
    assert response.status_code == 200
    assert Submission.objects.count() == 0
    assert not response.cookies


@pytest.mark.django_db
def test_it_drops_the_time_and_the_subject_of_a_posted_response(client, minimal_answers):
    posted = response_for(minimal_answers)
    posted["authored"] = "2024-05-06T22:11:09+02:00"
    posted["subject"] = {"reference": "Patient/123", "display": "Jo Runner"}
    body = post(client, SCORE, posted).content.decode()
    echoed = json.loads(body)["entry"][0]["resource"]
    assert echoed["authored"] == "2024-05-06"
    assert "Patient/123" not in body and "Jo Runner" not in body


@pytest.mark.django_db
def test_it_accepts_plain_application_json(client, minimal_answers):
    response = post(client, SCORE, response_for(minimal_answers), "application/json")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reference",
    [
        "https://stride-screen.example/fhir/Questionnaire/llc-screen|1",
        "https://stride-screen.example/fhir/Questionnaire/llc-screen|3",
        "https://example.org/Questionnaire/phq-9|1",
    ],
)
def test_it_refuses_a_response_to_another_questionnaire(client, minimal_answers, reference):
    posted = response_for(minimal_answers)
    posted["questionnaire"] = reference
    response = post(client, SCORE, posted)
    assert refused(response) == set()
    assert response.json()["issue"][0]["expression"] == ["QuestionnaireResponse.questionnaire"]


@pytest.mark.django_db
def test_it_names_unknown_link_ids_and_wrongly_typed_answers(client, minimal_answers):
    posted = response_for(minimal_answers)
    posted["item"][0]["item"].append({"linkId": "shoe_size", "answer": [{"valueInteger": 44}]})
    entry(posted, "age")["answer"] = [{"valueString": "34"}]
    entry(posted, "side")["answer"] = [{"valueInteger": 1}]
    assert refused(post(client, SCORE, posted)) == {"shoe_size", "age", "side"}


@pytest.mark.django_db
@pytest.mark.parametrize("value", [41.0, True, "41"])
def test_a_value_integer_that_is_no_whole_number_is_named_as_such(client, minimal_answers, value):
    posted = response_for(minimal_answers)
    entry(posted, "age")["answer"] = [{"valueInteger": value}]
    response = post(client, SCORE, posted)
    assert refused(response) == {"age"}
    assert "valueInteger must be a whole number" in response.content.decode()


@pytest.mark.django_db
def test_it_names_answers_that_break_the_instruments_rules(client, minimal_answers):
    posted = response_for(minimal_answers)
    entry(posted, "onset_age")["answer"] = [{"valueInteger": 99}]
    entry(posted, "pain_level")["answer"] = [{"valueInteger": 11}]
    entry(posted, "walking")["answer"] = [{"valueCoding": {"code": "sometimes"}}]
    assert refused(post(client, SCORE, posted)) == {"onset_age", "pain_level", "walking"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["{", "[1, 2", " ", "nul", "[" * 5000 + "]" * 5000])
def test_it_answers_malformed_json_with_an_outcome(client, body):
    assert refused(post(client, SCORE, body)) == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource", [{"resourceType": "Patient"}, {"resourceType": "Questionnaire"}]
)
def test_it_refuses_other_resource_types(client, resource):
    assert refused(post(client, SCORE, resource)) == set()


@pytest.mark.django_db
def test_it_refuses_bodies_over_64_kib_with_413(client, minimal_answers):
    posted = response_for(minimal_answers)
    posted["text"] = {"status": "generated", "div": "<div>" + "x" * (65 * 1024) + "</div>"}
    refused(post(client, SCORE, posted), status=413)


@pytest.mark.django_db
def test_it_refuses_other_content_types_with_415(client, minimal_answers):
    refused(post(client, SCORE, response_for(minimal_answers), "text/plain"), status=415)


@pytest.mark.django_db
def test_it_only_takes_posts_for_score_and_says_so_in_an_outcome(client):
    response = client.get(SCORE)
    refused(response, status=405)
    assert response["Allow"] == "POST"
    assert response.json()["issue"][0]["code"] == "not-supported"


@pytest.mark.django_db
@override_settings(
    RATELIMITS={"draft": "9/60", "resume": "9/60", "api": "1/60", "report": "9/60", "login": "9/60"}
)
def test_it_answers_too_many_requests_with_an_outcome(client, minimal_answers):
    assert post(client, SCORE, response_for(minimal_answers)).status_code == 200
    response = post(client, SCORE, response_for(minimal_answers))
    refused(response, status=429)
    assert response.json()["issue"][0]["code"] == "throttled" and "Retry-After" in response


@pytest.mark.parametrize("url", ["/fhir/Questionnaire/llc-screen", "/fhir/CodeSystem/x"])
def test_a_post_to_a_read_only_fhir_address_gets_a_405_outcome_not_a_csrf_page(url):
    response = Client(enforce_csrf_checks=True).post(url, {})
    refused(response, status=405)
    assert response["Allow"] == "GET"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(
    "url",
    [
        "/fhir/Patient/1",
        "/fhir",
        "/fhir/",
        "/fhir/Questionnaire",
        "/fhir/Questionnaire/llc-screen/_history",
        "/fhir/Questionnaire/llc-screen/_history/2/x",
        "/fhir/QuestionnaireResponse/$validate",
    ],
)
def test_an_unknown_fhir_address_is_an_outcome_too(client, url, debug):
    # With DEBUG on, Django's 404 page is HTML whatever handler404 says: the
    # catch-all route answers instead, in production and in development alike.
    with override_settings(DEBUG=debug):
        refused(client.get(url), status=404)
        refused(Client(enforce_csrf_checks=True).post(url, {}), status=404)


@pytest.mark.django_db
def test_metadata_is_a_capability_statement_of_what_we_serve(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    statement = response.json()
    assert_valid(statement)
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1" and statement["format"] == ["json"]
    assert statement["kind"] == "instance"
    assert statement["implementation"]["url"] == "http://testserver/fhir"
    [rest] = statement["rest"]
    assert rest["mode"] == "server" and rest["security"]["cors"] is True
    resources = {resource["type"]: resource for resource in rest["resource"]}
    assert set(resources) == {"Questionnaire", "CodeSystem", "QuestionnaireResponse"}
    interactions = {
        kind: {i["code"] for i in resource.get("interaction", [])}
        for kind, resource in resources.items()
    }
    assert interactions == {
        "Questionnaire": {"read", "vread"},
        "CodeSystem": {"read"},
        "QuestionnaireResponse": set(),
    }
    [operation] = resources["QuestionnaireResponse"]["operation"]
    assert operation["name"] == "score"


@pytest.mark.django_db
def test_every_interaction_the_capability_statement_lists_is_served(client, minimal_answers):
    statement = client.get("/fhir/metadata").json()
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert "vread" in {i["code"] for i in resources["Questionnaire"]["interaction"]}
    assert client.get(QUESTIONNAIRE).status_code == 200
    assert client.get(f"{QUESTIONNAIRE}/_history/1").status_code == 200
    for system_id in fhir.code_systems():
        assert system_id in resources["CodeSystem"]["documentation"]
        assert client.get(f"/fhir/CodeSystem/{system_id}").status_code == 200
    with override_settings(RATELIMIT_ENABLED=False):
        scored = post(client, "/fhir/QuestionnaireResponse/$score", response_for(minimal_answers))
    assert scored.status_code == 200


def test_metadata_takes_only_gets():
    response = Client(enforce_csrf_checks=True).post("/fhir/metadata", {})
    refused(response, status=405)
    assert response["Allow"] == "GET"


JSON = st.recursive(
    # st.text includes lone surrogates, which JSON can carry as escapes.
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
ITEM_KEYS = st.sampled_from(["linkId", "answer", "item", "text", "valueCoding", "valueInteger"])
JUNK_ITEMS = st.recursive(
    JSON,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(ITEM_KEYS, children | st.sampled_from(["age", "side", "step-about"]))
    ),
    max_leaves=15,
)


@pytest.mark.django_db
@settings(max_examples=60)
@given(items=JUNK_ITEMS, status=st.sampled_from(["completed", "amended", 3]) | JSON)
def test_any_junk_in_a_response_gets_an_outcome_never_a_500(items, status):
    posted = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": fhir.QUESTIONNAIRE_CANONICAL,
        "status": status,
        "item": items,
    }
    with override_settings(RATELIMIT_ENABLED=False):
        response = post(Client(raise_request_exception=True), SCORE, posted)
    refused(response)


# --- POST /api/v1/score?format=fhir -------------------------------------------------------


@pytest.mark.django_db
def test_the_api_answers_in_fhir_on_request(client, minimal_answers):
    response = post(client, f"{API}?format=fhir", minimal_answers, "application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(fhir.FHIR_JSON)
    bundle = response.json()
    assert_valid(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    assert resources[0]["resourceType"] == "QuestionnaireResponse"
    assert fhir.answers_from_response(resources[0]) == validate(minimal_answers)
    read_back = fhir.result_from_observations(resources[1:], resources[0]["questionnaire"])
    assert read_back == score(validate(minimal_answers)).to_dict()
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_the_api_reports_bad_answers_as_an_outcome_in_fhir_mode(client, minimal_answers):
    minimal_answers["side"] = "middle"
    del minimal_answers["walking"]
    response = post(client, f"{API}?format=fhir", minimal_answers, "application/json")
    assert response.status_code == 400
    outcome = response.json()
    assert_valid(outcome)
    assert {e for issue in outcome["issue"] for e in issue["expression"]} == {"side", "walking"}


@pytest.mark.django_db
def test_the_api_keeps_its_json_answer_without_the_option(client, minimal_answers):
    plain = post(client, API, minimal_answers, "application/json")
    explicit = post(client, f"{API}?format=json", minimal_answers, "application/json")
    assert plain.json() == explicit.json() == score(validate(minimal_answers)).to_dict()


@pytest.mark.django_db
def test_the_api_refuses_an_unknown_format(client, minimal_answers):
    response = post(client, f"{API}?format=xml", minimal_answers, "application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["format"]


@pytest.mark.django_db
def test_score_is_rate_limited_like_the_api(client, minimal_answers):
    posted = response_for(minimal_answers)
    with override_settings(RATELIMITS={"api": "2/60"}, RATELIMIT_ENABLED=True):
        statuses = [post(client, SCORE, posted).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{QUESTIONNAIRE}?version=1", f"{QUESTIONNAIRE}/_history/1"])
def test_version_1_of_the_questionnaire_stays_retrievable(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(fhir.FHIR_JSON)
    assert response.json() == fhir.questionnaire("1")
    assert response.json()["version"] == "1" and response.json()["status"] == "retired"
    assert_valid(response.json())


@pytest.mark.django_db
def test_the_current_questionnaire_is_version_2(client):
    assert client.get(QUESTIONNAIRE).json()["version"] == "2"
    assert client.get(f"{QUESTIONNAIRE}/_history/2").json() == fhir.questionnaire("2")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{QUESTIONNAIRE}?version=3", f"{QUESTIONNAIRE}/_history/0"])
def test_an_unknown_version_is_404(client, url):
    refused(client.get(url), 404)


@pytest.mark.django_db
def test_score_names_the_item_that_replaced_a_version_1_item(client, minimal_answers):
    response = response_for(minimal_answers)
    response["item"][0]["item"].append(
        {"linkId": "diagnosis_explains", "answer": [{"valueCoding": {"code": "yes"}}]}
    )
    outcome = post(client, SCORE, response)
    assert refused(outcome) == {"diagnosis_explains"}
    assert "prior_diagnosis" in outcome.json()["issue"][0]["diagnostics"]


@pytest.mark.django_db
def test_score_refuses_a_response_to_version_1(client, minimal_answers):
    response = response_for(minimal_answers)
    response["questionnaire"] = fhir.canonical("1")
    outcome = post(client, SCORE, response)
    refused(outcome)
    assert "retired" in outcome.json()["issue"][0]["diagnostics"]


@pytest.mark.django_db
def test_the_score_bundle_names_version_2(client, minimal_answers):
    bundle = post(client, SCORE, response_for(minimal_answers)).json()
    (qr,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert qr["questionnaire"] == fhir.canonical("2")


@pytest.mark.django_db
def test_api_fhir_format_names_the_item_that_replaced_a_version_1_item(client, minimal_answers):
    answers = {k: v for k, v in minimal_answers.items() if k != "prior_diagnosis"}
    answers["diagnosis_explains"] = "partly"
    outcome = post(client, f"{API}?format=fhir", answers, "application/json")
    refused(outcome)
    assert "prior_diagnosis" in outcome.json()["issue"][0]["diagnostics"]
