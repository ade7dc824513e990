"""A follow-up as FHIR: a QuestionnaireResponse of llc-followup|1, linked to the screening's."""

from __future__ import annotations

import datetime

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from screening import fhir, followup

ANSWERS = followup.validate(
    {
        "bladder_bowel_saddle": "no",
        "sudden_weakness": "no",
        "acute_limb": "no",
        "fu_course": "improving",
        "fu_walking": "none",
        "fu_running": "reduced",
        "fu_seen": ["physio", "neurologist"],
        "fu_outcome": "musculoskeletal",
        "fu_outcome_detail": "hip_joint",
        "typical_easy_road": "limited",
        "fu_own_words": "Better on grass.",
    }
)


def test_it_is_a_valid_response_of_the_followup_questionnaire_linked_to_the_screening():
    response = fhir.followup_response(
        ANSWERS,
        datetime.date(2026, 3, 1),
        resource_id="fu-1",
        screening_response_id="abc",
    )
    QuestionnaireResponse.model_validate(response)
    assert response["questionnaire"].endswith("/Questionnaire/llc-followup|1")
    assert response["authored"] == "2026-03-01"
    (link,) = response["extension"]
    assert link["valueReference"] == {"reference": "QuestionnaireResponse/abc"}
    items = {
        entry["linkId"]: entry["answer"] for group in response["item"] for entry in group["item"]
    }
    assert set(items) == set(ANSWERS)
    assert [a["valueCoding"]["code"] for a in items["fu_seen"]] == ["physio", "neurologist"]
    assert items["fu_seen"][0]["valueCoding"]["system"] == fhir.FOLLOWUP_ANSWER_SYSTEM
    # The screening's own items keep the screening's codes.
    assert items["typical_easy_road"][0]["valueCoding"]["system"] == fhir.ANSWER_SYSTEM
    assert items["fu_own_words"] == [{"valueString": "Better on grass."}]
    assert [g["linkId"] for g in response["item"]][0] == "step-urgent"
