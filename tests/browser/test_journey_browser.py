"""The journey as a person does it, in headless Chromium."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_started
from playwright.sync_api import BrowserContext, Page, expect

from screening.instrument import EXCLUSIVE_CODES
from screening.models import Draft, Submission
from screening.scoring import score
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import (
    MAX_HTML_BYTES,
    MEASURE_PHONE,
    MIN_TARGET,
    axe_violations,
    bottom_of,
    check_page,
    choice_targets,
    fill_with_mouse,
    html_size,
    only_own_host,
    page_height,
    visible_questions,
)
from tests.journey_helpers import EXPECTED_ANSWERS, STEP_POSTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = list(STEP_POSTS)


def save(page: Page) -> None:
    page.click('button[value="next"]')


def active(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement; return {
            tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '',
            text: (e.textContent || '').trim(), checked: !!e.checked }; }"""
    )


def tab_to(page: Page, predicate, limit: int = 400) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = active(page)
        if predicate(element):
            return element
    raise AssertionError("the keyboard never reached the element")


def fill_with_keyboard(page: Page, data: dict[str, Any], button: str = "next") -> None:
    """Tab through the page answering each control, then press the button with Enter.

    Radio groups are one Tab stop; the arrow keys move within a group, as in
    every browser, and Space ticks a checkbox.
    """
    done: set[str] = set()
    for _ in range(600):
        page.keyboard.press("Tab")
        e = active(page)
        if e["tag"] == "BUTTON" and e["value"] == button:
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            return
        name = e["name"]
        if name not in data:
            continue
        wanted = data[name]
        if e["type"] == "radio" and name not in done:
            for _ in range(12):
                if active(page)["value"] == wanted and active(page)["checked"]:
                    break
                if active(page)["value"] == wanted:
                    page.keyboard.press("Space")
                else:
                    page.keyboard.press("ArrowDown")
            assert active(page)["value"] == wanted, (name, wanted)
            done.add(name)
        elif e["type"] == "checkbox":
            if (e["value"] in wanted) != e["checked"]:
                page.keyboard.press("Space")
        elif e["type"] in ("text", "textarea") and name not in done:
            page.keyboard.press("Control+A")
            page.keyboard.type(str(wanted))
            done.add(name)
    raise AssertionError(f"no {button} button reached by keyboard")


def test_a_keyboard_only_runner_completes_the_screening(page: Page, live_server):
    page.goto("/")
    tab_to(page, lambda e: e["tag"] == "BUTTON" and "Start" in e["text"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/safety/")
    for step_id in STEPS:
        expect(page.locator("h1")).to_be_visible()
        if step_id == "limits":
            # The skip at the top skips the optional steps after it too.
            fill_with_keyboard(page, {}, button="skip")
            break
        fill_with_keyboard(page, STEP_POSTS[step_id])
    page.wait_for_url("**/check-your-answers/")
    # The check page ends with the consent and the send button (no page between).
    tab_to(page, lambda e: e["tag"] == "BUTTON" and "result" in e["text"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/result/")
    expected = {
        k: v
        for k, v in EXPECTED_ANSWERS.items()
        if not k.startswith(("worst_", "typical_")) and k != "own_words"
    }
    submission = Submission.objects.get()
    assert submission.answers == expected
    # The same answers give the same result as `manage.py screen`.
    assert submission.category == score(expected).category.value
    expect(page.locator("h1")).to_have_text(score(expected).headline)


def test_a_change_link_puts_the_focus_on_the_answer_to_change(page: Page, live_server):
    page.goto("/step/safety/")
    for step_id in STEPS:
        fill_with_mouse(page, STEP_POSTS[step_id])
        save(page)
    page.wait_for_url("**/check-your-answers/")
    page.locator('a[href$="#field-onset_age"]').click()
    page.wait_for_url("**/step/about/?return=review#field-onset_age")
    expect(page.locator('input[name="onset_age"]')).to_be_focused()


def test_an_urgent_answer_shows_the_help_page_first(page: Page, live_server):
    page.goto("/step/safety/")
    fill_with_mouse(page, {**STEP_POSTS["safety"], "sudden_weakness": "yes"})
    save(page)
    page.wait_for_url("**/get-help-now/")
    expect(page.locator("h1")).to_have_text("Get medical help today")
    check_page(page, "help-now")
    page.click("text=Continue the questionnaire")
    page.wait_for_url("**/step/about/")


def test_the_error_summary_takes_focus_beyond_the_steps_too(page: Page, live_server):
    page.goto("/")
    page.fill("#id_code", "NOT-A-CODE")
    page.click("text=Continue with this code")
    expect(page.locator("[data-error-summary]")).to_be_focused()


def test_a_runner_leaves_and_resumes_in_a_fresh_browser(page: Page, browser, live_server):
    page.goto("/step/safety/")
    fill_with_mouse(page, STEP_POSTS["safety"])
    save(page)
    fill_with_mouse(page, STEP_POSTS["about"])
    save(page)
    page.wait_for_url("**/step/symptoms/")
    code = page.locator(".resume-code").inner_text()
    page.context.close()

    fresh: BrowserContext = browser.new_context(
        viewport={"width": 360, "height": 800}, base_url=live_server.url
    )
    other = fresh.new_page()
    other.goto("/")
    other.fill('input[name="code"]', code.lower())
    other.keyboard.press("Enter")
    other.wait_for_url("**/step/symptoms/")
    expect(other.locator(".step-count")).to_have_text("Step 3 of 9")
    other.goto("/step/about/")
    expect(other.locator('input[name="age"]')).to_have_value("34")
    fresh.close()


def test_a_long_paste_is_counted_not_cut_and_comes_back_whole(page: Page, live_server):
    """No maxlength: a browser would cut a 2,100-character paste to 2,000 without a word."""
    page.goto("/step/safety/")
    for step_id in STEPS[: STEPS.index("narrative")]:
        fill_with_mouse(page, STEP_POSTS[step_id])
        save(page)
    page.wait_for_url("**/step/narrative/")
    box = page.locator('textarea[name="own_words"]')
    count = page.locator("#field-own_words .char-count")
    expect(count).to_have_text("You have 2000 characters left")
    long_text = "My foot turns in after a few kilometres. " * 50 + "End."  # 2,054
    box.fill(long_text)
    expect(count).to_have_text(f"You have {len(long_text) - 2000} characters too many")
    save(page)
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(box).to_have_value(long_text)
    box.fill(long_text[:1990])
    expect(count).to_have_text("You have 10 characters left")
    box.fill("🏃" * 1999)  # one character each, as the server counts them
    expect(count).to_have_text("You have 1 character left")


def test_the_script_runs_under_the_csp_and_hides_a_question_without_a_round_trip(
    browser, live_server
):
    strict = browser.new_context(viewport={"width": 360, "height": 800}, base_url=live_server.url)
    page = strict.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto("/step/safety/")
    for step_id in STEPS[:3]:
        fill_with_mouse(page, STEP_POSTS[step_id])
        save(page)
    page.wait_for_url("**/step/exclusions/")
    question = page.locator("#field-pain_before")
    page.fill('input[name="pain_level"]', "0")
    page.check('input[name="localized_pain"][value="no"]')
    expect(question).to_be_hidden()
    page.fill('input[name="pain_level"]', "3")
    expect(question).to_be_visible()
    assert not [text for text in console if "Content Security Policy" in text]
    strict.close()


def test_every_page_passes_axe_fits_a_phone_and_stays_on_our_host(
    page: Page, live_server, requests_seen, failed_resources
):
    pages: list[tuple[str, int]] = []

    def visit(name: str) -> None:
        check_page(page, name)
        pages.append((name, html_size(page)))

    page.goto("/")
    visit("start")
    page.goto("/about/")
    visit("about")
    page.goto("/step/safety/")
    save(page)  # nothing answered: the error summary
    visit("safety-errors")
    for step_id in STEPS:
        visit(f"step-{STEPS.index(step_id) + 1}-{step_id}")
        fill_with_mouse(page, STEP_POSTS[step_id])
        save(page)
    page.wait_for_url("**/check-your-answers/")
    visit("check-your-answers")
    page.goto("/consent/")  # the page a refused send comes back to
    visit("consent")
    page.click("text=Send my answers and see my result")
    page.wait_for_url("**/result/")
    visit("result")
    page.goto("/delete/")
    visit("delete-confirmation")
    page.click("text=Delete everything now")
    visit("deleted")
    assert Submission.objects.count() == 0

    assert only_own_host(requests_seen, live_server.url) == []
    assert failed_resources == []
    too_big = [(name, size) for name, size in pages if size >= MAX_HTML_BYTES]
    assert too_big == []
    print("\nHTML bytes per page:", dict(pages))


def test_the_axe_check_does_find_a_violation(page: Page):
    """The zero-violation assertions mean something: axe flags an unlabelled input."""
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><input></main></html>')
    assert "label" in {v["id"] for v in axe_violations(page)}


@contextlib.contextmanager
def slow_requests(seconds: float) -> Iterator[None]:
    """Hold every POST in the live server for a while, as a slow network would."""

    def hold(sender, environ, **kwargs) -> None:
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(seconds)

    request_started.connect(hold)
    try:
        yield
    finally:
        request_started.disconnect(hold)


def test_a_double_tap_on_the_first_page_starts_one_screening(page: Page, live_server):
    """Before the first answer there is no code cookie, so each press would start a draft."""
    page.goto("/step/safety/")
    fill_with_mouse(page, STEP_POSTS["safety"])
    # Two taps a moment apart, the second while the first is still on its way
    # (the live server is held up so that the page is still there to tap).
    with slow_requests(seconds=0.6):
        box = page.locator('button[value="next"]').bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(x, y)
        page.wait_for_timeout(200)
        page.mouse.click(x, y)
        page.wait_for_url("**/step/about/")
    assert Draft.objects.count() == 1


def test_the_back_link_asks_before_dropping_answers_not_saved(page: Page, live_server):
    page.goto("/step/safety/")
    fill_with_mouse(page, STEP_POSTS["safety"])
    save(page)
    page.wait_for_url("**/step/about/")
    asked: list[str] = []
    leave = {"answer": True}

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if leave["answer"] else dialog.dismiss()

    page.on("dialog", answer)

    # Nothing changed: Back goes back without a question.
    page.click("a.back-link")
    page.wait_for_url("**/step/safety/")
    assert asked == []

    page.goto("/step/about/")
    page.fill('[name="age"]', "41")
    leave["answer"] = False
    page.click("a.back-link")
    question = (
        "You changed answers on this page that are not saved yet. "
        "Leave the page without saving them?"
    )
    assert asked == [question]
    assert page.url.endswith("/step/about/")
    expect(page.locator('[name="age"]')).to_have_value("41")

    leave["answer"] = True
    page.click("a.back-link")
    page.wait_for_url("**/step/safety/")
    assert asked == [question, question]

    # A page shown again with errors holds answers that were never saved.
    page.goto("/step/about/")
    page.fill('[name="age"]', "abc")
    save(page)
    expect(page.locator("[data-error-summary]")).to_be_visible()
    leave["answer"] = False
    page.click("a.back-link")
    assert asked == [question, question, question]
    assert "/step/about/" in page.url


# Issue 17's targets for a journey that respects the runner's time.
MAX_QUESTIONS = 60
MAX_SCREENS = 11
STEP_SCREENS, CHECK_SCREENS, RESULT_SCREENS = 3, 6, 5


def test_a_runner_who_skips_the_optional_steps_finishes_in_few_short_screens(browser, live_server):
    """Walk the journey on a 390 x 844 phone, skipping the grid and the story:
    count the questions and the screens, measure each page's height and each
    radio's and checkbox's target, and run axe on every page."""
    phone = MEASURE_PHONE["height"]
    ctx = browser.new_context(viewport=MEASURE_PHONE, base_url=live_server.url, bypass_csp=True)
    page = ctx.new_page()
    screens: list[str] = []
    heights: dict[str, int] = {}
    questions: dict[str, int] = {}
    targets: list[dict[str, Any]] = []

    def arrive(name: str) -> None:
        screens.append(name)
        heights[name] = page_height(page)
        targets.extend(choice_targets(page))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-390-{name}.png"), full_page=True)
        assert axe_violations(page) == [], name

    page.goto("/")
    arrive("start")
    page.click("text=Start a new screening")
    for step_id in STEPS:
        page.wait_for_url(f"**/step/{step_id}/")
        if step_id == "limits":
            arrive(step_id)
            skip = page.locator('button[value="skip"]')
            expect(skip).to_have_text("Skip the optional steps")
            # At the top of the step: on its first screen, above the grid.
            assert bottom_of(page, 'button[value="skip"]') <= phone
            assert bottom_of(page, 'button[value="skip"]') < bottom_of(page, ".limit-row")
            skip.click()
            break
        fill_with_mouse(page, STEP_POSTS[step_id])
        arrive(step_id)  # once answered, so that a question it brings up is counted
        questions[step_id] = visible_questions(page)
        save(page)
    page.wait_for_url("**/check-your-answers/")
    arrive("check-your-answers")
    page.click("text=Send my answers and see my result")
    page.wait_for_url("**/result/")
    arrive("result")
    result_first_screen = {
        "category": bottom_of(page, "h1"),
        "what to do next": bottom_of(page, "#what-next"),
        "PDF button": bottom_of(page, "#pdf-button"),
    }
    ctx.close()

    step_heights = {k: v for k, v in heights.items() if k in STEPS}
    smallest = min(targets, key=lambda t: min(t["width"], t["height"]))
    print(
        "\nJourney at 390x844, optional steps skipped:"
        f"\n  questions seen: {sum(questions.values())} {questions}"
        f"\n  screens: {len(screens)} {screens}"
        f"\n  step heights (px): {step_heights}"
        f"\n  start page: {heights['start']} px, check page: {heights['check-your-answers']} px,"
        f" result page: {heights['result']} px"
        f"\n  result page, bottom of (px): {result_first_screen}"
        f"\n  radio/checkbox targets: {len(targets)}, smallest"
        f" {smallest['width']:.0f} x {smallest['height']:.0f} px"
        f" ({smallest['name']}={smallest['value']})"
    )
    assert sum(questions.values()) <= MAX_QUESTIONS
    assert len(screens) <= MAX_SCREENS
    assert {k: v for k, v in step_heights.items() if v > STEP_SCREENS * phone} == {}
    assert heights["check-your-answers"] <= CHECK_SCREENS * phone
    assert heights["result"] <= RESULT_SCREENS * phone
    assert {k: v for k, v in result_first_screen.items() if v > phone} == {}
    small = [t for t in targets if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]
    assert small == []


def test_the_start_button_is_above_the_fold_on_a_small_phone(browser, live_server):
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, base_url=live_server.url)
    page = ctx.new_page()
    page.goto("/")
    bottom = bottom_of(page, "text=Start a new screening")
    print(f"\nStart button at 360x640 ends {bottom:.0f} px from the top")
    assert bottom <= 640
    ctx.close()


def everything_answered() -> dict[str, Any]:
    """Every item answered (no warning sign), lists with two answers, each story a
    paragraph: the longest check page a runner without a novel to tell can have."""
    from screening.instrument import ITEMS, URGENT_ITEM_IDS, Kind, validate

    answers: dict[str, Any] = {}
    for item_id, item in ITEMS.items():
        if item.kind is Kind.ENUM:
            answers[item_id] = "no" if item_id in URGENT_ITEM_IDS else item.codes[-2]
        elif item.kind is Kind.MULTI:
            answers[item_id] = [c for c in item.codes if c not in EXCLUSIVE_CODES][:2]
        elif item.kind is Kind.TEXT:
            answers[item_id] = "After twenty minutes my left foot turns in. " * 6
    answers |= {"age": 41, "onset_age": 36, "running_years": 18, "weekly_km": 60}
    answers |= {"pain_level": 2, "exam_ortho": "nothing_found"}
    return validate(answers)


def test_the_check_and_result_pages_of_a_runner_who_answers_everything(page: Page, live_server):
    """Measured and printed; the check page's target holds for it too."""
    page.set_viewport_size(MEASURE_PHONE)
    page.goto("/step/safety/")
    heights = {}
    for step_id in STEPS:  # the optional steps too, this time
        fill_with_mouse(page, STEP_POSTS[step_id])
        heights[step_id] = page_height(page)
        save(page)
    print(f"\nEvery step answered, heights (px): {heights}")
    assert {k: v for k, v in heights.items() if v > STEP_SCREENS * MEASURE_PHONE["height"]} == {}
    page.wait_for_url("**/check-your-answers/")
    answers = everything_answered()
    Draft.objects.update(answers=answers)
    page.reload()
    check = page_height(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-390-check-everything.png"), full_page=True)
    assert axe_violations(page) == []
    page.click("text=Send my answers and see my result")
    page.wait_for_url("**/result/")
    result = page_height(page)
    page.screenshot(path=str(ARTIFACTS / "phone-390-result-everything.png"), full_page=True)
    first_screen = max(bottom_of(page, s) for s in ("h1", "#what-next", "#pdf-button"))
    flags = len(score(answers).flags)
    print(
        f"\nEverything answered ({len(answers)} answers, {flags} flags) at 390x844:"
        f" check page {check} px, result page {result} px,"
        f" category/next step/PDF end at {first_screen:.0f} px"
    )
    # Not held to the six and five screens of the journey above (issue 17's
    # runner skips the optional steps): one row per answer and a section per flag
    # make these pages longer; the figures are printed for the record.
    assert first_screen <= MEASURE_PHONE["height"]


def test_a_test_chosen_in_a_drop_down_brings_up_the_question_it_conditions(page: Page, live_server):
    """prior_diagnosis is asked once a test is done; the tests are drop-downs now."""
    page.goto("/step/safety/")
    for step_id in STEPS[: STEPS.index("care")]:
        fill_with_mouse(page, STEP_POSTS[step_id])
        save(page)
    page.wait_for_url("**/step/care/")
    question = page.locator("#field-prior_diagnosis")
    page.check('input[name="exam_ortho"][value="not_examined"]')
    page.check('input[name="exam_neuro"][value="not_done"]')
    expect(question).to_be_hidden()
    page.select_option('select[name="test_blood"]', "normal")
    expect(question).to_be_visible()
    page.select_option('select[name="test_blood"]', "not_done")
    expect(question).to_be_hidden()
