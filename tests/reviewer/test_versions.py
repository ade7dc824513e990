"""Version 1 submissions beside version 2 ones in the reviewer's workspace.

A version 1 row is made as an old row was: answers validated by version 1's
``validate``, fields from ``Submission.fields_from(..., instrument_version="1")``.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.urls import reverse

from reviewer import admin as screening_admin
from reviewer import stats
from screening import questions as v2_questions
from screening.models import Submission
from screening.v1 import instrument as v1_instrument
from screening.v1 import questions as v1_questions
from tests.examples import MINIMAL
from tests.reviewers import make_submission

LIST = "admin:screening_submission_changelist"
STATS = "admin:screening_submission_stats"
EXPORT = "admin:screening_submission_export"

V1_ANSWERS = {
    **{k: v for k, v in MINIMAL.items() if k != "prior_diagnosis"},
    "exam_ortho": "clear_cause",
    "diagnosis_explains": "yes",
}


def make_v1_submission(**changes) -> Submission:
    answers = v1_instrument.validate({**V1_ANSWERS, **changes})
    return Submission.objects.create(
        **Submission.fields_from(answers, instrument_version="1"),
        share_for_research=True,
        consent_version="1",
        consent_on=datetime.date.today(),
    )


def change_url(submission: Submission) -> str:
    return reverse("admin:screening_submission_change", args=[submission.pk])


def download(client, params: dict) -> str:
    """The data file of a pseudonymous export (rows named by their reference)."""
    pseudonymous = {"profile": "pseudonymous", "reason": "checking both versions"}
    response = client.get(reverse(EXPORT), {**params, **pseudonymous})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as package:
        (name,) = [n for n in package.namelist() if n.startswith("submissions.")]
        return package.read(name).decode()


@pytest.mark.django_db
def test_a_version_1_submission_is_shown_with_version_1_wording(reviewer_client):
    old = make_v1_submission()
    assert old.instrument_version == "1" and old.scoring_version == "1.0.0"
    page = reviewer_client.get(change_url(old)).text
    v1_label = str(v1_questions.label("diagnosis_explains"))
    assert v1_label.replace("’", "&#x27;") in page or v1_label in page
    assert str(v1_questions.code_label("diagnosis_explains", "yes")) in page
    # Version 1's sudden-weakness question, not version 2's.
    assert str(v1_questions.label("sudden_weakness")) in page
    assert str(v2_questions.label("sudden_weakness")) not in page
    # Its stored category and flags, as issued.
    assert old.category == "other_causes_first"
    assert "explained_by_diagnosis" in old.flags
    for flag in old.result().flags:
        assert flag.title in page


@pytest.mark.django_db
def test_a_version_2_submission_is_shown_with_version_2_wording(reviewer_client):
    new = make_submission(prior_diagnosis="dystonia")
    page = reviewer_client.get(change_url(new)).text
    assert str(v2_questions.label("prior_diagnosis")) in page
    assert str(v1_questions.label("diagnosis_explains")) not in page


@pytest.mark.django_db
def test_exports_name_each_rows_version_and_hold_both_versions_items(steward_client):
    old = make_v1_submission()
    new = make_submission(prior_diagnosis="dystonia", procedures=["nerve_release"])
    rows = {
        r["reference"]: r
        for r in csv.DictReader(io.StringIO(download(steward_client, {"format": "csv"})))
    }
    assert (rows[old.reference]["instrument_version"], rows[old.reference]["scoring_version"]) == (
        "1",
        "1.0.0",
    )
    assert (rows[new.reference]["instrument_version"], rows[new.reference]["scoring_version"]) == (
        "2",
        "2.0.0",
    )
    assert rows[old.reference]["diagnosis_explains"] == "yes"
    assert rows[old.reference]["prior_diagnosis"] == ""
    assert rows[old.reference]["procedures"] == ""
    assert rows[new.reference]["diagnosis_explains"] == ""
    assert rows[new.reference]["prior_diagnosis"] == "dystonia"
    assert rows[new.reference]["procedures"] == "nerve_release"
    assert rows[old.reference]["category"] == old.category
    assert rows[new.reference]["category"] == "known_dystonia"

    records = {
        r["reference"]: r
        for r in map(json.loads, download(steward_client, {"format": "jsonl"}).splitlines())
    }
    assert records[old.reference]["instrument_version"] == "1"
    assert records[old.reference]["diagnosis_explains"] == "yes"
    assert records[old.reference]["prior_diagnosis"] is None
    assert records[new.reference]["instrument_version"] == "2"
    assert records[new.reference]["flags"] == new.flags


@pytest.mark.django_db
def test_the_fhir_export_gives_each_submission_its_own_questionnaire(steward_client):
    old = make_v1_submission()
    new = make_submission()
    resources = map(json.loads, download(steward_client, {"format": "fhir"}).splitlines())
    responses = {
        r["identifier"]["value"]: r
        for r in resources
        if r["resourceType"] == "QuestionnaireResponse"
    }
    assert responses[old.reference]["questionnaire"].endswith("|1")
    assert responses[new.reference]["questionnaire"].endswith("|2")
    text = json.dumps(responses[old.reference], ensure_ascii=False)
    assert "diagnosis_explains" in text
    assert str(v1_questions.label("diagnosis_explains")) in text


@pytest.mark.django_db
def test_the_list_filters_on_known_dystonia_and_the_new_flags(reviewer_client):
    dystonia = make_submission(prior_diagnosis="dystonia")
    operated = make_submission(procedures=["hip_surgery"])
    family = make_submission(family_history=["parkinsons"])
    plain = make_submission()
    assert dystonia.category == "known_dystonia"
    assert "invasive_procedures" in operated.flags
    assert "family_movement_disorder" in family.flags
    cases = {
        ("category", "known_dystonia"): dystonia,
        ("flags", "invasive_procedures"): operated,
        ("flags", "family_movement_disorder"): family,
    }
    for (name, value), expected in cases.items():
        response = reviewer_client.get(reverse(LIST), {name: value})
        assert response.status_code == 200, (name, value)
        shown = {
            s.reference for s in (dystonia, operated, family, plain) if s.reference in response.text
        }
        assert shown == {expected.reference}, (name, value)


@pytest.mark.django_db
def test_the_list_filters_on_instrument_version(reviewer_client):
    old = make_v1_submission()
    new = make_submission()
    only_old = reviewer_client.get(reverse(LIST), {"instrument_version": "1"}).text
    assert old.reference in only_old and new.reference not in only_old
    only_new = reviewer_client.get(reverse(LIST), {"instrument_version": "2"}).text
    assert new.reference in only_new and old.reference not in only_new


@pytest.mark.django_db
def test_statistics_count_rows_per_version_the_new_category_and_flags(reviewer_client):
    make_v1_submission()
    make_v1_submission(age=50)
    make_submission(prior_diagnosis="dystonia", procedures=["nerve_release"])
    make_submission(family_history=["dystonia"])
    figures = stats.compute(Submission.objects.filter(share_for_research=True))
    assert figures.by_instrument_version == {"1": 2, "2": 2}
    assert figures.by_category["known_dystonia"] == 1
    assert figures.flags["invasive_procedures"] == 1
    assert figures.flags["family_movement_disorder"] == 1
    page = reviewer_client.get(reverse(STATS))
    assert page.status_code == 200
    assert "By instrument version" in page.text and "Known dystonia" in page.text
    flag_items = dict(screening_admin.statistics_context(figures)["flag_items"])
    # One runner of four: counted (above), but the page suppresses it.
    assert flag_items[screening_admin.FLAG_TITLES["invasive_procedures"]] is None
    assert flag_items[screening_admin.FLAG_TITLES["family_movement_disorder"]] is None
    rows = stats.aggregate_rows(figures)
    assert ("instrument_version", "1", "suppressed") in rows
