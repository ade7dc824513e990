"""The clinician's PDF as printed (issue 17): page 1 stands alone, the report is short.

Every vignette (tests/vignettes.json, examples/) and the maximal answer set are
rendered by WeasyPrint on A4 and Letter and read back with poppler's pdftotext
and pypdf: page 1's own text, the page count, how far down each page the text
reaches, the appendix against the tables above it. Expected texts come from the
answers, the result and the synopsis function, never from an earlier output.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.utils.translation import gettext as _
from pypdf import PdfReader

from report import document as report
from report import synopsis
from screening import scoring, versions
from screening.instrument import EXCLUSIVE_CODES, TEXT_MAX_LENGTH, Kind
from tests.report.test_report import embedded_fhir, embedded_json, flat, pdf_text

DAY = dt.date(2025, 3, 4)
PAPERS = ("a4", "letter")
ROOT = Path(__file__).resolve().parents[2]
APPENDIX = "Appendix: the answers not shown above"


def _cases() -> dict[str, tuple[dict, str]]:
    """name -> (answers, instrument version): the vignettes, then the examples not among them."""
    vignettes = json.loads((ROOT / "tests" / "vignettes.json").read_text())
    cases = {name: (v["answers"], v["instrument_version"]) for name, v in vignettes.items()}
    seen = [json.dumps(answers, sort_keys=True) for answers, _v in cases.values()]
    for path in sorted((ROOT / "examples").glob("*.json")):
        answers = json.loads(path.read_text())
        if json.dumps(answers, sort_keys=True) not in seen:
            cases[f"examples/{path.stem}"] = (answers, versions.CURRENT_VERSION)
    return cases


CASES = _cases()


def maximal_answers() -> dict:
    """Every item answered (so every optional one), every list at its longest, every
    warning answered yes, each free text at its maximum length, and answers that keep
    the criteria and axis I in the report (d1-d3 not "not met")."""
    instrument = versions.instrument_for(versions.CURRENT_VERSION)
    items = instrument.ITEMS
    answers: dict = {}
    for item_id, item in items.items():
        if item.kind == Kind.MULTI:
            answers[item_id] = [c for c in item.codes if c not in EXCLUSIVE_CODES]
        elif item.kind == Kind.TEXT:
            sentence = f"After twenty minutes the left foot turns in ({item_id}). "
            answers[item_id] = (sentence * TEXT_MAX_LENGTH)[:TEXT_MAX_LENGTH]
        elif item.kind == Kind.ENUM:
            answers[item_id] = "yes" if "yes" in item.codes else item.codes[-1]
    answers.update(
        age=41,
        running_years=18,
        weekly_km=95,
        onset_age=36,
        side="left",
        onset_activity="running",
        coordination_loss="always",
        context="mainly_running",
        first_region="foot_ankle_toes",
        pain_level=6,
        course="worsening",
        walking="significant",
        exam_ortho="minor_findings",
        exam_neuro="abnormal",
        prior_diagnosis="other_partial",
    )
    for test in instrument.TESTS:
        answers[test] = "abnormal"
    levels = ("no_limit", "limited", "cannot", "not_tried")
    for i, activity in enumerate(instrument.LIMIT_ACTIVITIES):
        answers[f"worst_{activity}"] = levels[(i + 2) % 4]
        answers[f"typical_{activity}"] = levels[i % 4]
    return instrument.validate(answers)


MAXIMAL = maximal_answers()


def answers_of(name: str) -> tuple[dict, str]:
    if name == "maximal":
        return MAXIMAL, versions.CURRENT_VERSION
    answers, version = CASES[name]
    return versions.instrument_for(version).validate(answers), version


@functools.cache
def rendered(name: str, paper: str) -> bytes:
    answers, version = answers_of(name)
    return report.render_pdf(answers, on=DAY, paper=paper, instrument_version=version)


def result_of(name: str) -> scoring.Result:
    answers, version = answers_of(name)
    return report.result_for(answers, None, version)


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def poppler(command: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            [command, *args, file.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def page_text(pdf: bytes, page: int) -> str:
    """One page's text as pdftotext reads it, whitespace flattened; a line broken
    after a hyphen ("movement-\\ndisorders") reads as one word."""
    text = poppler("pdftotext", pdf, "-f", str(page), "-l", str(page))
    return re.sub(r"(\w)- (?=\w)", r"\1-", flat(text))


def words(text: object) -> str:
    return flat(_(str(text)))


# --- page 1 stands alone ----------------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_page_one_holds_the_synopsis_category_flags_criteria_pattern_and_body_map(name, paper):
    answers, version = answers_of(name)
    result = result_of(name)
    first = page_text(rendered(name, paper), 1)

    text = synopsis.synopsis(answers)
    assert text and flat(text) in first
    # At the top: before the category and anything else the report says.
    assert first.index(flat(text)) < first.index("AT A GLANCE")
    headline = report.CLINICIAN_TEXTS[result.category][0]
    assert words(headline) in first
    for flag in result.flags:
        tests = "; ".join(words(test) for test in flag.tests)
        assert f"{words(flag.title)}: {tests}" in first, flag.code
    if not result.flags:
        assert "No flag was raised by the answers." in first
    assert f"{result.criteria_supported} of {len(result.criteria)} McClinton" in first
    assert words(report.PATTERN_WORDS[result.pattern]) in first
    assert "Where the runner feels it" in first
    assert "facing the runner" in first and "from behind" in first  # the body map's views


def test_a_mimics_page_one_names_the_numbness_and_the_painful_spot():
    """Seed 004's kind of runner: page 1 names what points elsewhere, not only
    "the flags below list tests"."""
    name = "V4_numb_toes_after_hip_surgery"
    result = result_of(name)
    assert result.category is scoring.Category.NOT_CONSISTENT
    assert {"nerve_symptoms", "localized_pain"} <= set(result.flag_codes)
    first = page_text(rendered(name, "a4"), 1)
    assert "Numbness, tingling, burning or shooting pain: straight-leg-raise test" in first
    assert "Sharp pain in one spot: sports-medicine or orthopaedic assessment" in first
    assert "flags below" not in first


# --- short and complete -----------------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_typical_report_takes_at_most_four_pages(name, paper):
    assert pages(rendered(name, paper)) <= 4


def test_the_maximal_answer_set_answers_everything_at_its_longest():
    instrument = versions.instrument_for(versions.CURRENT_VERSION)
    assert set(MAXIMAL) == set(instrument.ITEMS)
    assert set(instrument.drop_hidden(MAXIMAL)) == set(instrument.ITEMS)  # all shown
    for item_id, item in instrument.ITEMS.items():
        if item.kind == Kind.MULTI:
            assert len(MAXIMAL[item_id]) == len(set(item.codes) - EXCLUSIVE_CODES), item_id
        if item.kind == Kind.TEXT:
            assert len(MAXIMAL[item_id]) == TEXT_MAX_LENGTH
    result = result_of("maximal")
    assert result.category is not scoring.Category.NOT_CONSISTENT  # criteria and axis I printed
    assert len(result.flags) == len(scoring.FLAG_RULES) - 1  # all but explained_by_diagnosis


@pytest.mark.parametrize("paper", PAPERS)
def test_the_maximal_report_takes_at_most_six_pages(paper):
    pdf = rendered("maximal", paper)
    assert pages(pdf) <= 6
    text = pdf_text(pdf)
    assert "Criteria for runner's dystonia (c1-c8)" in text
    assert "Classification, axis I" in text
    assert flat(MAXIMAL["own_words"])[-40:] in re.sub(r"\s", " ", text)


def _text_bottoms(pdf: bytes) -> list[float]:
    """For each page, how far down its text reaches (0 top, 1 bottom), the footer left out."""
    html = poppler("pdftotext", pdf, "-bbox")
    bottoms = []
    for page in re.findall(r"<page (.*?)</page>", html, flags=re.S):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        footer = height - 18 / 25.4 * 72  # the running footer sits in the bottom 18 mm
        ys = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page)]
        bottoms.append(max((y for y in ys if y < footer), default=0.0) / height)
    return bottoms


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", [*sorted(CASES), "maximal"])
def test_no_page_but_the_last_is_left_mostly_empty(name, paper):
    """No whole table or section is pushed to the next page leaving space behind:
    every page but the last is written at least three quarters of the way down."""
    bottoms = _text_bottoms(rendered(name, paper))
    assert all(bottom >= 0.75 for bottom in bottoms[:-1]), bottoms


@pytest.mark.parametrize("name", [*sorted(CASES), "maximal"])
def test_criteria_detail_and_axis_i_only_when_the_answers_point_towards_dystonia(name):
    text = pdf_text(rendered(name, "a4"))
    detail = result_of(name).category is not scoring.Category.NOT_CONSISTENT
    assert ("Criteria for runner's dystonia (c1-c8)" in text) is detail
    assert ("Classification, axis I" in text) is detail
    assert (words(report.DETAIL_LEFT_OUT) in text) is not detail
    for cid, title in versions.scoring_for(answers_of(name)[1]).CRITERION_TITLES.items():
        assert bool(re.search(rf"\b{cid} {re.escape(words(title))}", text)) is detail, cid


def _printed_html(name: str) -> tuple[str, list[tuple[str, str]]]:
    """The document's text above the appendix, and the appendix's (question, answer)
    pairs, read from the HTML WeasyPrint lays out: the appendix's two answers a
    row come out of a PDF's text interleaved."""
    answers, version = answers_of(name)
    context = report.context_for(
        answers, reference="R", on=DAY, saved=False, instrument_version=version
    )
    page = report.render_html(context)
    body, appendix = page.split('<section class="appendix"', 1)
    appendix = appendix.split("</section>", 1)[0]
    rows = re.findall(
        r'<div class="aa-q">(.*?)</div><div class="aa-a(?: aa-wide)?">(.*?)</div>', appendix
    )

    def text(markup: str) -> str:
        return flat(html.unescape(re.sub(r"<[^>]+>", " ", markup)))

    return text(body), [(text(q), text(a)) for q, a in rows]


@pytest.mark.parametrize("name", [*sorted(CASES), "maximal"])
def test_the_appendix_gives_each_answer_not_shown_above_and_only_those(name):
    """Each answered question the runner was shown is printed with its question
    once: in a table above (the rule tables, axis I, the tests done) or else in the
    appendix. Side, regions and where it started are on page 1's pattern row; the
    limitation grid and the free text have sections of their own."""
    answers, version = answers_of(name)
    edition = report.edition_of(version)
    instrument = edition.instrument
    body, rows = _printed_html(name)
    appendix = dict(rows)
    assert len(appendix) == len(rows)  # no question twice in the appendix
    own_sections = {"side", "regions", "first_region", *report.NARRATIVE_ITEMS}
    own_sections.update(
        f"{s}_{a}" for s in instrument.LIMIT_SCALES for a in instrument.LIMIT_ACTIVITIES
    )
    checked = 0
    for item_id in instrument.shown_item_ids(answers):
        if item_id not in answers:
            continue
        question = flat(edition.item_label(item_id))
        if item_id in own_sections:
            assert question not in appendix, item_id
            continue
        # A table above ends a question on a colon where it ended on a full stop.
        above = question.removesuffix(".") in body
        assert (question in appendix) is not above, item_id
        if not above:
            assert appendix[question] == flat(edition.answer_text(item_id, answers[item_id]))
        checked += 1
    assert checked > 10
    shown = {flat(edition.item_label(i)) for i in instrument.shown_item_ids(answers)}
    assert set(appendix) <= shown  # nothing hidden or unasked


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_pdf_says_it_carries_both_attached_files_and_does(name):
    pdf = rendered(name, "letter")
    first = page_text(pdf, 1)  # in the header, beside the reference
    assert f"{report.JSON_ATTACHMENT_NAME} (Stride Screen's own JSON)" in first
    assert f"{report.FHIR_ATTACHMENT_NAME} (a FHIR R4 Bundle" in first
    assert embedded_json(pdf)["answers"] == answers_of(name)[0]
    assert embedded_fhir(pdf)["resourceType"] == "Bundle"


def test_the_documents_docstring_examples_hold():
    """report.document's worked examples (and_join, the appendix's pairs)."""
    import doctest

    failures, tried = doctest.testmod(report, optionflags=doctest.ELLIPSIS)
    assert tried >= 5
    assert failures == 0
