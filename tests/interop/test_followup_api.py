"""POST /api/v1/followup/score and `screen --followup`: the follow-up result, errors
naming the item (screening.X / followup.X), nothing stored."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from screening import followup
from screening.models import Submission
from screening.scoring import score

URL = "/api/v1/followup/score"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "followup"
FOLLOWUP = json.loads((EXAMPLE / "worse_after_dystonia_diagnosis.json").read_text())


def post(client, body):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json")


@pytest.mark.django_db
def test_it_returns_the_followup_result_and_stores_nothing(client, minimal_answers):
    """minimal.json: walking none, category from score(); the follow-up walks
    slightly worse and is worsening: worse_since; dystonia confirmed."""
    response = post(client, {"screening": minimal_answers, "followup": FOLLOWUP})
    assert response.status_code == 200
    expected = followup.score(
        followup.validate(FOLLOWUP), minimal_answers, score(minimal_answers).to_dict()
    ).to_dict()
    data = response.json()
    assert data == expected
    assert data["change_walking"] == "worse"
    assert [f["code"] for f in data["flags"]] == ["worse_since"]
    assert data["outcome"] == {"code": "dystonia_confirmed", "detail": None}
    assert data["screen_category"] == score(minimal_answers).category.value
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_errors_name_the_item_and_which_questionnaire_it_belongs_to(client, minimal_answers):
    bad = {**FOLLOWUP, "fu_outcome": "vascular", "fu_outcome_detail": "knee", "fu_extra": 1}
    response = post(client, {"screening": {**minimal_answers, "age": 5}, "followup": bad})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"screening.age", "followup.fu_outcome_detail", "followup.fu_extra"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["{", "[]", '{"screening": {}}', '{"screening": {}, "followup": {}, "x": 1}']
)
def test_a_body_of_the_wrong_shape_is_a_400_naming_the_body(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]


@pytest.mark.django_db
def test_the_openapi_document_describes_it(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/followup/score"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "413", "415", "429"}
    schemas = document["components"]["schemas"]
    assert set(schemas["FollowUpAnswers"]["properties"]) == set(followup.ITEMS)
    assert schemas["FollowUpResult"]["properties"]["instrument"] == {"const": "llc-followup"}


def test_screen_followup_prints_the_result(tmp_path):
    screening = Path(__file__).resolve().parents[2] / "examples" / "minimal.json"
    out = StringIO()
    call_command(
        "screen",
        "--followup",
        str(EXAMPLE / "worse_after_dystonia_diagnosis.json"),
        "--screening",
        str(screening),
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["instrument"] == "llc-followup" and data["course"] == "worsening"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**FOLLOWUP, "fu_course": "better"}))
    with pytest.raises(CommandError, match="followup: fu_course"):
        call_command("screen", "--followup", str(bad), "--screening", str(screening))
    with pytest.raises(CommandError, match="--screening FILE"):
        call_command("screen", "--followup", str(bad))
