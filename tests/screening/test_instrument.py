"""The validator: every kind of invalid answer named in instrument.md, by item id."""

import pytest
from hypothesis import given

from screening.instrument import (
    ITEMS,
    SECTIONS,
    AnswersInvalid,
    ErrorCode,
    drop_hidden,
    parse_json,
    shown_item_ids,
    validate,
)
from tests.screening.examples import examples
from tests.strategies import invalid_answers, valid_answers


def errors_of(raw) -> dict[str, set[ErrorCode]]:
    with pytest.raises(AnswersInvalid) as caught:
        validate(raw)
    return {item_id: {e.code for e in errs} for item_id, errs in caught.value.errors.items()}


def test_it_accepts_the_minimal_answers(minimal_answers):
    assert validate(minimal_answers) == minimal_answers


def test_it_holds_every_item_of_the_contract():
    """instrument.md v2 lists 8 + 8 + 11 + 7 + 10 + 11 items, 18 limits and 2 texts: 75 in
    all (v1 had 72: v2 adds gait_video, family_history and procedures, and replaces
    diagnosis_explains with prior_diagnosis)."""
    assert [s.id for s in SECTIONS] == [
        "about",
        "symptoms",
        "exclusions",
        "triggers",
        "course",
        "care",
        "limits",
        "narrative",
    ]
    assert len(ITEMS) == 8 + 8 + 11 + 7 + 10 + 11 + 18 + 2


@pytest.mark.parametrize(
    ("change", "item_id", "code"),
    [
        ({"favourite_shoe": "x"}, "favourite_shoe", ErrorCode.UNKNOWN_ITEM),
        ({"age": True}, "age", ErrorCode.WRONG_TYPE),
        ({"age": 30.0}, "age", ErrorCode.WRONG_TYPE),
        ({"age": "30"}, "age", ErrorCode.WRONG_TYPE),
        ({"side": ["left"]}, "side", ErrorCode.WRONG_TYPE),
        ({"regions": "calf"}, "regions", ErrorCode.WRONG_TYPE),
        ({"own_words": 5}, "own_words", ErrorCode.WRONG_TYPE),
        ({"side": "middle"}, "side", ErrorCode.UNKNOWN_CODE),
        ({"regions": ["calf", "elbow"]}, "regions", ErrorCode.UNKNOWN_CODE),
        ({"age": 11}, "age", ErrorCode.OUT_OF_RANGE),
        ({"age": 101}, "age", ErrorCode.OUT_OF_RANGE),
        ({"pain_level": -1}, "pain_level", ErrorCode.OUT_OF_RANGE),
        ({"weekly_km": 401}, "weekly_km", ErrorCode.OUT_OF_RANGE),
        ({"sensations": ["none", "aching"]}, "sensations", ErrorCode.EXCLUSIVE_MIXED),
        ({"tricks": ["not_tried", "trails"]}, "tricks", ErrorCode.EXCLUSIVE_MIXED),
        ({"tricks": ["none_helped", "not_tried"]}, "tricks", ErrorCode.EXCLUSIVE_MIXED),
        ({"regions": ["calf", "calf"]}, "regions", ErrorCode.DUPLICATE),
        ({"age": 30, "onset_age": 31}, "onset_age", ErrorCode.ONSET_AFTER_AGE),
        ({"own_words": "x" * 2001}, "own_words", ErrorCode.TOO_LONG),
        ({"walking": None}, "walking", ErrorCode.REQUIRED),
        ({"regions": []}, "regions", ErrorCode.REQUIRED),
    ],
)
def test_it_names_the_bad_item(minimal_answers, change, item_id, code):
    assert errors_of({**minimal_answers, **change}) == {item_id: {code}}


@pytest.mark.parametrize("item_id", [i for i, item in ITEMS.items() if item.required])
def test_it_requires_each_required_item(minimal_answers, item_id):
    del minimal_answers[item_id]
    assert errors_of(minimal_answers) == {item_id: {ErrorCode.REQUIRED}}


@pytest.mark.parametrize("raw", [None, [], "answers", 42, [{"age": 30}]])
def test_it_refuses_anything_but_an_object(raw):
    assert errors_of(raw) == {"answers": {ErrorCode.NOT_AN_OBJECT}}


def test_it_reports_malformed_json_as_an_error():
    with pytest.raises(AnswersInvalid) as caught:
        parse_json("{'age': 30}")
    assert caught.value.errors["answers"][0].code is ErrorCode.MALFORMED_JSON


def test_it_accepts_onset_at_the_current_age(minimal_answers):
    minimal_answers["onset_age"] = minimal_answers["age"]
    assert validate(minimal_answers)["onset_age"] == minimal_answers["age"]


def test_it_drops_unanswered_optional_items_and_orders_multi_codes(minimal_answers):
    """null, [] and blank text mean "not answered"; lists come back in the instrument's order."""
    raw = {
        **minimal_answers,
        "sex": None,
        "gait_signs": [],
        "own_words": "   ",
        "regions": ["toes", "calf"],
    }
    clean = validate(raw)
    assert "sex" not in clean and "gait_signs" not in clean and "own_words" not in clean
    assert clean["regions"] == ["calf", "toes"]


def test_it_keeps_free_text_as_typed(minimal_answers):
    text = "<b>tight</b> & 'off' — ünïcode\nline two"
    assert validate({**minimal_answers, "own_words": text})["own_words"] == text


@pytest.mark.parametrize(
    ("answers", "kept"),
    [
        ({"pain_level": 0, "localized_pain": "no", "pain_before": "yes"}, False),
        ({"pain_level": 3, "localized_pain": "no", "pain_before": "yes"}, True),
        ({"pain_level": 0, "localized_pain": "yes", "pain_before": "no"}, True),
        ({"exam_ortho": "not_examined", "prior_diagnosis": "other_full"}, False),
        ({"exam_neuro": "normal", "prior_diagnosis": "none"}, True),
        ({"exam_neuro": "normal", "prior_diagnosis": "dystonia"}, True),
        ({"exam_neuro": "abnormal", "prior_diagnosis": "dystonia"}, True),
        ({"exam_ortho": "nothing_found", "prior_diagnosis": "none"}, True),
        ({"exam_ortho": "minor_findings", "prior_diagnosis": "none"}, True),
        ({"exam_ortho": "clear_cause", "prior_diagnosis": "other_full"}, True),
        ({"exam_neuro": "not_done", "prior_diagnosis": "dystonia"}, False),
        # A test done means a clinician is involved, even without an examination.
        (
            {"exam_ortho": "not_examined", "test_mri_spine": "normal", "prior_diagnosis": "none"},
            True,
        ),
        ({"test_blood": "unsure", "prior_diagnosis": "other_partial"}, True),
        ({"test_compartment_pressure": "abnormal", "prior_diagnosis": "unsure"}, True),
        ({"test_blood": "not_done", "prior_diagnosis": "other_full"}, False),
        ({"prior_diagnosis": "none"}, False),
    ],
)
def test_it_drops_answers_to_hidden_questions(answers, kept):
    conditional = "pain_before" if "pain_before" in answers else "prior_diagnosis"
    assert (conditional in drop_hidden(answers)) is kept


@pytest.mark.parametrize("item_id", ["procedures", "family_history", "gait_video"])
def test_the_new_items_are_always_asked(item_id):
    """instrument.md puts no condition on them: a runner who has seen no one is asked too."""
    assert ITEMS[item_id].shown_when == ()
    assert item_id in shown_item_ids({})


@pytest.mark.parametrize("code", ["no", "partly", "yes"])
def test_it_refuses_the_replaced_item_and_names_its_replacement(minimal_answers, code):
    """instrument.md v2: diagnosis_explains is invalid; the error names prior_diagnosis."""
    with pytest.raises(AnswersInvalid) as caught:
        validate({**minimal_answers, "diagnosis_explains": code})
    assert list(caught.value.errors) == ["diagnosis_explains"]
    (error,) = caught.value.errors["diagnosis_explains"]
    assert error.code is ErrorCode.REPLACED_ITEM
    assert error.code.value == "replaced_item"
    assert "prior_diagnosis" in error.message


def test_an_unknown_item_is_named_as_not_of_version_2(minimal_answers):
    with pytest.raises(AnswersInvalid) as caught:
        validate({**minimal_answers, "favourite_shoe": "x"})
    assert caught.value.messages() == {"favourite_shoe": ["is not an item of v2"]}


@pytest.mark.parametrize(
    ("change", "item_id", "code"),
    [
        ({"onset_activity": "swimming"}, "onset_activity", ErrorCode.UNKNOWN_CODE),
        ({"regions": ["elbow"]}, "regions", ErrorCode.UNKNOWN_CODE),
        ({"prior_diagnosis": "yes"}, "prior_diagnosis", ErrorCode.UNKNOWN_CODE),
        ({"procedures": ["none", "hip_surgery"]}, "procedures", ErrorCode.EXCLUSIVE_MIXED),
        ({"family_history": ["none", "dystonia"]}, "family_history", ErrorCode.EXCLUSIVE_MIXED),
        ({"family_history": ["dystonia", "dystonia"]}, "family_history", ErrorCode.DUPLICATE),
        ({"gait_video": "unsure"}, "gait_video", ErrorCode.UNKNOWN_CODE),
        ({"procedures": "hip_surgery"}, "procedures", ErrorCode.WRONG_TYPE),
    ],
)
def test_it_names_a_bad_answer_to_a_new_item(minimal_answers, change, item_id, code):
    assert errors_of({**minimal_answers, **change}) == {item_id: {code}}


def test_it_accepts_the_new_codes(minimal_answers):
    answers = {
        **minimal_answers,
        "onset_activity": "cycling",
        "regions": ["knee"],
        "exam_neuro": "normal",
        "prior_diagnosis": "dystonia",
        "procedures": ["injections", "nerve_release"],
        "family_history": ["parkinsons"],
        "gait_video": "yes",
    }
    assert validate(answers)["procedures"] == ["nerve_release", "injections"]


@examples(300)
@given(valid_answers())
def test_random_valid_answers_validate(answers):
    assert set(validate(answers)) <= set(answers)


@examples(500)
@given(invalid_answers())
def test_random_invalid_answers_give_errors_and_never_raise_anything_else(raw):
    with pytest.raises(AnswersInvalid) as caught:
        validate(raw)
    assert caught.value.errors
    assert all(isinstance(m, str) for ms in caught.value.messages().values() for m in ms)
