"""Invariants of score() over random valid answers of instrument v2 (Hypothesis)."""

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from screening.instrument import validate
from screening.scoring import (
    CATEGORY_TEXTS,
    COMPONENT_RULES,
    CRITERIA_IDS,
    EXPLANATIONS,
    FLAG_RULES,
    NEW_SIGN_FLAGS,
    SPREAD_TEXTS,
    Category,
    Result,
    Severity,
    Support,
    score,
)
from tests.screening.examples import examples
from tests.strategies import valid_answers

EXAMPLES = examples(400)
FEWER = examples(200)


@EXAMPLES
@given(valid_answers())
def test_exactly_one_known_category(answers):
    assert score(validate(answers)).category in set(Category)


@EXAMPLES
@given(valid_answers())
def test_an_urgent_flag_always_wins(answers):
    result = score(validate(answers))
    urgent = any(f.severity is Severity.URGENT for f in result.flags)
    assert urgent == (result.category is Category.URGENT_CARE)


@EXAMPLES
@given(valid_answers())
def test_every_criterion_is_reported_once_and_counted(answers):
    result = score(validate(answers))
    ids = [cid for cid, _ in result.criteria]
    assert ids == list(CRITERIA_IDS)
    supported = sum(1 for _, status in result.criteria if status is Support.SUPPORTED)
    assert result.criteria_supported == supported == result.to_dict()["criteria_supported"]
    assert dict(result.criteria)["c8"] is Support.CLINICIAN_ONLY


@EXAMPLES
@given(valid_answers())
def test_to_dict_round_trips_through_json(answers):
    as_dict = score(validate(answers)).to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict


@EXAMPLES
@given(valid_answers())
def test_flags_are_unique_and_ordered_by_severity(answers):
    flags = score(validate(answers)).flags
    codes = [f.code for f in flags]
    assert len(codes) == len(set(codes))
    order = list(Severity)
    ranks = [order.index(f.severity) for f in flags]
    assert ranks == sorted(ranks)


@EXAMPLES
@given(valid_answers())
def test_scoring_is_a_pure_function(answers):
    clean = validate(answers)
    before = json.dumps(clean, sort_keys=True)
    assert score(clean) == score(dict(clean))
    assert json.dumps(clean, sort_keys=True) == before


@FEWER
@given(valid_answers())
def test_known_dystonia_only_when_a_neurologist_diagnosed_dystonia(answers):
    clean = validate(answers)
    result = score(clean)
    if result.category is Category.KNOWN_DYSTONIA:
        assert clean.get("prior_diagnosis") == "dystonia"
        assert not any(f.severity in (Severity.URGENT,) for f in result.flags)


@FEWER
@given(valid_answers(), st.data())
def test_a_diagnosed_runner_sees_a_neurologist_soon_only_for_a_new_sign(answers, data):
    """prior_diagnosis = dystonia: see_neurologist iff one of the three new-sign flags is
    raised and no urgent one; otherwise known_dystonia."""
    answers["exam_neuro"] = "normal"  # prior_diagnosis is asked of a runner who was examined
    answers["prior_diagnosis"] = "dystonia"
    result = score(validate(answers))
    codes = set(result.flag_codes)
    if any(f.severity is Severity.URGENT for f in result.flags):
        assert result.category is Category.URGENT_CARE
    elif codes & NEW_SIGN_FLAGS:
        assert result.category is Category.SEE_NEUROLOGIST
    else:
        assert result.category is Category.KNOWN_DYSTONIA


@FEWER
@given(valid_answers())
def test_without_a_dystonia_diagnosis_any_prompt_flag_sees_a_neurologist(answers):
    clean = validate(answers)
    result = score(clean)
    severities = {f.severity for f in result.flags}
    if clean.get("prior_diagnosis") != "dystonia" and Severity.URGENT not in severities:
        assert (Severity.PROMPT in severities) == (result.category is Category.SEE_NEUROLOGIST)


@FEWER
@given(valid_answers())
def test_every_component_is_reported_once(answers):
    result = score(validate(answers))
    assert [cid for cid, _ in result.components] == list(COMPONENT_RULES)
    explained = list(result.explanations())
    assert explained == [*COMPONENT_RULES, *CRITERIA_IDS, "category"]


@EXAMPLES
@given(valid_answers())
def test_from_dict_rebuilds_the_result_it_was_given(answers):
    result = score(validate(answers))
    as_json = json.loads(json.dumps(result.to_dict()))
    assert Result.from_dict(as_json) == result
    assert Result.from_dict(as_json).to_dict() == result.to_dict()


@FEWER
@given(valid_answers())
def test_every_flag_carries_its_title_and_explanation(answers):
    for flag in score(validate(answers)).flags:
        assert flag.title == flag.rule.title
        if flag.code == "spread_other_activities":
            assert flag.explanation in SPREAD_TEXTS.values()
        else:
            assert flag.explanation == flag.rule.reason


def _all_texts():
    yield from EXPLANATIONS.values()
    for texts in CATEGORY_TEXTS.values():
        yield from texts
    for rule in FLAG_RULES:
        yield rule.title
        yield rule.reason
    yield from SPREAD_TEXTS.values()


def test_no_text_gives_a_probability_or_a_diagnosis():
    """Clinical safety: no percentages, no "you have", no "diagnosed with"."""
    for text in _all_texts():
        assert not re.search(r"\d\s*%|percent|probab|likelihood", text, re.I), text
        assert not re.search(r"\byou have\b|diagnosed with", text, re.I), text
