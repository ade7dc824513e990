"""Every value instrument.md (version 2) fixes, pinned one by one.

These tables are transcribed from the contract by hand, not generated from
the code, so that changing a code, a set member, a severity or a "to discuss"
text in ``screening/instrument.py`` or ``scoring.py`` fails here (the
mutation tests will change each of them).
"""

import pytest

from screening import instrument, scoring
from screening.instrument import ITEMS, REQUIRED_ITEM_IDS, SECTION_OF, Kind

ENUM, MULTI, INT, TEXT = Kind.ENUM, Kind.MULTI, Kind.INT, Kind.TEXT
TEST_RESULT = "not_done normal abnormal unsure"
LIMIT = "no_limit limited cannot not_tried"

# (item id, section, kind, codes or (min, max), required)
CONTRACT_ITEMS = [
    ("age", "about", INT, (12, 100), True),
    ("sex", "about", ENUM, "female male other prefer_not", False),
    ("running_years", "about", INT, (0, 80), True),
    ("weekly_km", "about", INT, (0, 400), False),
    ("level", "about", ENUM, "recreational club school_college elite", False),
    ("onset_age", "about", INT, (5, 100), True),
    ("side", "about", ENUM, "left right both unsure", True),
    ("onset_activity", "about", ENUM, "running cycling walking other unsure", True),
    ("sensations", "symptoms", MULTI, "aching tightness soreness weakness none", True),
    ("coordination_loss", "symptoms", ENUM, "always sometimes never", True),
    ("context", "symptoms", ENUM, "only_running mainly_running also_other", True),
    ("relief_on_stopping", "symptoms", ENUM, "fast slow no", False),
    (
        "regions",
        "symptoms",
        MULTI,
        "glutes hip_front quads hamstrings knee calf shin ankle foot toes",
        True,
    ),
    ("first_region", "symptoms", ENUM, "hip_thigh calf_shin foot_ankle_toes unsure", True),
    (
        "gait_signs",
        "symptoms",
        MULTI,
        "crossover leg_rotates_out leg_rotates_in foot_splay foot_turns_in foot_turns_out "
        "foot_drop_drag toe_curl knee_control trips shoe_wear_asymmetry none",
        False,
    ),
    ("muscles_pull", "symptoms", ENUM, "yes no unsure", False),
    ("numbness", "exclusions", ENUM, "yes no", True),
    ("tingling", "exclusions", ENUM, "yes no", True),
    ("burning", "exclusions", ENUM, "yes no", True),
    ("shooting_pain", "exclusions", ENUM, "yes no", True),
    ("localized_pain", "exclusions", ENUM, "yes no", True),
    ("pain_level", "exclusions", INT, (0, 10), True),
    ("pain_before", "exclusions", ENUM, "yes no unsure", False),
    ("weakness_daily", "exclusions", ENUM, "yes no", True),
    ("back_pain_radiating", "exclusions", ENUM, "yes no", False),
    ("groin_hip_pain", "exclusions", ENUM, "yes no", False),
    ("exertional_calf", "exclusions", ENUM, "yes no", False),
    ("faster_worse", "triggers", ENUM, "yes no unsure", False),
    ("flat_worse", "triggers", ENUM, "yes no unsure", False),
    ("continuous_worse", "triggers", ENUM, "yes no unsure", False),
    (
        "other_activity_triggers",
        "triggers",
        MULTI,
        "cycling elliptical swimming aquajogging walking stairs none",
        False,
    ),
    (
        "tricks",
        "triggers",
        MULTI,
        "backwards sideways barefoot_grass trails run_in_place shoes dual_task "
        "none_helped not_tried",
        False,
    ),
    ("gym_strength_equal", "triggers", ENUM, "yes no unsure", False),
    ("gait_video", "triggers", ENUM, "yes no", False),
    ("walking", "course", ENUM, "none slight significant", True),
    ("spread_other", "course", ENUM, "yes no", False),
    ("course", "course", ENUM, "improving stable fluctuating worsening", False),
    ("rest_tremor", "course", ENUM, "yes no", True),
    ("parkinsonism", "course", ENUM, "yes no", False),
    ("other_neuro", "course", ENUM, "yes no", False),
    ("bladder_bowel_saddle", "course", ENUM, "yes no", True),
    ("sudden_weakness", "course", ENUM, "yes no", True),
    ("acute_limb", "course", ENUM, "yes no", True),
    ("family_history", "course", MULTI, "dystonia parkinsons none unsure", False),
    ("exam_ortho", "care", ENUM, "not_examined nothing_found minor_findings clear_cause", False),
    ("exam_neuro", "care", ENUM, "not_done normal abnormal", False),
    (
        "prior_diagnosis",
        "care",
        ENUM,
        "none dystonia other_full other_partial unsure",
        False,
    ),
    (
        "procedures",
        "care",
        MULTI,
        "spine_surgery hip_surgery knee_surgery nerve_release compartment_release "
        "other_surgery injections none",
        False,
    ),
    *(
        (test, "care", ENUM, TEST_RESULT, False)
        for test in (
            "test_mri_spine",
            "test_mri_hip",
            "test_nerve_conduction",
            "test_abi_exercise",
            "test_compartment_pressure",
            "test_blood",
        )
    ),
    (
        "secondary_injuries",
        "care",
        MULTI,
        "stress_fracture plantar_fascia achilles knee hip hamstring calf other none",
        False,
    ),
    *(
        (f"{scale}_{activity}", "limits", ENUM, LIMIT, False)
        for activity in (
            "easy_trails",
            "easy_road",
            "hard30_trails",
            "hard30_road",
            "intervals_trails",
            "intervals_track",
            "race_xc",
            "race_track",
            "race_road",
        )
        for scale in ("worst", "typical")
    ),
    ("own_words", "narrative", TEXT, None, False),
    ("what_helped", "narrative", TEXT, None, False),
]


def test_the_versions_are_those_of_the_contract():
    assert instrument.INSTRUMENT_ID == "llc-screen"
    assert instrument.INSTRUMENT_VERSION == "2"
    assert scoring.SCORING_VERSION == "2.0.0"
    assert scoring.score(_minimal()).to_dict()["instrument_version"] == "2"
    assert scoring.score(_minimal()).to_dict()["scoring_version"] == "2.0.0"


def _minimal():
    from tests.examples import minimal

    return minimal()


def test_the_instrument_holds_exactly_the_items_of_the_contract():
    assert sorted(ITEMS) == sorted(item_id for item_id, *_ in CONTRACT_ITEMS)
    assert len(ITEMS) == 75


@pytest.mark.parametrize(
    ("item_id", "section", "kind", "values", "required"),
    CONTRACT_ITEMS,
    ids=[row[0] for row in CONTRACT_ITEMS],
)
def test_each_item_has_the_contract_codes_section_and_requirement(
    item_id, section, kind, values, required
):
    item = ITEMS[item_id]
    assert (SECTION_OF[item_id], item.kind, item.required) == (section, kind, required)
    assert (item_id in REQUIRED_ITEM_IDS) is required
    if kind is INT:
        assert (item.min, item.max) == values
    elif kind is TEXT:
        assert item.codes == ()
    else:
        assert item.codes == tuple(values.split())


def test_the_replaced_item_is_gone():
    assert "diagnosis_explains" not in ITEMS
    assert instrument.REPLACED_ITEMS == {"diagnosis_explains": "prior_diagnosis"}


def test_the_exclusive_codes_are_those_of_the_contract():
    assert frozenset({"none", "none_helped", "not_tried"}) == instrument.EXCLUSIVE_CODES


# --- scoring values -------------------------------------------------------------------

# (code, severity, the "to discuss" texts), in the contract's order.
CONTRACT_FLAGS = [
    ("cauda_equina_signs", "urgent", ["same-day emergency assessment"]),
    (
        "sudden_weakness",
        "urgent",
        ["same-day medical assessment (stroke, rapidly progressive nerve or spinal cord problem)"],
    ),
    (
        "acute_limb",
        "urgent",
        ["emergency assessment (acute compartment syndrome, blocked artery)"],
    ),
    (
        "rest_tremor_parkinsonism",
        "prompt",
        [
            "movement neurologist (young-onset Parkinson's can first show as exercise-induced "
            "dystonia)"
        ],
    ),
    (
        "foot_centric_onset",
        "prompt",
        ["movement neurologist (the classic runner's dystonia presentation)"],
    ),
    ("spread_to_walking", "prompt", ["movement neurologist"]),
    ("spread_other_activities", "prompt", ["movement neurologist"]),
    ("worsening_course", "prompt", ["neurologist review"]),
    ("other_neuro_symptoms", "prompt", ["neurologist (e.g. to rule out multiple sclerosis)"]),
    (
        "nerve_symptoms",
        "exclusion",
        ["straight-leg-raise test", "lumbar spine MRI", "nerve conduction study / EMG"],
    ),
    (
        "localized_pain",
        "exclusion",
        ["sports-medicine or orthopaedic assessment for a musculoskeletal injury"],
    ),
    ("daily_life_weakness", "exclusion", ["neurological examination"]),
    ("back_pain_radiating", "exclusion", ["lumbar spine MRI (disc herniation, nerve root)"]),
    (
        "exertional_calf",
        "exclusion",
        [
            "compartment pressure testing",
            "ankle-brachial index after provoking exercise",
            "arterial duplex (compartment syndrome, popliteal or iliac artery problems)",
        ],
    ),
    (
        "explained_by_diagnosis",
        "exclusion",
        [
            "follow the existing diagnosis",
            "if the coordination problem persists despite its treatment, a "
            "movement-disorders opinion",
        ],
    ),
    (
        "hip_groin_pain",
        "discuss",
        ["hip MR-arthrogram, diagnostic hip injection (labral tear, FAI)"],
    ),
    (
        "invasive_procedures",
        "discuss",
        ["a movement-disorders opinion before any further operation for this problem"],
    ),
    (
        "family_movement_disorder",
        "discuss",
        ["tell the neurologist: inherited forms of dystonia and of Parkinson's disease exist"],
    ),
]


def test_the_flags_are_exactly_those_of_the_contract_in_order():
    """The order is also the database's bit order (models.flag_bits): new flags go last."""
    assert [rule.code for rule in scoring.FLAG_RULES] == [code for code, *_ in CONTRACT_FLAGS]


@pytest.mark.parametrize(
    ("code", "severity", "tests"), CONTRACT_FLAGS, ids=[row[0] for row in CONTRACT_FLAGS]
)
def test_each_flag_has_its_contract_severity_and_texts(code, severity, tests):
    rule = scoring.FLAG_RULE_BY_CODE[code]
    assert rule.severity.value == severity
    assert list(rule.tests) == tests
    assert rule.title.strip() and rule.reason.strip()


def test_the_code_sets_of_the_rules_are_those_of_the_contract():
    assert frozenset({"aching", "tightness", "soreness", "weakness"}) == scoring.SENSATIONS
    assert scoring.NERVE_ITEMS == ("numbness", "tingling", "burning", "shooting_pain")
    assert frozenset({"none", "dystonia"}) == scoring.NOT_EXPLAINED_DIAGNOSES
    assert frozenset({"cycling", "walking", "other"}) == scoring.ONSET_NOT_RUNNING
    assert frozenset({"walking", "none"}) == scoring.WALKING_OR_NONE
    assert (
        frozenset(
            {
                "crossover",
                "leg_rotates_out",
                "leg_rotates_in",
                "foot_turns_in",
                "foot_turns_out",
                "foot_drop_drag",
                "toe_curl",
                "knee_control",
            }
        )
        == scoring.ALTERED_GAIT_SIGNS
    )
    assert (
        frozenset(
            {
                "backwards",
                "sideways",
                "barefoot_grass",
                "trails",
                "run_in_place",
                "shoes",
                "dual_task",
            }
        )
        == scoring.TRICKS_THAT_HELP
    )
    assert frozenset({"cycling", "elliptical", "swimming", "aquajogging"}) == (
        scoring.SPREAD_ACTIVITIES
    )
    assert (
        frozenset(
            {
                "spine_surgery",
                "hip_surgery",
                "knee_surgery",
                "nerve_release",
                "compartment_release",
                "other_surgery",
            }
        )
        == scoring.INVASIVE_PROCEDURES
    )
    assert frozenset({"dystonia", "parkinsons"}) == scoring.FAMILY_MOVEMENT_DISORDERS
    assert (
        frozenset({"rest_tremor_parkinsonism", "worsening_course", "other_neuro_symptoms"})
        == scoring.NEW_SIGN_FLAGS
    )


def test_the_status_and_code_names_are_those_of_the_contract():
    assert [s.value for s in scoring.Status] == ["met", "partly", "not_met", "unknown"]
    assert [s.value for s in scoring.Support] == [
        "supported",
        "not_supported",
        "unclear",
        "clinician_only",
    ]
    assert [v.value for v in scoring.Verdict] == ["met", "partly_met", "not_met"]
    assert [p.value for p in scoring.Pattern] == ["hip_thigh", "calf_shin", "foot_ankle", "unknown"]
    assert [c.value for c in scoring.Category] == [
        "urgent_care",
        "see_neurologist",
        "known_dystonia",
        "not_consistent",
        "other_causes_first",
        "llc_consistent",
        "partly_consistent",
    ]
    assert [s.value for s in scoring.Severity] == ["urgent", "prompt", "exclusion", "discuss"]


def test_the_component_and_criterion_ids_are_those_of_the_contract():
    assert list(scoring.COMPONENT_RULES) == [
        "d1_sensation",
        "d2_coordination",
        "d3_running_specific",
        "d4_no_nerve_symptoms",
        "d5_no_localized_pain",
        "d6_no_daily_weakness",
        "d7_not_explained",
    ]
    assert scoring.CRITERIA_IDS == ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8")
    assert scoring.RULE_INPUTS["d7_not_explained"] == ("prior_diagnosis",)


def test_every_category_has_its_three_texts():
    for category in scoring.Category:
        headline, meaning, next_step = scoring.CATEGORY_TEXTS[category]
        assert headline.strip() and meaning.strip() and next_step.strip()


def test_every_status_a_rule_can_give_has_an_explanation():
    for cid in scoring.COMPONENT_RULES:
        statuses = ["met", "not_met", "unknown"] + (["partly"] if cid == "d2_coordination" else [])
        for status in statuses:
            assert scoring.EXPLANATIONS[(cid, status)].strip()
