"""screening/fhir.py: the Questionnaire, responses and results as FHIR resources.

Every resource is checked with the fhir.resources library. It ships no R4
package any more; its R4B models (FHIR 4.3.0) are used, and R4B leaves every
resource we emit unchanged from R4. The library checks structure and
cardinality but not code bindings, so :func:`assert_valid` also checks the
required bindings of the elements we fill.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given
from hypothesis import strategies as st

from screening import fhir
from screening.instrument import (
    EXCLUSIVE_CODES,
    ITEMS,
    SECTIONS,
    TEXT_MAX_LENGTH,
    URGENT_ITEM_IDS,
    Item,
    Kind,
    Op,
    When,
    validate,
)
from screening.scoring import Result, score

SECTION_IDS = [section.id for section in SECTIONS]
DAY = datetime.date(2025, 3, 14)

# Required bindings that fhir.resources does not enforce.
BINDINGS = {
    "Questionnaire.status": {"draft", "active", "retired", "unknown"},
    "Questionnaire.item.type": {
        "group",
        "display",
        "question",
        "boolean",
        "decimal",
        "integer",
        "date",
        "dateTime",
        "time",
        "string",
        "text",
        "url",
        "choice",
        "open-choice",
        "attachment",
        "reference",
        "quantity",
    },
    "enableWhen.operator": {"exists", "=", "!=", ">", "<", ">=", "<="},
    "enableBehavior": {"all", "any"},
    "QuestionnaireResponse.status": fhir.QR_STATUSES,
    "Observation.status": {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    "Bundle.type": {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    },
    "OperationOutcome.issue.code": {
        "invalid",
        "structure",
        "required",
        "value",
        "invariant",
        "security",
        "login",
        "unknown",
        "expired",
        "forbidden",
        "suppressed",
        "processing",
        "not-supported",
        "duplicate",
        "multiple-matches",
        "not-found",
        "deleted",
        "too-long",
        "code-invalid",
        "extension",
        "too-costly",
        "business-rule",
        "conflict",
        "transient",
        "lock-error",
        "no-store",
        "exception",
        "timeout",
        "incomplete",
        "throttled",
        "informational",
    },
}


def _questionnaire_items(items: list[dict]) -> Any:
    for entry in items:
        yield entry
        yield from _questionnaire_items(entry.get("item", []))


def assert_valid(resource: dict[str, Any]) -> None:
    """Parse with the R4B model of its type (raises on any structural error), then bindings."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kind = resource["resourceType"]
    if kind == "Questionnaire":
        assert resource["status"] in BINDINGS["Questionnaire.status"]
        for entry in _questionnaire_items(resource["item"]):
            assert entry["type"] in BINDINGS["Questionnaire.item.type"]
            for condition in entry.get("enableWhen", []):
                assert condition["operator"] in BINDINGS["enableWhen.operator"]
            if len(entry.get("enableWhen", [])) > 1:  # que-12
                assert entry["enableBehavior"] in BINDINGS["enableBehavior"]
    elif kind == "QuestionnaireResponse":
        assert resource["status"] in BINDINGS["QuestionnaireResponse.status"]
    elif kind == "Observation":
        assert resource["status"] in BINDINGS["Observation.status"]
    elif kind == "Bundle":
        assert resource["type"] in BINDINGS["Bundle.type"]
        for entry in resource.get("entry", []):
            assert_valid(entry["resource"])
    elif kind == "OperationOutcome":
        for issue in resource["issue"]:
            assert issue["code"] in BINDINGS["OperationOutcome.issue.code"]


# --- strategies over instrument.ITEMS ------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80
).filter(str.strip)


def item_value(item: Item) -> st.SearchStrategy[Any]:
    """Any answer the instrument accepts for this item on its own."""
    if item.kind is Kind.ENUM:
        return st.sampled_from(item.codes)
    if item.kind is Kind.MULTI:
        exclusive = [code for code in item.codes if code in EXCLUSIVE_CODES]
        others = [code for code in item.codes if code not in EXCLUSIVE_CODES]
        several = st.lists(st.sampled_from(others), min_size=1, unique=True)
        return (
            st.one_of(st.sampled_from(exclusive).map(lambda c: [c]), several)
            if exclusive
            else several
        )
    if item.kind is Kind.INT:
        assert item.min is not None and item.max is not None
        return st.integers(item.min, item.max)
    return TEXT


@st.composite
def partial_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Answers to any subset of the items, each valid on its own (a form half filled)."""
    return {item.id: draw(item_value(item)) for item in ITEMS.values() if draw(st.booleans())}


@st.composite
def valid_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Clean answers that ``instrument.validate`` accepts: every required item, some others."""
    raw = {
        item.id: draw(item_value(item))
        for item in ITEMS.values()
        if item.required or draw(st.booleans())
    }
    if raw["onset_age"] > raw["age"]:
        raw["onset_age"] = draw(st.integers(5, raw["age"]))
    return validate(raw)


# --- a FHIR enableWhen evaluator, written from the spec, not from instrument.When ---------


def answers_by_link_id(response: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}

    def walk(items: list[dict]) -> None:
        for entry in items:
            if "answer" in entry:
                found[entry["linkId"]] = [
                    next(v for k, v in answer.items() if k.startswith("value"))
                    for answer in entry["answer"]
                ]
            walk(entry.get("item", []))

    walk(response.get("item", []))
    return found


def _equal(given_value: Any, expected: Any) -> bool:
    if isinstance(expected, dict):  # Coding: same code, same system when both say one
        if not isinstance(given_value, dict) or given_value.get("code") != expected["code"]:
            return False
        return "system" not in expected or given_value.get("system") in (None, expected["system"])
    return bool(given_value == expected)


def condition_holds(condition: dict[str, Any], given: dict[str, list[Any]]) -> bool:
    """FHIR R4 questionnaire-enable-operator: '=' and '>' need one matching answer,
    '!=' needs none to match (so it holds for an unanswered question)."""
    answers = given.get(condition["question"], [])
    expected = next(v for k, v in condition.items() if k.startswith("answer"))
    operator = condition["operator"]
    if operator == "exists":
        return bool(answers) == expected
    if operator == "=":
        return any(_equal(a, expected) for a in answers)
    if operator == "!=":
        return not any(_equal(a, expected) for a in answers)
    if operator == ">":
        return any(a > expected for a in answers)
    raise AssertionError(f"operator {operator} is not used by the instrument")


def is_enabled(entry: dict[str, Any], given: dict[str, list[Any]]) -> bool:
    conditions = entry.get("enableWhen", [])
    if not conditions:
        return True
    results = [condition_holds(c, given) for c in conditions]
    return any(results) if entry.get("enableBehavior") == "any" else all(results)


def question_entries(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        entry["linkId"]: entry
        for entry in _questionnaire_items(resource["item"])
        if entry["type"] != "group"
    }


# --- the Questionnaire -----------------------------------------------------------------


def test_it_builds_a_questionnaire_that_validates_as_r4():
    resource = fhir.questionnaire()
    assert_valid(resource)
    assert resource["url"] == "https://stride-screen.example/fhir/Questionnaire/llc-screen"
    assert resource["version"] == "2"
    assert resource["status"] == "active"


def test_version_1_stays_retrievable_with_its_own_items_and_wording():
    from screening.v1 import instrument as v1_instrument
    from screening.v1 import questions as v1_questions

    resource = fhir.questionnaire("1")
    assert_valid(resource)
    assert (resource["url"], resource["version"], resource["status"]) == (
        fhir.QUESTIONNAIRE_URL,
        "1",
        "retired",
    )
    entries = {e["linkId"]: e for e in _questionnaire_items(resource["item"])}
    assert set(v1_instrument.ITEMS) <= set(entries)
    assert "prior_diagnosis" not in entries and "procedures" not in entries
    assert entries["diagnosis_explains"]["text"] == str(v1_questions.label("diagnosis_explains"))
    assert entries["sudden_weakness"]["text"] == str(v1_questions.label("sudden_weakness"))
    current = {e["linkId"]: e for e in _questionnaire_items(fhir.questionnaire()["item"])}
    assert entries["sudden_weakness"]["text"] != current["sudden_weakness"]["text"]
    onset = [o["valueCoding"]["code"] for o in entries["onset_activity"]["answerOption"]]
    assert "cycling" not in onset
    assert "cycling" in [
        o["valueCoding"]["code"] for o in current["onset_activity"]["answerOption"]
    ]


def test_an_unknown_version_is_refused():
    from screening.versions import UnknownVersion

    with pytest.raises(UnknownVersion):
        fhir.questionnaire("3")


def test_it_asks_every_item_once_with_our_ids_as_link_ids():
    entries = [e["linkId"] for e in _questionnaire_items(fhir.questionnaire()["item"])]
    questions = [link_id for link_id in entries if link_id in ITEMS]
    assert sorted(questions) == sorted(ITEMS)
    assert len(entries) == len(set(entries))


def test_it_puts_the_urgent_questions_first_then_the_sections_as_groups():
    groups = fhir.questionnaire()["item"]
    assert [g["linkId"] for g in groups] == [f"step-{s}" for s in ("safety", *SECTION_IDS)]
    assert all(g["type"] == "group" for g in groups)
    assert [e["linkId"] for e in groups[0]["item"]] == list(URGENT_ITEM_IDS)
    for group, section in zip(groups[1:], SECTIONS, strict=True):
        expected = [i.id for i in section.items if i.id not in URGENT_ITEM_IDS]
        assert [e["linkId"] for e in group["item"]] == expected


@pytest.mark.parametrize("version", ["1", "2"])
def test_required_is_on_questions_never_on_groups(version):
    # A required group means "some answer inside it", which form fillers such as
    # LHC-Forms report as a group error on a form whose required questions are all
    # answered; the urgent questions carry required themselves.
    groups = fhir.questionnaire(version)["item"]
    assert all("required" not in group for group in groups)
    safety = {entry["linkId"]: entry for entry in groups[0]["item"]}
    assert set(safety) == set(URGENT_ITEM_IDS)
    assert all(entry["required"] is True for entry in safety.values())


@pytest.mark.parametrize("item", ITEMS.values(), ids=list(ITEMS))
def test_it_maps_each_item_to_its_fhir_type(item):
    entry = question_entries(fhir.questionnaire())[item.id]
    assert entry["required"] is item.required
    assert entry["repeats"] is (item.kind is Kind.MULTI)
    expected_type = {Kind.ENUM: "choice", Kind.MULTI: "choice", Kind.INT: "integer"}
    assert entry["type"] == expected_type.get(item.kind, "text")
    if item.kind is Kind.INT:
        bounds = {e["url"]: e["valueInteger"] for e in entry["extension"]}
        assert bounds == {fhir.EXT_MIN_VALUE: item.min, fhir.EXT_MAX_VALUE: item.max}
    if item.kind is Kind.TEXT:
        assert entry["maxLength"] == TEXT_MAX_LENGTH
    codings = [option["valueCoding"] for option in entry.get("answerOption", [])]
    assert [c["code"] for c in codings] == list(item.codes)
    assert {c["system"] for c in codings} <= {fhir.ANSWER_SYSTEM}


def test_it_marks_none_like_codes_as_exclusive_options():
    for link_id, entry in question_entries(fhir.questionnaire()).items():
        for option in entry.get("answerOption", []):
            exclusive = any(
                e["url"] == fhir.EXT_OPTION_EXCLUSIVE and e["valueBoolean"]
                for e in option.get("extension", [])
            )
            code = option["valueCoding"]["code"]
            expected = ITEMS[link_id].kind is Kind.MULTI and code in EXCLUSIVE_CODES
            assert exclusive is expected, (link_id, code)


def test_it_words_questions_as_the_form_does():
    entries = question_entries(fhir.questionnaire())
    from screening import questions

    for item_id, item in ITEMS.items():
        assert entries[item_id]["text"] == str(questions.label(item_id))
        for option, code in zip(entries[item_id].get("answerOption", []), item.codes, strict=True):
            assert option["valueCoding"]["display"] == str(questions.code_label(item_id, code))


def test_every_conditional_item_has_enable_when_and_no_other_item_has():
    entries = question_entries(fhir.questionnaire())
    conditional = {item_id for item_id, item in ITEMS.items() if item.shown_when}
    with_enable_when = {link_id for link_id, e in entries.items() if e.get("enableWhen")}
    assert conditional  # the instrument has conditional questions to compare
    assert with_enable_when == conditional
    for item_id in conditional:
        questions = {c["question"] for c in entries[item_id]["enableWhen"]}
        assert questions == {w.item_id for w in ITEMS[item_id].shown_when}


@given(partial_answers())
def test_enable_when_agrees_with_the_forms_conditions(answers):
    """The same answers, read as a QuestionnaireResponse by a FHIR renderer, enable
    exactly the questions that ``Item.is_shown`` (the browser form) shows."""
    entries = question_entries(fhir.questionnaire())
    given_answers = answers_by_link_id(fhir.questionnaire_response(answers, DAY))
    for item_id, item in ITEMS.items():
        assert is_enabled(entries[item_id], given_answers) is item.is_shown(answers), item_id


@pytest.mark.parametrize("answer", [None, "male", "female"])
def test_a_lone_not_equals_condition_stays_false_when_unanswered(answer):
    """FHIR's '!=' holds for an unanswered question, ours does not: the exists guard fixes it."""
    item = Item("probe", Kind.ENUM, ("a",), shown_when=(When("sex", Op.NOT_EQUALS, "male"),))
    answers = {} if answer is None else {"sex": answer}
    given_answers = answers_by_link_id(fhir.questionnaire_response(answers, DAY))
    assert is_enabled(fhir.enable_when(item), given_answers) is item.is_shown(answers)


def test_it_refuses_conditions_fhir_cannot_express():
    several = (When("sex", Op.NOT_EQUALS, "male"), When("side", Op.EQUALS, "left"))
    with pytest.raises(ValueError, match="probe"):
        fhir.enable_when(Item("probe", Kind.ENUM, ("a",), shown_when=several))
    with pytest.raises(ValueError, match="probe"):
        fhir.enable_when(Item("probe", Kind.ENUM, ("a",), shown_when=(When("sex", Op.GREATER, 1),)))


def test_code_systems_hold_every_code_we_use():
    systems = fhir.code_systems()
    for system in systems.values():
        assert_valid(system)
    answer_codes = {c["code"] for c in systems[fhir.ANSWERS_CODE_SYSTEM_ID]["concept"]}
    assert answer_codes >= {code for item in ITEMS.values() for code in item.codes}
    # Version 1's codes stay in the system, so that its responses keep their codes.
    from screening.v1.instrument import ITEMS as V1_ITEMS

    assert answer_codes >= {code for item in V1_ITEMS.values() for code in item.codes}
    assert {"dystonia", "other_partial", "cycling", "knee", "nerve_release"} <= answer_codes
    result_codes = {c["code"] for c in systems[fhir.RESULT_CODE_SYSTEM_ID]["concept"]}
    assert {"known_dystonia", "invasive_procedures", "family_movement_disorder"} <= result_codes
    assert systems[fhir.ANSWERS_CODE_SYSTEM_ID]["version"] == "2"


# --- responses ----------------------------------------------------------------------


@given(valid_answers())
def test_answers_survive_the_trip_through_a_response(answers):
    response = fhir.questionnaire_response(answers, DAY)
    assert fhir.answers_from_response(response) == answers


@given(valid_answers())
def test_every_response_validates_and_names_no_one(answers):
    response = fhir.questionnaire_response(answers, DAY, resource_id="r1")
    assert_valid(response)
    assert response["questionnaire"] == f"{fhir.QUESTIONNAIRE_URL}|2"
    assert response["status"] == "completed"
    assert response["authored"] == "2025-03-14"
    assert not {"subject", "source", "author", "encounter"} & set(response)


def test_it_reads_multi_answers_back_in_instrument_order(minimal_answers):
    response = fhir.questionnaire_response(validate(minimal_answers), DAY)
    entry = _response_entry(response, "sensations")
    entry["answer"].reverse()
    assert fhir.answers_from_response(response)["sensations"] == ["tightness", "weakness"]


def _response_entry(response: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(e for e in _questionnaire_items(response["item"]) if e["linkId"] == link_id)


def _refused(response: Any) -> tuple[set[str], list[fhir.Issue]]:
    with pytest.raises(fhir.ResponseInvalid) as caught:
        fhir.answers_from_response(response)
    outcome = fhir.operation_outcome(caught.value.issues)
    assert_valid(outcome)
    return fhir.link_ids_of(outcome), caught.value.issues


def _good_response(minimal_answers: dict[str, Any]) -> dict[str, Any]:
    return fhir.questionnaire_response(validate(minimal_answers), DAY)


@pytest.mark.parametrize(
    "reference",
    [
        "https://stride-screen.example/fhir/Questionnaire/llc-screen|1",
        "https://stride-screen.example/fhir/Questionnaire/llc-screen|3",
        "https://elsewhere.example/Questionnaire/llc-screen|1",
        "Questionnaire/llc-screen",
        None,
    ],
)
def test_it_refuses_a_response_to_another_questionnaire(minimal_answers, reference):
    response = _good_response(minimal_answers)
    response["questionnaire"] = reference
    _, issues = _refused(response)
    assert [i.expression for i in issues] == [("QuestionnaireResponse.questionnaire",)]


def test_it_accepts_the_url_without_a_version(minimal_answers):
    response = _good_response(minimal_answers)
    response["questionnaire"] = fhir.QUESTIONNAIRE_URL
    assert fhir.answers_from_response(response) == validate(minimal_answers)


def test_it_names_an_unknown_link_id(minimal_answers):
    response = _good_response(minimal_answers)
    response["item"][1]["item"].append(
        {"linkId": "favourite_shoe", "answer": [{"valueString": "x"}]}
    )
    assert _refused(response)[0] == {"favourite_shoe"}


@pytest.mark.parametrize(
    ("link_id", "answer"),
    [
        ("side", {"valueString": "right"}),
        ("age", {"valueDecimal": 34.5}),
        ("age", {"valueString": "34"}),
        ("age", {"valueBoolean": True}),
        ("pain_level", {"valueInteger": True}),
        ("sensations", {"valueCoding": {"system": "http://loinc.org", "code": "weakness"}}),
        ("side", {"valueCoding": {"display": "Right"}}),
        ("side", {"valueCoding": {"code": "right"}, "valueString": "right"}),
        ("side", "right"),
    ],
)
def test_it_names_an_answer_of_the_wrong_type(minimal_answers, link_id, answer):
    response = _good_response(minimal_answers)
    _response_entry(response, link_id)["answer"] = [answer]
    assert _refused(response)[0] == {link_id}


@pytest.mark.parametrize(
    ("link_id", "answers", "code"),
    [
        ("side", [{"valueCoding": {"code": "middle"}}], "code-invalid"),
        ("age", [{"valueInteger": 101}], "value"),
        (
            "side",
            [{"valueCoding": {"code": "left"}}, {"valueCoding": {"code": "right"}}],
            "structure",
        ),
        (
            "sensations",
            [{"valueCoding": {"code": "none"}}, {"valueCoding": {"code": "aching"}}],
            "business-rule",
        ),
        ("onset_age", [{"valueInteger": 35}], "business-rule"),
    ],
)
def test_it_holds_responses_to_the_instruments_rules(minimal_answers, link_id, answers, code):
    response = _good_response(minimal_answers)
    _response_entry(response, link_id)["answer"] = answers
    link_ids, issues = _refused(response)
    assert link_ids == {link_id}
    assert code in {issue.code for issue in issues}


def test_it_names_every_missing_required_item(minimal_answers):
    response = _good_response(minimal_answers)
    response["item"] = [g for g in response["item"] if g["linkId"] != "step-safety"]
    link_ids, issues = _refused(response)
    assert link_ids == set(URGENT_ITEM_IDS)
    assert {issue.code for issue in issues} == {"required"}


@pytest.mark.parametrize(
    "resource",
    [[], "QuestionnaireResponse", {"resourceType": "Patient"}, {"item": []}],
)
def test_it_refuses_what_is_not_a_questionnaire_response(resource):
    link_ids, issues = _refused(resource)
    assert link_ids == set()
    assert len(issues) == 1


@pytest.mark.parametrize("status", ["entered-in-error", "done", None])
def test_it_refuses_a_response_it_cannot_score(minimal_answers, status):
    response = _good_response(minimal_answers)
    response["status"] = status
    _, issues = _refused(response)
    assert [i.expression for i in issues] == [("QuestionnaireResponse.status",)]


def test_it_keeps_only_the_day_a_response_was_authored():
    assert fhir.read_authored({"authored": "2024-05-06T22:11:09+02:00"}) == datetime.date(
        2024, 5, 6
    )
    assert fhir.read_authored({"authored": "06/05/2024"}) is None


@pytest.mark.parametrize(
    "authored",
    ["20240101", "2024-02-30", "2024-05-06T22:11+02:00", "2024-05-06T22:11:09", " 2024-05-06"],
)
def test_authored_must_be_a_fhir_date_time(minimal_answers, authored):
    response = {**_good_response(minimal_answers), "authored": authored}
    _, issues = _refused(response)
    assert [(i.expression, i.message) for i in issues] == [
        (
            ("QuestionnaireResponse.authored",),
            "authored must be a FHIR date (YYYY-MM-DD) or dateTime",
        )
    ]


@pytest.mark.parametrize("authored", ["2024", "2024-05"])
def test_a_valid_but_partial_authored_date_is_refused_for_want_of_the_day(
    minimal_answers, authored
):
    _, issues = _refused({**_good_response(minimal_answers), "authored": authored})
    assert [i.message for i in issues] == [
        "authored must give the day (YYYY-MM-DD), not only a year or a month"
    ]


def test_it_quotes_odd_link_ids_so_they_read_back():
    odd = "it's \\ odd"
    outcome = fhir.operation_outcome([fhir.Issue("structure", "x", (fhir.link_id_path(odd),))])
    assert fhir.link_ids_of(outcome) == {odd}


# --- the result -------------------------------------------------------------------------


@given(valid_answers())
def test_the_result_observations_validate_and_read_back_as_the_result(answers):
    result = score(answers)
    observations = fhir.result_observations(result, response_id="r1", effective=DAY)
    for observation in observations:
        assert_valid(observation)
        assert observation["derivedFrom"] == [{"reference": "urn:uuid:r1"}]
        assert "subject" not in observation
    read_back = fhir.result_from_observations(observations, fhir.QUESTIONNAIRE_CANONICAL)
    assert read_back == result.to_dict()


@given(valid_answers())
def test_every_result_code_is_in_our_result_code_system(answers):
    known = {c["code"] for c in fhir.code_systems()[fhir.RESULT_CODE_SYSTEM_ID]["concept"]}
    observations = fhir.result_observations(score(answers), response_id="r1", effective=DAY)
    used = set(re.findall(r"'code': '([^']+)'", repr(observations)))
    assert used <= known | {"survey"}


def test_the_panel_lists_every_member_and_each_flag_once(minimal_answers):
    answers = validate({**minimal_answers, "walking": "significant", "groin_hip_pain": "yes"})
    observations = fhir.result_observations(score(answers), response_id="r1", effective=DAY)
    panel, members = observations[0], observations[1:]
    assert [m["reference"] for m in panel["hasMember"]] == [f"urn:uuid:{m['id']}" for m in members]
    flags = [
        m["valueCodeableConcept"]["coding"][0]["code"]
        for m in members
        if m["code"]["coding"][0]["code"] == "flag"
    ]
    assert flags == ["spread_to_walking", "hip_groin_pain"]
    assert panel["valueCodeableConcept"]["coding"][0]["code"] == "see_neurologist"


@given(valid_answers())
def test_the_score_bundle_validates_and_links_its_entries(answers):
    bundle = fhir.score_bundle(answers, score(answers), response_id="0f7c", authored=DAY)
    assert_valid(bundle)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert len(full_urls) == len(bundle["entry"])
    for entry in bundle["entry"][1:]:
        references = [r["reference"] for r in entry["resource"].get("hasMember", [])]
        references += [r["reference"] for r in entry["resource"]["derivedFrom"]]
        assert set(references) <= full_urls


def test_an_operation_outcome_for_bad_answers_names_the_items(minimal_answers):
    from screening.instrument import AnswersInvalid

    minimal_answers["side"] = "middle"
    del minimal_answers["age"]
    with pytest.raises(AnswersInvalid) as caught:
        validate(minimal_answers)
    outcome = fhir.outcome_for_answers(caught.value)
    assert_valid(outcome)
    assert {e for i in outcome["issue"] for e in i["expression"]} == {"side", "age"}


def test_a_response_to_version_1_is_refused_as_retired(minimal_answers):
    response = _good_response(minimal_answers)
    response["questionnaire"] = fhir.canonical("1")
    _, issues = _refused(response)
    assert "retired" in issues[0].message and "|2" in issues[0].message


def test_a_version_1_item_is_refused_naming_the_item_that_replaced_it(minimal_answers):
    response = _good_response(minimal_answers)
    response["item"][0]["item"].append(
        {"linkId": "diagnosis_explains", "answer": [{"valueCoding": {"code": "yes"}}]}
    )
    link_ids, issues = _refused(response)
    assert link_ids == {"diagnosis_explains"}
    assert "prior_diagnosis" in issues[0].message


def test_a_version_1_result_is_expressed_with_its_own_texts_and_questionnaire():
    from screening.v1 import instrument as v1_instrument
    from screening.v1 import scoring as v1_scoring

    answers = v1_instrument.validate(
        {
            "age": 40,
            "running_years": 10,
            "onset_age": 35,
            "side": "left",
            "onset_activity": "running",
            "sensations": ["tightness"],
            "coordination_loss": "always",
            "context": "only_running",
            "regions": ["foot"],
            "first_region": "foot_ankle_toes",
            "numbness": "no",
            "tingling": "no",
            "burning": "no",
            "shooting_pain": "no",
            "localized_pain": "no",
            "pain_level": 1,
            "weakness_daily": "no",
            "walking": "none",
            "rest_tremor": "no",
            "bladder_bowel_saddle": "no",
            "sudden_weakness": "no",
            "acute_limb": "no",
            "diagnosis_explains": "yes",
        }
    )
    result = v1_scoring.score(answers)
    assert result.flags, "the v1 answers raise flags"
    bundle = fhir.score_bundle(answers, result, response_id="r1", authored=DAY)
    assert_valid(bundle)
    response, *observations = (e["resource"] for e in bundle["entry"])
    assert response["questionnaire"] == fhir.canonical("1")
    codes = {e["linkId"] for e in _questionnaire_items(response["item"])}
    assert "diagnosis_explains" in codes
    read_back = fhir.result_from_observations(observations, response["questionnaire"])
    issued = Result.from_dict(result.to_dict()).to_dict()
    assert read_back == issued
    assert read_back["instrument_version"] == "1" and read_back["scoring_version"] == "1.0.0"
    for flag in read_back["flags"]:
        rule = v1_scoring.FLAG_RULE_BY_CODE[flag["code"]]
        assert (flag["title"], flag["explanation"]) == (rule.title, rule.reason)
