"""CSV and JSON Lines exports: consented rows only, banded ages, no free text by default."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.urls import reverse

from reviewer import exports
from screening.instrument import ITEMS
from screening.models import Submission
from tests.reviewers import make_submission

EXPORT = "admin:screening_submission_export"
AGGREGATES = "admin:screening_submission_export_aggregates"


def download(client, url_name: str, params: dict) -> tuple[int, str, object]:
    response = client.get(reverse(url_name), params)
    if response.status_code != 200:
        return response.status_code, "", response
    body = b"".join(response.streaming_content).decode()
    return response.status_code, body, response


def csv_rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.django_db
def test_the_csv_has_one_column_per_item_with_ages_as_bands(reviewer_client):
    submission = make_submission(age=37, onset_age=29)
    status, body, response = download(reviewer_client, EXPORT, {"format": "csv"})
    assert status == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    (row,) = csv_rows(body)
    assert row["reference"] == submission.reference
    assert row["age_band"] == "35-39"
    assert row["onset_age_band"] == "25-29"
    assert "age" not in row and "onset_age" not in row
    assert row["sensations"] == "tightness;weakness"
    assert row["category"] == submission.category
    # Both versions' items: the current ones in order, then version 1's diagnosis_explains.
    expected_items = [i for i in exports.ITEMS if i not in ("own_words", "what_helped")]
    assert expected_items[: len(ITEMS) - 2] == [
        i for i in ITEMS if i not in ("own_words", "what_helped")
    ]
    assert expected_items[-1] == "diagnosis_explains"
    assert list(row)[len(exports.META_COLUMNS) :] == [
        f"{i}_band" if i in ("age", "onset_age") else i for i in expected_items
    ]


@pytest.mark.django_db
def test_exports_leave_out_unshared_submissions(reviewer_client):
    shared = make_submission()
    private = make_submission(shared=False)
    _, body, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    assert shared.reference in body and private.reference not in body
    _, jsonl, _ = download(reviewer_client, EXPORT, {"format": "jsonl"})
    references = [json.loads(line)["reference"] for line in jsonl.splitlines()]
    assert references == [shared.reference]


@pytest.mark.django_db
def test_exports_follow_the_list_filters(reviewer_client):
    left = make_submission(side="left")
    make_submission(side="right")
    _, body, _ = download(reviewer_client, EXPORT, {"format": "csv", "side": "left"})
    assert [row["reference"] for row in csv_rows(body)] == [left.reference]


@pytest.mark.django_db
def test_free_text_is_left_out_unless_a_steward_asks(reviewer_client, steward_client):
    make_submission(own_words="My left foot turns in.")
    _, body, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    assert "own_words" not in body and "left foot turns in" not in body
    status, _, _ = download(reviewer_client, EXPORT, {"format": "csv", "free_text": "1"})
    assert status == 403
    _, with_text, _ = download(steward_client, EXPORT, {"format": "csv", "free_text": "1"})
    assert csv_rows(with_text)[0]["own_words"] == "My left foot turns in."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x.example","y")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        " =1+1",  # a spreadsheet that trims leading spaces would see a formula
        "\n=1+1",
        "＝1+1",  # full-width equals sign
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(steward_client, text):
    make_submission(own_words=text)
    _, body, _ = download(steward_client, EXPORT, {"format": "csv", "free_text": "1"})
    cell = csv_rows(body)[0]["own_words"]
    assert cell == "'" + text
    _, jsonl, _ = download(steward_client, EXPORT, {"format": "jsonl", "free_text": "1"})
    assert json.loads(jsonl)["own_words"] == text


@pytest.mark.django_db
def test_a_jsonl_record_stays_on_one_line_whatever_the_free_text(steward_client):
    """U+2028, U+2029 and U+0085 are legal in JSON, but line readers split records at them."""
    text = "one\u2028two\u2029three\x85four\nfive"
    make_submission(own_words=text)
    make_submission(own_words="second")
    _, jsonl, _ = download(steward_client, EXPORT, {"format": "jsonl", "free_text": "1"})
    records = [json.loads(line) for line in jsonl.splitlines()]
    assert [r["own_words"] for r in records] == [text, "second"]


@pytest.mark.django_db
def test_the_jsonl_export_keeps_lists_and_numbers(reviewer_client):
    make_submission(pain_level=1)
    _, body, response = download(reviewer_client, EXPORT, {"format": "jsonl"})
    record = json.loads(body)
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert record["sensations"] == ["tightness", "weakness"]
    assert record["pain_level"] == 1
    assert record["age_band"] == "30-34"
    assert record["flags"] == []


@pytest.mark.django_db
def test_the_aggregate_export_suppresses_groups_under_five(reviewer_client):
    for _ in range(5):
        make_submission(side="right")
    for _ in range(2):
        make_submission(side="left")
    _, body, _ = download(reviewer_client, AGGREGATES, {})
    rows = {(r["table"], r["group"]): r["count"] for r in csv.DictReader(io.StringIO(body))}
    assert rows[("all", "submissions")] == "7"
    # 7 - 5 would give the 2 back, and 5 would say "exactly 2 others": all hidden.
    assert rows[("side", "right")] == rows[("side", "left")] == "suppressed"
    assert rows[("side", "both")] == "suppressed"
    assert rows[("filters", "none")] == ""


@pytest.mark.django_db
def test_no_aggregates_are_exported_for_fewer_than_five_runners(reviewer_client):
    """With a small group the zeros and "<5"s would spell out each runner's answers."""
    for _ in range(4):
        make_submission(side="right")
    make_submission(side="left")
    whole = reviewer_client.get(reverse(AGGREGATES))
    assert whole.status_code == 200
    assert "\nfilters,none,\n" in b"".join(whole.streaming_content).decode()
    one = reviewer_client.get(reverse(AGGREGATES), {"side": "left"})
    assert one.status_code == 400 and one["Content-Type"].startswith("text/html")
    assert "Fewer than 5 shared submissions match these filters" in one.content.decode()
    narrowed = reviewer_client.get(reverse(AGGREGATES), {"side": "right"})
    assert narrowed.status_code == 400  # 4 runners


@pytest.mark.django_db
def test_the_export_form_offers_free_text_only_to_stewards(reviewer_client, steward_client):
    assert "free_text" not in reviewer_client.get(reverse(EXPORT)).text
    assert 'name="free_text"' in steward_client.get(reverse(EXPORT)).text


def test_age_bands_are_five_years_wide():
    assert [exports.age_band(a) for a in (29, 30, 34, 35)] == ["25-29", "30-34", "30-34", "35-39"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_postgresql_copy_writes_the_same_csv_as_python():
    tricky = [
        'He said "fine", then: no.',
        "two\nlines\r\nand a\ttab",
        "a bare\rcarriage return",
        "=1+1",
        " =1+1",
        "\n@cmd",
        "＋1",
        "\tstarts with a tab",
        "-3 km",
        "ünïcödé ✓ and a ; semicolon",
    ]
    for text in tricky:
        make_submission(own_words=text, what_helped="@home", side="left")
    make_submission()
    make_submission(shared=False, own_words="=never")
    queryset = Submission.objects.filter(share_for_research=True).order_by("id")
    for free_text in (False, True):
        server = "".join(
            c.decode() if isinstance(c, bytes) else c
            for c in exports.pg_csv_chunks(queryset, free_text)
        )
        python = "".join(exports.csv_lines(queryset, free_text))
        assert server == python


@pytest.mark.django_db
def test_the_fhir_export_is_a_valid_bundle_of_shared_submissions_without_exact_ages(
    reviewer_client,
):
    """Issue 7: FHIR as a third format. Each shared submission gives its
    QuestionnaireResponse and result Observations; unshared ones, exact ages and
    free text stay out, and the result read back equals the stored one."""
    from fhir.resources.R4B.bundle import Bundle

    from screening import fhir

    shared = make_submission(age=37, onset_age=29, own_words="my own words")
    make_submission(shared=False)
    status, body, response = download(reviewer_client, EXPORT, {"format": "fhir"})
    assert status == 200 and response.streaming
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = json.loads(body)
    Bundle.model_validate(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert [r["id"] for r in responses] == [str(shared.public_id)]
    # The reference, as in the CSV and JSON Lines: what the admin's search finds.
    assert [r["identifier"]["value"] for r in responses] == [shared.reference]
    link_ids = json.dumps(responses[0])
    assert '"age"' not in link_ids and '"onset_age"' not in link_ids
    assert "my own words" not in body
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    decoded = fhir.result_from_observations(observations, responses[0]["questionnaire"])
    assert decoded == shared.result().to_dict()


@pytest.mark.django_db
def test_an_empty_fhir_export_is_still_a_valid_bundle(reviewer_client):
    from fhir.resources.R4B.bundle import Bundle

    make_submission(shared=False)
    _, body, _ = download(reviewer_client, EXPORT, {"format": "fhir"})
    assert json.loads(body) == {"resourceType": "Bundle", "type": "collection"}
    Bundle.model_validate(json.loads(body))
