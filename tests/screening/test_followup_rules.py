"""followup.md rule by rule: validation, the result's keys, the flags, the agreement."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening import followup
from screening.instrument import LIMIT_ACTIVITIES, AnswersInvalid

BASE = {
    "bladder_bowel_saddle": "no",
    "sudden_weakness": "no",
    "acute_limb": "no",
    "fu_course": "stable",
    "fu_walking": "none",
    "fu_running": "reduced",
    "fu_seen": ["gp"],
    "fu_outcome": "not_yet",
}
SCREENING = {"walking": "slight"}
ISSUED = {"category": "llc_consistent"}


def result(**changes):
    return followup.score(followup.validate({**BASE, **changes}), SCREENING, ISSUED)


def errors(raw) -> dict[str, list[str]]:
    with pytest.raises(AnswersInvalid) as caught:
        followup.validate(raw)
    return {k: [e.code.value for e in v] for k, v in caught.value.errors.items()}


# --- items -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item_id", ["fu_course", "fu_walking", "fu_running", "fu_seen", "fu_outcome"]
)
def test_each_starred_item_is_required(item_id):
    """fu_course, fu_walking, fu_running, fu_seen, fu_outcome (after the urgent three)."""
    raw = {k: v for k, v in BASE.items() if k != item_id}
    assert errors(raw) == {item_id: ["required"]}


def test_the_urgent_questions_are_asked_again_and_first():
    assert followup.SECTIONS[0].id == "urgent"
    assert [i.id for i in followup.SECTIONS[0].items] == [
        "bladder_bowel_saddle",
        "sudden_weakness",
        "acute_limb",
    ]
    assert len(followup.SECTIONS) - 1 <= 4  # then at most four short steps


@pytest.mark.parametrize(
    ("outcome", "allowed"),
    [
        (
            "other_neurological",
            {"parkinsons", "multiple_sclerosis", "nerve_root", "peripheral_nerve", "other"},
        ),
        ("musculoskeletal", {"hip_joint", "knee", "tendon_muscle", "other"}),
        ("vascular", {"compartment", "artery", "other"}),
    ],
)
def test_a_detail_must_belong_to_its_outcomes_group(outcome, allowed):
    for detail in followup.DETAIL_CODES:
        raw = {**BASE, "fu_outcome": outcome, "fu_outcome_detail": detail}
        if detail in allowed:
            assert followup.validate(raw)["fu_outcome_detail"] == detail
        else:
            assert errors(raw) == {"fu_outcome_detail": ["unknown_code"]}


def test_a_detail_without_a_cause_outcome_is_an_error_naming_the_item():
    assert errors({**BASE, "fu_outcome": "dystonia_confirmed", "fu_outcome_detail": "knee"}) == {
        "fu_outcome_detail": ["unknown_code"]
    }


def test_unknown_items_codes_and_long_text_are_named():
    assert errors({**BASE, "fu_mood": "x"}) == {"fu_mood": ["unknown_item"]}
    assert errors({**BASE, "fu_course": "better"}) == {"fu_course": ["unknown_code"]}
    assert errors({**BASE, "fu_seen": ["none", "gp"]}) == {"fu_seen": ["exclusive_mixed"]}
    assert errors({**BASE, "fu_own_words": "x" * 2001}) == {"fu_own_words": ["too_long"]}
    assert errors([]) == {"answers": ["not_an_object"]}


# --- the result --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("then", "now", "change"),
    [
        ("none", "none", "same"),
        ("none", "slight", "worse"),
        ("none", "significant", "worse"),
        ("slight", "none", "better"),
        ("slight", "slight", "same"),
        ("slight", "significant", "worse"),
        ("significant", "none", "better"),
        ("significant", "slight", "better"),
        ("significant", "significant", "same"),
    ],
)
def test_change_walking_orders_none_slight_significant(then, now, change):
    answers = followup.validate({**BASE, "fu_walking": now})
    assert followup.score(answers, {"walking": then}, ISSUED).change_walking.value == change


def test_change_limits_compares_activities_answered_both_times_only():
    """easy_trails: cannot -> limited (better); easy_road: no_limit -> cannot (worse);
    race_road: limited both (same); race_xc: not_tried then, so left out;
    race_track: not answered now, left out. better 1, same 1, worse 1."""
    screening = {
        "walking": "none",
        "typical_easy_trails": "cannot",
        "typical_easy_road": "no_limit",
        "typical_race_road": "limited",
        "typical_race_xc": "not_tried",
        "typical_race_track": "limited",
    }
    answers = followup.validate(
        {
            **BASE,
            "typical_easy_trails": "limited",
            "typical_easy_road": "cannot",
            "typical_race_road": "limited",
            "typical_race_xc": "limited",
        }
    )
    limits = followup.score(answers, screening, ISSUED).change_limits
    assert limits == {
        "by_activity": {"easy_trails": "better", "easy_road": "worse", "race_road": "same"},
        "better": 1,
        "same": 1,
        "worse": 1,
    }


@pytest.mark.parametrize(
    ("course", "walking", "raised"),
    [
        ("worsening", "none", True),  # the course says so
        ("stable", "significant", True),  # walking worse than "slight" then
        ("stable", "slight", False),
        ("improving", "none", False),
        ("fluctuating", "slight", False),
        ("gone", "none", False),
    ],
)
def test_worse_since_is_raised_by_a_worse_course_or_worse_walking(course, walking, raised):
    flags = result(fu_course=course, fu_walking=walking).flags
    worse = [f for f in flags if f.code == "worse_since"]
    assert bool(worse) is raised
    if worse:
        assert worse[0].severity.value == "prompt"
        assert worse[0].tests == ("neurologist review",)


@pytest.mark.parametrize(
    ("item_id", "code"),
    [
        ("bladder_bowel_saddle", "cauda_equina_signs"),
        ("sudden_weakness", "sudden_weakness"),
        ("acute_limb", "acute_limb"),
    ],
)
def test_an_urgent_yes_raises_the_screenings_urgent_flag_first(item_id, code):
    flags = result(**{item_id: "yes"}, fu_course="worsening").flags
    assert flags[0].code == code and flags[0].severity.value == "urgent"
    assert flags[-1].code == "worse_since"


def test_the_result_carries_every_key_of_the_contract():
    data = result(fu_outcome="vascular", fu_outcome_detail="artery").to_dict()
    assert data["instrument"] == "llc-followup"
    assert (data["instrument_version"], data["scoring_version"]) == ("1", "1.0.0")
    assert data["course"] == "stable"
    assert data["outcome"] == {"code": "vascular", "detail": "artery"}
    assert data["screen_category"] == "llc_consistent"
    assert set(data["explanations"]) == {
        "course",
        "change_walking",
        "change_limits",
        "flags",
        "outcome",
        "screen_category",
    }


@given(
    course=st.sampled_from(followup.COURSE),
    walking=st.sampled_from(followup.WALKING_ORDER),
    then=st.sampled_from(followup.WALKING_ORDER),
    outcome=st.sampled_from(followup.OUTCOMES),
    grid=st.dictionaries(
        st.sampled_from(LIMIT_ACTIVITIES),
        st.sampled_from(("no_limit", "limited", "cannot", "not_tried")),
    ),
)
def test_invariants_no_probability_and_counts_add_up(course, walking, then, outcome, grid):
    answers = followup.validate(
        {
            **BASE,
            "fu_course": course,
            "fu_walking": walking,
            "fu_outcome": outcome,
            **{f"typical_{a}": level for a, level in grid.items()},
        }
    )
    screening = {"walking": then, **{f"typical_{a}": level for a, level in grid.items()}}
    data = followup.score(answers, screening, ISSUED).to_dict()
    limits = data["change_limits"]
    assert limits["better"] + limits["same"] + limits["worse"] == len(limits["by_activity"])
    # The same grid both times: nothing changed.
    assert limits["better"] == limits["worse"] == 0
    text = " ".join(data["explanations"].values()).lower()
    assert "%" not in text and "probab" not in text and "you have" not in text
    assert ("worse_since" in [f["code"] for f in data["flags"]]) == (
        course == "worsening"
        or followup.WALKING_ORDER.index(walking) > followup.WALKING_ORDER.index(then)
    )


# --- outcome agreement --------------------------------------------------------------


def test_the_agreement_table_and_2x2_against_hand_counted_values():
    """Pairs (category, prior dystonia, outcome):
    - 6 x (llc_consistent, no, dystonia_confirmed)   -> a, table llc/dystonia 6
    - 5 x (see_neurologist, no, musculoskeletal)     -> b, table see/musc 5
    - 7 x (not_consistent, no, dystonia_confirmed)   -> c
    - 9 x (other_causes_first, no, vascular)         -> d
    - 2 x (partly_consistent, yes, dystonia_confirmed) -> table only (diagnosed before)
    - 3 x (urgent_care, no, other_cause)             -> table only (urgent left out)
    - 4 x (llc_consistent, no, no_cause_found)       -> table only (outcome left out)
    - 8 x (llc_consistent, no, not_yet)              -> nowhere
    a=6, b=5, c=7, d=9: every cell >= 5, so shown.
    Wilson: centre = (p + z^2/2n)/(1 + z^2/n), half = z*sqrt(p(1-p)/n + z^2/4n^2)/(1 + z^2/n),
    z = 1.95996, z^2 = 3.84146.
    Sensitivity a/(a+c) = 6/13 = 0.4615; centre 0.609286/1.295497 = 0.47031,
    half 1.95996*sqrt(0.019117 + 0.005683)/1.295497 = 0.23825: 0.2321 to 0.7086.
    Specificity d/(b+d) = 9/14 = 0.6429; centre 0.780052/1.274390 = 0.61210,
    half 1.95996*sqrt(0.016399 + 0.004900)/1.274390 = 0.22445: 0.3876 to 0.8365."""
    P = followup.Pair
    pairs = (
        [P("llc_consistent", False, "dystonia_confirmed")] * 6
        + [P("see_neurologist", False, "musculoskeletal")] * 5
        + [P("not_consistent", False, "dystonia_confirmed")] * 7
        + [P("other_causes_first", False, "vascular")] * 9
        + [P("partly_consistent", True, "dystonia_confirmed")] * 2
        + [P("urgent_care", False, "other_cause")] * 3
        + [P("llc_consistent", False, "no_cause_found")] * 4
        + [P("llc_consistent", False, "not_yet")] * 8
    )
    result = followup.agreement(pairs)
    assert (result.a, result.b, result.c, result.d) == (6, 5, 7, 9)
    assert result.shown
    assert result.table["llc_consistent"]["dystonia_confirmed"] == 6
    assert result.table["llc_consistent"]["no_cause_found"] == 4
    assert "not_yet" not in result.table["llc_consistent"]
    assert result.table["partly_consistent"]["dystonia_confirmed"] == 2
    assert result.table["urgent_care"]["other_cause"] == 3
    assert sum(sum(row.values()) for row in result.table.values()) == 36
    assert list(result.table) == [c.value for c in followup.Category]
    # To the hand computation's precision (its last digit may be off by one).
    assert result.sensitivity() == pytest.approx((0.4615, 0.2321, 0.7086), abs=2e-4)
    assert result.specificity() == pytest.approx((0.6429, 0.3876, 0.8365), abs=2e-4)


def test_the_2x2_is_not_shown_when_any_cell_is_under_five():
    P = followup.Pair
    pairs = (
        [P("llc_consistent", False, "dystonia_confirmed")] * 5
        + [P("see_neurologist", False, "musculoskeletal")] * 5
        + [P("not_consistent", False, "dystonia_confirmed")] * 4
        + [P("other_causes_first", False, "vascular")] * 5
    )
    assert not followup.agreement(pairs).shown


def test_the_words_say_what_the_table_is_not():
    assert followup.NOT_A_VALIDATION == (
        "self-reported outcomes from runners who chose to come back; not a validation study"
    )
