"""The closed answers string (screening.closed_answers): every enum and multi answer has a
place and reads back as it was given, for both instrument versions, and stored rows get it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given

from screening import closed_answers, instrument
from screening.models import Submission
from screening.v1 import instrument as v1
from tests.screening.examples import examples
from tests.strategies import valid_answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLOSED = (instrument.Kind.ENUM, instrument.Kind.MULTI)


def read_back(text: str) -> dict[str, list[str] | None]:
    return {
        item_id: slot.decode(text[slot.start - 1 : slot.start - 1 + slot.width])
        for item_id, slot in closed_answers.SLOTS.items()
    }


def given_closed(answers: dict, items) -> dict[str, list[str] | None]:
    """What the string should say of each slot: the codes given, in the item's order."""
    expected: dict[str, list[str] | None] = {}
    for item_id, slot in closed_answers.SLOTS.items():
        value = answers.get(item_id)
        if value is None:
            expected[item_id] = None
        elif slot.multi:
            expected[item_id] = [code for code in slot.codes if code in value]
        else:
            expected[item_id] = [value]
    return expected


@examples(300)
@given(valid_answers())
def test_every_current_closed_answer_reads_back(answers):
    text = closed_answers.encode(answers)
    assert len(text) == closed_answers.WIDTH
    assert read_back(text) == given_closed(answers, instrument.ITEMS)


@examples(200)
@given(valid_answers(v1.ITEMS))
def test_every_version_1_closed_answer_reads_back(answers):
    """Version 1 codes that version 2 no longer lists still have a place."""
    assert read_back(closed_answers.encode(answers)) == given_closed(answers, v1.ITEMS)


def test_every_closed_item_of_any_version_has_a_slot_current_ones_first_in_order():
    closed = [item.id for item in instrument.ITEMS.values() if item.kind in CLOSED]
    retired = [
        item.id
        for item in v1.ITEMS.values()
        if item.kind in CLOSED and item.id not in instrument.ITEMS
    ]
    assert retired == ["diagnosis_explains"]
    assert list(closed_answers.SLOTS) == closed + retired
    starts = [slot.start for slot in closed_answers.SLOTS.values()]
    assert starts == sorted(set(starts))
    last = list(closed_answers.SLOTS.values())[-1]
    assert last.start + last.width - 1 == closed_answers.WIDTH


def test_the_layout_is_pinned():
    """A stored string is read with today's layout: if this fails, the layout changed, and a
    migration must rewrite ``closed_answers`` from the answers (as 0011 and 0012 fill
    it) before the new signature is written here."""
    assert closed_answers.signature() == "5940b2917643"


@pytest.mark.django_db
def test_a_new_submission_stores_its_closed_answers():
    answers = json.loads((EXAMPLES / "v2_triathlete_foot_centric_spread.json").read_text())
    submission = Submission.objects.create(**Submission.fields_from(answers))
    submission.refresh_from_db()
    assert read_back(submission.closed_answers) == given_closed(answers, instrument.ITEMS)


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_fills_the_closed_answers_and_quasi_identifiers_of_stored_rows():
    executor = MigrationExecutor(connection)
    executor.migrate([("screening", "0010_followup")])
    old_model = executor.loader.project_state([("screening", "0010_followup")]).apps.get_model(
        "screening", "Submission"
    )
    existing = {field.name for field in old_model._meta.get_fields()}
    stored = []
    for path, version in ((EXAMPLES / "v1" / "v1_author_hip_centric.json", "1"),) + tuple(
        (path, "2") for path in sorted(EXAMPLES.glob("v*.json"))[:3]
    ):
        answers = json.loads(path.read_text())
        fields = Submission.fields_from(answers, instrument_version=version)
        row = old_model.objects.create(**{k: v for k, v in fields.items() if k in existing})
        stored.append((row.pk, answers))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for pk, answers in stored:
        text, years, km = Submission.objects.values_list(
            "closed_answers", "running_years", "weekly_km"
        ).get(pk=pk)
        assert text == closed_answers.encode(answers)
        assert (years, km) == (answers.get("running_years"), answers.get("weekly_km"))
        pain = Submission.objects.values_list("pain_level", flat=True).get(pk=pk)
        assert pain == answers["pain_level"]  # 0012, for rows 0011 wrote in today's layout
        assert any(answers.get("weekly_km") for _, answers in stored)
        assert text != "" and text != closed_answers.MISSING * closed_answers.WIDTH


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_to_0012_rewrites_the_closed_answers_and_fills_the_pain_level():
    """Rows stored under 0011's layout (today's without the retired items' places at
    the end) read back in today's layout, version 1's diagnosis_explains included; a
    row whose string was never filled is rewritten from its answers."""
    before = [("screening", "0011_closed_answers")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_model = executor.loader.project_state(before).apps.get_model("screening", "Submission")
    existing = {field.name for field in old_model._meta.get_fields()}
    old_width = closed_answers.SLOTS["diagnosis_explains"].start - 1
    stored = []
    for path, version, width in (
        (EXAMPLES / "v1" / "v1_author_hip_centric.json", "1", old_width),
        (EXAMPLES / "v2_triathlete_foot_centric_spread.json", "2", old_width),
        (EXAMPLES / "v1" / "v1_author_hip_centric.json", "1", 0),
        (EXAMPLES / "v2_triathlete_foot_centric_spread.json", "2", 0),
    ):
        answers = json.loads(path.read_text())
        fields = Submission.fields_from(answers, instrument_version=version)
        fields["closed_answers"] = fields["closed_answers"][:width]
        row = old_model.objects.create(**{k: v for k, v in fields.items() if k in existing})
        stored.append((row.pk, answers))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    explains = closed_answers.SLOTS["diagnosis_explains"]
    for pk, answers in stored:
        text, pain = Submission.objects.values_list("closed_answers", "pain_level").get(pk=pk)
        assert text == closed_answers.encode(answers)
        assert pain == answers["pain_level"]
        given = answers.get("diagnosis_explains")
        assert explains.decode(text[explains.start - 1]) == (given and [given])
    assert any(answers.get("diagnosis_explains") for _, answers in stored)
