"""Result.to_dict() has exactly the keys and value sets of instrument.md, section Result.

Version 2 adds to each flag the texts it was issued with ("title",
"explanation"): the contract allows keys to be added, none renamed, and a
stored result must render as issued (``Result.from_dict``).
"""

from hypothesis import given, settings

from screening.scoring import Result, score
from tests.strategies import valid_answers

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


@given(answers=valid_answers())
@settings(max_examples=50, deadline=None)
def test_a_result_read_back_with_its_keys_reordered_is_the_same(answers):
    """PostgreSQL's jsonb gives an object's keys back shortest first: a stored
    result read back lists its components, criteria and explanations in rule order."""
    result = score(answers)
    stored = result.to_dict()

    def jsonb_order(mapping):
        return dict(sorted(mapping.items(), key=lambda kv: (len(kv[0]), kv[0])))

    stored["definition"]["components"] = jsonb_order(stored["definition"]["components"])
    stored["criteria"] = jsonb_order(stored["criteria"])
    stored["explanations"] = jsonb_order(stored["explanations"])
    assert Result.from_dict(stored) == result
