"""The step forms agree with instrument.validate and convert what the runner types."""

from __future__ import annotations

import pytest

from runner.forms import FORMS, NULL_CHARACTER, AboutForm, ResumeForm
from runner.journey import STEP_BY_ID, STEPS
from screening import questions
from screening.instrument import ITEMS, validate
from tests.journey_helpers import EXPECTED_ANSWERS, STEP_POSTS


def test_every_item_is_asked_on_exactly_one_step_with_safety_first():
    assert [s.id for s in STEPS][:2] == ["safety", "about"]
    assert STEP_BY_ID["safety"].item_ids == (
        "bladder_bowel_saddle",
        "sudden_weakness",
        "acute_limb",
    )
    asked = [item_id for step in STEPS for item_id in step.item_ids]
    assert sorted(asked) == sorted(ITEMS) and len(asked) == len(set(asked))
    assert len(STEPS) == 9


def test_every_item_and_code_has_words():
    for item_id, item in ITEMS.items():
        assert str(questions.label(item_id))
        for code in item.codes:
            assert str(questions.code_label(item_id, code))


@pytest.mark.parametrize("step_id", list(STEP_POSTS))
def test_the_sample_posts_give_answers_that_validate(step_id):
    form = FORMS[step_id](STEP_POSTS[step_id])
    assert form.is_valid(), form.errors
    answers = {k: v for k, v in form.answers().items() if v is not None}
    assert answers == {k: v for k, v in EXPECTED_ANSWERS.items() if k in answers}


def test_the_whole_journey_validates_like_the_api():
    assert validate(EXPECTED_ANSWERS) == EXPECTED_ANSWERS


def test_it_refuses_an_onset_after_the_age_now_with_a_stable_code():
    form = AboutForm({**STEP_POSTS["about"], "age": "20", "onset_age": "25"})
    assert form.has_error("onset_age", code="onset_after_age")


@pytest.mark.parametrize(
    ("distance", "unit", "km"), [("0", "km", 0), ("10", "miles", 16), ("248", "miles", 399)]
)
def test_it_converts_weekly_distance(distance, unit, km):
    form = AboutForm({**STEP_POSTS["about"], "weekly_distance": distance, "distance_unit": unit})
    assert form.is_valid(), form.errors
    assert form.answers()["weekly_km"] == km


@pytest.mark.parametrize("distance", ["250", "1" + "0" * 400])  # the second is no float
def test_it_refuses_more_than_400_km_whatever_the_unit(distance):
    form = AboutForm({**STEP_POSTS["about"], "weekly_distance": distance, "distance_unit": "miles"})
    assert form.has_error("weekly_distance", code="out_of_range")


def test_a_line_break_counts_as_one_character_as_in_the_browser():
    """Browsers send a line break as CR LF but count it once against maxlength=2000."""
    typed = ("x" * 99 + "\r\n") * 19 + "y" * 99  # 1,999 characters in the text box
    form = FORMS["narrative"]({"own_words": typed})
    assert form.is_valid(), form.errors
    assert form.answers()["own_words"] == typed.replace("\r\n", "\n")
    too_long = FORMS["narrative"]({"own_words": "z" * 2001})
    assert too_long.errors["own_words"] == ["Enter 2000 characters or fewer"]


def test_free_text_of_only_spaces_and_line_breaks_is_no_answer():
    form = FORMS["narrative"]({"own_words": "  \r\n\t ", "what_helped": " Rest. "})
    assert form.is_valid(), form.errors
    # As typed otherwise (instrument.md: stored as typed); blank is not an answer.
    assert form.answers() == {"own_words": None, "what_helped": " Rest. "}


def test_a_null_character_in_free_text_is_explained_in_plain_words():
    form = FORMS["narrative"]({"own_words": "pasted\x00text"})
    assert not form.is_valid()
    assert form.errors["own_words"] == [str(NULL_CHARACTER)]
    assert "null character" in str(NULL_CHARACTER) and "Delete" in str(NULL_CHARACTER)


@pytest.mark.parametrize(("field", "value"), [("age", "11"), ("age", "101"), ("pain", "x")])
def test_it_refuses_out_of_range_numbers(field, value):
    if field == "pain":
        form = FORMS["exclusions"]({**STEP_POSTS["exclusions"], "pain_level": "11"})
        assert form.has_error("pain_level")
    else:
        form = AboutForm({**STEP_POSTS["about"], field: value})
        assert form.has_error(field)


def test_it_refuses_a_code_not_in_the_instrument():
    form = AboutForm({**STEP_POSTS["about"], "side": "middle"})
    assert form.has_error("side", code="invalid_choice")


def test_the_resume_form_accepts_a_code_as_people_type_it():
    form = ResumeForm({"code": " abcd efgh-jkmn p "})
    assert form.is_valid() and form.cleaned_data["code"] == "ABCDEFGHJKMNP"
    # As a phone or a message may give it: no-break space, en dash, line break.
    pasted = ResumeForm({"code": "abcd\u00a0efgh\u2013jkmn\r\np"})
    assert pasted.is_valid() and pasted.cleaned_data["code"] == "ABCDEFGHJKMNP"
    assert ResumeForm({"code": "ABCD"}).has_error("code", code="malformed_code")
