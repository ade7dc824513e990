"""The published contract: GET /api/v1/openapi.json, and the schemas it embeds.

The live check of the API against it is `make schemathesis` (bench/contract.py).
"""

import copy

import jsonschema
import pytest
from hypothesis import given
from openapi_spec_validator import validate as validate_openapi

from interop import openapi
from screening import instrument, schema
from screening.instrument import EXCLUSIVE_CODES, ITEMS, TEXT_MAX_LENGTH, Item, Kind
from screening.scoring import CRITERIA_IDS, Category, score
from tests.strategies import invalid_answers, valid_answers

URL = "/api/v1/openapi.json"
OPERATIONS = {
    ("/api/v1/score", "post"),
    ("/api/v1/report", "post"),
    ("/fhir/QuestionnaireResponse/$score", "post"),
}
ERRORS = {"400", "405", "411", "413", "415", "429", "503"}

ANSWERS = jsonschema.Draft202012Validator(schema.answers_schema())
RESULT = jsonschema.Draft202012Validator(schema.result_schema())


def served(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_document_is_valid_openapi_3_1(client):
    document = served(client)
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)
    assert document == openapi.document()


def test_it_describes_the_three_operations_and_every_refusal(client):
    document = served(client)
    operations = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert operations >= OPERATIONS
    for path, method in OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        assert {"200", *ERRORS} <= set(responses), path
        for status in ("429", "503"):
            assert "Retry-After" in responses[status]["headers"]
    fhir_responses = document["paths"]["/fhir/QuestionnaireResponse/$score"]["post"]["responses"]
    for status in ERRORS:
        assert set(fhir_responses[status]["content"]) == {"application/fhir+json"}, status
    report = document["paths"]["/api/v1/report"]["post"]["responses"]["200"]
    assert set(report["content"]) == {"application/pdf"}


def test_only_get_is_served(client):
    assert client.post(URL).status_code == 405


def test_every_item_appears_with_its_codes_and_bounds():
    answers = schema.answers_schema()
    assert set(answers["properties"]) == set(ITEMS)
    assert answers["required"] == list(instrument.REQUIRED_ITEM_IDS)
    assert answers["additionalProperties"] is False
    for item_id, item in ITEMS.items():
        text = str(answers["properties"][item_id])
        for code in item.codes:
            assert repr(code) in text, (item_id, code)
        if item.kind is Kind.INT:
            assert f"'minimum': {item.min}" in text and f"'maximum': {item.max}" in text
        if item.kind is Kind.TEXT:
            assert f"'maxLength': {TEXT_MAX_LENGTH}" in text


def test_a_new_item_appears_without_a_hand_edit(monkeypatch, client):
    new = Item("stride_length", Kind.ENUM, ("short", "long"), required=True)
    multi = Item("surfaces", Kind.MULTI, ("sand", "snow", "none"))
    monkeypatch.setattr(instrument, "ITEMS", {**copy.copy(ITEMS), new.id: new, multi.id: multi})
    document = served(client)
    answers = document["components"]["schemas"]["Answers"]
    assert answers["properties"]["stride_length"] == {"type": "string", "enum": ["short", "long"]}
    assert "stride_length" in answers["required"]
    check = jsonschema.Draft202012Validator(answers)
    example = schema.example_answers()
    assert check.is_valid({**example, "surfaces": ["sand", "snow"]})
    assert not check.is_valid({**example, "surfaces": ["sand", "none"]})
    assert not check.is_valid({k: v for k, v in example.items() if k != "stride_length"})


def test_replaced_and_unknown_items_are_refused_by_the_schema(minimal_answers):
    assert ANSWERS.is_valid(minimal_answers)
    assert not ANSWERS.is_valid({**minimal_answers, "diagnosis_explains": "yes"})
    assert not ANSWERS.is_valid({**minimal_answers, "shoe_size": 44})
    assert schema.answers_schema()["x-replaced-items"] == {"diagnosis_explains": "prior_diagnosis"}


@pytest.mark.parametrize("item_id", [i for i, it in ITEMS.items() if it.kind is Kind.MULTI])
def test_an_exclusive_code_stands_alone(item_id, minimal_answers):
    codes = ITEMS[item_id].codes
    plain = [c for c in codes if c not in EXCLUSIVE_CODES]
    for exclusive in EXCLUSIVE_CODES.intersection(codes):
        assert ANSWERS.is_valid({**minimal_answers, item_id: [exclusive]})
        assert not ANSWERS.is_valid({**minimal_answers, item_id: [plain[0], exclusive]})
    assert ANSWERS.is_valid({**minimal_answers, item_id: plain[:2]})
    assert not ANSWERS.is_valid({**minimal_answers, item_id: [plain[0], plain[0]]})


@given(valid_answers())
def test_valid_answers_match_the_schema(answers):
    assert ANSWERS.is_valid(answers), list(ANSWERS.iter_errors(answers))


def has_whole_float(answers):
    return any(isinstance(v, float) and v.is_integer() for v in answers.values())


@given(invalid_answers())
def test_answers_the_validator_refuses_are_refused_by_the_schema(answers):
    """Except what JSON Schema cannot say (the document says so): an onset later
    than the age, and a whole number written as a float (30.0)."""
    if not ANSWERS.is_valid(answers):
        return
    assert isinstance(answers, dict)
    onset_after_age = answers["onset_age"] > answers["age"]
    assert onset_after_age or has_whole_float(answers), answers


def test_the_example_answers_are_valid():
    assert instrument.validate(schema.example_answers())


@given(valid_answers())
def test_results_match_the_result_schema(answers):
    result = score(instrument.validate(answers)).to_dict()
    assert RESULT.is_valid(result), list(RESULT.iter_errors(result))


def test_the_result_schema_names_the_scoring_enums():
    properties = schema.result_schema()["properties"]
    assert properties["category"]["enum"] == [c.value for c in Category]
    assert list(properties["criteria"]["properties"]) == list(CRITERIA_IDS)
