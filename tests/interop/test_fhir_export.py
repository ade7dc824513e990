"""``manage.py export_fhir`` and ``fhir.bundle_for_submissions`` on the real database."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from screening import fhir
from screening.instrument import validate
from screening.models import Submission
from tests.screening.test_fhir import assert_valid


def submit(answers: dict, *, shared: bool, day: datetime.date) -> Submission:
    return Submission.objects.create(
        **Submission.fields_from(validate(answers)), share_for_research=shared, created_on=day
    )


def bundles_in(folder: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(folder.glob("Bundle-*.json"))]


def responses_of(bundle: dict) -> list[dict]:
    return [
        e["resource"]
        for e in bundle.get("entry", [])
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]


@pytest.fixture
def five_submissions(minimal_answers) -> list[Submission]:
    """Three shared (ages 31, 32, 33, on 1-3 March) and two not shared."""
    shared = [
        submit({**minimal_answers, "age": 30 + n}, shared=True, day=datetime.date(2025, 3, n))
        for n in (3, 1, 2)
    ]
    for n in (4, 5):
        submit({**minimal_answers, "age": 40 + n}, shared=False, day=datetime.date(2025, 3, n))
    return shared


@pytest.mark.django_db
def test_it_exports_only_shared_submissions_in_batches(tmp_path, five_submissions):
    call_command("export_fhir", "--out", str(tmp_path), "--batch-size", "2")
    bundles = bundles_in(tmp_path)
    assert [len(responses_of(b)) for b in bundles] == [2, 1]
    responses = [r for b in bundles for r in responses_of(b)]
    assert [r["authored"] for r in responses] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    ages = [fhir.answers_from_response(r)["age"] for r in responses]
    assert ages == [31, 32, 33]


@pytest.mark.django_db
def test_every_exported_file_validates(tmp_path, five_submissions):
    call_command("export_fhir", "--out", str(tmp_path), "--batch-size", "2")
    questionnaire = json.loads((tmp_path / "Questionnaire-llc-screen.json").read_text())
    assert questionnaire == fhir.questionnaire()
    for path in tmp_path.glob("*.json"):
        assert_valid(json.loads(path.read_text()))
    for bundle in bundles_in(tmp_path):
        assert bundle["type"] == "collection"


@pytest.mark.django_db
def test_each_exported_response_matches_its_submission(tmp_path, five_submissions):
    call_command("export_fhir", "--out", str(tmp_path))
    by_id = {str(s.public_id): s for s in five_submissions}
    (bundle,) = bundles_in(tmp_path)
    resources = [e["resource"] for e in bundle["entry"]]
    for response in responses_of(bundle):
        submission = by_id[response["id"]]
        assert fhir.answers_from_response(response) == submission.answers
        observations = [
            r
            for r in resources
            if r["resourceType"] == "Observation"
            and r["derivedFrom"] == [{"reference": f"urn:uuid:{response['id']}"}]
        ]
        read_back = fhir.result_from_observations(observations, response["questionnaire"])
        assert read_back == submission.result().to_dict()


@pytest.mark.django_db
def test_the_research_export_carries_no_reference(tmp_path, five_submissions):
    call_command("export_fhir", "--out", str(tmp_path))
    text = "".join(path.read_text() for path in tmp_path.glob("Bundle-*.json"))
    assert all(s.reference not in text for s in five_submissions)
    assert "identifier" not in text


@pytest.mark.django_db
def test_it_removes_bundles_left_by_an_earlier_export(tmp_path, five_submissions):
    call_command("export_fhir", "--out", str(tmp_path), "--batch-size", "1")
    assert len(bundles_in(tmp_path)) == 3
    Submission.objects.filter(pk=five_submissions[0].pk).update(share_for_research=False)
    call_command("export_fhir", "--out", str(tmp_path), "--batch-size", "1")
    assert len(bundles_in(tmp_path)) == 2


@pytest.mark.django_db
def test_with_nothing_shared_it_writes_the_questionnaire_only(tmp_path):
    call_command("export_fhir", "--out", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "CodeSystem-llc-screen-answers.json",
        "CodeSystem-llc-screen-result.json",
        "Questionnaire-llc-screen-1.json",
        "Questionnaire-llc-screen.json",
    ]


@pytest.mark.django_db
def test_it_refuses_a_batch_size_below_one(tmp_path):
    with pytest.raises(CommandError, match="batch-size"):
        call_command("export_fhir", "--out", str(tmp_path), "--batch-size", "0")


@pytest.mark.django_db
def test_the_reviewer_bundle_can_carry_the_reference(five_submissions):
    bundle = fhir.bundle_for_submissions(Submission.objects.all(), with_reference=True)
    assert_valid(bundle)
    identifiers = {r["identifier"]["value"] for r in responses_of(bundle)}
    assert identifiers == set(Submission.objects.values_list("reference", flat=True))
    assert len(identifiers) == 5


@pytest.mark.django_db
def test_it_refuses_a_submission_whose_version_disagrees_with_its_result(minimal_answers):
    submission = submit(minimal_answers, shared=True, day=datetime.date(2025, 3, 1))
    submission.instrument_version = "1"
    with pytest.raises(ValueError, match="instrument version 1"):
        fhir.bundle_for_submissions([submission])


@pytest.mark.django_db
def test_a_version_1_submission_is_exported_with_its_own_questionnaire(tmp_path, minimal_answers):
    from screening.v1 import instrument as v1_instrument

    v1_answers = {k: v for k, v in minimal_answers.items() if k != "prior_diagnosis"}
    v1_answers.update(exam_ortho="clear_cause", diagnosis_explains="yes")
    old = Submission.objects.create(
        **Submission.fields_from(v1_instrument.validate(v1_answers), instrument_version="1"),
        share_for_research=True,
        created_on=datetime.date(2025, 3, 1),
    )
    submit(minimal_answers, shared=True, day=datetime.date(2025, 3, 2))
    call_command("export_fhir", "--out", str(tmp_path))
    assert json.loads((tmp_path / "Questionnaire-llc-screen-1.json").read_text()) == (
        fhir.questionnaire("1")
    )
    (bundle,) = bundles_in(tmp_path)
    assert_valid(bundle)
    first, second = responses_of(bundle)
    assert first["id"] == str(old.public_id)
    assert first["questionnaire"] == fhir.canonical("1")
    assert second["questionnaire"] == fhir.canonical("2")
    link_ids = {i["linkId"] for group in first["item"] for i in group["item"]}
    assert "diagnosis_explains" in link_ids and "prior_diagnosis" not in link_ids
    observations = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["derivedFrom"] == [{"reference": f"urn:uuid:{old.public_id}"}]
    ]
    read_back = fhir.result_from_observations(observations, first["questionnaire"])
    assert read_back == old.result().to_dict()
    assert read_back["scoring_version"] == old.issued_result["scoring_version"] == "1.0.0"


@pytest.mark.django_db
def test_free_text_is_left_out_unless_asked_for(tmp_path, minimal_answers):
    words = {"own_words": "It started after my first marathon", "what_helped": "Trails"}
    submit({**minimal_answers, **words}, shared=True, day=datetime.date(2025, 3, 1))
    call_command("export_fhir", "--out", str(tmp_path / "plain"))
    call_command("export_fhir", "--out", str(tmp_path / "full"), "--free-text")
    (plain,) = responses_of(bundles_in(tmp_path / "plain")[0])
    (full,) = responses_of(bundles_in(tmp_path / "full")[0])
    assert set(words).isdisjoint(fhir.answers_from_response(plain))
    assert fhir.answers_from_response(full) == validate({**minimal_answers, **words})
