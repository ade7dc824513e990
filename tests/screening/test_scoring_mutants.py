"""Tests that pin what mutation testing (``make mutants``, docs/mutation.md) found
loose in ``screening/scoring.py``: a stored flag is rebuilt with the texts it was
issued with, and one stored without texts gets its own version's rule texts."""

import json

import pytest
from hypothesis import given

from screening.instrument import TEXT_MAX_LENGTH, AnswersInvalid, ErrorCode, parse_json, validate
from screening.scoring import FLAG_RULE_BY_CODE, Result, score
from tests.examples import MINIMAL
from tests.screening.examples import examples
from tests.strategies import invalid_answers, valid_answers


def _stored(minimal_answers, **flag_changes):
    answers = validate({**minimal_answers, "localized_pain": "yes"})
    data = score(answers).to_dict()
    (flag,) = [f for f in data["flags"] if f["code"] == "localized_pain"]
    flag.update(flag_changes)
    for key, value in list(flag.items()):
        if value is None:
            del flag[key]
    return data


def test_a_stored_flag_keeps_its_issued_title_and_explanation(minimal_answers):
    """A flag stored with texts that differ from today's rule is shown with the
    stored texts (instrument.md: results are shown as they were issued), never
    the rule's current ones."""
    data = _stored(minimal_answers, title="issued title", explanation="issued text")
    (flag,) = [f for f in Result.from_dict(data).flags if f.code == "localized_pain"]
    assert (flag.title, flag.explanation) == ("issued title", "issued text")


def test_a_stored_flag_without_texts_gets_its_versions_rule_texts(minimal_answers):
    """A version 2 flag stored without title and explanation gets the version 2
    rule's title and reason, each independently of the other."""
    rule = FLAG_RULE_BY_CODE["localized_pain"]
    data = _stored(minimal_answers, title=None, explanation=None)
    (flag,) = [f for f in Result.from_dict(data).flags if f.code == "localized_pain"]
    assert (flag.title, flag.explanation) == (rule.title, rule.reason)

    only_title = _stored(minimal_answers, title="issued title", explanation=None)
    (flag,) = [f for f in Result.from_dict(only_title).flags if f.code == "localized_pain"]
    assert (flag.title, flag.explanation) == ("issued title", rule.reason)

    only_text = _stored(minimal_answers, title=None, explanation="issued text")
    (flag,) = [f for f in Result.from_dict(only_text).flags if f.code == "localized_pain"]
    assert (flag.title, flag.explanation) == (rule.title, "issued text")


def test_parse_json_validates_the_answers_it_parsed(minimal_answers):
    """The command line and the API read answers as JSON text: valid JSON of valid
    answers gives the same clean answers as ``validate`` (survivor
    ``parse_json__mutmut_9`` validated ``None`` instead)."""
    assert parse_json(json.dumps(minimal_answers)) == validate(minimal_answers)


@given(answers=valid_answers())
@examples(200)
def test_the_category_explanation_says_what_it_means_not_what_to_do(answers):
    """The result page shows "What it means" (explanations["category"]) and then
    "What to do next" (next_step): three different texts, never one said twice."""
    result = score(answers)
    meaning = result.explanations()["category"]
    assert len({result.headline, meaning, result.next_step}) == 3


# --- validate(): what a program or the form is told about bad answers ----------------


def errors_of(raw: object) -> dict:
    try:
        validate(raw)
    except AnswersInvalid as invalid:
        return invalid.errors
    raise AssertionError("the answers were accepted")


@given(raw=invalid_answers())
@examples(200)
def test_every_refusal_carries_a_stable_code_and_a_message(raw):
    """A 400 names each bad item with a code the tests and templates read, and a
    message a person reads: never an empty one."""
    for problems in errors_of(raw).values():
        for problem in problems:
            assert isinstance(problem.code, ErrorCode)
            assert isinstance(problem.message, str) and problem.message.strip()


@pytest.mark.parametrize("first", ["diagnosis_explains", "not_an_item"])
def test_an_item_it_cannot_read_is_named_alone(first):
    """Coming first, a replaced or unknown item does not stop the rest being read:
    a complete answer set behind it gets no "is required" for its own items."""
    assert set(errors_of({first: "yes", **MINIMAL})) == {first}


def test_text_of_the_maximum_length_is_taken_and_one_more_is_not():
    """TEXT_MAX_LENGTH characters are allowed; TEXT_MAX_LENGTH + 1 is too long."""
    assert validate({**MINIMAL, "own_words": "a" * TEXT_MAX_LENGTH})["own_words"]
    (problem,) = errors_of({**MINIMAL, "own_words": "a" * (TEXT_MAX_LENGTH + 1)})["own_words"]
    assert problem.code is ErrorCode.TOO_LONG
    assert str(TEXT_MAX_LENGTH) in problem.message


def test_text_that_is_not_valid_unicode_is_refused_and_other_scripts_are_not():
    """A lone surrogate cannot be stored or printed; Greek, CJK and emoji can."""
    (problem,) = errors_of({**MINIMAL, "own_words": "leg \ud800 flops"})["own_words"]
    assert problem.code is ErrorCode.WRONG_TYPE
    assert "Unicode" in problem.message
    words = "πόδι 脚 🦶"
    assert validate({**MINIMAL, "own_words": words})["own_words"] == words


def test_a_mixed_exclusive_code_is_named_in_the_message():
    (problem,) = errors_of({**MINIMAL, "sensations": ["none", "aching"]})["sensations"]
    assert problem.code is ErrorCode.EXCLUSIVE_MIXED
    assert "'none'" in problem.message


def test_each_kind_of_bad_value_is_named_with_its_code_and_a_message():
    """Wrong type, unknown code, malformed JSON: each refusal says what and why,
    and the exception's text names every bad item (the ``screen`` command's stderr)."""
    errors = errors_of({**MINIMAL, "own_words": 5, "sensations": ["flying"]})
    (text_problem,) = errors["own_words"]
    assert text_problem.code is ErrorCode.WRONG_TYPE and "text" in text_problem.message
    (code_problem,) = errors["sensations"]
    assert code_problem.code is ErrorCode.UNKNOWN_CODE
    assert "'flying'" in code_problem.message and "aching" in code_problem.message
    with pytest.raises(AnswersInvalid) as raised:
        validate({**MINIMAL, "own_words": 5, "sensations": ["flying"]})
    assert "own_words" in str(raised.value) and "sensations" in str(raised.value)
    with pytest.raises(AnswersInvalid) as malformed:
        parse_json('{"age": ')
    (problem,) = next(iter(malformed.value.errors.values()))
    assert problem.code is ErrorCode.MALFORMED_JSON and problem.message
