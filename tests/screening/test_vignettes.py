"""Worked vignettes drawn from the stories in shared/seeds (see tests/vignettes.json).

The expected categories and flags were derived by hand from the contract of
each vignette's instrument version, independently of the code, before the
scoring engine was run on them.

* ``instrument_version`` "1" (V1-V8): the version 1 regression suite, scored by
  the frozen ``screening.v1`` against ``instrument-v1.md``. Their answers are
  ``examples/v1/*.json``.
* ``instrument_version`` "2" (V9-V11): scored by the current engine against
  ``instrument.md``; each has a ``note`` saying which changed rule it shows.
  Their answers are ``examples/v9_*.json`` to ``examples/v11_*.json``.

``examples/v1_*.json`` to ``examples/v8_*.json`` are the version 1 vignettes
carried over to version 2 (``diagnosis_explains`` no/partly/yes ->
``prior_diagnosis`` none/other_partial/other_full); none of them touches a
changed rule, so they keep their version 1 category and flags.
"""

import json
from pathlib import Path

import pytest

from screening import versions
from screening.instrument import validate
from screening.scoring import SPREAD_TEXTS, score

TESTS = Path(__file__).resolve().parents[1]
EXAMPLES = TESTS.parent / "examples"
VIGNETTES = json.loads((TESTS / "vignettes.json").read_text())
V1_NAMES = sorted(name for name, v in VIGNETTES.items() if v["instrument_version"] == "1")
V2_NAMES = sorted(name for name, v in VIGNETTES.items() if v["instrument_version"] == "2")
DIAGNOSIS_V1_TO_V2 = versions.DIAGNOSIS_V1_TO_V2


def scored(name):
    vignette = VIGNETTES[name]
    version = vignette["instrument_version"]
    clean = versions.instrument_for(version).validate(vignette["answers"])
    return versions.scoring_for(version).score(clean)


def example_file(name: str, folder: Path = EXAMPLES) -> Path:
    """V3_marathoner_runners_dystonia -> v3_marathoner_runners_dystonia.json."""
    return folder / f"{name[0].lower()}{name[1:]}.json"


def test_there_are_eight_v1_and_four_v2_vignettes():
    assert len(V1_NAMES) == 8 and len(V2_NAMES) == 4


@pytest.mark.parametrize("name", sorted(VIGNETTES))
def test_vignette_gets_its_expected_category_and_flags(name):
    vignette = VIGNETTES[name]
    result = scored(name)
    assert result.instrument_version == vignette["instrument_version"]
    assert result.category == vignette["expected_category"], vignette["story"]
    assert sorted(result.flag_codes) == sorted(vignette["expected_flags"])
    if "expected_criteria_supported" in vignette:
        assert result.criteria_supported == vignette["expected_criteria_supported"]


@pytest.mark.parametrize("name", V1_NAMES)
def test_the_v1_vignettes_are_the_v1_examples_and_refused_by_v2_when_they_use_a_replaced_item(
    name,
):
    answers = VIGNETTES[name]["answers"]
    assert json.loads(example_file(name, EXAMPLES / "v1").read_text()) == answers
    if "diagnosis_explains" in answers:
        with pytest.raises(ValueError):
            validate(answers)


@pytest.mark.parametrize("name", V2_NAMES)
def test_the_v2_vignettes_are_the_v2_examples(name):
    assert json.loads(example_file(name).read_text()) == VIGNETTES[name]["answers"]
    assert VIGNETTES[name]["note"].strip()


@pytest.mark.parametrize("name", V1_NAMES)
def test_a_v1_vignette_carried_over_to_v2_keeps_its_category_and_flags(name):
    vignette = VIGNETTES[name]
    carried = {
        ("prior_diagnosis" if k == "diagnosis_explains" else k): (
            DIAGNOSIS_V1_TO_V2[v] if k == "diagnosis_explains" else v
        )
        for k, v in vignette["answers"].items()
    }
    assert json.loads(example_file(name).read_text()) == carried
    result = score(validate(carried))
    assert result.category == vignette["expected_category"]
    assert sorted(result.flag_codes) == sorted(vignette["expected_flags"])


def test_every_example_is_valid_for_its_version():
    for path in EXAMPLES.glob("*.json"):
        validate(json.loads(path.read_text()))
    for path in (EXAMPLES / "v1").glob("*.json"):
        versions.instrument_for("1").validate(json.loads(path.read_text()))


def test_the_emergency_vignette_is_answered_first():
    """V7 raises cauda_equina_signs (urgent) with a prompt and two exclusion flags:
    the urgent flag comes first in the list and decides the category."""
    result = scored("V7_emergency_cauda_equina")
    assert result.flags[0].code == "cauda_equina_signs"
    assert result.category == "urgent_care"


def test_the_typical_survey_respondent_fits_the_definition():
    """V8: d1-d7 all met (diagnosis_explains = no), no flag -> llc_consistent;
    c1-c7 supported from the answers, c8 always clinician_only -> 7 of 8."""
    result = scored("V8_survey_subject_13_typical_hip")
    assert result.verdict == "met"
    assert result.criteria_supported == 7


# --- what each version 2 vignette shows ----------------------------------------------

MARATHONER = "V9_marathoner_after_dystonia_diagnosis"


def test_the_diagnosed_marathoner_is_not_told_another_cause_explains_it():
    """Seed 003 under v1 answered "yes, fully explained" and read "follow the existing
    diagnosis". In v2 her dystonia meets d7 and raises no explained_by_diagnosis."""
    result = scored(MARATHONER)
    assert dict(result.components)["d7_not_explained"] == "met"
    assert "explained_by_diagnosis" not in result.flag_codes
    assert result.category == "known_dystonia"
    assert result.verdict == "met"


@pytest.mark.parametrize(
    "change",
    [
        {"walking": "significant"},
        {"spread_other": "yes"},
        {"other_activity_triggers": ["cycling", "walking"]},
        {"gait_signs": ["toe_curl"], "first_region": "foot_ankle_toes"},
    ],
)
def test_foot_onset_and_spread_do_not_send_the_diagnosed_marathoner_to_a_neurologist_soon(
    change,
):
    """Foot onset and spread describe the dystonia already diagnosed (instrument.md,
    Category): the flags are reported, the category stays known_dystonia."""
    answers = {**VIGNETTES[MARATHONER]["answers"], **change}
    result = score(validate(answers))
    assert result.category == "known_dystonia"
    assert {"foot_centric_onset"} <= set(result.flag_codes)


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        ({"course": "worsening"}, "worsening_course"),
        ({"rest_tremor": "yes"}, "rest_tremor_parkinsonism"),
        ({"parkinsonism": "yes"}, "rest_tremor_parkinsonism"),
        ({"other_neuro": "yes"}, "other_neuro_symptoms"),
    ],
)
def test_a_new_sign_still_sends_the_diagnosed_marathoner_back_soon(change, flag):
    result = score(validate({**VIGNETTES[MARATHONER]["answers"], **change}))
    assert flag in result.flag_codes
    assert result.category == "see_neurologist"


def test_the_triathlete_who_first_noticed_it_on_the_bike():
    """Seed 002: onset while pedalling -> c2 not_supported (v1 could only say "something
    else"); the cycling trigger alone raised spread_other_activities, so its explanation
    does not say it has spread; the nerve release raises invasive_procedures."""
    result = scored("V10_triathlete_onset_cycling_nerve_release")
    assert dict(result.criteria)["c2"] == "not_supported"
    flags = {f.code: f for f in result.flags}
    assert flags["spread_other_activities"].explanation == SPREAD_TEXTS["triggers"]
    assert flags["invasive_procedures"].severity == "discuss"


def test_the_author_after_his_hip_operation():
    """Seed 000: hip surgery raises invasive_procedures; a discuss flag leaves the
    category where the definition puts it (d7 unknown -> partly_consistent)."""
    result = scored("V11_author_after_hip_surgery")
    assert result.verdict == "partly_met"
    assert dict(result.components)["d7_not_explained"] == "unknown"
    assert [f.code for f in result.flags] == ["hip_groin_pain", "invasive_procedures"]
