"""instrument.md (version 2), rule by rule: one parametrized row (at least) for every rule row.

Each row starts from the minimal answers in ``examples/minimal.json`` (a
hip-centred runner with every required item, no optional one), changes what
the rule reads, and gives the reason the expected value follows as its id.
"""

import pytest

from screening.scoring import (
    SPREAD_TEXTS,
    Category,
    Flag,
    Result,
    Severity,
    onset_age_band,
    score,
)
from tests.screening.test_result_shape import COMPONENTS


def scored(base: dict, **change):
    answers = {**base, **change}
    return score({k: v for k, v in answers.items() if v is not None})


def row(why: str, change: dict, expected: str):
    return pytest.param(change, expected, id=why)


# --- working definition d1-d7 ------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "change", "expected"),
    [
        ("d1_sensation", {"sensations": ["aching"]}, "met"),
        ("d1_sensation", {"sensations": ["tightness"]}, "met"),
        ("d1_sensation", {"sensations": ["soreness"]}, "met"),
        ("d1_sensation", {"sensations": ["weakness"]}, "met"),
        ("d1_sensation", {"sensations": ["weakness", "soreness"]}, "met"),
        ("d1_sensation", {"sensations": ["none"]}, "not_met"),
        ("d2_coordination", {"coordination_loss": "always"}, "met"),
        ("d2_coordination", {"coordination_loss": "sometimes"}, "partly"),
        ("d2_coordination", {"coordination_loss": "never"}, "not_met"),
        ("d3_running_specific", {"context": "only_running"}, "met"),
        ("d3_running_specific", {"context": "mainly_running"}, "met"),
        ("d3_running_specific", {"context": "also_other"}, "not_met"),
        ("d4_no_nerve_symptoms", {}, "met"),
        ("d4_no_nerve_symptoms", {"numbness": "yes"}, "not_met"),
        ("d4_no_nerve_symptoms", {"tingling": "yes"}, "not_met"),
        ("d4_no_nerve_symptoms", {"burning": "yes"}, "not_met"),
        ("d4_no_nerve_symptoms", {"shooting_pain": "yes"}, "not_met"),
        ("d5_no_localized_pain", {"localized_pain": "no"}, "met"),
        ("d5_no_localized_pain", {"localized_pain": "yes"}, "not_met"),
        ("d6_no_daily_weakness", {"weakness_daily": "no"}, "met"),
        ("d6_no_daily_weakness", {"weakness_daily": "yes"}, "not_met"),
        ("d7_not_explained", {"prior_diagnosis": "none"}, "met"),
        ("d7_not_explained", {"prior_diagnosis": "dystonia"}, "met"),
        ("d7_not_explained", {"prior_diagnosis": "other_full"}, "not_met"),
        ("d7_not_explained", {"prior_diagnosis": "other_partial"}, "unknown"),
        ("d7_not_explained", {"prior_diagnosis": "unsure"}, "unknown"),
        ("d7_not_explained", {}, "unknown"),
    ],
)
def test_definition_component(minimal_answers, component, change, expected):
    """Each d-row of the table: the one answer it reads decides met / partly / not_met."""
    components = dict(scored(minimal_answers, **change).components)
    assert components[component] == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("all seven met -> met", {"prior_diagnosis": "none"}, "met"),
        row("d7 unknown, none not_met -> partly_met", {}, "partly_met"),
        row(
            "d2 partly, d7 met -> partly_met",
            {"coordination_loss": "sometimes", "prior_diagnosis": "none"},
            "partly_met",
        ),
        row("any not_met wins over unknown -> not_met", {"numbness": "yes"}, "not_met"),
    ],
)
def test_definition_verdict(minimal_answers, change, expected):
    assert scored(minimal_answers, **change).verdict == expected


# --- criteria c1-c8 ---------------------------------------------------------------


def criterion(base, cid, **change):
    return dict(scored(base, **change).criteria)[cid]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("d3 met, no triggers, walking none -> supported", {}, "supported"),
        row(
            "only walking triggers it, walking slight -> supported",
            {"other_activity_triggers": ["walking"], "walking": "slight"},
            "supported",
        ),
        row("triggers = [none] -> supported", {"other_activity_triggers": ["none"]}, "supported"),
        row("context also_other -> not_supported", {"context": "also_other"}, "not_supported"),
        row(
            "cycling triggers it -> not_supported",
            {"other_activity_triggers": ["cycling"]},
            "not_supported",
        ),
        row(
            "stairs is a non-walking activity -> not_supported",
            {"other_activity_triggers": ["walking", "stairs"]},
            "not_supported",
        ),
        row("walking significant -> unclear", {"walking": "significant"}, "unclear"),
    ],
)
def test_c1_task_specificity(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c1", **change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row(
            "5 years, onset running -> supported",
            {"running_years": 5, "onset_activity": "running"},
            "supported",
        ),
        row(
            "4 years is under 5 -> unclear",
            {"running_years": 4, "onset_activity": "running"},
            "unclear",
        ),
        row("onset cycling -> not_supported", {"onset_activity": "cycling"}, "not_supported"),
        row(
            "onset cycling, even after 12 years of running -> not_supported",
            {"running_years": 12, "onset_activity": "cycling"},
            "not_supported",
        ),
        row("onset walking -> not_supported", {"onset_activity": "walking"}, "not_supported"),
        row("onset other -> not_supported", {"onset_activity": "other"}, "not_supported"),
        row("onset unsure -> unclear", {"onset_activity": "unsure"}, "unclear"),
    ],
)
def test_c2_running_history(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c2", **change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("nothing found -> supported", {"exam_ortho": "nothing_found"}, "supported"),
        row("minor findings -> supported", {"exam_ortho": "minor_findings"}, "supported"),
        row("clear cause -> not_supported", {"exam_ortho": "clear_cause"}, "not_supported"),
        row("not examined -> clinician_only", {"exam_ortho": "not_examined"}, "clinician_only"),
        row("not answered -> clinician_only", {}, "clinician_only"),
    ],
)
def test_c3_orthopaedic_examination(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c3", **change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("normal -> supported", {"exam_neuro": "normal"}, "supported"),
        row("abnormal -> not_supported", {"exam_neuro": "abnormal"}, "not_supported"),
        row("not done -> clinician_only", {"exam_neuro": "not_done"}, "clinician_only"),
        row("not answered -> clinician_only", {}, "clinician_only"),
    ],
)
def test_c4_neurological_examination(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c4", **change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("pain 2, no spot -> supported", {"pain_level": 2}, "supported"),
        row("pain 0, no spot -> supported", {"pain_level": 0}, "supported"),
        row(
            "pain 2 but a localized spot -> unclear",
            {"pain_level": 2, "localized_pain": "yes"},
            "unclear",
        ),
        row("pain 3 -> unclear", {"pain_level": 3}, "unclear"),
        row("pain 4 -> unclear", {"pain_level": 4}, "unclear"),
        row("pain 5 -> not_supported", {"pain_level": 5}, "not_supported"),
        row("pain 10 -> not_supported", {"pain_level": 10}, "not_supported"),
    ],
)
def test_c5_minimal_pain(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c5", **change) == expected


ALTERED = [
    "crossover",
    "leg_rotates_out",
    "leg_rotates_in",
    "foot_turns_in",
    "foot_turns_out",
    "foot_drop_drag",
    "toe_curl",
    "knee_control",
]


@pytest.mark.parametrize("sign", ALTERED)
def test_c6_each_altered_gait_sign_supports(minimal_answers, sign):
    assert criterion(minimal_answers, "c6", gait_signs=[sign], muscles_pull="no") == "supported"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("muscles pull -> supported", {"muscles_pull": "yes"}, "supported"),
        row(
            "no pull and gait [none] -> not_supported",
            {"muscles_pull": "no", "gait_signs": ["none"]},
            "not_supported",
        ),
        row(
            "foot splay is not an altered-gait sign -> unclear",
            {"muscles_pull": "no", "gait_signs": ["foot_splay", "trips"]},
            "unclear",
        ),
        row("unsure pull, no gait answer -> unclear", {"muscles_pull": "unsure"}, "unclear"),
        # gait [none] alone does not rule c6 out: the runner must also say no pull.
        row(
            "unsure pull and gait [none] -> unclear",
            {"muscles_pull": "unsure", "gait_signs": ["none"]},
            "unclear",
        ),
        row("pull not answered, gait [none] -> unclear", {"gait_signs": ["none"]}, "unclear"),
        row(
            "no pull but no gait answer -> unclear",
            {"muscles_pull": "no"},
            "unclear",
        ),
        row("nothing answered -> unclear", {}, "unclear"),
    ],
)
def test_c6_muscle_activation(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c6", **change) == expected


@pytest.mark.parametrize(
    "trick",
    ["backwards", "sideways", "barefoot_grass", "trails", "run_in_place", "shoes", "dual_task"],
)
def test_c7_each_trick_supports(minimal_answers, trick):
    assert criterion(minimal_answers, "c7", tricks=[trick]) == "supported"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row("none helped -> not_supported", {"tricks": ["none_helped"]}, "not_supported"),
        row("not tried -> unclear", {"tricks": ["not_tried"]}, "unclear"),
        row("not answered -> unclear", {}, "unclear"),
    ],
)
def test_c7_tricks(minimal_answers, change, expected):
    assert criterion(minimal_answers, "c7", **change) == expected


def test_c8_is_always_for_a_clinician(minimal_answers):
    assert criterion(minimal_answers, "c8") == "clinician_only"


def test_criteria_supported_counts_the_supported(minimal_answers):
    """Minimal answers support c1 (running only), c2 (12 years, onset running) and c5
    (pain 1, no spot): 3. Adding a normal neuro exam (c4) and trails (c7) makes 5."""
    assert scored(minimal_answers).criteria_supported == 3
    assert scored(minimal_answers, exam_neuro="normal", tricks=["trails"]).criteria_supported == 5


# --- flags ----------------------------------------------------------------------------

FLAG_ROWS = [
    ("cauda_equina_signs", "urgent", {"bladder_bowel_saddle": "yes"}),
    ("sudden_weakness", "urgent", {"sudden_weakness": "yes"}),
    ("acute_limb", "urgent", {"acute_limb": "yes"}),
    ("rest_tremor_parkinsonism", "prompt", {"rest_tremor": "yes"}),
    ("rest_tremor_parkinsonism", "prompt", {"parkinsonism": "yes"}),
    ("foot_centric_onset", "prompt", {"first_region": "foot_ankle_toes"}),
    ("foot_centric_onset", "prompt", {"gait_signs": ["toe_curl"]}),
    ("spread_to_walking", "prompt", {"walking": "significant"}),
    ("spread_other_activities", "prompt", {"spread_other": "yes"}),
    ("spread_other_activities", "prompt", {"other_activity_triggers": ["cycling"]}),
    ("spread_other_activities", "prompt", {"other_activity_triggers": ["elliptical"]}),
    ("spread_other_activities", "prompt", {"other_activity_triggers": ["swimming"]}),
    ("spread_other_activities", "prompt", {"other_activity_triggers": ["aquajogging"]}),
    ("worsening_course", "prompt", {"course": "worsening"}),
    ("other_neuro_symptoms", "prompt", {"other_neuro": "yes"}),
    ("nerve_symptoms", "exclusion", {"numbness": "yes"}),
    ("nerve_symptoms", "exclusion", {"tingling": "yes"}),
    ("nerve_symptoms", "exclusion", {"burning": "yes"}),
    ("nerve_symptoms", "exclusion", {"shooting_pain": "yes"}),
    ("localized_pain", "exclusion", {"localized_pain": "yes"}),
    ("daily_life_weakness", "exclusion", {"weakness_daily": "yes"}),
    ("back_pain_radiating", "exclusion", {"back_pain_radiating": "yes"}),
    ("exertional_calf", "exclusion", {"exertional_calf": "yes"}),
    ("explained_by_diagnosis", "exclusion", {"prior_diagnosis": "other_full"}),
    ("hip_groin_pain", "discuss", {"groin_hip_pain": "yes"}),
    *(
        ("invasive_procedures", "discuss", {"procedures": [procedure]})
        for procedure in (
            "spine_surgery",
            "hip_surgery",
            "knee_surgery",
            "nerve_release",
            "compartment_release",
            "other_surgery",
        )
    ),
    ("family_movement_disorder", "discuss", {"family_history": ["dystonia"]}),
    ("family_movement_disorder", "discuss", {"family_history": ["parkinsons"]}),
]


@pytest.mark.parametrize(("code", "severity", "change"), FLAG_ROWS)
def test_flag_is_raised_alone_by_its_trigger(minimal_answers, code, severity, change):
    """The minimal answers raise no flag, so the one change raises exactly this flag."""
    flags = scored(minimal_answers, **change).flags
    assert [(f.code, f.severity) for f in flags] == [(code, severity)]
    assert flags[0].tests


@pytest.mark.parametrize(
    ("change", "absent"),
    [
        ({"walking": "slight"}, "spread_to_walking"),
        ({"other_activity_triggers": ["walking", "stairs"]}, "spread_other_activities"),
        ({"course": "fluctuating"}, "worsening_course"),
        ({"first_region": "calf_shin", "gait_signs": ["foot_turns_in"]}, "foot_centric_onset"),
        ({"prior_diagnosis": "other_partial"}, "explained_by_diagnosis"),
        # A diagnosed dystonia is not "another cause that explains it" (seed 003).
        ({"prior_diagnosis": "dystonia"}, "explained_by_diagnosis"),
        ({"prior_diagnosis": "unsure"}, "explained_by_diagnosis"),
        ({"prior_diagnosis": "none"}, "explained_by_diagnosis"),
        # Injections are treatments, not operations.
        ({"procedures": ["injections"]}, "invasive_procedures"),
        ({"procedures": ["none"]}, "invasive_procedures"),
        ({"family_history": ["none"]}, "family_movement_disorder"),
        ({"family_history": ["unsure"]}, "family_movement_disorder"),
        ({"onset_activity": "cycling"}, "spread_other_activities"),
        ({"other_activity_triggers": ["walking"]}, "spread_other_activities"),
        ({"other_activity_triggers": ["stairs"]}, "spread_other_activities"),
        ({"spread_other": "no"}, "spread_other_activities"),
    ],
)
def test_flag_is_not_raised_by_near_misses(minimal_answers, change, absent):
    assert absent not in scored(minimal_answers, **change).flag_codes


def test_flags_carry_the_tests_of_the_contract(minimal_answers):
    result = scored(minimal_answers, numbness="yes", exertional_calf="yes")
    tests = {f.code: f.tests for f in result.flags}
    assert tests["nerve_symptoms"] == (
        "straight-leg-raise test",
        "lumbar spine MRI",
        "nerve conduction study / EMG",
    )
    assert "compartment pressure testing" in tests["exertional_calf"]


# --- category (first rule that applies) ------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        row(
            "urgent flag beats everything, even d1 not met",
            {"acute_limb": "yes", "sensations": ["none"], "rest_tremor": "yes"},
            "urgent_care",
        ),
        row(
            "prompt flag beats not_consistent",
            {"walking": "significant", "coordination_loss": "never"},
            "see_neurologist",
        ),
        row(
            "urgent beats a known dystonia too",
            {"prior_diagnosis": "dystonia", "sudden_weakness": "yes"},
            "urgent_care",
        ),
        row(
            "dystonia diagnosed + foot onset (known condition) -> known_dystonia",
            {"prior_diagnosis": "dystonia", "first_region": "foot_ankle_toes"},
            "known_dystonia",
        ),
        row(
            "dystonia diagnosed + toes curl -> known_dystonia",
            {"prior_diagnosis": "dystonia", "gait_signs": ["toe_curl"]},
            "known_dystonia",
        ),
        row(
            "dystonia diagnosed + walking clearly affected -> known_dystonia",
            {"prior_diagnosis": "dystonia", "walking": "significant"},
            "known_dystonia",
        ),
        row(
            "dystonia diagnosed + said it spread -> known_dystonia",
            {"prior_diagnosis": "dystonia", "spread_other": "yes"},
            "known_dystonia",
        ),
        row(
            "dystonia diagnosed + cycling brings it on -> known_dystonia",
            {"prior_diagnosis": "dystonia", "other_activity_triggers": ["cycling"]},
            "known_dystonia",
        ),
        row(
            "dystonia diagnosed + rest tremor (new sign) -> see_neurologist",
            {"prior_diagnosis": "dystonia", "rest_tremor": "yes"},
            "see_neurologist",
        ),
        row(
            "dystonia diagnosed + parkinsonism (new sign) -> see_neurologist",
            {"prior_diagnosis": "dystonia", "parkinsonism": "yes"},
            "see_neurologist",
        ),
        row(
            "dystonia diagnosed + worsening (new sign) -> see_neurologist",
            {"prior_diagnosis": "dystonia", "course": "worsening"},
            "see_neurologist",
        ),
        row(
            "dystonia diagnosed + other neuro symptoms (new sign) -> see_neurologist",
            {"prior_diagnosis": "dystonia", "other_neuro": "yes"},
            "see_neurologist",
        ),
        row(
            "new sign with foot onset, dystonia diagnosed -> see_neurologist",
            {
                "prior_diagnosis": "dystonia",
                "first_region": "foot_ankle_toes",
                "course": "worsening",
            },
            "see_neurologist",
        ),
        row(
            "known_dystonia beats not_consistent (d2 never)",
            {"prior_diagnosis": "dystonia", "coordination_loss": "never"},
            "known_dystonia",
        ),
        row(
            "known_dystonia beats an exclusion flag",
            {"prior_diagnosis": "dystonia", "numbness": "yes"},
            "known_dystonia",
        ),
        row(
            "dystonia diagnosed, no flag -> known_dystonia, not llc_consistent",
            {"prior_diagnosis": "dystonia"},
            "known_dystonia",
        ),
        row(
            "foot onset without a dystonia diagnosis -> see_neurologist",
            {"prior_diagnosis": "other_partial", "first_region": "foot_ankle_toes"},
            "see_neurologist",
        ),
        row(
            "walking clearly affected, no diagnosis -> see_neurologist",
            {"prior_diagnosis": "none", "walking": "significant"},
            "see_neurologist",
        ),
        row(
            "other_full -> explained_by_diagnosis -> other_causes_first",
            {"prior_diagnosis": "other_full"},
            "other_causes_first",
        ),
        row(
            "invasive_procedures (discuss) does not stop llc_consistent",
            {"prior_diagnosis": "none", "procedures": ["hip_surgery"]},
            "llc_consistent",
        ),
        row(
            "family_movement_disorder (discuss) does not stop llc_consistent",
            {"prior_diagnosis": "none", "family_history": ["parkinsons"]},
            "llc_consistent",
        ),
        row("d1 not met -> not_consistent", {"sensations": ["none"]}, "not_consistent"),
        row("d2 not met -> not_consistent", {"coordination_loss": "never"}, "not_consistent"),
        row(
            "d3 not met beats an exclusion flag",
            {"context": "also_other", "numbness": "yes"},
            "not_consistent",
        ),
        row("exclusion flag -> other_causes_first", {"numbness": "yes"}, "other_causes_first"),
        row(
            "verdict met and no flag -> llc_consistent",
            {"prior_diagnosis": "none"},
            "llc_consistent",
        ),
        row(
            "a discuss flag does not stop llc_consistent",
            {"prior_diagnosis": "none", "groin_hip_pain": "yes"},
            "llc_consistent",
        ),
        row("d7 unknown -> partly_consistent", {}, "partly_consistent"),
        row(
            "other_partial leaves d7 unknown -> partly_consistent",
            {"prior_diagnosis": "other_partial"},
            "partly_consistent",
        ),
        row(
            "unsure leaves d7 unknown -> partly_consistent",
            {"prior_diagnosis": "unsure"},
            "partly_consistent",
        ),
        row(
            "d2 sometimes -> partly_consistent",
            {"coordination_loss": "sometimes", "prior_diagnosis": "none"},
            "partly_consistent",
        ),
    ],
)
def test_category(minimal_answers, change, expected):
    assert scored(minimal_answers, **change).category == expected


@pytest.mark.parametrize(
    ("first_region", "expected"),
    [
        ("hip_thigh", "hip_thigh"),
        ("calf_shin", "calf_shin"),
        ("foot_ankle_toes", "foot_ankle"),
        ("unsure", "unknown"),
    ],
)
def test_pattern_follows_first_region(minimal_answers, first_region, expected):
    assert scored(minimal_answers, first_region=first_region).pattern == expected


# --- axis I (Albanese et al. 2013) -------------------------------------------------


@pytest.mark.parametrize(
    ("onset_age", "band"),
    [
        (5, "childhood"),
        (12, "childhood"),
        (13, "adolescence"),
        (20, "adolescence"),
        (21, "early_adulthood"),
        (29, "early_adulthood"),
        (40, "early_adulthood"),
        (41, "late_adulthood"),
    ],
)
def test_axis1_age_at_onset_band(minimal_answers, onset_age, band):
    answers = {**minimal_answers, "age": 60, "onset_age": onset_age}
    assert score(answers).axis1.age_at_onset == band


@pytest.mark.parametrize(
    ("field", "change", "expected"),
    [
        ("body_distribution", {"side": "left"}, "focal"),
        ("body_distribution", {"side": "right"}, "focal"),
        ("body_distribution", {"side": "both"}, "multifocal"),
        ("body_distribution", {"side": "unsure"}, "unknown"),
        ("course", {"course": "worsening"}, "progressive"),
        ("course", {"course": "stable"}, "static"),
        ("course", {"course": "improving"}, "static"),
        ("course", {"course": "fluctuating"}, "static"),
        ("course", {}, "unknown"),
        ("variability", {}, "action_specific"),
        ("variability", {"walking": "significant"}, "unknown"),
        ("associated_features", {}, "isolated"),
        ("associated_features", {"rest_tremor": "yes"}, "combined"),
        ("associated_features", {"parkinsonism": "yes"}, "combined"),
        ("associated_features", {"other_neuro": "yes"}, "combined"),
    ],
)
def test_axis1(minimal_answers, field, change, expected):
    assert getattr(scored(minimal_answers, **change).axis1, field) == expected


# --- explanations --------------------------------------------------------------------


def test_every_component_criterion_and_the_category_is_explained(minimal_answers):
    explanations = scored(minimal_answers).explanations()
    assert set(explanations) == COMPONENTS | {f"c{i}" for i in range(1, 9)} | {"category"}
    assert all(text.strip() for text in explanations.values())


def test_severity_and_category_names_match_the_contract():
    assert [s.value for s in Severity] == ["urgent", "prompt", "exclusion", "discuss"]
    assert [c.value for c in Category] == [
        "urgent_care",
        "see_neurologist",
        "known_dystonia",
        "not_consistent",
        "other_causes_first",
        "llc_consistent",
        "partly_consistent",
    ]


# --- v2: the explanation of spread_other_activities names its cause --------------


@pytest.mark.parametrize(
    ("change", "text"),
    [
        row("spread_other yes only -> spread", {"spread_other": "yes"}, "spread"),
        row(
            "spread_other yes, triggers [none] -> spread",
            {"spread_other": "yes", "other_activity_triggers": ["none"]},
            "spread",
        ),
        row(
            "said no, cycling brings it on -> triggers (not 'has spread'; seed 002)",
            {"spread_other": "no", "other_activity_triggers": ["cycling"]},
            "triggers",
        ),
        *(
            row(
                f"not answered, {activity} brings it on -> triggers",
                {"other_activity_triggers": [activity]},
                "triggers",
            )
            for activity in ("cycling", "elliptical", "swimming", "aquajogging")
        ),
        row(
            "both raised it -> both",
            {"spread_other": "yes", "other_activity_triggers": ["swimming", "walking"]},
            "both",
        ),
    ],
)
def test_spread_explanation_names_what_raised_it(minimal_answers, change, text):
    (flag,) = scored(minimal_answers, **change).flags
    assert flag.code == "spread_other_activities"
    assert flag.explanation == SPREAD_TEXTS[text]
    assert flag.to_dict()["explanation"] == SPREAD_TEXTS[text]


def test_only_the_spread_text_says_it_has_spread():
    """The triggers-only text must not say "has spread" (the v1 fault, seed 002)."""
    assert "has spread" in SPREAD_TEXTS["spread"]
    assert "has spread" in SPREAD_TEXTS["both"]
    assert "has spread" not in SPREAD_TEXTS["triggers"]
    assert len(set(SPREAD_TEXTS.values())) == 3


def test_every_other_flag_explains_itself_with_its_rule_text(minimal_answers):
    result = scored(
        minimal_answers,
        sudden_weakness="yes",
        rest_tremor="yes",
        numbness="yes",
        groin_hip_pain="yes",
        procedures=["nerve_release"],
        family_history=["dystonia"],
    )
    for flag in result.flags:
        assert (flag.title, flag.explanation) == (flag.rule.title, flag.rule.reason)


def test_the_sudden_weakness_flag_no_longer_gives_foot_drop_as_its_example(minimal_answers):
    """v1 said "a dropping foot": what most runners with this problem feel on every run."""
    (flag,) = scored(minimal_answers, sudden_weakness="yes").flags
    for text in (flag.title, flag.explanation):
        assert not any(word in text.lower() for word in ("drop", "drag", "foot")), text
    assert "rest" in flag.explanation and "walking" in flag.explanation


# --- axis I age bands, every boundary ------------------------------------------------


@pytest.mark.parametrize(
    ("onset_age", "band"),
    [
        (0, "infancy"),
        (2, "infancy"),
        (3, "childhood"),
        (12, "childhood"),
        (13, "adolescence"),
        (20, "adolescence"),
        (21, "early_adulthood"),
        (40, "early_adulthood"),
        (41, "late_adulthood"),
        (100, "late_adulthood"),
        (None, "unknown"),
    ],
)
def test_onset_age_band_boundaries(onset_age, band):
    """Albanese et al. 2013: infancy 0-2, childhood 3-12, adolescence 13-20, early
    adulthood 21-40, late adulthood > 40. The instrument starts at 5, so the lower
    bands are tested on the function itself."""
    assert onset_age_band(onset_age) == band


# --- flags_by_severity ---------------------------------------------------------------


def test_flags_by_severity_groups_most_severe_first(minimal_answers):
    result = scored(
        minimal_answers,
        groin_hip_pain="yes",
        numbness="yes",
        walking="significant",
        acute_limb="yes",
    )
    grouped = [
        (severity.value, [f.code for f in flags]) for severity, flags in result.flags_by_severity()
    ]
    assert grouped == [
        ("urgent", ["acute_limb"]),
        ("prompt", ["spread_to_walking"]),
        ("exclusion", ["nerve_symptoms"]),
        ("discuss", ["hip_groin_pain"]),
    ]


def test_flags_by_severity_leaves_out_empty_severities(minimal_answers):
    result = scored(minimal_answers, groin_hip_pain="yes", procedures=["spine_surgery"])
    assert [(s.value, [f.code for f in fs]) for s, fs in result.flags_by_severity()] == [
        ("discuss", ["hip_groin_pain", "invasive_procedures"])
    ]
    assert scored(minimal_answers).flags_by_severity() == []


# --- from_dict ------------------------------------------------------------------------


def test_from_dict_rebuilds_a_v2_result(minimal_answers):
    result = scored(
        minimal_answers,
        prior_diagnosis="dystonia",
        first_region="foot_ankle_toes",
        other_activity_triggers=["cycling"],
        procedures=["nerve_release"],
    )
    assert result.category == "known_dystonia"
    assert Result.from_dict(result.to_dict()) == result


@pytest.mark.parametrize(
    "broken",
    [{}, {"instrument_version": "2"}, {"flags": "x"}],
)
def test_from_dict_refuses_what_is_not_a_result(broken):
    with pytest.raises(ValueError):
        Result.from_dict(broken)


def test_a_flag_keeps_the_texts_it_was_issued_with():
    flag = Flag("localized_pain", Severity.EXCLUSION, ("t",), "old title", "old text")
    assert (flag.title, flag.explanation) == ("old title", "old text")
