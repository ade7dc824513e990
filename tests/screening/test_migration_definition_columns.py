"""Rows stored before the definition had columns get them from their issued result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from screening.models import DEFINITION_FIELDS, Submission

BEFORE = [("screening", "0007_rendered_pdf")]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("example", "version"),
    [("v3_marathoner_runners_dystonia.json", "1"), ("v3_marathoner_runners_dystonia.json", "2")],
)
def test_the_upgrade_copies_the_issued_definition_not_a_new_score(example, version):
    """The verdict and d1-d7 columns hold what the stored result says, even when it
    differs from what scoring the answers now would give: the stored result is
    altered by hand here (d2 "partly", verdict "partly_met") and the columns follow it."""
    folder = EXAMPLES / "v1" if version == "1" else EXAMPLES
    answers = json.loads((folder / example).read_text())
    old_apps = migrate(BEFORE)
    old_model = old_apps.get_model("screening", "Submission")
    fields = Submission.fields_from(answers, instrument_version=version)
    issued = fields["issued_result"]
    issued["definition"]["verdict"] = "partly_met"
    issued["definition"]["components"]["d2_coordination"] = "partly"
    existing = {field.name for field in old_model._meta.get_fields()}
    row = old_model.objects.create(**{k: v for k, v in fields.items() if k in existing})

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    stored = Submission.objects.values(*DEFINITION_FIELDS).get(pk=row.pk)
    assert stored == {"verdict": "partly_met", **issued["definition"]["components"]}
    assert stored["d2_coordination"] == "partly"
    assert all(stored[field] for field in DEFINITION_FIELDS)


@pytest.mark.django_db
def test_a_new_submission_stores_the_definition_of_its_result():
    answers = json.loads((EXAMPLES / "v3_marathoner_runners_dystonia.json").read_text())
    submission = Submission.objects.create(**Submission.fields_from(answers))
    result = submission.result()
    assert submission.verdict == result.verdict.value
    assert [getattr(submission, cid) for cid, _ in result.components] == [
        status.value for _, status in result.components
    ]
