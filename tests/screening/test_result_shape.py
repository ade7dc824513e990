"""Result.to_dict() has exactly the keys and value sets of instrument.md, section Result.

Version 2 adds to each flag the texts it was issued with ("title",
"explanation"): the contract allows keys to be added, none renamed, and a
stored result must render as issued (``Result.from_dict``).
"""

from screening.scoring import score

COMPONENTS = {
    "d1_sensation",
    "d2_coordination",
    "d3_running_specific",
    "d4_no_nerve_symptoms",
    "d5_no_localized_pain",
    "d6_no_daily_weakness",
    "d7_not_explained",
}


def test_it_has_the_contract_keys(minimal_answers):
    result = score({**minimal_answers, "groin_hip_pain": "yes"}).to_dict()
    assert set(result) == {
        "instrument",
        "instrument_version",
        "scoring_version",
        "category",
        "pattern",
        "definition",
        "criteria",
        "criteria_supported",
        "axis1",
        "flags",
        "explanations",
    }
    assert (result["instrument"], result["instrument_version"], result["scoring_version"]) == (
        "llc-screen",
        "2",
        "2.0.0",
    )
    assert set(result["definition"]) == {"verdict", "components"}
    assert set(result["definition"]["components"]) == COMPONENTS
    assert list(result["criteria"]) == [f"c{i}" for i in range(1, 9)]
    assert set(result["axis1"]) == {
        "age_at_onset",
        "body_distribution",
        "course",
        "variability",
        "associated_features",
    }
    assert result["flags"] == [
        {
            "code": "hip_groin_pain",
            "severity": "discuss",
            "tests": ["hip MR-arthrogram, diagnostic hip injection (labral tear, FAI)"],
            "title": "Pain in the groin or the front of the hip",
            "explanation": (
                "Groin or front-of-hip pain can come from a hip joint problem such as a torn "
                "labrum or a hip impingement."
            ),
        }
    ]
    assert set(result["explanations"]) == COMPONENTS | {f"c{i}" for i in range(1, 9)} | {"category"}
