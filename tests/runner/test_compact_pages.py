"""Issue 17: the check page and the result page say each thing once."""

from __future__ import annotations

import re

import pytest

from runner import journey, views
from screening import questions
from screening.scoring import FLAG_RULES, score
from tests.examples import minimal
from tests.journey_helpers import STEP_POSTS, complete_steps, link_browser
from tests.reviewers import make_submission

pytestmark = pytest.mark.django_db


def main_of(page: bytes) -> str:
    return page.decode().split("<main", 1)[1]


def test_the_check_page_counts_what_was_not_answered_in_one_line_per_step(client):
    """The sample runner answers 6 of the 8 questions of "about" (not sex, not level;
    the weekly distance is one item) and 5 of the 8 of "symptoms" (not relief on
    stopping, gait signs, muscles pulling): two lines, "2 ..." and "3 ...", not rows."""
    complete_steps(client)
    page = main_of(client.get("/check-your-answers/").content)
    assert "Not answered" not in page
    about = page.split('id="review-about"', 1)[1].split("</section>", 1)[0]
    assert "2 questions not answered" in about
    assert 'href="/step/about/?return=review#field-sex"' in about
    symptoms = page.split('id="review-symptoms"', 1)[1].split("</section>", 1)[0]
    assert "3 questions not answered" in symptoms
    assert symptoms.count("summary-row") == 5  # one row per answer given


def test_the_check_page_shows_the_grid_as_a_small_table(client):
    """One activity of nine answered (easy road: typical no limit, worst limited)."""
    complete_steps(client)
    page = main_of(client.get("/check-your-answers/").content)
    limits = page.split('id="review-limits"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(.*?)</td><td>(.*?)</td>", limits)
    assert rows == [("Easy running on roads", "No limit", "Limited")]
    assert "8 activities not answered" in limits


def test_the_check_page_ends_with_the_consent_and_sends_from_there(client):
    complete_steps(client)
    page = main_of(client.get("/check-your-answers/").content)
    assert 'action="/consent/"' in page
    assert 'name="share_for_research"' in page
    assert client.post("/consent/", {"share_for_research": "on"})["Location"] == "/result/"


def test_the_result_lists_each_next_step_once_and_apart_from_the_tests(client):
    """Three flags ask for a movement neurologist (onset in the foot, walking clearly
    affected, other activities affected) and two for a lumbar spine MRI (nerve
    symptoms, back pain down the leg): the page lists each once."""
    changes = {
        "first_region": "foot_ankle_toes",
        "walking": "significant",
        "spread_other": "yes",
        "numbness": "yes",
        "back_pain_radiating": "yes",
    }
    asked = [test for flag in score({**minimal(), **changes}).flags for test in flag.tests]
    assert sum(t.startswith("movement neurologist") for t in asked) == 3
    assert sum(t.startswith("lumbar spine MRI") for t in asked) == 2
    submission = make_submission(**changes)
    link_browser(client, submission)
    page = main_of(client.get("/result/").content)
    steps = page.split('id="asked-next-steps"', 1)[1].split("</ul>", 1)[0]
    tests = page.split('id="asked-tests"', 1)[1].split("</ul>", 1)[0]
    assert steps.count("<li>movement neurologist</li>") == 1
    assert page.count("movement neurologist") == 1
    assert tests.count("<li>lumbar spine MRI</li>") == 1
    assert "neurologist" not in tests


def test_every_request_a_flag_makes_is_a_test_or_a_next_step_by_its_words():
    """What is not called a test names a clinician, an assessment or an opinion."""
    for rule in FLAG_RULES:
        for asked in rule.tests:
            if not views.is_test(asked):
                assert re.search(r"neurolog|assessment|opinion|diagnosis", asked), asked


def test_the_grid_is_one_row_per_activity_with_both_scales(client):
    complete_steps(client, until="limits")
    page = main_of(client.get("/step/limits/").content)
    assert page.count('class="limit-row') == len(journey.STEP_BY_ID["limits"].item_ids) // 2
    for scale in questions.SCALE_SHORT_TITLES:
        assert page.count(f'<select name="{scale}_') == 9
    response = client.post("/step/limits/", {**STEP_POSTS["limits"], "typical_race_road": "x"})
    assert response.status_code == 400


def test_the_worked_examples_in_the_views_hold():
    import doctest

    failures, tried = doctest.testmod(views, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
