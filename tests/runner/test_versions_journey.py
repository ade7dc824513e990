"""The runner's side of instrument version 2: drafts started under version 1,
results shown as issued, and the video advice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner import journey
from screening import access
from screening.models import Draft, Submission
from screening.v1 import scoring as scoring_v1
from tests.journey_helpers import STEP_POSTS, link_browser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
V1_MARATHONER = json.loads((EXAMPLES / "v1" / "v3_marathoner_runners_dystonia.json").read_text())


def v1_draft(client, answers: dict, completed: list[str]) -> Draft:
    """A draft saved under version 1, linked to ``client`` as a runner's browser would be."""
    from django.core.signing import get_cookie_signer

    from web.runner_cookies import CODE_COOKIE, CODE_COOKIE_SALT

    code = journey.new_code()
    draft = Draft.objects.create(
        code_hash=access.hash_code(code),
        answers=answers,
        completed_steps=completed,
        instrument_version="1",
    )
    client.cookies[CODE_COOKIE] = get_cookie_signer(salt=CODE_COOKIE + CODE_COOKIE_SALT).sign(code)
    return draft


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("v1_answer", "v2_answer"),
    [("no", "none"), ("yes", "other_full"), ("partly", "other_partial")],
)
def test_a_version_1_draft_carries_over_on_its_next_save(client, v1_answer, v2_answer):
    """diagnosis_explains -> prior_diagnosis as the issue maps it, version stored as 2."""
    draft = v1_draft(
        client, {"age": 34, "exam_neuro": "normal", "diagnosis_explains": v1_answer}, ["safety"]
    )
    response = client.post("/step/about/", STEP_POSTS["about"])
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.instrument_version == "2"
    assert draft.answers["prior_diagnosis"] == v2_answer
    assert "diagnosis_explains" not in draft.answers


@pytest.mark.django_db
def test_the_runner_is_told_once_which_questions_are_new(client):
    v1_draft(client, {"diagnosis_explains": "no"}, ["safety"])
    after_save = client.post("/step/about/", STEP_POSTS["about"], follow=True)
    page = after_save.content.decode()
    assert "We improved the questionnaire since you started" in page
    # Named by their questions, so the runner can find them.
    from screening.questions import label

    for item_id in ("prior_diagnosis", "procedures", "family_history", "gait_video"):
        assert str(label(item_id)).replace("'", "&#x27;") in page
    again = client.get(after_save.redirect_chain[-1][0]).content.decode()
    assert "We improved the questionnaire since you started" not in again
    client.post("/step/symptoms/", STEP_POSTS["symptoms"])
    next_page = client.get("/step/exclusions/").content.decode()
    assert "We improved the questionnaire since you started" not in next_page


@pytest.mark.django_db
def test_a_current_draft_is_not_told_anything(client):
    client.post("/step/safety/", STEP_POSTS["safety"])
    page = client.post("/step/about/", STEP_POSTS["about"], follow=True).content.decode()
    assert "We improved the questionnaire" not in page


def stored_v1(answers: dict) -> Submission:
    return Submission.objects.create(
        **Submission.fields_from(answers, instrument_version="1"), share_for_research=False
    )


@pytest.mark.django_db
def test_a_version_1_result_page_shows_the_result_as_issued(client):
    """The v1 marathoner answered "a diagnosis fully explains it": version 1 told her
    another cause explains it. Her stored result is shown as it was, not re-scored."""
    submission = stored_v1(V1_MARATHONER)
    issued = scoring_v1.score(V1_MARATHONER)
    assert submission.issued_result == issued.to_dict()
    link_browser(client, submission)
    page = client.get("/result/").content.decode()
    assert str(issued.headline) in page
    for flag in issued.flags:
        assert str(flag.rule.title).replace("'", "&#x27;") in page  # version 1's own words
    assert "A video of your running" not in page  # version 1 did not ask it


@pytest.mark.django_db
def test_a_stored_result_is_never_re_scored(client):
    """Change what was issued behind the app's back: the page shows the stored one."""
    from screening import scoring

    answers = json.loads((EXAMPLES / "v9_marathoner_after_dystonia_diagnosis.json").read_text())
    submission = Submission.objects.create(**Submission.fields_from(answers))
    current = scoring.score(answers)
    assert current.category.value == "known_dystonia"
    issued = dict(submission.issued_result, category="llc_consistent")
    Submission.objects.filter(pk=submission.pk).update(issued_result=issued)
    link_browser(client, submission)
    page = client.get("/result/").content.decode()
    assert str(scoring.Result.from_dict(issued).headline) in page
    assert str(current.headline) not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("gait_video", "lead"), [("yes", "bring it"), ("no", "helps a lot")])
def test_the_result_page_says_how_to_record_a_useful_video(client, gait_video, lead):
    from screening.questions import GAIT_VIDEO_ADVICE

    answers = json.loads((EXAMPLES / "v9_marathoner_after_dystonia_diagnosis.json").read_text())
    answers["gait_video"] = gait_video
    submission = Submission.objects.create(**Submission.fields_from(answers))
    link_browser(client, submission)
    page = client.get("/result/").content.decode()
    assert lead in page
    advice = str(GAIT_VIDEO_ADVICE)
    assert advice.replace("'", "&#x27;") in page
    for must in ("behind", "side", "backwards", "pace", "surface"):
        assert must in advice
