"""A reviewer signs in, filters, reads the statistics page and its charts (headless Chromium)."""

from __future__ import annotations

import datetime
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser

from screening.models import AuditEntry, Submission
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import axe_violations

SURVEY = json.loads((Path(__file__).parents[1] / "fixtures" / "survey16.json").read_text())
PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def reviewer_with_survey(transactional_db) -> User:
    # A transactional test starts from a flushed database: make the roles again
    # with the data migration's own function.
    roles = importlib.import_module("screening.migrations.0003_reviewer_workspace")
    roles.create_roles(django_apps, None)
    for person in SURVEY["respondents"]:
        Submission.objects.create(
            **Submission.fields_from(person["answers"]),
            share_for_research=True,
            consent_version="1",
        )
    user = User.objects.create_user("rita", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="reviewers"))
    return user


def new_page(browser: Browser, live_server, *, bypass_csp: bool):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, bypass_csp=bypass_csp
    )
    page = context.new_page()
    return context, page


def sign_in(page, username: str = "rita") -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


@pytest.mark.browser
def test_a_reviewer_reads_the_statistics_page_with_its_charts(
    browser: Browser, live_server, reviewer_with_survey
):
    context, page = new_page(browser, live_server, bypass_csp=True)
    try:
        sign_in(page)
        page.get_by_role("link", name="Submissions", exact=True).first.click()
        page.wait_for_selector("#result_list")
        assert page.locator("#result_list tbody tr").count() == 16
        page.click("text=Statistics of these submissions")
        page.wait_for_selector("svg.stats-chart")
        charts = page.locator("svg[role=img]")
        assert charts.count() >= 7
        for i in range(charts.count()):
            name = charts.nth(i).evaluate(
                "svg => svg.getAttribute('aria-labelledby').split(' ')"
                ".map(id => document.getElementById(id).textContent).join(' ')"
            )
            assert name.strip()
        onset_row = page.locator("#distributions tbody tr").first
        # The mean is shown; the median (22, an onset age 2 runners share) is hidden.
        assert "26.6" in onset_row.inner_text() and "hidden" in onset_row.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-statistics-1280.png"), full_page=True)
        assert axe_violations(page) == []
    finally:
        context.close()
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"list", "stats"}


@pytest.mark.browser
def test_the_admin_pages_run_under_the_real_csp(
    browser: Browser, live_server, reviewer_with_survey
):
    context, page = new_page(browser, live_server, bypass_csp=False)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        sign_in(page)
        submission = Submission.objects.order_by("id").first()
        for path in (
            "/admin/screening/submission/",
            "/admin/screening/submission/statistics/",
            f"/admin/screening/submission/{submission.pk}/change/",
            "/admin/screening/submission/export/",
        ):
            page.goto(path)
            assert page.locator("#content").count() == 1
        assert refused == []
    finally:
        context.close()


@pytest.mark.browser
def test_a_steward_runs_retention_with_the_button_under_the_list(
    browser: Browser, live_server, transactional_db
):
    """The button sits inside the list's own form; it must still post to retention."""
    roles = importlib.import_module("screening.migrations.0003_reviewer_workspace")
    roles.create_roles(django_apps, None)
    answers = SURVEY["respondents"][0]["answers"]
    old_day = datetime.date.today() - datetime.timedelta(days=settings.RETENTION_DAYS + 1)
    expired, kept = (
        Submission.objects.create(
            **Submission.fields_from(answers), share_for_research=True, consent_version="1"
        )
        for _ in range(2)
    )
    Submission.objects.filter(pk=expired.pk).update(created_on=old_day)
    steward = User.objects.create_user("rita", password=PASSWORD, is_staff=True)
    steward.groups.add(Group.objects.get(name="data stewards"))
    context, page = new_page(browser, live_server, bypass_csp=False)
    try:
        sign_in(page)
        page.goto("/admin/screening/submission/")
        page.get_by_role("button", name="Run retention now").click()
        page.wait_for_selector(".messagelist")
        assert "deleted 0 drafts, 0 unshared submissions, 1 shared submissions" in (
            page.locator(".messagelist").inner_text()
        )
    finally:
        context.close()
    assert list(Submission.objects.values_list("pk", flat=True)) == [kept.pk]
    assert AuditEntry.objects.filter(action="purge", user=steward).count() == 1


@pytest.mark.browser
def test_the_reviewer_pages_pass_axe_and_fit_a_phone_filtered_too(
    browser: Browser, live_server, reviewer_with_survey
):
    """Filtered pages say more (links in sentences, filter choices) than the bare ones."""
    roles = Group.objects.get(name="data stewards")
    steward = User.objects.create_user("stella", password=PASSWORD, is_staff=True)
    steward.groups.add(roles)
    submission = Submission.objects.order_by("id").first()
    category = submission.category
    context, page = new_page(browser, live_server, bypass_csp=True)
    problems = {}
    try:
        sign_in(page, "stella")
        for path in (
            f"/admin/screening/submission/?category={category}",
            "/admin/screening/submission/statistics/",
            f"/admin/screening/submission/statistics/?category={category}&side=left",
            f"/admin/screening/submission/{submission.pk}/delete/",
            "/admin/screening/auditentry/",
        ):
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(path)
                overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                found = [v["id"] for v in axe_violations(page)]
                if found or overflow > 0:
                    problems[(path, width)] = (found, overflow)
    finally:
        context.close()
    assert problems == {}
