"""The runner's journey through the views, with the test client on the real database."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils.html import escape

from runner import journey
from screening import access
from screening.models import Draft, Submission
from screening.scoring import score
from tests.journey_helpers import (
    EXPECTED_ANSWERS,
    STEP_POSTS,
    code_of,
    complete_steps,
    link_browser,
)
from tests.reviewers import make_submission


def step_url(step_id: str, to_review: bool = False) -> str:
    return f"/step/{step_id}/" + ("?return=review" if to_review else "")


def the_draft() -> Draft:
    return Draft.objects.get()


@pytest.mark.django_db
def test_it_shows_the_start_page_with_start_button_and_code_entry(client):
    text = client.get("/").content.decode()
    assert 'action="/start/"' in text
    assert 'action="/resume/"' in text
    assert "not a diagnosis" in text
    assert "never" in text  # what is never stored


@pytest.mark.django_db
def test_it_asks_the_safety_questions_first_as_step_1_of_9(client):
    response = client.post("/start/")
    assert response["Location"] == "/step/safety/"
    text = client.get("/step/safety/").content.decode()
    assert "Step 1 of 9" in text
    for item_id in ("bladder_bowel_saddle", "sudden_weakness", "acute_limb"):
        assert f'name="{item_id}"' in text
    assert "<fieldset" in text and "<legend" in text


@pytest.mark.django_db
def test_it_saves_each_step_at_next_and_shows_step_numbers(client):
    complete_steps(client, until="symptoms")
    draft = the_draft()
    assert draft.completed_steps == ["safety", "about"]
    assert draft.answers["weekly_km"] == 50
    assert draft.answers["age"] == 34
    assert "Step 3 of 9" in client.get("/step/symptoms/").content.decode()


@pytest.mark.django_db
def test_it_creates_no_draft_before_the_first_save(client):
    client.get("/step/safety/")
    assert Draft.objects.count() == 0


def post_about(client, **changes: str):
    """Save the steps before "about", then post it with these answers changed."""
    complete_steps(client, until="about")
    return client.post(step_url("about"), {**STEP_POSTS["about"], **changes})


@pytest.mark.django_db
def test_years_of_running_cannot_exceed_the_age_when_it_began(client):
    response = post_about(client, age="20", onset_age="19", running_years="30")
    assert response.status_code == 400
    assert response.context["form"].has_error("running_years", code="running_before_birth")
    equal = {**STEP_POSTS["about"], "age": "20", "onset_age": "19", "running_years": "19"}
    assert client.post(step_url("about"), equal).status_code == 302


@pytest.mark.django_db
def test_it_converts_miles_to_kilometres(client):
    post_about(client, weekly_distance="30", distance_unit="miles")
    assert the_draft().answers["weekly_km"] == 48  # 30 miles x 1.609 = 48.3 km


@pytest.mark.django_db
def test_a_distance_typed_in_miles_is_shown_in_miles_too(client):
    """The runner finds the figure they typed, and a reader who thinks in miles has it."""
    complete_steps(client)
    changed = {**STEP_POSTS["about"], "weekly_distance": "30", "distance_unit": "miles"}
    assert client.post(step_url("about"), changed).status_code == 302
    page = client.get("/check-your-answers/").content.decode()
    assert "48 km (about 30 miles) a week" in page


@pytest.mark.parametrize(
    ("km", "text"),
    [
        (0, "0 km a week"),
        (2, "2 km (about 1 mile) a week"),
        (400, "400 km (about 249 miles) a week"),
    ],
)
def test_the_weekly_distance_in_words_says_mile_or_miles(km, text):
    from screening.questions import answer_text

    assert answer_text("weekly_km", km) == text


@pytest.mark.django_db
def test_it_shows_an_error_summary_and_keeps_what_was_typed(client):
    response = post_about(client, age="30", onset_age="41", running_years="lots")
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert 'href="#id_onset_age"' in text and 'href="#id_running_years"' in text
    # Each problem names its question: two number boxes can share one message.
    form = response.context["form"]
    for name in ("onset_age", "running_years"):
        expected = f'href="#id_{name}">{escape(form[name].label)} – {escape(form.errors[name][0])}'
        assert expected in text, name
    assert 'id="onset_age-error"' in text
    assert 'value="41"' in text and 'value="lots"' in text and 'value="30"' in text
    assert response.context["form"].has_error("onset_age", code="onset_after_age")
    assert the_draft().completed_steps == ["safety"]


@pytest.mark.django_db
def test_it_names_each_missing_required_answer(client):
    complete_steps(client, until="about")
    response = client.post(step_url("about"), {})
    form = response.context["form"]
    assert set(form.errors) == {"age", "running_years", "onset_age", "side", "onset_activity"}
    assert 'href="#id_side_0"' in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_none_with_other_sensations(client):
    complete_steps(client, until="symptoms")
    data = {**STEP_POSTS["symptoms"], "sensations": ["none", "aching"]}
    response = client.post(step_url("symptoms"), data)
    assert response.status_code == 400
    assert response.context["form"].has_error("sensations", code="exclusive_mixed")


@pytest.mark.django_db
def test_it_clears_a_hidden_answer_on_the_server(client):
    complete_steps(client, until="exclusions")
    data = {**STEP_POSTS["exclusions"], "pain_level": "0", "pain_before": "yes"}
    client.post(step_url("exclusions"), data)
    assert "pain_before" not in the_draft().answers


@pytest.mark.django_db
def test_it_clears_an_answer_that_a_change_hides_later(client):
    complete_steps(client, until="triggers")
    assert the_draft().answers["pain_before"] == "no"
    data = {**STEP_POSTS["exclusions"], "pain_level": "0"}
    data.pop("pain_before")
    client.post(step_url("exclusions") + "?return=review", {**data, "return": "review"})
    assert "pain_before" not in the_draft().answers


@pytest.mark.django_db
def test_it_renders_conditions_from_the_instrument_as_data(client):
    complete_steps(client, until="exclusions")
    text = client.get(step_url("exclusions")).content.decode()
    assert "data-shown-when=" in text and "&quot;pain_level&quot;" in text


@pytest.mark.django_db
def test_an_urgent_answer_shows_the_help_page_at_once(client):
    data = {**STEP_POSTS["safety"], "acute_limb": "yes"}
    response = client.post(step_url("safety"), data)
    assert response["Location"] == "/get-help-now/"
    text = client.get("/get-help-now/").content.decode()
    assert "Get medical help today" in text
    assert "emergency" in text
    assert "Your answers so far are saved" in text
    assert 'href="/step/about/"' in text  # the runner may continue afterwards
    assert client.get("/step/about/").status_code == 200


@pytest.mark.django_db
def test_an_urgent_yes_is_answered_even_with_the_step_half_filled(client):
    response = client.post(step_url("safety"), {"sudden_weakness": "yes"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Get medical help today" in text and "There is a problem" not in text
    assert 'href="/step/safety/"' in text  # back to finish the step, which was not saved
    assert "The page you just sent was not saved" in text
    assert "are saved" not in text
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_a_later_step_posted_without_the_code_is_shown_again_with_why(client):
    """The browser was closed (its code cookie is gone): nothing can be saved, but
    what the runner typed is on the page again, with what to do."""
    from django.test import Client

    complete_steps(client, until="narrative")
    stranger = Client()
    typed = "After twenty minutes my left foot turns in."
    response = stranger.post(step_url("narrative"), {"own_words": typed, "what_helped": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert text.count("could not find your saved answers") == 1  # in the problem box only
    assert "resume code" in text
    assert typed in text
    assert "own_words" not in the_draft().answers


@pytest.mark.django_db
def test_a_step_saved_after_its_answers_were_deleted_elsewhere_says_so(client):
    from django.test import Client

    complete_steps(client, until="narrative")
    other_device = Client()
    other_device.post("/delete/", {"code": code_of(client), "confirm": "yes"})
    assert not Draft.objects.exists()
    typed = "It started after a marathon."
    response = client.post(step_url("narrative"), {"own_words": typed, "what_helped": ""})
    assert response.status_code == 409
    text = response.content.decode()
    assert "no longer here: they were deleted" in text and typed in text
    assert 'class="resume-code' not in text  # the dead code is neither shown nor kept
    assert response.cookies["resume_code"].value == ""


@pytest.mark.django_db
def test_a_step_saved_after_its_answers_were_deleted_in_another_tab_does_not_send_to_a_dead_code(
    client,
):
    """The same browser: the deletion also took the code from it."""
    complete_steps(client, until="narrative")
    assert client.post("/delete/", {}).status_code == 200  # tab B
    response = client.post(
        step_url("narrative"), {"own_words": "Typed in tab A.", "what_helped": ""}
    )
    text = response.content.decode()
    assert "or the answers deleted from another tab" in text and "Typed in tab A." in text


@pytest.mark.django_db
def test_the_first_step_after_submitting_goes_to_the_result(client):
    """Starting again is /start/'s job; the first step must not unlink the result."""
    complete_steps(client)
    client.post("/consent/", {})
    response = client.get(step_url("safety"))
    assert response["Location"] == "/result/"
    assert Draft.objects.count() == 0
    assert client.get("/result/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("step_id", ["safety", "narrative"])
def test_a_step_posted_after_submitting_says_it_was_not_saved_and_keeps_the_text(client, step_id):
    """An old tab (or Back) after the answers were sent: nothing is saved or lost unseen."""
    complete_steps(client)
    client.post("/consent/", {})
    posted = {**STEP_POSTS[step_id], "own_words": "I forgot: my toes curl too"}
    response = client.post(step_url(step_id), posted)
    assert response.status_code == 409
    text = response.content.decode()
    assert "Your answers were already sent, so this page was not saved" in text
    if step_id == "narrative":
        assert "I forgot: my toes curl too" in text
    assert Draft.objects.count() == 0
    assert client.get("/result/").status_code == 200


@pytest.mark.django_db
def test_the_help_page_is_not_shown_without_an_urgent_answer(client):
    complete_steps(client, until="about")
    assert client.get("/get-help-now/")["Location"] == "/"


@pytest.mark.django_db
def test_it_does_not_let_a_runner_skip_ahead(client):
    complete_steps(client, until="symptoms")
    assert client.get(step_url("care"))["Location"] == "/step/symptoms/"
    assert client.get("/check-your-answers/")["Location"] == "/step/symptoms/"


@pytest.mark.django_db
def test_the_start_page_shows_the_code_before_a_new_start_unlinks_it(client):
    assert 'class="resume-code' not in client.get("/").content.decode()
    complete_steps(client, until="about")
    text = client.get("/").content.decode()
    assert journey.format_code(code_of(client)) in text
    assert "Starting a new screening leaves your earlier answers under the code above" in text
    client.post("/start/")
    assert 'class="resume-code' not in client.get("/").content.decode()


def screening_mark(page) -> str:
    found = re.search(r'name="screening" value="([0-9a-f]+|new-[0-9a-f]+)"', page.content.decode())
    assert found, "the step page carries no screening mark"
    return found.group(1)


@pytest.mark.django_db
def test_an_old_tab_of_an_earlier_screening_is_not_saved_into_the_new_one(client):
    """Tab A is open on a step; tab B starts a new screening in the same browser.
    Tab A's answers must neither land in tab B's screening nor vanish unseen."""
    complete_steps(client, until="exclusions")
    earlier_code = code_of(client)
    tab_a_mark = screening_mark(client.get(step_url("exclusions")))
    client.post("/start/")  # tab B
    client.post(step_url("safety"), STEP_POSTS["safety"])
    newer = Draft.objects.get(code_hash=access.hash_code(code_of(client)))
    posted = {**STEP_POSTS["about"], "screening": tab_a_mark}  # tab A saves a page
    response = client.post(step_url("about"), posted)
    assert response.status_code == 409
    text = response.content.decode()
    assert "another screening was started or resumed in this browser" in text
    assert f'value="{STEP_POSTS["about"]["age"]}"' in text
    newer.refresh_from_db()
    assert "about" not in newer.completed_steps and "age" not in newer.answers
    earlier = Draft.objects.get(code_hash=access.hash_code(earlier_code))
    assert earlier.answers["age"] == EXPECTED_ANSWERS["age"]  # untouched as well
    assert code_of(client) != earlier_code
    # The page keeps tab A's mark: pressing Save on it again is refused again.
    assert screening_mark(response) == tab_a_mark
    again = client.post(step_url("about"), {**posted, "screening": screening_mark(response)})
    assert again.status_code == 409
    newer.refresh_from_db()
    assert "age" not in newer.answers


@pytest.mark.django_db
def test_a_first_page_opened_before_any_screening_is_not_saved_into_one_resumed_since(client):
    """Tab A shows the first step of a new screening; tab B resumes another one."""
    from django.test import Client

    elsewhere = Client()
    complete_steps(elsewhere, until="narrative")
    resumed = Draft.objects.get()
    before = dict(resumed.answers)
    tab_a_mark = screening_mark(client.get(step_url("safety")))
    assert tab_a_mark.startswith("new-")
    assert resume(client, code_of(elsewhere)).status_code == 302  # tab B
    posted = {**STEP_POSTS["safety"], "sudden_weakness": "no", "screening": tab_a_mark}
    response = client.post(step_url("safety"), posted)
    assert response.status_code == 409
    assert "another screening was started or resumed in this browser" in response.content.decode()
    resumed.refresh_from_db()
    assert resumed.answers == before
    assert Draft.objects.count() == 1


@pytest.mark.django_db
def test_an_urgent_yes_refused_by_the_csrf_check_still_gets_the_help_page(client):
    """Cookies blocked: nothing can be saved, but the emergency is answered first."""
    from django.test import Client

    blocked = Client(enforce_csrf_checks=True)
    urgent = {**STEP_POSTS["safety"], "acute_limb": "yes"}
    response = blocked.post(step_url("safety"), urgent)
    assert response.status_code == 403
    assert "Get medical help today" in response.content.decode()
    assert Draft.objects.count() == 0
    plain = blocked.post(step_url("safety"), STEP_POSTS["safety"])
    assert plain.status_code == 403 and "This page has expired" in plain.content.decode()
    # Only the step pages ask the urgent questions: a forged post elsewhere gets no help page.
    elsewhere = blocked.post("/delete/", {"acute_limb": "yes"})
    assert "Get medical help today" not in elsewhere.content.decode()


@pytest.mark.django_db
def test_the_first_page_pressed_twice_saves_into_the_screening_it_started(client):
    """A double tap: the second post arrives once the first has linked the new draft."""
    first_page = {
        **STEP_POSTS["safety"],
        "screening": screening_mark(client.get(step_url("safety"))),
    }
    assert client.post(step_url("safety"), first_page).status_code == 302
    again = client.post(step_url("safety"), first_page)
    assert again.status_code == 302
    assert Draft.objects.count() == 1
    # Another first page (another tab, before the first was saved) is still refused.
    other = {**STEP_POSTS["safety"], "screening": "new-0123456789ab"}
    assert client.post(step_url("safety"), other).status_code == 409


@pytest.mark.django_db
def test_a_first_page_shown_for_a_dead_code_saves_twice_into_the_screening_it_started(client):
    """The browser's code was deleted elsewhere; its first page starts a new screening,
    and pressing that page again saves into it rather than being refused for good."""
    from django.test import Client

    complete_steps(client, until="narrative")
    Client().post("/delete/", {"code": code_of(client)})
    page = {**STEP_POSTS["safety"], "screening": screening_mark(client.get(step_url("safety")))}
    assert client.post(step_url("safety"), page).status_code == 302
    assert client.post(step_url("safety"), page).status_code == 302
    assert Draft.objects.count() == 1


@pytest.mark.django_db
def test_a_mistyped_code_on_an_old_delete_page_deletes_nothing_on_the_next_press(client):
    from django.test import Client

    other = Client()
    complete_steps(other, until="care")
    page_mark = screening_mark(client.get("/delete/"))  # nothing linked: the code box
    assert resume(client, code_of(other)).status_code == 302  # another tab resumes
    typo = client.post("/delete/", {"code": "0000-0000-0000-0", "screening": page_mark})
    assert typo.status_code == 400
    text = typo.content.decode()
    assert 'id="id_code"' in text  # the box comes back with its error
    again = client.post("/delete/", {"screening": screening_mark(typo)})
    assert again.status_code == 409
    assert Draft.objects.count() == 1


@pytest.mark.django_db
def test_deleting_with_a_typed_code_deletes_that_screening_not_the_one_linked(client):
    from django.test import Client

    named = Client()
    complete_steps(named, until="care")
    complete_steps(client, until="care")
    kept = Draft.objects.get(code_hash=access.hash_code(code_of(client)))
    response = client.post("/delete/", {"code": code_of(named), "screening": "new-0123456789ab"})
    assert response.status_code == 200
    assert list(Draft.objects.values_list("pk", flat=True)) == [kept.pk]
    assert client.get(step_url("care")).status_code == 200  # still linked to its own


@pytest.mark.django_db
def test_an_old_tabs_delete_page_deletes_nothing_of_the_screening_open_now(client):
    from django.test import Client

    other = Client()
    complete_steps(other, until="care")
    complete_steps(client, until="care")
    tab_a_mark = screening_mark(client.get("/delete/"))
    assert resume(client, code_of(other)).status_code == 302  # tab B resumes another
    response = client.post("/delete/", {"screening": tab_a_mark})
    assert response.status_code == 409
    assert "so nothing was deleted" in response.content.decode()
    assert Draft.objects.count() == 2
    # The page now belongs to the screening open here: pressing again deletes that one.
    again = client.post("/delete/", {"screening": screening_mark(response)})
    assert again.status_code == 200
    assert not Draft.objects.filter(code_hash=access.hash_code(code_of(other))).exists()
    assert Draft.objects.count() == 1


@pytest.mark.django_db
@override_settings(RATELIMITS={**settings.RATELIMITS, "resume": "1/600"})
def test_a_linked_browser_deletes_even_after_its_network_used_up_the_code_lookups(client):
    from django.test import Client

    Client().post("/resume/", {"code": "0000-0000-0000-0"})  # same address: the limit is used
    complete_steps(client, until="care")
    assert (
        client.post("/delete/", {"screening": screening_mark(client.get("/delete/"))}).status_code
        == 200
    )
    assert Draft.objects.count() == 0
    assert Client().post("/delete/", {"code": "0000-0000-0000-0"}).status_code == 429


@pytest.mark.django_db
def test_an_old_tabs_consent_does_not_send_the_screening_open_now(client):
    complete_steps(client)
    tab_a_mark = screening_mark(client.get("/consent/"))
    client.post("/start/")  # another tab starts again and completes a new screening
    complete_steps(client)
    response = client.post("/consent/", {"share_for_research": "on", "screening": tab_a_mark})
    assert response.status_code == 409
    assert "another screening was started or resumed in this browser" in response.content.decode()
    assert Submission.objects.count() == 0
    assert screening_mark(response) == tab_a_mark  # sending it again is refused again
    current = screening_mark(client.get("/consent/"))  # from the check page, as told
    response = client.post("/consent/", {"share_for_research": "on", "screening": current})
    assert response["Location"] == "/result/"
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_an_urgent_yes_on_a_page_that_cannot_be_saved_still_gets_the_help_page_first(client):
    complete_steps(client, until="about")
    tab_a_mark = screening_mark(client.get(step_url("safety", to_review=True)))
    client.post("/start/")  # another tab starts a new screening
    client.post(step_url("safety"), STEP_POSTS["safety"])
    urgent = {**STEP_POSTS["safety"], "acute_limb": "yes", "screening": tab_a_mark}
    response = client.post(step_url("safety"), urgent)
    assert response.status_code == 200
    assert "Get medical help today" in response.content.decode()


@pytest.mark.django_db
def test_a_page_not_saved_from_the_check_page_still_goes_back_to_it(client):
    complete_steps(client)
    client.post("/consent/", {})
    posted = {**STEP_POSTS["narrative"], "return": "review"}
    response = client.post(step_url("narrative", to_review=True), posted)
    assert response.status_code == 409
    assert 'name="return" value="review"' in response.content.decode()


@pytest.mark.django_db
def test_a_later_step_posted_before_the_earlier_ones_says_it_was_not_saved(client):
    complete_steps(client, until="about")
    response = client.post(step_url("narrative"), STEP_POSTS["narrative"])
    assert response.status_code == 409
    text = response.content.decode()
    assert "an earlier step of this screening is not answered yet" in text
    assert escape(STEP_POSTS["narrative"]["own_words"]) in text
    assert "narrative" not in the_draft().completed_steps


@pytest.mark.django_db
def test_the_skip_at_the_top_of_the_limits_step_skips_both_optional_steps(client):
    """Issue 17: a runner who skips the grid and the story goes straight to the check page."""
    complete_steps(client, until="limits")
    response = client.post(step_url("limits"), {"worst_easy_road": "cannot", "action": "skip"})
    assert response["Location"] == "/check-your-answers/"
    draft = the_draft()
    assert draft.completed_steps[-2:] == ["limits", "narrative"]
    assert not any(key.startswith(("worst_", "typical_")) for key in draft.answers)
    assert "own_words" not in draft.answers
    text = client.get("/check-your-answers/").content.decode()
    assert text.count("You skipped this step.") == 2


@pytest.mark.django_db
def test_the_skip_button_sits_above_the_questions(client):
    complete_steps(client, until="limits")
    page = client.get(step_url("limits")).content.decode()
    assert page.index('value="skip"') < page.index('name="worst_easy_trails"')
    assert "Skip the optional steps" in page


@pytest.mark.django_db
def test_a_skip_from_the_check_page_skips_that_step_only(client):
    """The story, saved already, is not skipped along with the grid."""
    complete_steps(client)
    draft = the_draft()
    no_grid = {k: v for k, v in draft.answers.items() if not k.startswith(("worst_", "typical_"))}
    Draft.objects.filter(pk=draft.pk).update(answers=no_grid)
    page = client.get(step_url("limits") + "?return=review").content.decode()
    assert "Skip this step" in page and "Skip the optional steps" not in page
    response = client.post(step_url("limits"), {"action": "skip", "return": "review"})
    assert response["Location"] == "/check-your-answers/"
    assert the_draft().answers["own_words"] == STEP_POSTS["narrative"]["own_words"]


@pytest.mark.django_db
def test_the_story_step_can_be_skipped_on_its_own(client):
    complete_steps(client, until="narrative")
    response = client.post(step_url("narrative"), {"own_words": "typed", "action": "skip"})
    assert response["Location"] == "/check-your-answers/"
    assert "own_words" not in the_draft().answers


@pytest.mark.django_db
def test_skip_is_not_offered_and_clears_nothing_once_the_step_has_answers(client):
    complete_steps(client, until="limits")
    assert 'value="skip"' in client.get(step_url("limits")).content.decode()
    client.post(step_url("limits"), {"worst_easy_road": "cannot"})
    page = client.get(step_url("limits") + "?return=review").content.decode()
    assert 'value="skip"' not in page
    # A skip posted from an older tab saves what that page shows instead.
    response = client.post(
        step_url("limits"), {"worst_easy_road": "limited", "action": "skip", "return": "review"}
    )
    assert response.status_code == 302
    assert the_draft().answers["worst_easy_road"] == "limited"


@pytest.mark.django_db
def test_unknown_step_is_404(client):
    assert client.get("/step/nonsense/").status_code == 404


@pytest.mark.django_db
def test_the_review_page_lists_answers_with_change_links_that_return(client):
    complete_steps(client)
    response = client.get("/check-your-answers/")
    text = response.content.decode()
    assert "Check your answers" in text
    assert 'href="/step/about/?return=review#field-age"' in text
    assert "&lt;b&gt;flops&lt;/b&gt;" in text  # free text escaped
    change = client.post(
        "/step/about/?return=review", {**STEP_POSTS["about"], "age": "35", "return": "review"}
    )
    assert change["Location"] == "/check-your-answers/"
    assert the_draft().answers["age"] == 35


@pytest.mark.django_db
def test_the_problem_box_links_each_missing_answer_to_its_question(client):
    complete_steps(client)
    draft = the_draft()
    missing = {k: v for k, v in draft.answers.items() if k not in ("age", "numbness")}
    Draft.objects.filter(pk=draft.pk).update(answers=missing)
    text = client.get("/check-your-answers/").content.decode()
    box = text.split('class="error-summary', 1)[1].split("</div>", 1)[0]
    assert box.count("<li>") == 2
    for item_id in ("age", "numbness"):
        step_id = journey.STEP_OF_ITEM[item_id]
        assert f'<a href="/step/{step_id}/?return=review#field-{item_id}">' in box


@pytest.mark.django_db
def test_the_journey_stores_the_answers_as_posted(client):
    complete_steps(client)
    assert the_draft().answers == EXPECTED_ANSWERS


@pytest.mark.django_db
def test_submit_stores_consent_and_a_result_equal_to_score(client):
    complete_steps(client)
    response = client.post("/consent/", {"share_for_research": "on"})
    assert response["Location"] == "/result/"
    submission = Submission.objects.get()
    assert submission.share_for_research is True
    assert submission.consent_version == journey.CONSENT_VERSION
    assert submission.consent_on == datetime.date.today()
    assert submission.category == score(EXPECTED_ANSWERS).category.value
    assert Draft.objects.count() == 0
    text = client.get("/result/").content.decode()
    assert score(EXPECTED_ANSWERS).headline in text
    assert "not a diagnosis" in text
    assert "%" not in text.split("<main", 1)[1]
    assert f"/r/{submission.public_id}/summary.pdf" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("coordination_loss", "core_part_missing"), [("never", True), ("always", False)]
)
def test_the_result_page_shows_the_working_definition_first_as_it_decides(
    client, coordination_loss, core_part_missing
):
    """A result that does not fit the definition but supports several criteria must
    not read as two opposite signals: the page says which one decided."""
    submission = make_submission(coordination_loss=coordination_loss)
    assert (submission.category == "not_consistent") is core_part_missing
    link_browser(client, submission)
    text = client.get("/result/").content.decode()
    assert text.index("<h2>The working definition") < text.index("<h2>The eight criteria")
    assert ("which is checked first" in text) is core_part_missing


@pytest.mark.django_db
@pytest.mark.parametrize(("acute_limb", "action_first"), [("yes", True), ("no", False)])
def test_an_urgent_result_says_what_to_do_before_the_caveat(client, acute_limb, action_first):
    client.post(step_url("safety"), {**STEP_POSTS["safety"], "acute_limb": acute_limb})
    for step_id, data in list(STEP_POSTS.items())[1:]:
        assert client.post(step_url(step_id), data).status_code == 302
    client.post("/consent/", {})
    main = client.get("/result/").content.decode().split("<main", 1)[1]
    assert (Submission.objects.get().category == "urgent_care") is action_first
    # Issue 17: what to do next and the PDF come first on every result (on the first
    # phone screen); the caveat follows them, before what the result means.
    assert main.index("What to do next") < main.index("Download the PDF summary")
    assert main.index("Download the PDF summary") < main.index("This is not a diagnosis")
    assert main.index("This is not a diagnosis") < main.index("What it means")
    assert ('class="notice notice-urgent' in main) is action_first


@pytest.mark.django_db
def test_no_page_with_answers_may_be_kept_in_a_cache(client):
    def no_store(url: str) -> bool:
        response = client.get(url)
        assert response.status_code == 200, url
        return "no-store" in response["Cache-Control"]

    complete_steps(client)
    assert all(map(no_store, ["/step/about/", "/check-your-answers/", "/consent/"]))
    client.post("/consent/", {})
    assert all(map(no_store, ["/", "/result/", "/delete/", "/about/"]))
    api = client.post("/api/v1/score", EXPECTED_ANSWERS, content_type="application/json")
    assert "no-store" in api["Cache-Control"]


@pytest.mark.django_db
def test_research_sharing_is_off_unless_ticked(client):
    complete_steps(client)
    text = client.get("/consent/").content.decode()
    assert 'name="share_for_research"' in text and " checked" not in text
    # Sending is not agreeing to research: the button must not say "Agree".
    assert "Send my answers and see my result" in text and "Agree" not in text
    assert 'class="back-link" href="/check-your-answers/"' in text
    client.post("/consent/", {})
    assert Submission.objects.get().share_for_research is False


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["0", "no", "off", "false", "", "On"])
def test_only_a_ticked_box_gives_consent_to_research(client, sent):
    complete_steps(client)
    assert client.post("/consent/", {"share_for_research": sent})["Location"] == "/result/"
    assert Submission.objects.get().share_for_research is False


@pytest.mark.django_db
def test_submitting_twice_makes_one_submission(client):
    complete_steps(client)
    first = client.post("/consent/", {})
    second = client.post("/consent/", {})
    assert first["Location"] == second["Location"] == "/result/"
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_submit_is_idempotent_for_the_same_draft():
    draft, _ = journey.start_draft()
    draft.answers = {**EXPECTED_ANSWERS}
    draft.save()
    first = journey.submit(draft, share_for_research=False)
    second = journey.submit(draft, share_for_research=True)
    assert first.pk == second.pk and Submission.objects.count() == 1


@pytest.mark.django_db
def test_consent_is_refused_until_every_step_is_saved(client):
    complete_steps(client, until="narrative")
    assert client.post("/consent/", {})["Location"] == "/check-your-answers/"
    assert Submission.objects.count() == 0


def resume(client, code: str):
    return client.post("/resume/", {"code": code})


@pytest.mark.django_db
def test_a_code_resumes_the_draft_where_the_runner_left(client, django_user_model):
    from django.test import Client

    complete_steps(client, until="triggers")
    code = code_of(client)
    assert journey.format_code(code) in client.get("/step/triggers/").content.decode()
    fresh = Client()
    typed = journey.format_code(code).lower().replace("-", " ")
    response = resume(fresh, typed)
    assert response["Location"] == "/step/triggers/"
    assert fresh.get("/step/triggers/").status_code == 200


@pytest.mark.django_db
def test_only_a_hash_of_the_code_is_stored(client):
    complete_steps(client, until="about")
    code = code_of(client)
    draft = the_draft()
    assert code not in draft.code_hash and len(draft.code_hash) == 64
    assert draft.code_hash == access.hash_code(code)


@pytest.mark.django_db
def test_a_runner_leaves_no_session_row(client):
    """The browser's link is the code in its own signed cookie: no session row,
    which would store the exact time of the visit beside the answers' hash."""
    from django.contrib.sessions.models import Session

    complete_steps(client)
    client.post("/consent/", {})
    client.get("/result/")
    code = code_of(client)
    assert Session.objects.count() == 0
    assert journey.format_code(code) in client.get("/result/").content.decode()


@pytest.mark.django_db
def test_a_wrong_code_is_refused_with_a_message(client):
    complete_steps(client, until="about")
    response = resume(client, "0000-0000-0000-0")
    assert response.status_code == 400
    assert "No answers were found" in response.content.decode()
    assert resume(client, "abc").status_code == 400


@pytest.mark.django_db
def test_an_expired_draft_cannot_be_resumed(client):
    from django.test import Client

    complete_steps(client, until="symptoms")
    code = code_of(client)
    Draft.objects.update(updated_on=datetime.date.today() - datetime.timedelta(days=31))
    response = resume(Client(), code)
    assert response.status_code == 400
    Draft.objects.update(updated_on=datetime.date.today() - datetime.timedelta(days=30))
    assert resume(Client(), code).status_code == 302


@pytest.mark.django_db
def test_a_result_opens_for_30_days_even_if_retention_has_not_run(client):
    """The pages promise 30 days; that must not hang on purge_expired's schedule."""
    from django.test import Client

    complete_steps(client)
    client.post("/consent/", {})
    code = code_of(client)
    Submission.objects.update(created_on=datetime.date.today() - datetime.timedelta(days=30))
    assert resume(Client(), code).status_code == 302
    Submission.objects.update(created_on=datetime.date.today() - datetime.timedelta(days=31))
    assert resume(Client(), code).status_code == 400
    assert client.get("/result/")["Location"] == "/"
    pdf = client.get(f"/r/{Submission.objects.get().public_id}/summary.pdf")
    assert pdf.status_code == 404


@pytest.mark.django_db
def test_a_code_reopens_a_finished_result(client):
    from django.test import Client

    complete_steps(client)
    client.post("/consent/", {})
    fresh = Client()
    assert resume(fresh, code_of(client))["Location"] == "/result/"
    assert fresh.get("/result/").status_code == 200


@pytest.mark.django_db
def test_the_result_needs_the_code(client):
    complete_steps(client)
    client.post("/consent/", {})
    from django.test import Client

    assert Client().get("/result/")["Location"] == "/"


@pytest.mark.django_db
def test_deletion_with_the_session_removes_everything_at_once(client):
    complete_steps(client)
    client.post("/consent/", {})
    response = client.post("/delete/", {})
    assert response.status_code == 200
    assert Submission.objects.count() == 0 and Draft.objects.count() == 0
    assert client.get("/result/")["Location"] == "/"


@pytest.mark.django_db
def test_deletion_with_a_code_from_another_browser(client):
    from django.test import Client

    complete_steps(client, until="care")
    other = Client()
    assert 'name="code"' in other.get("/delete/").content.decode()
    response = other.post("/delete/", {"code": code_of(client)})
    assert response.status_code == 200
    assert Draft.objects.count() == 0
    assert resume(Client(), code_of(client)).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/start/", "/resume/"])
def test_a_reloaded_form_address_leads_to_the_start_page(client, url):
    assert client.get(url)["Location"] == "/"


@pytest.mark.django_db
def test_deletion_with_a_wrong_code_deletes_nothing(client):
    from django.test import Client

    complete_steps(client, until="care")
    response = Client().post("/delete/", {"code": "0000-0000-0000-0"})
    assert response.status_code == 400
    assert Draft.objects.count() == 1


@pytest.mark.django_db
def test_the_code_never_appears_in_a_url(client):
    complete_steps(client)
    code = code_of(client)
    pages = ["/", "/step/about/", "/check-your-answers/", "/consent/"]
    for url in pages:
        text = client.get(url).content.decode()
        assert f"={code}" not in text and f"/{code}" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/about/", *(f"/step/{s}/" for s in STEP_POSTS), "/check-your-answers/"]
)
def test_every_page_is_under_60_kb_of_html(client, url):
    complete_steps(client)
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) < 60 * 1024


@pytest.mark.django_db
def test_the_result_page_is_under_60_kb_and_has_no_inline_script_or_style(client):
    complete_steps(client)
    client.post("/consent/", {})
    body = client.get("/result/").content.decode()
    assert len(body.encode()) < 60 * 1024
    assert "style=" not in body and "<style" not in body and "onclick" not in body
    assert "<script>" not in body


def test_codes_are_long_random_and_read_back_leniently():
    codes = {journey.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 13 and set(c) <= set(journey.CODE_ALPHABET) for c in codes)
    # 13 symbols of a 32-letter alphabet: 65 bits
    assert len(journey.CODE_ALPHABET) ** journey.CODE_LENGTH >= 2**60
    code = codes.pop()
    assert journey.normalize_code(journey.format_code(code).lower()) == code
    assert journey.normalize_code("oooo-iiii-llll-0") == "0000111111110"


@pytest.mark.django_db
def test_the_check_page_lays_out_free_text_in_its_own_direction(client):
    """Own words typed in Arabic or Hebrew read right to left inside the English page."""
    complete_steps(client)
    words = {**STEP_POSTS["narrative"], "own_words": "ساقي اليمنى"}
    assert client.post(step_url("narrative"), words).status_code == 302
    page = client.get("/check-your-answers/").content.decode()
    assert '<dd dir="auto">ساقي اليمنى</dd>' in page
