"""A researcher answers the issue's question from the workspace, in at most 6 clicks.

"Among runners whose problem started in the hip or thigh, how many meet the
working definition, by sex and onset age, and how does that compare with
foot-centred onset?" Real headless Chromium (Debian's), Playwright, axe-core.
"""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from screening.models import Submission
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import axe_violations

PASSWORD = "a long enough passphrase 42"
MAX_CLICKS = 6


@pytest.fixture
def researcher(transactional_db) -> User:
    roles = importlib.import_module("screening.migrations.0003_reviewer_workspace")
    roles.create_roles(django_apps, None)
    call_command("seed_submissions", "800", "--seed", "18", stdout=StringIO())
    user = User.objects.create_user("rhea", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="reviewers"))
    return user


class Clicks:
    """Every click or choice the researcher makes, counted and named."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.path: list[str] = []

    def click(self, what: str, locator) -> None:
        self.path.append(f"click {what}")
        locator.click()

    def choose(self, what: str, select: str, label: str) -> None:
        self.path.append(f"choose {what}: {label}")
        self.page.select_option(select, label=label)


CLIPPED_TEXT = """() => [...document.querySelectorAll('svg.stats-chart')].flatMap(svg => {
    const box = svg.viewBox.baseVal;
    return [...svg.querySelectorAll('text')].map(t => [svg.id, t.textContent, t.getBBox()])
        .filter(([, , b]) => b.x < box.x - 0.5 || b.y < box.y - 0.5
            || b.x + b.width > box.x + box.width + 0.5
            || b.y + b.height > box.y + box.height + 0.5)
        .map(([id, text]) => id + ': ' + text);
})"""


def clipped_chart_text(page: Page) -> list[str]:
    """Every text of every chart that reaches outside its chart's drawing (would be cut)."""
    return page.evaluate(CLIPPED_TEXT)


def table_rows(page: Page, table_id: str) -> dict[str, list[str]]:
    rows = page.locator(f"#{table_id} tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        out[cells[0].strip()] = [c.strip() for c in cells[1:]]
    return out


@pytest.mark.browser
def test_a_researcher_answers_the_hip_versus_foot_question_in_six_clicks(
    browser: Browser, live_server, researcher
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto("/admin/login/")
        page.fill("#id_username", "rhea")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        # Counting starts on the workspace's home page, signed in.
        clicks = Clicks(page)
        clicks.click(
            '"Submissions"', page.get_by_role("link", name="Submissions", exact=True).first
        )
        page.wait_for_selector("#result_list")
        assert axe_violations(page) == []
        clicks.click(
            '"Cross-tabulate these submissions"',
            page.get_by_role("link", name="Cross-tabulate these submissions"),
        )
        page.wait_for_selector("#crosstab-0")
        # Rows open on the working definition's verdict, columns on sex.
        assert page.locator("#crosstab-rows").input_value() == "verdict"
        assert page.locator("#crosstab-columns").input_value() == "sex"
        clicks.choose("a second table by", "#crosstab-then-by", "Age at onset")
        clicks.choose(
            "only the submissions where", "#crosstab-where", "Where did it start?: Hip or thigh"
        )
        clicks.choose("group B", "#crosstab-vary", "Where did it start?: Foot, ankle or toes")
        clicks.click('"Tabulate"', page.get_by_role("button", name="Tabulate"))
        page.wait_for_selector("#crosstab-3")
        print(
            "\nClick path:\n  "
            + "\n  ".join(f"{i}. {step}" for i, step in enumerate(clicks.path, 1))
        )
        assert len(clicks.path) <= MAX_CLICKS

        # The answer on the page: verdict by sex and by age at onset, A (hip or thigh)
        # and B (foot, ankle or toes), each table adding up to its own group.
        hip = Submission.objects.filter(answers__first_region="hip_thigh")
        foot = Submission.objects.filter(answers__first_region="foot_ankle_toes")
        headings = page.locator(".crosstab-block h3").all_inner_texts()
        assert headings == ["Group A", "Group A", "Group B", "Group B"]
        captions = page.locator(".crosstab-block caption").all_inner_texts()
        assert all(c.startswith("Working definition: verdict (rows)") for c in captions)
        assert ["What is your sex?" in c for c in captions] == [True, False, True, False]
        assert ["Age at onset" in c for c in captions] == [False, True, False, True]
        for table_id, group in (
            ("crosstab-0", hip),
            ("crosstab-1", hip),
            ("crosstab-2", foot),
            ("crosstab-3", foot),
        ):
            rows = table_rows(page, table_id)
            assert rows["Total"][-1] == str(group.count()), table_id
            met = group.filter(verdict="met").count()
            assert rows["Met"][-1] in (str(met), "suppressed"), table_id
        assert "first_region=hip_thigh" in page.locator("#content-main").inner_text()
        assert page.locator("svg.stats-chart").count() == 4
        assert clipped_chart_text(page) == []
        assert axe_violations(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, width
            page.screenshot(path=str(ARTIFACTS / f"workspace-crosstab-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

        # Every variable, A beside B, one more link away (not needed for the answer).
        page.get_by_role("link", name="Compare A and B on every variable").click()
        page.wait_for_selector("#compare-verdict")
        verdict = table_rows(page, "compare-verdict")
        assert set(verdict) >= {"Met", "Partly met", "Not met"}
        assert clipped_chart_text(page) == []
        assert axe_violations(page) == []
        page.set_viewport_size({"width": 360, "height": 800})
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0
        page.screenshot(path=str(ARTIFACTS / "workspace-compare-360.png"), full_page=True)
        # The statistics page of group A: its charts' labels are not cut either.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/admin/screening/submission/statistics/?first_region=hip_thigh")
        page.wait_for_selector("#chart-verdict")
        assert page.locator("svg.stats-chart").count() >= 8
        assert clipped_chart_text(page) == []
        assert axe_violations(page) == []
    finally:
        context.close()
