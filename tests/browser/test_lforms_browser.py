"""A FHIR client nobody here wrote: NLM's LHC-Forms (npm ``lforms``, test-only) in Chromium.

The test page and lforms' prebuilt files are served to the browser by the test
itself (Playwright's routing, from node_modules) at another origin than the live
server's, so every call the page makes to ``/fhir/`` and ``/api/`` is a real
cross-origin request, preflight included. The app never serves lforms.
"""

from __future__ import annotations

import datetime
import json
import mimetypes
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from screening import fhir
from screening.instrument import validate
from tests.browser.conftest import ROOT

LFORMS = ROOT / "node_modules" / "lforms" / "dist" / "lforms"
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
DAY = datetime.date(2026, 12, 2)

# The scripts after the container: lhc-forms.js adds to document.body as it loads.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="stylesheet" href="/lforms/webcomponent/styles.css"></head>
<body><main><div id="form"></div></main>
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/lhc-forms.js"></script>
<script src="/lforms/fhir/R4/lformsFHIR.min.js"></script>
</body></html>
"""

# Everything the page does with our server, from the page itself (fetch, CORS).
SCRIPT_LOAD = """async ({server, response}) => {
  const got = await fetch(server + '/fhir/Questionnaire/llc-screen',
                          {headers: {Accept: 'application/fhir+json'}});
  const questionnaire = await got.json();
  const options = response ? {questionnaireResponse: response} : {};
  await LForms.Util.addFormToPage(questionnaire, 'form', options);
  return {status: got.status, groups: questionnaire.item.length,
          questions: questionnaire.item.reduce((n, g) => n + g.item.length, 0)};
}"""

SCRIPT_SCORE = """async ({server, answers}) => {
  const form = document.getElementById('form');
  const errors = LForms.Util.checkValidity(form);
  const response = LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', form);
  const post = (url, type, body) => fetch(server + url, {
    method: 'POST', headers: {'Content-Type': type}, body: JSON.stringify(body)});
  const scored = await post(
    '/fhir/QuestionnaireResponse/$score', 'application/fhir+json', response);
  const api = await post('/api/v1/score', 'application/json', answers);
  return {errors, response, scoredStatus: scored.status, bundle: await scored.json(),
          apiStatus: api.status, result: await api.json()};
}"""


class FormsPageHandler(BaseHTTPRequestHandler):
    """The test page at /lforms-test/, lforms' files under /lforms/, nothing else."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = urlsplit(self.path).path
        if path == "/lforms-test/":
            self.reply(PAGE.encode(), "text/html; charset=utf-8")
            return
        target = (LFORMS / path.removeprefix("/lforms/")).resolve()
        if path.startswith("/lforms/") and target.is_relative_to(LFORMS) and target.is_file():
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self.reply(target.read_bytes(), kind)
        else:
            self.send_error(404)

    def reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def forms_origin() -> Iterator[str]:
    """A second server on loopback: another origin than the live server's. (A page
    Playwright fulfils itself counts as public, and Chromium's local network access
    check then blocks its calls to loopback before CORS is even asked.)"""
    if not (LFORMS / "webcomponent" / "lhc-forms.js").is_file():
        pytest.fail("lforms is missing from node_modules: run `make test-deps`")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FormsPageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def forms_page(browser: Browser, live_server, settings, forms_origin: str) -> Iterator[Page]:
    settings.RATELIMIT_ENABLED = False
    assert urlsplit(live_server.url).port != urlsplit(forms_origin).port
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{forms_origin}/lforms-test/")
    page.wait_for_function("() => window.LForms && LForms.Util && LForms.FHIR")
    yield page
    context.close()


def result_of(bundle: dict[str, Any]) -> dict[str, Any]:
    resources = [entry["resource"] for entry in bundle["entry"]]
    return fhir.result_from_observations(resources[1:], resources[0]["questionnaire"])


@pytest.mark.django_db
@pytest.mark.parametrize("example", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_lhc_forms_fills_our_questionnaire_and_scores_as_the_api(
    forms_page: Page, live_server, example: Path
):
    """Each example's answers, set through lforms' own API (a response merged
    into the form), read out as lforms' QuestionnaireResponse, posted to $score
    from the page and compared with /api/v1/score on the same answers."""
    answers = json.loads(example.read_text())
    prefill = fhir.questionnaire_response(validate(answers), DAY)
    loaded = forms_page.evaluate(SCRIPT_LOAD, {"server": live_server.url, "response": prefill})
    questionnaire = fhir.questionnaire()
    assert loaded == {
        "status": 200,
        "groups": len(questionnaire["item"]),
        "questions": sum(len(group["item"]) for group in questionnaire["item"]),
    }
    outcome = forms_page.evaluate(SCRIPT_SCORE, {"server": live_server.url, "answers": answers})
    # A filled form passes lforms' validity check: no group is required.
    assert outcome["errors"] is None, outcome["errors"]
    assert outcome["response"]["resourceType"] == "QuestionnaireResponse"
    assert fhir.answers_from_response(outcome["response"]) == validate(answers)
    assert outcome["scoredStatus"] == 200, outcome["bundle"]
    assert outcome["apiStatus"] == 200
    assert result_of(outcome["bundle"]) == outcome["result"]


@pytest.mark.django_db
def test_lhc_forms_asks_for_required_questions_only_and_follows_enable_when(
    forms_page: Page, live_server
):
    forms_page.evaluate(SCRIPT_LOAD, {"server": live_server.url, "response": None})
    errors = forms_page.evaluate("() => LForms.Util.checkValidity(document.getElementById('form'))")
    # An empty form: one "requires a value" per required question, none for a group.
    questionnaire = fhir.questionnaire()
    required = [
        item["text"]
        for group in questionnaire["item"]
        for item in group["item"]
        if item["required"] and "enableWhen" not in item
    ]
    assert errors == [f"{text} requires a value" for text in required]
    assert not any(group["text"] in error for group in questionnaire["item"] for error in errors)

    # pain_before is asked when pain_level > 0 (or localized_pain is yes).
    pain_level = forms_page.locator('[id="pain_level/1/1"]')
    pain_before = forms_page.locator('[id="pain_before/1/1"]')
    pain_level.fill("0")
    pain_level.press("Tab")
    expect(pain_before).to_have_count(0)
    pain_level.fill("3")
    pain_level.press("Tab")
    expect(pain_before).to_be_visible()
    pain_level.fill("0")
    pain_level.press("Tab")
    expect(pain_before).to_have_count(0)
