"""The follow-up as a runner does it: send a screening, come back 28 days later with the
code in a fresh browser, answer the follow-up, find the comparison on the page and in
the PDF."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.db.models import F
from playwright.sync_api import BrowserContext, Page, expect

from screening.models import FollowUp, Submission
from tests.browser.helpers import check_page, fill_with_mouse
from tests.journey_helpers import STEP_POSTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLLOWUP = {
    "urgent": {"bladder_bowel_saddle": "no", "sudden_weakness": "no", "acute_limb": "no"},
    "now": {"fu_course": "worsening", "fu_walking": "slight", "fu_running": "easy_only"},
    "clinicians": {"fu_seen": ["neurologist"], "fu_outcome": "dystonia_confirmed"},
    "care": {"fu_treatments": ["botulinum_toxin"], "fu_helped": "partly"},
    "limits": {"typical_easy_road": "limited"},
}


def send_screening(page: Page) -> str:
    """The screening through its pages (the optional grid and story skipped at the
    grid's top); the code."""
    page.goto("/step/safety/")
    for step_id, data in STEP_POSTS.items():
        page.wait_for_url(f"**/step/{step_id}/")
        if step_id == "limits":
            page.click('button[value="skip"]')
            break
        fill_with_mouse(page, data)
        page.click('button[value="next"]')
    page.wait_for_url("**/check-your-answers/")
    page.click("text=Send my answers and see my result")
    page.wait_for_url("**/result/")
    return page.locator(".resume-code").first.inner_text()


def test_a_runner_comes_back_28_days_later_and_finds_the_comparison(
    page: Page, browser, live_server, tmp_path
):
    code = send_screening(page)
    expect(page.locator("#follow-up")).to_contain_text("you can come back")
    page.click("text=Keep my answers so I can come back")
    page.wait_for_url("**/result/#follow-up")
    expect(page.locator("#follow-up")).to_contain_text("are kept until")
    page.context.close()

    # 28 days pass: the screening was sent 28 days ago.
    Submission.objects.update(
        created_on=F("created_on") - datetime.timedelta(days=28),
        consent_on=F("consent_on") - datetime.timedelta(days=28),
    )

    fresh: BrowserContext = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, bypass_csp=True
    )
    other = fresh.new_page()
    other.goto("/")
    other.fill('input[name="code"]', code)
    other.keyboard.press("Enter")
    other.wait_for_url("**/result/")
    other.click("#follow-up a.btn")
    other.wait_for_url("**/follow-up/")
    check_page(other, "followup-start")
    other.click("text=Start")
    for step_id, data in FOLLOWUP.items():
        other.wait_for_url(f"**/follow-up/step/{step_id}/")
        check_page(other, f"followup-{step_id}")
        fill_with_mouse(other, data)
        other.click('button[type="submit"]')
    other.wait_for_url("**/follow-up/check/")
    check_page(other, "followup-check")
    other.check('input[name="share_for_research"]')
    other.click("text=Send and see the comparison")
    other.wait_for_url("**/follow-up/result/")
    check_page(other, "followup-result")
    expect(other.locator("h1")).to_have_text("Since your screening")
    expect(other.locator("table")).to_contain_text("Effect on walking")
    expect(other.locator("body")).to_contain_text("Worse since the screening")
    assert FollowUp.objects.get().share_for_research

    pdf = other.request.get(
        other.locator("text=Download the summary for your doctor").get_attribute("href")
    )
    assert pdf.status == 200
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Since the first screening" in text
    assert "getting worse" in text.lower() or "worsening" in text.lower()
    fresh.close()


def test_a_reviewer_reads_the_outcome_agreement_page(browser, live_server, transactional_db):
    """Seeded as in tests/reviewer/test_followup_agreement.py (a=6, b=5, c=7, d=9): the
    page shows the table, the 2x2 and the intervals under the words that say what it is
    not; axe finds nothing; a screenshot is kept in test-artifacts/."""
    import importlib

    from django.apps import apps as django_apps
    from django.contrib.auth.models import Group, User

    from screening import followup
    from tests.browser.conftest import ARTIFACTS
    from tests.browser.helpers import axe_violations
    from tests.reviewers import make_submission

    roles = importlib.import_module("screening.migrations.0003_reviewer_workspace")
    roles.create_roles(django_apps, None)
    user = User.objects.create_user("rita", password="a long enough passphrase 42", is_staff=True)
    user.groups.add(Group.objects.get(name="reviewers"))
    base = {**FOLLOWUP["urgent"], **FOLLOWUP["now"], "fu_seen": ["neurologist"]}
    for category, count, outcome in (
        ("llc_consistent", 6, "dystonia_confirmed"),
        ("see_neurologist", 5, "musculoskeletal"),
        ("not_consistent", 7, "dystonia_confirmed"),
        ("other_causes_first", 9, "vascular"),
    ):
        for _ in range(count):
            screening = make_submission()
            Submission.objects.filter(pk=screening.pk).update(category=category)
            screening.refresh_from_db()
            answers = followup.validate({**base, "fu_outcome": outcome})
            FollowUp.objects.create(
                submission=screening,
                number=1,
                share_for_research=True,
                **FollowUp.fields_from(answers, screening),
            )
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, bypass_csp=True
    )
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "a long enough passphrase 42")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.click("text=Follow ups")
    page.click("text=Outcome agreement")
    expect(page.locator("#two-by-two")).to_contain_text("a = 6")
    expect(page.locator("#sensitivity")).to_contain_text("46.2%")
    expect(page.locator("#content-main")).to_contain_text("not a validation study")
    assert axe_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "outcome-agreement-1280.png"), full_page=True)
    context.close()
