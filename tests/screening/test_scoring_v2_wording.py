"""The version 2 wording the contract constrains (instrument.md, first section).

Wording is ours to write, but some of it is a clinical control: the
sudden_weakness question must not send a runner with the usual running-only
problem to emergency care (hazard H10), and prior_diagnosis must keep "a
neurologist said it is dystonia" apart from "something else explains it"
(hazard H11).
"""

import pytest

from screening import questions
from screening.instrument import ITEMS


def text(value) -> str:
    return str(value).lower()


def test_the_sudden_weakness_question_asks_about_new_weakness_off_the_run():
    label = text(questions.label("sudden_weakness"))
    help_text = text(questions.help_text("sudden_weakness"))
    assert "new" in label
    assert "suddenly" in label and "hours" in label and "days" in label
    assert "rest" in label and "walk" in label and "only when you run" in label
    assert "only goes wrong when you run" in help_text and "“no”" in help_text
    assert "however long" in help_text


@pytest.mark.parametrize("word", ["drop", "drag", "foot", "toe", "trip", "flop"])
def test_the_sudden_weakness_question_gives_no_running_sign_as_its_example(word):
    """Version 1's "your foot has started to drop or drag" sent runners to emergency care."""
    both = text(questions.label("sudden_weakness")) + text(questions.help_text("sudden_weakness"))
    assert word not in both


def test_prior_diagnosis_keeps_dystonia_apart_from_another_diagnosis():
    labels = {
        code: text(questions.code_label("prior_diagnosis", code))
        for code in ITEMS["prior_diagnosis"].codes
    }
    assert "neurologist" in labels["dystonia"] and "dystonia" in labels["dystonia"]
    for other in ("other_full", "other_partial"):
        assert "not dystonia" in labels[other]
    assert "all" in labels["other_full"] and "only part" in labels["other_partial"]
    assert "not sure" in labels["unsure"]
    assert "no one" in labels["none"]
    assert len(set(labels.values())) == 5


@pytest.mark.parametrize(
    ("item_id", "code", "words"),
    [
        ("onset_activity", "cycling", "cycling"),
        ("regions", "knee", "knee"),
        ("procedures", "nerve_release", "nerve"),
        ("procedures", "injections", "injection"),
        ("family_history", "parkinsons", "parkinson"),
        ("family_history", "dystonia", "dystonia"),
    ],
)
def test_the_new_codes_have_words(item_id, code, words):
    assert words in text(questions.code_label(item_id, code))


@pytest.mark.parametrize(
    "item_id", ["prior_diagnosis", "procedures", "family_history", "gait_video", "sudden_weakness"]
)
def test_the_new_and_rewritten_items_have_a_question_and_a_help_text(item_id):
    assert text(questions.label(item_id)).endswith("?")
    assert text(questions.help_text(item_id)).strip()


def test_the_family_question_counts_only_close_family():
    label = text(questions.label("family_history"))
    assert all(word in label for word in ("parents", "brothers", "sisters", "children"))


def test_the_gait_video_advice_says_how_to_film_a_useful_video():
    advice = text(questions.GAIT_VIDEO_ADVICE)
    for words in ("pace", "surface", "from behind", "from the side", "backwards", "few seconds"):
        assert words in advice, words


def test_every_v2_item_and_code_has_words():
    for item_id, item in ITEMS.items():
        assert str(questions.label(item_id)).strip()
        for code in item.codes:
            assert str(questions.code_label(item_id, code)).strip()
