"""What every browser test checks on a page: axe, overflow, screenshots, size, hosts."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import ARTIFACTS, AXE

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = (360, 1280)
MAX_HTML_BYTES = 60 * 1024


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
        for v in results["violations"]
    ]


def check_page(page: Page, name: str) -> None:
    """Zero axe violations; no sideways scrolling at 360 and 1280 px; screenshots saved."""
    assert axe_violations(page) == [], name
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.viewport_size["height"] if page.viewport_size else 800
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}px by {overflow}px"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": height})
    assert small_tap_targets(page) == [], name


# Links that stand alone on a line, tapped with a thumb on a phone.
LONE_LINKS = ".back-link, .summary-action a, .summary-link, .site-header .list-inline a"


def small_tap_targets(page: Page) -> list[tuple[str, float]]:
    """Lone links under 44 px tall (WCAG 2.5.5), as (text, height)."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
             .filter(a => a.offsetParent !== null)
             .map(a => [a.textContent.trim(), a.getBoundingClientRect().height])
             .filter(([, height]) => height < 44)""",
        LONE_LINKS,
    )


def html_size(page: Page) -> int:
    """Bytes of HTML the server sent for the current URL (fetched again, same session)."""
    response = page.request.get(page.url)
    return len(response.body())


def only_own_host(requests_seen: list[str], base_url: str) -> list[str]:
    """The requests that went anywhere but our own server (should be none)."""
    return [url for url in requests_seen if not url.startswith(base_url)]


# The phone the journey's figures are measured on (issue 17), and its limits.
MEASURE_PHONE = {"width": 390, "height": 844}
MIN_TARGET = 40  # px, each side of a radio's or checkbox's clickable area


def page_height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def visible_questions(page: Page) -> int:
    """The questions a runner sees on a step: each visible question wrapper (one
    per field, hidden conditional ones left out), each row of the limits grid and
    each test of the care step's block."""
    return int(
        page.evaluate(
            """selector => [...document.querySelectorAll(selector)]
                 .filter(q => q.offsetParent !== null).length""",
            "#step-form .question, #step-form .limit-row, #step-form .select-row",
        )
    )


def choice_targets(page: Page) -> list[dict[str, Any]]:
    """Each visible radio and checkbox with the size of its clickable area: the
    box of its label (which ticks it) joined with the box of the input itself."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
             .filter(i => i.offsetParent !== null)
             .map(i => {
               const boxes = [i.getBoundingClientRect(),
                 ...[...i.labels].map(l => l.getBoundingClientRect())];
               const left = Math.min(...boxes.map(b => b.left));
               const right = Math.max(...boxes.map(b => b.right));
               const top = Math.min(...boxes.map(b => b.top));
               const bottom = Math.max(...boxes.map(b => b.bottom));
               return {name: i.name, value: i.value, width: right - left,
                       height: bottom - top};
             })"""
    )


def bottom_of(page: Page, selector: str) -> float:
    """Where an element ends, from the top of the page, in px."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    scroll = page.evaluate("window.scrollY")
    return float(box["y"] + box["height"] + scroll)


def fill_with_mouse(page: Page, data: dict[str, Any]) -> None:
    """Answer a form as posted data says: radios, checkboxes, drop-downs, text."""
    for name, value in data.items():
        if name in ("distance_unit",):
            page.check(f'input[name="{name}"][value="{value}"]')
        elif isinstance(value, list):
            for code in value:
                page.check(f'input[name="{name}"][value="{code}"]')
        elif page.locator(f'input[type="radio"][name="{name}"]').count():
            page.check(f'input[name="{name}"][value="{value}"]')
        elif page.locator(f'select[name="{name}"]').count():
            page.select_option(f'select[name="{name}"]', value)
        else:
            page.fill(f'[name="{name}"]', value)
