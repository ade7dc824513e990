"""Instrument versions: the frozen version 1 stays readable, scorable and renderable.

A version 1 submission keeps its answers, its result as issued and its v1
wording (instrument.md, first section). Its stored result JSON is rebuilt by the
current ``scoring.Result.from_dict`` and must come back as it was issued: same
category, flags with their v1 "to discuss" texts and v1 titles, criteria,
explanations and versions, never the version 2 texts.
"""

import json
from pathlib import Path

import pytest
from hypothesis import given

from screening import instrument, questions, scoring, versions
from screening.v1 import instrument as v1_instrument
from screening.v1 import questions as v1_questions
from screening.v1 import scoring as v1_scoring
from tests.screening.examples import examples
from tests.strategies import valid_answers


def test_the_current_version_is_2_and_both_versions_are_known():
    assert versions.CURRENT_VERSION == "2" == instrument.INSTRUMENT_VERSION
    assert versions.VERSIONS == ("1", "2")


@pytest.mark.parametrize(
    ("version", "module_instrument", "module_scoring", "module_questions"),
    [
        ("1", v1_instrument, v1_scoring, v1_questions),
        ("2", instrument, scoring, questions),
    ],
)
def test_each_version_names_its_modules(
    version, module_instrument, module_scoring, module_questions
):
    assert versions.instrument_for(version) is module_instrument
    assert versions.scoring_for(version) is module_scoring
    assert versions.questions_for(version) is module_questions
    assert version == module_instrument.INSTRUMENT_VERSION


@pytest.mark.parametrize("version", ["3", "", "1.0.0", "v1", None, 1, 2])
@pytest.mark.parametrize(
    "lookup", [versions.instrument_for, versions.scoring_for, versions.questions_for]
)
def test_an_unknown_version_is_a_clear_error(lookup, version):
    with pytest.raises(versions.UnknownVersion, match="no instrument version") as caught:
        lookup(version)
    assert "known: 1, 2" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_version_1_is_frozen_as_the_contract_says():
    """instrument-v1.md: the v1 items, codes and versions, unchanged."""
    assert v1_instrument.INSTRUMENT_VERSION == "1"
    assert v1_scoring.SCORING_VERSION == "1.0.0"
    assert v1_instrument.codes_of("diagnosis_explains") == ("no", "partly", "yes")
    assert v1_instrument.codes_of("onset_activity") == ("running", "walking", "other", "unsure")
    assert "knee" not in v1_instrument.codes_of("regions")
    for new in ("prior_diagnosis", "procedures", "family_history", "gait_video"):
        assert new not in v1_instrument.ITEMS
    assert len(v1_instrument.ITEMS) == 72
    assert "known_dystonia" not in {c.value for c in v1_scoring.Category}
    assert v1_scoring.FLAG_RULE_BY_CODE["explained_by_diagnosis"].tests == (
        "follow the existing diagnosis",
    )


def test_version_1_wording_is_kept_for_version_1_submissions():
    """A v1 submission shows the question its runner answered, even the one v2 rewrote."""
    assert "drop or drag" in str(v1_questions.label("sudden_weakness"))
    assert str(v1_questions.code_label("diagnosis_explains", "yes")) == "Yes, fully"
    assert "drop" not in str(questions.label("sudden_weakness"))


def test_version_1_modules_import_nothing_of_version_2():
    """Frozen means frozen: a change to the current modules cannot reach v1."""
    for module in (v1_instrument, v1_scoring, v1_questions):
        source = Path(module.__file__).read_text()
        assert "from screening.instrument" not in source
        assert "from screening.scoring" not in source
        assert "from screening.questions" not in source
        assert "from screening import" not in source


def v1_result(**answers_over_minimal):
    from tests.examples import MINIMAL

    return v1_scoring.score(v1_instrument.validate({**MINIMAL, **answers_over_minimal}))


def with_flag_texts(v1_json: dict) -> dict:
    """A v1 result JSON as the current to_dict writes it: flags gain their v1 texts."""
    out = json.loads(json.dumps(v1_json))
    for flag in out["flags"]:
        rule = v1_scoring.FLAG_RULE_BY_CODE[flag["code"]]
        flag["title"], flag["explanation"] = rule.title, rule.reason
    return out


def test_a_v1_result_renders_as_issued():
    """The v1 marathoner: "yes, fully explained" gave explained_by_diagnosis with the v1
    text "follow the existing diagnosis" alone, and v1 words for sudden weakness."""
    issued = v1_result(
        exam_neuro="normal",
        diagnosis_explains="yes",
        sudden_weakness="yes",
        spread_other="yes",
    )
    stored = json.loads(json.dumps(issued.to_dict()))
    rebuilt = scoring.Result.from_dict(stored)
    assert (rebuilt.instrument_version, rebuilt.scoring_version) == ("1", "1.0.0")
    assert rebuilt.category == issued.category == "urgent_care"
    assert rebuilt.criteria == issued.criteria
    assert rebuilt.components == issued.components
    assert rebuilt.explanations() == issued.explanations()
    assert rebuilt.headline == issued.headline
    assert rebuilt.next_step == issued.next_step
    flags = {f.code: f for f in rebuilt.flags}
    assert flags["explained_by_diagnosis"].tests == ("follow the existing diagnosis",)
    assert flags["sudden_weakness"].explanation == (
        v1_scoring.FLAG_RULE_BY_CODE["sudden_weakness"].reason
    )
    assert "dropping foot" in flags["sudden_weakness"].explanation
    assert flags["spread_other_activities"].explanation == (
        v1_scoring.FLAG_RULE_BY_CODE["spread_other_activities"].reason
    )
    assert rebuilt.to_dict() == with_flag_texts(stored)


def test_a_v1_category_text_is_the_v1_text_even_where_v2_differs(monkeypatch):
    """headline and next step are looked up in the version the result was issued under."""
    issued = v1_result(diagnosis_explains="no", exam_neuro="normal")
    monkeypatch.setitem(
        scoring.CATEGORY_TEXTS, scoring.Category.LLC_CONSISTENT, ("v2 head", "v2 what", "v2 next")
    )
    rebuilt = scoring.Result.from_dict(issued.to_dict())
    assert rebuilt.headline == v1_scoring.CATEGORY_TEXTS[v1_scoring.Category.LLC_CONSISTENT][0]
    assert rebuilt.next_step == v1_scoring.CATEGORY_TEXTS[v1_scoring.Category.LLC_CONSISTENT][2]


@examples(200)
@given(valid_answers(v1_instrument.ITEMS))
def test_every_v1_result_round_trips_through_from_dict(answers):
    issued = v1_scoring.score(v1_instrument.validate(answers))
    stored = json.loads(json.dumps(issued.to_dict()))
    rebuilt = scoring.Result.from_dict(stored)
    assert rebuilt.to_dict() == with_flag_texts(stored)
    again = scoring.Result.from_dict(rebuilt.to_dict())
    assert again == rebuilt
    assert rebuilt.category.value == issued.category.value
    assert [f.tests for f in rebuilt.flags] == [f.tests for f in issued.flags]
    assert rebuilt.headline == issued.headline


@examples(200)
@given(valid_answers())
def test_every_v2_result_round_trips_through_from_dict(answers):
    issued = scoring.score(instrument.validate(answers))
    assert scoring.Result.from_dict(json.loads(json.dumps(issued.to_dict()))) == issued
