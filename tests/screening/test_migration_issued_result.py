"""Submissions stored before version 2 keep the result they were issued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from screening.models import Submission
from screening.v1 import scoring as scoring_v1
from tests.journey_helpers import link_browser

BEFORE = [("screening", "0005_flag_bit_statistics")]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "v1"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def create_old_row(old_apps, fields, **extra):
    """A row as version 1 stored it: only the columns that existed then
    (issued_result and the definition columns came later)."""
    old_model = old_apps.get_model("screening", "Submission")
    existing = {field.name for field in old_model._meta.get_fields()}
    return old_model.objects.create(**{k: v for k, v in fields.items() if k in existing}, **extra)


@pytest.mark.django_db(transaction=True)
def test_rows_stored_before_the_upgrade_get_their_version_1_result(client):
    """A row stored under version 1 (the marathoner of seed 003) gets, after the
    upgrade, exactly the result version 1 gave it, and its result page shows it."""
    answers = json.loads((EXAMPLES / "v3_marathoner_runners_dystonia.json").read_text())
    issued = scoring_v1.score(answers)
    old_apps = migrate(BEFORE)
    row = create_old_row(old_apps, Submission.fields_from(answers, instrument_version="1"))

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    submission = Submission.objects.get(pk=row.pk)
    assert submission.issued_result == issued.to_dict()
    assert submission.instrument_version == "1"
    assert submission.scoring_version == "1.0.0"
    assert submission.result().category.value == issued.category.value == submission.category
    link_browser(client, submission)
    page = client.get("/result/").content.decode()
    assert str(issued.headline) in page


@pytest.mark.django_db
def test_a_version_1_row_gets_the_same_columns_as_its_issued_result():
    """The reviewer's columns (criteria bits, flags) of a version 1 row are read off
    its issued result, as for a version 2 row: a criterion supported under v1 sets
    its bit (they once compared against version 2's enum and came out 0)."""
    answers = json.loads((EXAMPLES / "v3_marathoner_runners_dystonia.json").read_text())
    issued = scoring_v1.score(answers)
    fields = Submission.fields_from(answers, instrument_version="1")
    supported = [cid for cid, status in issued.criteria if status.value == "supported"]
    assert supported
    assert bin(fields["criteria_mask"]).count("1") == len(supported) == fields["criteria_supported"]
    assert fields["flags"] == [flag.code for flag in issued.flags]
    assert fields["issued_result"] == issued.to_dict()


@pytest.mark.django_db(transaction=True)
def test_a_row_stored_before_the_upgrade_reads_as_issued_everywhere(admin_client):
    """After the upgrade, a shared row taken under version 1 shows its version 1
    category, flags and wording in the admin, its PDF and the CSV export."""
    import csv
    import io
    import zipfile

    from django.urls import reverse

    from report import document
    from screening.v1 import questions as v1_questions
    from tests.report.test_report import pdf_text

    answers = json.loads((EXAMPLES / "v1_author_hip_centric.json").read_text())
    answers["diagnosis_explains"] = "yes"  # what version 1 got wrong for a diagnosed runner
    issued = scoring_v1.score(answers)
    old_apps = migrate(BEFORE)
    row = create_old_row(
        old_apps,
        Submission.fields_from(answers, instrument_version="1"),
        share_for_research=True,
        consent_version="1",
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    submission = Submission.objects.get(pk=row.pk)
    v1_label = str(v1_questions.label("diagnosis_explains"))

    page = admin_client.get(
        reverse("admin:screening_submission_change", args=[submission.pk])
    ).content.decode()
    assert v1_label.replace("'", "&#x27;") in page
    for flag in issued.flags:
        assert str(flag.rule.title).replace("'", "&#x27;") in page

    text = pdf_text(document.render_submission_pdf(submission))
    assert " ".join(v1_label.split()) in text
    assert "follow the existing diagnosis" in text

    response = admin_client.get(
        reverse("admin:screening_submission_export"),
        {"format": "csv", "profile": "pseudonymous", "reason": "reading an old row back"},
    )
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as package:
        rows = list(csv.DictReader(io.StringIO(package.read("submissions.csv").decode())))
    (exported,) = [r for r in rows if r["reference"] == submission.reference]
    assert exported["instrument_version"] == "1"
    assert exported["category"] == issued.category.value
    assert exported["diagnosis_explains"] == "yes"
