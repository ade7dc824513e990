"""A real headless Chromium (Debian's) driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

# Playwright's sync API runs an event loop in this thread; the live server's
# database work happens in its own thread, and the test's own ORM calls are
# plain synchronous code, so Django's async guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    # bypass_csp lets the tests inject axe-core; test_the_script_runs_under_the_csp
    # checks the pages under the real policy.
    ctx = browser.new_context(viewport=PHONE, base_url=live_server.url, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture
def requests_seen() -> list[str]:
    return []


@pytest.fixture
def failed_resources() -> list[str]:
    return []


@pytest.fixture
def page(context: BrowserContext, requests_seen: list[str], failed_resources: list[str]) -> Page:
    """A phone-sized page that records every URL it asks for, and every part of a
    page (style, script, icon) that failed; a page itself may answer 400 on purpose."""
    page = context.new_page()
    page.on("request", lambda request: requests_seen.append(request.url))

    def note_failure(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            failed_resources.append(f"{response.status} {response.url}")

    page.on("response", note_failure)
    return page
