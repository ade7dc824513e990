"""Invariants of score() over random valid answers (Hypothesis)."""

import json
import re

from hypothesis import given, settings

from screening.instrument import validate
from screening.scoring import (
    CRITERIA_IDS,
    EXPLANATIONS,
    Category,
    Severity,
    Support,
    score,
)
from tests.strategies import valid_answers

EXAMPLES = settings(max_examples=400)


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


def test_no_text_gives_a_probability_or_a_diagnosis():
    """Clinical safety: no percentages, no "you have", no "diagnosed with"."""
    for text in EXPLANATIONS.values():
        assert not re.search(r"\d\s*%|percent|probab|likelihood", text, re.I), text
        assert not re.search(r"\byou have\b|diagnosed with", text, re.I), text
