"""The clinician's PDF: content, layout, the three entry points and the stored bytes.

Reports are rendered for hand-built vignettes and read back with pypdf (text
and the embedded ``screening.json``) and pdftoppm (page images). Expected
texts come from ``scoring`` (titles, flag rules) and ``questions`` (wording),
never from a previous output.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

from report import document as report
from screening import instrument, questions, scoring
from screening.instrument import LIMIT_ACTIVITIES, validate
from screening.models import RenderedPdf, Submission
from tests.examples import MINIMAL
from tests.journey_helpers import link_browser

DAY = dt.date(2025, 3, 4)

# The minimal answers with no pain at all, so that pain_before stays hidden.
BASE = {**MINIMAL, "pain_level": 0}

HOSTILE_TEXT = (
    '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> '
    "<b>bold?</b> & see http://127.0.0.1:{port}/leak.png"
)


def answers(**changes: object) -> dict:
    return validate({**BASE, **changes})


# Vignettes: (answers, expected category). Categories follow instrument.md by hand.
VIGNETTES = {
    # d1-d7 met (a clinician said the diagnosis does not explain it), no flag.
    "typical_hip": (
        answers(
            exam_ortho="nothing_found",
            exam_neuro="normal",
            prior_diagnosis="none",
            tricks=["trails", "backwards"],
            muscles_pull="yes",
            **{f"worst_{a}": "limited" for a in LIMIT_ACTIVITIES[:4]},
            typical_easy_trails="no_limit",
        ),
        "llc_consistent",
    ),
    # Started in the foot and walking is badly affected: two prompt flags.
    "foot_prompt": (
        answers(
            side="left",
            regions=["foot", "toes", "ankle"],
            first_region="foot_ankle_toes",
            walking="significant",
            gait_signs=["toe_curl"],
        ),
        "see_neurologist",
    ),
    # An urgent flag wins, with exclusion flags below it.
    "urgent_with_exclusions": (
        answers(
            side="both",
            bladder_bowel_saddle="yes",
            numbness="yes",
            exertional_calf="yes",
            groin_hip_pain="yes",
        ),
        "urgent_care",
    ),
}


APPENDIX = "Appendix: the answers not shown above"


def pdf_text(pdf: bytes, pages: slice = slice(None)) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages[pages])
    # A line broken after a hyphen ("movement-\ndisorders") reads as one word.
    return re.sub(r"(\w)- (?=\w)", r"\1-", re.sub(r"\s+", " ", text))


def embedded_json(pdf: bytes) -> dict:
    reader = PdfReader(io.BytesIO(pdf))
    assert sorted(reader.attachments) == sorted(
        [report.JSON_ATTACHMENT_NAME, report.FHIR_ATTACHMENT_NAME]
    )
    return json.loads(reader.attachments[report.JSON_ATTACHMENT_NAME][0])


def embedded_fhir(pdf: bytes) -> dict:
    reader = PdfReader(io.BytesIO(pdf))
    return json.loads(reader.attachments[report.FHIR_ATTACHMENT_NAME][0])


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", str(text))


@pytest.mark.parametrize("name", sorted(VIGNETTES))
def test_it_shows_every_row_flag_and_test_for_each_vignette(name):
    vignette_answers, category = VIGNETTES[name]
    result = scoring.score(vignette_answers)
    assert result.category == category
    pdf = report.render_pdf(vignette_answers, on=DAY)
    text = pdf_text(pdf)

    assert "Self-screening summary, not a diagnosis" in text
    reference = report.unsaved_reference(vignette_answers)
    assert f"{reference} (unsaved)" in text
    assert "4 March 2025" in text
    assert f"instrument {result.instrument_version}" in text
    assert f"scoring {result.scoring_version}" in text
    assert f"report {report.REPORT_VERSION}" in text
    headline, meaning, next_step = report.CLINICIAN_TEXTS[result.category]
    assert all(flat(_(words)) in text for words in (headline, meaning, next_step))
    for cid, title in scoring.CRITERION_TITLES.items():
        assert re.search(rf"\b{cid} {re.escape(flat(_(title)))}", text), cid
    for cid, title in scoring.COMPONENT_TITLES.items():
        assert f"{cid[:2]} {flat(_(title))}" in text, cid
    for flag in result.flags:
        assert flat(_(flag.rule.title)) in text
        assert flat(_(flag.rule.reason)) in text
        for test in flag.tests:
            assert flat(_(test)) in text


def test_a_vignette_with_no_flag_says_so_and_still_gives_the_standing_advice():
    vignette_answers, category = VIGNETTES["typical_hip"]
    assert not scoring.score(vignette_answers).flags
    text = pdf_text(report.render_pdf(vignette_answers, on=DAY))
    assert "No flag was raised by the answers." in text
    next_step = report.CLINICIAN_TEXTS[scoring.Category(category)][2]
    assert flat(_(next_step)) in text
    assert "movement-disorders neurologist's opinion is advised" in text
    assert "7 of 8" in text  # c1-c7 supported by these answers, c8 never
    assert "self-report can support at most 7" in text


def test_the_standing_advice_never_holds_back_emergency_care():
    """Issue 4: every report advises a movement-disorders opinion before a procedure."""
    vignette_answers, category = VIGNETTES["urgent_with_exclusions"]
    assert category == "urgent_care"
    text = pdf_text(report.render_pdf(vignette_answers, on=DAY))
    assert "Before any planned invasive procedure" in text
    assert "for some runners and not for others" in text
    assert "never stands in the way of emergency treatment for an urgent flag" in text


def test_tests_already_done_stand_beside_the_tests_the_flags_suggest():
    vignette = answers(test_mri_spine="abnormal", test_blood="normal", test_mri_hip="not_done")
    text = pdf_text(report.render_pdf(vignette, on=DAY))
    flags = text.split("Flags and tests worth discussing", 1)[1]
    done = flags.split("Tests already done, as the runner reports them", 1)[1]
    done = done.split("Before any planned invasive procedure", 1)[0]
    expected = [
        f"{flat(report.item_label(item))}: {flat(questions.answer_text(item, vignette[item]))}"
        for item in ("test_mri_spine", "test_blood")
    ]
    assert [line for line in expected if line in done] == expected
    assert flat(report.item_label("test_mri_hip")) not in done
    assert "3 of the 6 tests asked about were not answered" in done  # not mri_hip


def test_no_test_done_and_no_answer_about_tests_are_told_apart():
    """A runner who skipped the test questions has not said that no test was done."""

    def tests_block(vignette):
        text = pdf_text(report.render_pdf(vignette, on=DAY))
        done = text.split("Tests already done, as the runner reports them", 1)[1]
        return done.split("Before any planned invasive procedure", 1)[0]

    blank = tests_block(answers(**{test: None for test in instrument.TESTS}))
    assert "The runner gave no answer about the six tests" in blank
    none_done = tests_block(answers(**{test: "not_done" for test in instrument.TESTS}))
    assert "No test among the six asked about" in none_done
    assert "not answered" not in none_done


def test_a_question_ending_in_a_full_stop_meets_its_answer_with_a_colon_only():
    vignette_answers, _category = VIGNETTES["typical_hip"]
    text = pdf_text(report.render_pdf(vignette_answers, on=DAY))
    assert ".:" not in text
    assert re.search(r"\w: ", text)


@pytest.mark.parametrize(("examined", "words"), [(1, "c4 needs"), (2, "c3 and c4 need")])
def test_criteria_left_to_the_examiner_are_named_in_good_grammar(examined, words):
    ortho = "not_examined" if examined == 2 else "nothing_found"
    vignette = answers(exam_ortho=ortho, exam_neuro="not_done")
    text = pdf_text(report.render_pdf(vignette, on=DAY), slice(0, 1))
    assert f"{words} a clinician's examination" in text


def test_it_puts_the_free_text_in_literally_and_escaped():
    hostile = HOSTILE_TEXT.format(port=9)
    pdf = report.render_pdf(answers(own_words=hostile, what_helped="x" * 1999), on=DAY)
    text = pdf_text(pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    # Lines may break after "http://"; apart from line breaks the text is verbatim.
    assert re.sub(r"\s", "", hostile) in re.sub(r"\s", "", text)
    assert b"root:x:0:0" not in pdf


WORDS_IN_MANY_SCRIPTS = "中文 日本語 한국어 हिन्दी Ελληνικά Русский עברית"


def test_the_runners_words_are_printed_in_any_script_not_as_empty_boxes():
    """DejaVu has no CJK or Devanagari: the fallback fonts (Makefile FONTS) draw them,
    so that the text a clinician reads (and copies) is what the runner wrote."""
    pdf = report.render_pdf(answers(own_words=WORDS_IN_MANY_SCRIPTS), on=DAY)
    assert WORDS_IN_MANY_SCRIPTS in flat(pdf_text(pdf))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        fonts = subprocess.run(["pdffonts", file.name], capture_output=True, text=True).stdout
    assert "Droid-Sans-Fallback" in fonts  # the CJK, drawn by a font that has it


def test_it_leaves_out_questions_that_were_hidden_or_not_answered():
    """pain_before is asked only when pain_level > 0 or localized_pain = yes; here
    pain_level = 0 and localized_pain = no, so a stray answer to it stays out."""
    from screening.questions import label

    stray = {**BASE, "pain_before": "yes"}
    pdf = report.render_pdf(validate(stray), on=DAY)
    appendix = pdf_text(pdf).split(APPENDIX, 1)[1]
    assert f"{flat(label('age'))} {BASE['age']}" in appendix  # shown, answered, in no table
    assert flat(label("pain_before")) not in appendix
    assert flat(label("weekly_km")) not in appendix  # never answered
    assert flat(label("prior_diagnosis")) not in appendix  # hidden: no examination


def test_the_d7_row_says_a_hidden_question_was_not_asked():
    """prior_diagnosis is asked only after an examination or a test; without one
    the d7 row must not suggest that the runner skipped it."""
    from screening.questions import label

    text = pdf_text(report.render_pdf(answers(), on=DAY))
    d7 = text.split("d7", 1)[1].split("Key:", 1)[0]  # the key follows the d1-d7 table
    assert f"{flat(label('prior_diagnosis'))} not asked" in d7
    assert "not answered" not in d7


def test_urgent_flags_are_titled_for_emergency_care_and_the_sources_are_all_cited():
    vignette_answers, _category = VIGNETTES["urgent_with_exclusions"]
    text = flat(pdf_text(report.render_pdf(vignette_answers, on=DAY)))
    # acute_limb asks for emergency assessment, not only same-day (instrument.md).
    assert "Urgent: emergency or same-day assessment" in text
    assert "Assess each urgent flag the same day, or at once where it says emergency" in text
    assert "was told" not in text  # a command-line render told the runner nothing
    assert "Hatched: a region the runner marked (on both legs)" in text
    # instrument.md: cite seeds/001, McClinton & Heiderscheit 2012 and seeds/003.
    assert "Davis J. Searching for answers on loss of leg coordination" in text
    assert "McClinton S, Heiderscheit BC" in text
    assert "Running with Dystonia" in text


@pytest.mark.parametrize(("numbness", "points_to_flags"), [("no", False), ("yes", True)])
def test_the_next_step_points_to_flags_only_when_there_are_some(numbness, points_to_flags):
    vignette = answers(coordination_loss="never", numbness=numbness)
    result = scoring.score(vignette)
    assert result.category is scoring.Category.NOT_CONSISTENT
    assert bool(result.flags) is points_to_flags
    text = flat(pdf_text(report.render_pdf(vignette, on=DAY), slice(0, 1)))
    assert "Look for another cause of the symptoms" in text
    # Page 1 names each flag with its tests above the next step (issue 17).
    assert ("starting with the tests named beside each flag above" in text) is points_to_flags
    for flag in result.flags:
        assert f"{flat(_(flag.title))}: {'; '.join(flat(_(t)) for t in flag.tests)}" in text


def test_axis_i_says_isolated_of_symptoms_beyond_the_legs_and_how_many_were_blank():
    vignette = answers(numbness="yes", rest_tremor="no")  # parkinsonism, other_neuro blank
    assert scoring.score(vignette).axis1.associated_features == "isolated"
    text = flat(pdf_text(report.render_pdf(vignette, on=DAY)))
    axis = text.split("Classification, axis I", 1)[1]
    assert "Isolated (no rest tremor, parkinsonism or neurological symptom beyond the legs" in axis
    assert "(2 of its 3 questions not answered)" in axis


def test_no_answer_is_set_apart_from_an_answer_and_explained_in_the_key():
    html = report.render_html(report.context_for(answers(), reference="R", on=DAY, saved=False))
    assert '<span class="a a-none">not answered</span>' in html
    assert '<span class="a a-none">not asked</span>' in html
    assert "left blank by the runner" in html and "the form did not show the question" in html


def test_a_rule_row_says_when_its_answer_was_one_the_form_would_not_ask():
    """Answers sent to the API or `screen` may hold prior_diagnosis without an
    examination or a test: scored as given, but not passed off as the runner's."""
    text = flat(pdf_text(report.render_pdf(answers(prior_diagnosis="none"), on=DAY)))
    d7 = text.split("d7", 1)[1].split("Criteria for runner", 1)[0]
    given = flat(questions.answer_text("prior_diagnosis", "none"))
    assert f"{given} (given, though the form would not have asked it)" in d7
    examined = answers(exam_neuro="normal", prior_diagnosis="none")
    assert "would not have asked" not in flat(pdf_text(report.render_pdf(examined, on=DAY)))


def test_the_embedded_json_equals_the_api_result_for_the_same_answers(client):
    vignette_answers, _category = VIGNETTES["foot_prompt"]
    api = client.post("/api/v1/score", vignette_answers, content_type="application/json")
    assert api.status_code == 200
    data = embedded_json(report.render_pdf(vignette_answers, on=DAY))
    assert data["result"] == api.json()
    assert data["answers"] == vignette_answers
    assert data["report_version"] == report.REPORT_VERSION
    assert data["date"] == "2025-03-04"


def test_the_embedded_fhir_bundle_carries_the_answers_and_the_same_result():
    """The clinic's FHIR software reads the same answers and result as screening.json."""
    from fhir.resources.R4B.bundle import Bundle

    from screening import fhir

    vignette_answers, _category = VIGNETTES["foot_prompt"]
    bundle = embedded_fhir(report.render_pdf(vignette_answers, on=DAY))
    Bundle.model_validate(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    response = resources[0]
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["authored"] == "2025-03-04"
    assert fhir.answers_from_response(response) == vignette_answers
    decoded = fhir.result_from_observations(resources[1:], response["questionnaire"])
    # Flags read back with their texts too (title, explanation).
    assert decoded == scoring.score(vignette_answers).to_dict()


def page_png(pdf: bytes, tmp_path: Path, page: int = 1) -> Image.Image:
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", "40", "-png", "-singlefile"]
        + [str(source), str(prefix)],
        check=True,
    )
    return Image.open(f"{prefix}.png").convert("L")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_page_one_is_drawn_and_holds_the_at_a_glance_block(paper, tmp_path):
    vignette_answers, _category = VIGNETTES["urgent_with_exclusions"]
    pdf = report.render_pdf(vignette_answers, on=DAY, paper=paper)
    image = page_png(pdf, tmp_path)
    dark = sum(image.histogram()[:128])
    assert dark > 0.02 * image.width * image.height  # text, frames, not a blank page
    first = pdf_text(pdf, slice(0, 1))
    result = scoring.score(vignette_answers)
    assert "at a glance" in first.lower()  # set in capitals by the stylesheet
    assert flat(_(report.CLINICIAN_TEXTS[result.category][0])) in first
    unmet = [cid[:2] for cid, status in result.components if status.value == "not_met"]
    assert unmet  # numbness: d4 is not met; the reason is on page 1, not only in the table
    assert f"not met because of {', '.join(unmet)} (parts d1-d7" in first
    glance = first.lower().split("at a glance", 1)[1].split("where the runner feels it", 1)[0]
    # Written for the clinician: the runner is "the runner", never "you".
    assert not re.search(r"\byou(r)?\b", glance), glance
    assert f"{result.criteria_supported} of 8" in first
    for flag in result.flags:
        if flag.severity in (scoring.Severity.URGENT, scoring.Severity.PROMPT):
            assert flat(_(flag.rule.title)) in first


@pytest.mark.parametrize(("paper", "width"), [("a4", 595), ("letter", 612)])
def test_both_paper_sizes_fit_a_maximal_report(paper, width):
    long_answers = answers(
        own_words=("The left foot turns in after twenty minutes. " * 50)[:2000],
        what_helped=("W" * 2000),  # one unbreakable word must still wrap
        **{f"{s}_{a}": "cannot" for s in ("worst", "typical") for a in LIMIT_ACTIVITIES},
    )
    pdf = report.render_pdf(long_answers, on=DAY, paper=paper)
    reader = PdfReader(io.BytesIO(pdf))
    assert round(float(reader.pages[0].mediabox.width)) == width
    assert 3 <= len(reader.pages) <= 10
    texts = [page.extract_text() for page in reader.pages]
    body_map_page = next(i for i, text in enumerate(texts) if "Where the runner feels it" in text)
    assert body_map_page in (0, 1)
    assert "W" * 40 in pdf_text(pdf)  # the long word is there, broken over lines
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last


def test_it_is_a_tagged_pdf_ua_with_language_title_and_subset_fonts():
    pdf = report.render_pdf(VIGNETTES["typical_hip"][0], on=DAY)
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    assert "not a diagnosis" in reader.metadata.title
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()
    fonts = {
        font.get_object()["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+DejaVu.*", name) for name in fonts)


def _struct_elements(node):
    """Every structure element under ``node`` in the PDF's tag tree."""
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            yield node
        kids = node.get("/K")
        kids = [] if kids is None else kids.get_object()
        kids = kids if isinstance(kids, list) else [kids]
    else:
        kids = node if isinstance(node, list) else []
    for kid in kids:
        if not isinstance(kid, int):  # an integer is a marked-content id, not an element
            yield from _struct_elements(kid)


def test_the_body_map_figure_has_alternate_text():
    pdf = report.render_pdf(VIGNETTES["foot_prompt"][0], on=DAY)
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]
    figures = [e for e in _struct_elements(root) if e["/S"] == "/Figure"]
    assert len(figures) == 1
    assert figures[0].get("/Alt") == _("Body map of both legs")


@pytest.mark.parametrize("name", sorted(VIGNETTES))
def test_leaving_out_unused_user_agent_rules_changes_no_byte(name):
    """ReportHTML drops user-agent rules the template cannot match; the PDF must not change."""
    import weasyprint

    context = report.context_for(
        VIGNETTES[name][0], reference="ABCD1234", on=DAY, saved=True, paper="letter"
    )
    html = report.render_html(context)

    def pdf(html_class: type) -> bytes:
        document = html_class(
            string=html,
            base_url=report.STATIC_DIR.as_uri() + "/",
            url_fetcher=report.StaticOnlyFetcher(),
        )
        return document.write_pdf(
            stylesheets=report._stylesheets_for("letter"),
            font_config=report._font_config(),
            pdf_variant=report.PDF_VARIANT,
            presentational_hints=False,
        )

    assert report.ReportHTML is not weasyprint.HTML
    assert pdf(report.ReportHTML) == pdf(weasyprint.HTML)


def test_a_render_leaves_the_garbage_collector_as_it_found_it():
    import gc

    vignette_answers = VIGNETTES["typical_hip"][0]
    assert gc.isenabled()
    report.render_pdf(vignette_answers, on=DAY)
    assert gc.isenabled()
    gc.disable()
    try:
        report.render_pdf(vignette_answers, on=DAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_same_answers_and_day_give_the_same_bytes():
    vignette_answers, _category = VIGNETTES["foot_prompt"]
    assert report.render_pdf(vignette_answers, on=DAY) == report.render_pdf(
        vignette_answers, on=DAY
    )


# --- the three entry points -------------------------------------------------------


def stored(vignette_answers: dict, *, shared: bool = False) -> Submission:
    """Sent today: a runner's code opens a result for 30 days from the day it was sent."""
    fields = Submission.fields_from(vignette_answers)
    return Submission.objects.create(**fields, share_for_research=shared)


def masked(text: str, reference: str) -> str:
    return text.replace(f"{reference} (unsaved)", "REF").replace(reference, "REF")


@pytest.mark.django_db
def test_the_three_entry_points_give_the_same_document(client, tmp_path):
    vignette_answers, _category = VIGNETTES["urgent_with_exclusions"]
    source = tmp_path / "answers.json"
    source.write_text(json.dumps(vignette_answers))
    out = tmp_path / "out.pdf"
    call_command("screen", str(source), pdf=str(out), stdout=io.StringIO())
    cli_pdf = out.read_bytes()

    api = client.post("/api/v1/report", vignette_answers, content_type="application/json")
    assert api.status_code == 200
    assert api["Content-Type"] == "application/pdf"
    assert api.content == cli_pdf  # same answers, same day: byte for byte

    submission = stored(vignette_answers)  # sent today, the day the other two render
    link_browser(client, submission)
    web = client.get(reverse("submission-pdf", args=[submission.public_id]))
    assert web.status_code == 200
    web_pdf = web.getvalue()
    unsaved = report.unsaved_reference(vignette_answers)
    assert masked(pdf_text(web_pdf), submission.reference) == masked(pdf_text(cli_pdf), unsaved)
    web_json, cli_json = embedded_json(web_pdf), embedded_json(cli_pdf)
    assert web_json["reference"] == submission.reference
    assert cli_json["reference"] == unsaved
    for key in ("answers", "result", "date", "report_version"):
        assert web_json[key] == cli_json[key]


@pytest.mark.django_db
def test_the_download_is_an_attachment_named_with_the_reference(client):
    submission = stored(VIGNETTES["typical_hip"][0])
    link_browser(client, submission)
    response = client.get(reverse("submission-pdf", args=[submission.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="stride-screen-summary-{submission.reference}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert submission.reference in pdf_text(response.getvalue())


@pytest.mark.django_db
def test_the_public_id_alone_opens_nothing(reviewer_client):
    """Only the runner's browser (holding its code) or a reviewer, audited, gets the PDF."""
    from screening.models import AuditEntry

    submission = stored(VIGNETTES["typical_hip"][0], shared=True)
    url = reverse("submission-pdf", args=[submission.public_id])
    runner = Client()
    assert runner.get(url).status_code == 404  # the id, but no code
    link_browser(Client(), submission)  # another browser holds the code
    assert runner.get(url).status_code == 404
    link_browser(runner, submission)
    assert runner.get(url).status_code == 200
    assert not AuditEntry.objects.exists()  # the runner's own download is not audited
    assert reviewer_client.get(url).status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_ref, entry.detail) == ("view", submission.reference, "PDF")


@pytest.mark.django_db
def test_a_reviewer_gets_no_pdf_of_a_submission_not_shared_for_research(reviewer_client):
    submission = stored(VIGNETTES["typical_hip"][0], shared=False)
    url = reverse("submission-pdf", args=[submission.public_id])
    assert reviewer_client.get(url).status_code == 404
    runner = Client()
    link_browser(runner, submission)
    assert runner.get(url).status_code == 200  # the runner's own, shared or not


@pytest.mark.django_db
def test_an_unknown_public_id_is_not_found(client):
    stored(VIGNETTES["typical_hip"][0])
    response = client.get("/r/00000000-0000-4000-8000-000000000000/summary.pdf")
    assert response.status_code == 404
    assert client.get("/r/1/summary.pdf").status_code == 404


@pytest.mark.django_db
def test_the_download_refuses_other_methods_and_unknown_paper(client):
    submission = stored(VIGNETTES["typical_hip"][0])
    link_browser(client, submission)
    url = reverse("submission-pdf", args=[submission.public_id])
    assert client.post(url).status_code == 405
    assert client.get(url, {"paper": "tabloid"}).status_code == 400


@pytest.mark.django_db
def test_a_repeated_download_is_served_from_the_cached_bytes(client):
    """Changing the stored answers behind the stored PDF's back proves the second
    response is the stored document, not a new render."""
    submission = stored(VIGNETTES["typical_hip"][0])
    link_browser(client, submission)
    url = reverse("submission-pdf", args=[submission.public_id])
    first = client.get(url).getvalue()
    Submission.objects.filter(pk=submission.pk).update(
        answers=VIGNETTES["foot_prompt"][0], reference="ZZZZZZZZ"
    )
    assert client.get(url).getvalue() == first
    letter = client.get(url, {"paper": "letter"}).getvalue()
    assert letter != first  # another variant: rendered afresh, from the changed answers
    assert "ZZZZZZZZ" in pdf_text(letter)
    # Both variants are kept: asking for each in turn renders neither again.
    assert client.get(url).getvalue() == first
    assert client.get(url, {"paper": "letter"}).getvalue() == letter


@pytest.mark.django_db
@override_settings(RATELIMITS={**settings.RATELIMITS, "report": "1/60"})
def test_rendering_a_stored_pdf_is_rate_limited_but_a_cached_download_is_not(client):
    """A render costs about a second of a worker; the cached bytes cost nothing."""
    submission = stored(VIGNETTES["typical_hip"][0])
    link_browser(client, submission)
    url = reverse("submission-pdf", args=[submission.public_id])
    assert client.get(url).status_code == 200  # rendered: counts
    refused = client.get(url, {"paper": "letter"})  # would render again
    assert refused.status_code == 429 and "Retry-After" in refused
    # It says why in the PDF's terms, not the resume code's.
    assert "Each PDF takes the server a lot of work" in refused.text
    assert "resume codes" not in refused.text
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]  # cached


@pytest.mark.django_db
@pytest.mark.parametrize(
    "delete",
    [
        pytest.param(lambda submission: submission.delete(), id="one (admin detail)"),
        pytest.param(
            lambda submission: Submission.objects.filter(pk=submission.pk).delete(),
            id="many (runner, bulk admin, purge)",
        ),
    ],
)
def test_deleting_a_submission_deletes_its_stored_pdfs(client, delete):
    """The stored bytes hold the answers and the free text: they go with the row,
    in the same transaction (a foreign key with CASCADE), not after it."""
    submission = stored(VIGNETTES["typical_hip"][0])
    link_browser(client, submission)
    url = reverse("submission-pdf", args=[submission.public_id])
    assert client.get(url).status_code == 200
    assert client.get(url, {"paper": "letter"}).status_code == 200
    assert RenderedPdf.objects.filter(submission=submission).count() == 2
    delete(submission)
    assert not RenderedPdf.objects.exists()


@pytest.mark.django_db
def test_a_runner_who_deletes_leaves_no_pdf_behind(client):
    from tests.journey_helpers import complete_steps

    complete_steps(client)
    client.post("/consent/", {})
    submission = Submission.objects.get()
    client.get(reverse("submission-pdf", args=[submission.public_id]))
    assert RenderedPdf.objects.filter(submission=submission).exists()
    assert client.post("/delete/", {}).status_code == 200
    assert not RenderedPdf.objects.exists()


@pytest.mark.django_db
def test_a_render_that_outlives_its_submission_keeps_nothing():
    """Deleted while its PDF was being laid out: the render finds the row gone
    and stores nothing, yet the request that asked still gets its PDF."""
    submission = stored(VIGNETTES["typical_hip"][0])
    read_before_the_deletion = Submission.objects.get(pk=submission.pk)
    submission.delete()
    pdf = report.render_submission_pdf(read_before_the_deletion)
    assert pdf.startswith(b"%PDF-")
    assert not RenderedPdf.objects.exists()


@pytest.mark.django_db
def test_an_expired_pdf_is_rendered_again_and_purged(client, monkeypatch):
    submission = stored(VIGNETTES["typical_hip"][0])
    link_browser(client, submission)
    url = reverse("submission-pdf", args=[submission.public_id])
    first = client.get(url).getvalue()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    RenderedPdf.objects.update(expires_on=yesterday, pdf=b"stale")
    assert client.get(url).getvalue() == first  # rendered afresh, not the stale bytes
    RenderedPdf.objects.update(expires_on=yesterday)
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "1 rendered PDFs" in out.getvalue()
    assert not RenderedPdf.objects.exists()


# --- the API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_api_stores_nothing_and_names_the_file(client):
    vignette_answers, _category = VIGNETTES["foot_prompt"]
    response = client.post("/api/v1/report", vignette_answers, content_type="application/json")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    reference = report.unsaved_reference(vignette_answers)
    assert reference in response["Content-Disposition"]
    assert Submission.objects.count() == 0
    assert "Set-Cookie" not in dict(response.items())


@pytest.mark.django_db
def test_the_report_api_refuses_bad_requests_with_4xx(client):
    assert client.get("/api/v1/report").status_code == 405
    assert client.post("/api/v1/report", "age=3", content_type="text/plain").status_code == 415
    big = json.dumps({"own_words": "x" * (70 * 1024)})
    assert client.post("/api/v1/report", big, content_type="application/json").status_code == 413
    bad = client.post("/api/v1/report", {"age": "old"}, content_type="application/json")
    assert bad.status_code == 400
    assert "age" in bad.json()["errors"]
    malformed = client.post("/api/v1/report", "{", content_type="application/json")
    assert malformed.status_code == 400
    paper = client.post(
        "/api/v1/report?paper=a3", VIGNETTES["foot_prompt"][0], content_type="application/json"
    )
    assert paper.status_code == 400


def test_the_command_refuses_pdf_with_jsonl(tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps(BASE) + "\n")
    with pytest.raises(Exception, match="--pdf works with one answers object"):
        call_command("screen", str(source), jsonl=True, pdf=str(tmp_path / "x.pdf"))


def test_the_command_writes_the_pdf_for_a_given_day(tmp_path):
    source = tmp_path / "a.json"
    source.write_text(json.dumps(BASE))
    out = tmp_path / "x.pdf"
    call_command("screen", str(source), pdf=str(out), date=DAY, stdout=io.StringIO())
    assert out.read_bytes() == report.render_pdf(validate(BASE), on=DAY)
