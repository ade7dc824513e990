"""The runner's follow-up, through the test client against the real database."""

from __future__ import annotations

import datetime

import pytest

from screening import access
from screening.models import FollowUp, FollowUpDraft, Submission, today
from tests.journey_helpers import EXPECTED_ANSWERS, link_browser

FOLLOWUP_POSTS = {
    "urgent": {"bladder_bowel_saddle": "no", "sudden_weakness": "no", "acute_limb": "no"},
    "now": {"fu_course": "worsening", "fu_walking": "slight", "fu_running": "easy_only"},
    "clinicians": {"fu_seen": ["neurologist"], "fu_outcome": "musculoskeletal"},
    "care": {"fu_outcome_detail": "hip_joint", "fu_tests": ["mri_hip"], "fu_helped": "unsure"},
    "limits": {"typical_easy_road": "limited", "fu_own_words": "Worse on <b>hills</b>."},
}


def sent_screening(days_ago: int, *, shared: bool = False) -> Submission:
    day = today() - datetime.timedelta(days=days_ago)
    return Submission.objects.create(
        **Submission.fields_from(EXPECTED_ANSWERS),
        share_for_research=shared,
        created_on=day,
        keep_until=today() + datetime.timedelta(days=300),
    )


def answer_all(client) -> None:
    for step_id, data in FOLLOWUP_POSTS.items():
        response = client.post(f"/follow-up/step/{step_id}/", data)
        assert response.status_code == 302, (step_id, response.content[:3000])


@pytest.mark.django_db
def test_before_28_days_the_result_page_says_from_when(client):
    screening = sent_screening(27)
    link_browser(client, screening)
    page = client.get("/result/").content.decode()
    day = screening.created_on + datetime.timedelta(days=28)
    assert f"From {day:%-d %B %Y} you can come back" in page
    assert client.get("/follow-up/step/urgent/").status_code == 302
    assert not FollowUpDraft.objects.exists()


@pytest.mark.django_db
def test_a_follow_up_is_answered_checked_sent_and_compared(client):
    """EXPECTED_ANSWERS: walking none, typical_easy_road no_limit. Now: walking slight
    (worse), easy road limited (worse), course worsening: worse_since."""
    screening = sent_screening(28)
    link_browser(client, screening)
    assert "Tell us what has happened since" in client.get("/result/").content.decode()
    answer_all(client)
    check = client.get("/follow-up/check/")
    assert check.status_code == 200
    page = check.content.decode()
    assert "Worse on &lt;b&gt;hills&lt;/b&gt;." in page  # escaped
    assert 'name="share_for_research"' in page and "checked" not in page
    response = client.post("/follow-up/check/", {"share_for_research": "on"})
    assert response.status_code == 302
    (stored,) = FollowUp.objects.all()
    assert (stored.number, stored.share_for_research, stored.outcome) == (
        1,
        True,
        "musculoskeletal",
    )
    assert stored.issued_result["change_walking"] == "worse"
    assert stored.issued_result["change_limits"]["by_activity"] == {"easy_road": "worse"}
    assert [f["code"] for f in stored.issued_result["flags"]] == ["worse_since"]
    assert not FollowUpDraft.objects.exists()
    screening.refresh_from_db()
    assert screening.keep_until == today() + datetime.timedelta(days=access.FOLLOW_UP_KEEP_DAYS)
    result = client.get("/follow-up/result/").content.decode()
    assert "Since your screening" in result
    assert "getting worse" in result and "neurologist review" in result
    assert "hip joint" in result
    # The next one only 28 days later.
    assert client.get("/follow-up/step/urgent/").status_code == 302


@pytest.mark.django_db
def test_the_research_choice_is_asked_again_prefilled_from_the_first(client):
    screening = sent_screening(60)
    link_browser(client, screening)
    answer_all(client)
    client.post("/follow-up/check/", {})  # not shared
    FollowUp.objects.update(created_on=today() - datetime.timedelta(days=30))
    answer_all(client)
    assert "checked" not in client.get("/follow-up/check/").content.decode()
    FollowUp.objects.update(share_for_research=True)
    assert "checked" in client.get("/follow-up/check/").content.decode()
    client.post("/follow-up/check/", {})
    assert list(FollowUp.objects.order_by("number").values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_an_urgent_yes_shows_what_to_do_today_first(client):
    link_browser(client, sent_screening(30))
    response = client.post(
        "/follow-up/step/urgent/",
        {"bladder_bowel_saddle": "no", "sudden_weakness": "yes", "acute_limb": "no"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Get medical help today" in page and "/follow-up/step/now/" in page


@pytest.mark.django_db
def test_bad_input_is_a_400_that_keeps_what_was_typed(client):
    link_browser(client, sent_screening(30))
    client.post("/follow-up/step/urgent/", FOLLOWUP_POSTS["urgent"])
    client.post("/follow-up/step/now/", FOLLOWUP_POSTS["now"])
    response = client.post("/follow-up/step/clinicians/", {"fu_seen": ["none", "gp"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be combined" in page
    assert 'value="gp" ' in page and "checked" in page


@pytest.mark.django_db
def test_the_detail_offers_only_the_causes_of_the_outcome(client):
    link_browser(client, sent_screening(30))
    for step_id in ("urgent", "now"):
        client.post(f"/follow-up/step/{step_id}/", FOLLOWUP_POSTS[step_id])
    client.post("/follow-up/step/clinicians/", {"fu_seen": ["gp"], "fu_outcome": "vascular"})
    page = client.get("/follow-up/step/care/").content.decode()
    assert 'value="artery"' in page and 'value="knee"' not in page
    refused = client.post("/follow-up/step/care/", {"fu_outcome_detail": "knee"})
    assert refused.status_code == 400


@pytest.mark.django_db
def test_deleting_with_the_code_deletes_the_screening_and_its_follow_ups(client):
    screening = sent_screening(40)
    code = link_browser(client, screening)
    answer_all(client)
    client.post("/follow-up/check/", {})
    assert FollowUp.objects.count() == 1
    client.cookies.clear()
    response = client.post("/delete/", {"code": code})
    assert response.status_code == 200
    assert not Submission.objects.exists() and not FollowUp.objects.exists()


@pytest.mark.django_db
def test_asking_to_keep_the_answers_keeps_code_and_result_past_30_days(client):
    screening = sent_screening(2)
    screening.keep_until = None
    screening.save()
    link_browser(client, screening)
    response = client.post("/follow-up/keep/")
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.keep_until == today() + datetime.timedelta(days=access.FOLLOW_UP_KEEP_DAYS)


@pytest.mark.django_db
def test_without_a_code_the_follow_up_pages_send_to_the_resume_page(client):
    for url in (
        "/follow-up/",
        "/follow-up/step/urgent/",
        "/follow-up/check/",
        "/follow-up/result/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/resume/"
