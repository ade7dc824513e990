"""A stored submission's PDF prints its result as issued, in its own version's words.

Version 1 submissions are made as the data migration made them: scored by the
frozen ``screening.v1`` rules and stored with ``instrument_version="1"``.
Expected texts come from the version modules (``screening.versions``), never
from a previous output; each test checks the other version's words are absent,
so that printing the wrong version fails it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from report import bodymap
from report import document as report
from screening import scoring, versions
from screening.models import Submission
from tests.examples import minimal
from tests.journey_helpers import link_browser
from tests.report.test_report import embedded_fhir, embedded_json, flat, pdf_text

EXAMPLES_V1 = Path(__file__).resolve().parents[2] / "examples" / "v1"
V1 = versions.instrument_for("1")
V1_SCORING = versions.scoring_for("1")
V1_QUESTIONS = versions.questions_for("1")
V2_QUESTIONS = versions.questions_for(versions.CURRENT_VERSION)
V2_SCORING = versions.scoring_for(versions.CURRENT_VERSION)


def v1_answers() -> dict:
    """Survey subject 13 (examples/v1) had a clinician say a diagnosis fully explains it:
    version 1 raised explained_by_diagnosis with its version 1 texts."""
    answers = json.loads((EXAMPLES_V1 / "v8_survey_subject_13_typical_hip.json").read_text())
    return V1.validate({**answers, "diagnosis_explains": "yes"})


def stored_v1() -> Submission:
    fields = Submission.fields_from(v1_answers(), instrument_version="1")
    return Submission.objects.create(**fields)


def words(text: object) -> str:
    return flat(_(str(text)))


@pytest.mark.django_db
def test_a_v1_submission_prints_as_it_was_issued_in_version_1_wording():
    submission = stored_v1()
    assert submission.instrument_version == "1"
    issued = V1_SCORING.score(submission.answers)
    assert issued.category == "other_causes_first"
    assert issued.flag_codes == ["explained_by_diagnosis"]
    text = pdf_text(report.render_submission_pdf(submission))

    assert f"instrument 1 · scoring {V1_SCORING.SCORING_VERSION}" in text
    headline, meaning, _next = report.CLINICIAN_TEXTS[scoring.Category.OTHER_CAUSES_FIRST]
    assert words(headline) in text and words(meaning) in text

    # The flag with its version 1 title, explanation and "to discuss" text only.
    v1_rule = V1_SCORING.FLAG_RULE_BY_CODE["explained_by_diagnosis"]
    v2_rule = V2_SCORING.FLAG_RULE_BY_CODE["explained_by_diagnosis"]
    assert words(v1_rule.title) in text
    assert words(v1_rule.reason) in text
    assert [words(t) for t in v1_rule.tests] == ["follow the existing diagnosis"]
    assert "follow the existing diagnosis" in text
    assert words(v2_rule.title) not in text
    assert words(v2_rule.reason) not in text
    assert words(v2_rule.tests[1]) not in text

    # The questions as the version 1 form asked them.
    for item_id in ("diagnosis_explains", "sudden_weakness"):
        assert words(V1_QUESTIONS.label(item_id)) in text, item_id
    d7 = text.split("d7", 1)[1].split("Criteria for runner", 1)[0]
    v1_d7 = f"{words(V1_QUESTIONS.label('diagnosis_explains'))} "
    assert v1_d7 + words(V1_QUESTIONS.code_label("diagnosis_explains", "yes")) in d7
    assert words(V2_QUESTIONS.label("prior_diagnosis")) not in text
    assert words(V2_QUESTIONS.label("sudden_weakness")) not in text
    assert words(V2_QUESTIONS.label("sudden_weakness")) != words(
        V1_QUESTIONS.label("sudden_weakness")
    )


@pytest.mark.django_db
def test_a_v1_submissions_attachments_carry_its_stored_result_and_do_not_fail():
    submission = stored_v1()
    pdf = report.render_submission_pdf(submission)
    attached = embedded_json(pdf)
    # As stored, with the flag texts of its own version added: version 1 stored
    # flags without them (scoring.Result.from_dict).
    v1_rule = V1_SCORING.FLAG_RULE_BY_CODE["explained_by_diagnosis"]
    texts = {"title": v1_rule.title, "explanation": v1_rule.reason}
    issued = submission.issued_result
    assert attached["result"] == {**issued, "flags": [{**f, **texts} for f in issued["flags"]]}
    assert attached["result"]["instrument_version"] == "1"
    assert attached["answers"]["diagnosis_explains"] == "yes"
    # The FHIR twin knows only the current questionnaire (screening.fhir); it is
    # still attached, with the stored result's flag code.
    bundle = embedded_fhir(pdf)
    assert bundle["resourceType"] == "Bundle"
    assert "explained_by_diagnosis" in json.dumps(bundle)


@pytest.mark.django_db
def test_the_stored_result_is_printed_even_when_scoring_the_answers_now_differs(client):
    """Rules that changed since a submission was sent are simulated by editing its
    issued result in the database: the download prints the stored one."""
    answers = minimal(
        pain_level=0,
        exam_ortho="nothing_found",
        exam_neuro="normal",
        prior_diagnosis="none",
        tricks=["trails", "backwards"],
        muscles_pull="yes",
    )
    assert scoring.score(answers).category == "llc_consistent"
    submission = Submission.objects.create(**Submission.fields_from(answers))
    issued = dict(submission.issued_result)
    issued["category"] = "partly_consistent"
    assert issued["flags"] == []
    # A flag the rules of the day raised, with the texts it was issued with.
    issued["flags"] = [
        {
            "code": "hip_groin_pain",
            "severity": "discuss",
            "tests": ["a test named when it was issued"],
            "title": "Its title when it was issued",
            "explanation": "Its explanation when it was issued.",
        }
    ]
    Submission.objects.filter(pk=submission.pk).update(issued_result=issued)
    submission.refresh_from_db()

    link_browser(client, submission)
    response = client.get(reverse("submission-pdf", args=[submission.public_id]))
    assert response.status_code == 200
    pdf = response.getvalue()
    text = pdf_text(pdf)
    partly = report.CLINICIAN_TEXTS[scoring.Category.PARTLY_CONSISTENT]
    llc = report.CLINICIAN_TEXTS[scoring.Category.LLC_CONSISTENT]
    assert all(words(w) in text for w in partly)
    assert not any(words(w) in text for w in llc)
    for stored_text in (
        "a test named when it was issued",
        "Its title when it was issued",
        "Its explanation when it was issued.",
    ):
        assert stored_text in text
    current = scoring.FLAG_RULE_BY_CODE["hip_groin_pain"]
    assert words(current.title) not in text
    assert "No flag was raised by the answers." not in text
    assert embedded_json(pdf)["result"] == issued


def known_dystonia_answers() -> dict:
    return minimal(
        pain_level=0,
        exam_ortho="nothing_found",
        exam_neuro="normal",
        prior_diagnosis="dystonia",
        procedures=["hip_surgery", "injections"],
        family_history=["dystonia"],
        gait_video="yes",
        regions=["quads", "knee", "calf"],
    )


@pytest.mark.django_db
def test_a_v2_submission_with_a_dystonia_diagnosis_prints_known_dystonia_and_the_new_items():
    answers = known_dystonia_answers()
    submission = Submission.objects.create(**Submission.fields_from(answers))
    result = submission.result()
    assert result.category == "known_dystonia"
    assert result.flag_codes == ["invasive_procedures", "family_movement_disorder"]
    pdf = report.render_submission_pdf(submission)
    text = pdf_text(pdf)

    assert f"instrument 2 · scoring {V2_SCORING.SCORING_VERSION}" in text
    assert all(words(w) in text for w in report.CLINICIAN_TEXTS[scoring.Category.KNOWN_DYSTONIA])
    for flag in result.flags:
        assert words(flag.title) in text, flag.code
        assert words(flag.explanation) in text, flag.code
        assert all(words(test) in text for test in flag.tests), flag.code

    body, appendix = text.split("Appendix: the answers not shown above", 1)
    for item_id in ("procedures", "family_history", "gait_video"):
        question = words(V2_QUESTIONS.label(item_id))
        answer = words(report.answer_text(item_id, answers[item_id]))
        assert f"{question} {answer}" in appendix, item_id
    # Shown above (the d7 row; page 1's pattern row), so not repeated in the appendix.
    prior = words(V2_QUESTIONS.label("prior_diagnosis"))
    assert f"{prior} {words(report.answer_text('prior_diagnosis', 'dystonia'))}" in body
    assert prior not in appendix
    marked = ", ".join(words(V2_QUESTIONS.code_label("regions", r)) for r in answers["regions"])
    assert f"marked: {marked}" in body
    assert words(V2_QUESTIONS.label("regions")) not in appendix
    assert words(V2_QUESTIONS.code_label("regions", "knee")) in text
    # Version 1's question that prior_diagnosis replaced is not asked of this runner.
    assert words(V1_QUESTIONS.label("diagnosis_explains")) not in text
    assert embedded_json(pdf)["result"]["category"] == "known_dystonia"


def test_an_unsaved_render_scores_under_the_current_version():
    answers = known_dystonia_answers()
    context = report.context_for(answers, reference="X", on=report.dt.date(2025, 3, 4), saved=False)
    assert context["instrument_version"] == versions.CURRENT_VERSION
    assert context["category"] == "known_dystonia"


def test_a_result_is_never_worded_in_another_versions_words():
    with pytest.raises(ValueError, match="version 1"):
        report.context_for(
            v1_answers(),
            reference="X",
            on=report.dt.date(2025, 3, 4),
            saved=True,
            result=scoring.score(known_dystonia_answers()),
            instrument_version="1",
        )


def _marked_heights(svg: str) -> set[tuple[float, float]]:
    """(top, bottom) of every hatched subpath, in drawing coordinates."""
    marked = re.search(r'<path d="([^"]*)" class="bm-marked"', svg)
    assert marked
    spans = set()
    for subpath in marked.group(1).split("Z"):
        ys = [float(y) for y in re.findall(r",(-?[\d.]+)", subpath)]
        if ys:
            spans.add((min(ys), max(ys)))
    return spans


def test_the_body_map_hatches_the_knee_between_thigh_and_shin_in_both_views():
    svg = str(bodymap.svg(["knee"], None, "left"))
    knee = (bodymap.TOP + 200, bodymap.TOP + 232)
    spans = _marked_heights(svg)
    assert spans == {knee}
    assert svg.count("bm-marked") == 1
    # One slice per view (front and back), each a closed subpath of the left leg.
    marked = re.search(r'<path d="([^"]*)" class="bm-marked"', svg).group(1)
    assert marked.count("Z") == 2
