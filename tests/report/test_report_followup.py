"""The PDF's "Since the first screening" (issue 19): the latest follow-up beside the
screening, changes readable in black and white, and the follow-ups in both attachments."""

from __future__ import annotations

import datetime
import subprocess

import pytest

from report import document
from screening import fhir, followup
from screening.models import FollowUp
from tests.report.test_report import embedded_fhir, embedded_json, pdf_text
from tests.reviewers import make_submission


def add(screening, number: int, **answers) -> FollowUp:
    raw = {
        "bladder_bowel_saddle": "no",
        "sudden_weakness": "no",
        "acute_limb": "no",
        "fu_course": "stable",
        "fu_walking": "none",
        "fu_running": "reduced",
        "fu_seen": ["gp"],
        "fu_outcome": "not_yet",
        **answers,
    }
    return FollowUp.objects.create(
        submission=screening,
        number=number,
        created_on=screening.created_on + datetime.timedelta(days=30 * number),
        share_for_research=number == 1,
        **FollowUp.fields_from(followup.validate(raw), screening),
    )


@pytest.fixture
def screening_with_followups(db):
    """Screening: walking none (minimal.json), easy road no limit, races limited.
    Follow-up 1: stable, nothing found yet. Follow-up 2 (the latest): worsening,
    walking slightly, easy road limited (worse), race road cannot (worse), dystonia
    confirmed by a neurologist, botulinum toxin partly helped."""
    screening = make_submission(typical_easy_road="no_limit", typical_race_road="limited")
    add(screening, 1)
    add(
        screening,
        2,
        fu_course="worsening",
        fu_walking="slight",
        fu_seen=["neurologist"],
        fu_outcome="dystonia_confirmed",
        fu_treatments=["botulinum_toxin"],
        fu_helped="partly",
        typical_easy_road="limited",
        typical_race_road="cannot",
    )
    return screening


def test_the_pdf_gains_since_the_first_screening_from_the_latest_follow_up(
    screening_with_followups,
):
    pdf = document.render_submission_pdf(screening_with_followups)
    text = " ".join(pdf_text(pdf).split())
    assert "Since the first screening" in text
    assert "Follow-up 2 of 2" in text
    assert "getting worse since the screening" in text
    assert "▼ worse" in text  # a sign and a word, not colour alone
    assert "A neurologist has diagnosed a dystonia" in text
    assert "Botulinum toxin injections" in text
    assert "Worse since the screening: neurologist review" in text


def test_the_attachments_carry_every_follow_up_linked_to_the_screening(screening_with_followups):
    pdf = document.render_submission_pdf(screening_with_followups)
    data = embedded_json(pdf)
    assert [f["number"] for f in data["followups"]] == [1, 2]
    assert data["followups"][1]["result"]["change_walking"] == "worse"
    assert data["followups"][1]["answers"]["fu_outcome"] == "dystonia_confirmed"
    bundle = embedded_fhir(pdf)
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
        and "llc-followup" in e["resource"]["questionnaire"]
    ]
    assert len(responses) == 2
    ref = responses[0]["extension"][0]
    assert ref["url"] == fhir.FOLLOW_UP_OF_EXTENSION
    assert ref["valueReference"]["reference"] == (
        f"QuestionnaireResponse/{screening_with_followups.reference}"
    )


def test_a_reviewer_gets_the_shared_follow_ups_only(screening_with_followups):
    shared = document.followups_of(screening_with_followups, shared_only=True)
    assert [f.number for f in shared] == [1]
    pdf = document.render_submission_pdf(screening_with_followups, followups=shared)
    text = " ".join(pdf_text(pdf).split())
    assert "Follow-up 1, " in text and "diagnosed a dystonia" not in text
    assert [f["number"] for f in embedded_json(pdf)["followups"]] == [1]
    # Cached apart from the runner's copy.
    assert document.cached_submission_pdf(screening_with_followups, "a4", shared) == pdf
    assert document.cached_submission_pdf(screening_with_followups, "a4") is None


def test_without_follow_ups_the_section_is_not_there(db):
    pdf = document.render_submission_pdf(make_submission())
    assert "Since the first screening" not in pdf_text(pdf)
    assert "followups" not in embedded_json(pdf)


def test_the_follow_up_page_as_png(screening_with_followups, tmp_path):
    """Writes the follow-up PDF's pages as PNG for a person to read (test-artifacts/)."""
    from tests.browser.conftest import ARTIFACTS

    pdf = document.render_submission_pdf(screening_with_followups)
    path = tmp_path / "followup.pdf"
    path.write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "followup-pdf")], check=True
    )
    assert list(ARTIFACTS.glob("followup-pdf-*.png"))
