"""Worked vignettes drawn from the stories in shared/seeds (see tests/vignettes.json).

The expected categories and flags were derived by hand from instrument.md,
independently of the code, before the scoring engine was run on them.
"""

import json
from pathlib import Path

import pytest

from screening.instrument import validate
from screening.scoring import score

VIGNETTES = json.loads((Path(__file__).parent / "vignettes.json").read_text())


@pytest.mark.parametrize("name", sorted(VIGNETTES))
def test_vignette_gets_its_expected_category_and_flags(name):
    vignette = VIGNETTES[name]
    result = score(validate(vignette["answers"]))
    assert result.category == vignette["expected_category"], vignette["story"]
    assert sorted(result.flag_codes) == sorted(vignette["expected_flags"])


def test_the_emergency_vignette_is_answered_first():
    """V7 raises cauda_equina_signs (urgent) with a prompt and two exclusion flags:
    the urgent flag comes first in the list and decides the category."""
    result = score(validate(VIGNETTES["V7_emergency_cauda_equina"]["answers"]))
    assert result.flags[0].code == "cauda_equina_signs"
    assert result.category == "urgent_care"


def test_the_typical_survey_respondent_fits_the_definition():
    """V8: d1-d7 all met (diagnosis_explains = no), no flag -> llc_consistent;
    c1-c7 supported from the answers, c8 always clinician_only -> 7 of 8."""
    result = score(validate(VIGNETTES["V8_survey_subject_13_typical_hip"]["answers"]))
    assert result.verdict == "met"
    assert result.criteria_supported == 7
