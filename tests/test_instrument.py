"""The validator: every kind of invalid answer named in instrument.md, by item id."""

import pytest
from hypothesis import given, settings

from screening.instrument import (
    ITEMS,
    SECTIONS,
    AnswersInvalid,
    ErrorCode,
    drop_hidden,
    parse_json,
    validate,
)
from tests.strategies import invalid_answers, valid_answers


def errors_of(raw) -> dict[str, set[ErrorCode]]:
    with pytest.raises(AnswersInvalid) as caught:
        validate(raw)
    return {item_id: {e.code for e in errs} for item_id, errs in caught.value.errors.items()}


def test_it_accepts_the_minimal_answers(minimal_answers):
    assert validate(minimal_answers) == minimal_answers


def test_it_holds_every_item_of_the_contract():
    """instrument.md lists 8 + 8 + 11 + 6 + 9 + 10 items, 18 limits and 2 texts: 72 in all."""
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
    assert len(ITEMS) == 8 + 8 + 11 + 6 + 9 + 10 + 18 + 2


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
        ({"exam_ortho": "not_examined", "diagnosis_explains": "yes"}, False),
        ({"exam_neuro": "normal", "diagnosis_explains": "no"}, True),
        # A test done means a clinician is involved, even without an examination.
        (
            {"exam_ortho": "not_examined", "test_mri_spine": "normal", "diagnosis_explains": "no"},
            True,
        ),
        ({"test_blood": "unsure", "diagnosis_explains": "partly"}, True),
        ({"test_blood": "not_done", "diagnosis_explains": "yes"}, False),
    ],
)
def test_it_drops_answers_to_hidden_questions(answers, kept):
    conditional = "pain_before" if "pain_before" in answers else "diagnosis_explains"
    assert (conditional in drop_hidden(answers)) is kept


@settings(max_examples=300)
@given(valid_answers())
def test_random_valid_answers_validate(answers):
    assert set(validate(answers)) <= set(answers)


@settings(max_examples=500)
@given(invalid_answers())
def test_random_invalid_answers_give_errors_and_never_raise_anything_else(raw):
    with pytest.raises(AnswersInvalid) as caught:
        validate(raw)
    assert caught.value.errors
    assert all(isinstance(m, str) for ms in caught.value.messages().values() for m in ms)
