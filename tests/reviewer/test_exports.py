"""Exports: anonymous by default (k >= 5 on five quasi-identifiers), pseudonymous for
stewards with a reason, each a ZIP with its data package, every one audited."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from reviewer import anonymity, exports
from screening import audit, scoring, versions
from screening.instrument import ITEMS, Kind
from screening.models import AuditEntry, Submission
from tests.reviewers import make_submission
from tests.screening.examples import examples
from tests.strategies import valid_answers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

EXPORT = "admin:screening_submission_export"
AGGREGATES = "admin:screening_submission_export_aggregates"
REASON = "cohort check for the 2026 paper"
STEWARD = {"profile": "pseudonymous", "reason": REASON}
QUASI = anonymity.QUASI_IDENTIFIERS


def unzip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def download(client, url_name: str, params: dict) -> tuple[int, dict[str, str], object]:
    response = client.get(reverse(url_name), params)
    if response.status_code != 200:
        return response.status_code, {}, response
    assert response.streaming and response["Content-Type"] == "application/zip"
    return 200, unzip(b"".join(response.streaming_content)), response


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def alike(count: int, **changes) -> list[Submission]:
    """``count`` submissions sharing every quasi-identifier (so all pass k = 5)."""
    return [make_submission(**changes) for _ in range(count)]


# --- the anonymous profile --------------------------------------------------------


@pytest.mark.django_db
def test_the_anonymous_csv_bands_the_quasi_identifiers_and_drops_reference_and_day(
    reviewer_client,
):
    """minimal.json: age 34, 12 years running; weekly_km 63 added here."""
    rows = alike(5, age=34, onset_age=29, weekly_km=63, sex="female")
    status, files, response = download(reviewer_client, EXPORT, {"format": "csv"})
    assert status == 200
    assert set(files) == {"submissions.csv", "followups.csv", "datapackage.json"}
    assert "anonymous" in response["Content-Disposition"]
    table = csv_rows(files["submissions.csv"])
    assert len(table) == 5
    row = table[0]
    assert "reference" not in row and "created_on" not in row
    assert rows[0].reference not in files["submissions.csv"]
    assert row["row"] == "1" and [r["row"] for r in table] == ["1", "2", "3", "4", "5"]
    assert row["created_period"] == datetime.date.today().strftime("%Y-%m")
    assert row["disclosure_step"] == "0"
    assert (row["age_band"], row["onset_age_band"]) == ("30-34", "25-29")
    assert (row["running_years_band"], row["weekly_km_band"]) == ("10-14", "50-74")
    for exact in ("age", "onset_age", "running_years", "weekly_km", "own_words"):
        assert exact not in row
    # The working definition travels with each row (stored as issued).
    assert row["verdict"] == rows[0].verdict
    assert row["d2_coordination"] == rows[0].d2_coordination
    assert row["category"] == rows[0].category
    # Both versions' items: the current ones in order, then version 1's diagnosis_explains.
    assert list(row)[-1] == "diagnosis_explains"


@pytest.mark.django_db
def test_a_row_rarer_than_five_is_generalised_then_left_out_and_the_package_says_so(
    reviewer_client,
):
    """Five alike this month stay as they are. Four alike of last year's months,
    each alone in its month, are too few even with the year (4 < 5) and wider
    bands (4 < 5): left out. A fifth of another age band in the same year joins
    them at step 2 (age in 10-year bands: 30-39 holds 34 and 38)."""
    alike(5)
    last_year = datetime.date.today().year - 1
    for month in (1, 2, 3, 4):
        make_submission(created_on=datetime.date(last_year, month, 10))
    _, files, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    package = json.loads(files["datapackage.json"])
    assert len(csv_rows(files["submissions.csv"])) == 5
    assert package["stride"]["anonymity"]["rows_left_out"] == 4
    assert package["stride"]["rows"] == 5

    make_submission(age=38, created_on=datetime.date(last_year, 6, 1))
    _, files, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    table = csv_rows(files["submissions.csv"])
    summary = json.loads(files["datapackage.json"])["stride"]["anonymity"]
    assert summary["rows_at_each_step"] == [5, 0, 5, 0] and summary["rows_left_out"] == 0
    widened = [r for r in table if r["disclosure_step"] == "2"]
    assert len(widened) == 5
    assert {(r["age_band"], r["created_period"]) for r in widened} == {("30-39", str(last_year))}


@pytest.mark.django_db
def test_the_jsonl_export_keeps_lists_and_numbers(reviewer_client):
    alike(5, pain_level=1)
    _, files, _ = download(reviewer_client, EXPORT, {"format": "jsonl"})
    records = [json.loads(line) for line in files["submissions.jsonl"].splitlines()]
    assert len(records) == 5
    assert records[0]["sensations"] == ["tightness", "weakness"]
    assert records[0]["pain_level"] == 1
    assert records[0]["age_band"] == "30-34"
    assert records[0]["flags"] == []
    assert records[0]["disclosure_step"] == 0


@pytest.mark.django_db
def test_the_data_package_describes_every_column_and_the_values_fit_it(reviewer_client):
    """Every CSV column is named in the Table Schema in file order; every enum
    value is one of its codes (each with a label); lists split into codes; integers parse."""
    alike(5, sex="male", weekly_km=40, gait_signs=["trips", "toe_curl"])
    alike(5, sex="female", weekly_km=90, level="club")
    _, files, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    package = json.loads(files["datapackage.json"])
    resource, followups = package["resources"]
    assert resource["path"] == "submissions.csv" and resource["format"] == "csv"
    assert followups["path"] == "followups.csv"
    fields = resource["schema"]["fields"]
    table = csv_rows(files["submissions.csv"])
    assert [f["name"] for f in fields] == list(table[0])
    assert package["stride"]["instrument_versions"] == ["1", "2"]
    for spec in fields:
        assert spec["type"] in {"string", "integer", "list", "date"}
        codes = {c["value"] for c in spec.get("categories", [])}
        assert all(c["label"] for c in spec.get("categories", []))
        for row in table:
            value = row[spec["name"]]
            if value == "":
                continue
            if spec["type"] == "integer":
                int(value)
            elif spec["type"] == "list" and codes:
                assert set(value.split(spec["delimiter"])) <= codes, spec["name"]
            elif "constraints" in spec and "enum" in spec["constraints"]:
                assert value in spec["constraints"]["enum"], spec["name"]
    sex = next(f for f in fields if f["name"] == "sex")
    assert {c["value"] for c in sex["categories"]} == set(ITEMS["sex"].codes)


@pytest.mark.django_db
def test_exports_leave_out_unshared_submissions(steward_client):
    shared = make_submission()
    private = make_submission(shared=False)
    _, files, _ = download(steward_client, EXPORT, {"format": "csv", **STEWARD})
    body = files["submissions.csv"]
    assert shared.reference in body and private.reference not in body
    _, files, _ = download(steward_client, EXPORT, {"format": "jsonl", **STEWARD})
    references = [json.loads(line)["reference"] for line in files["submissions.jsonl"].splitlines()]
    assert references == [shared.reference]


@pytest.mark.django_db
def test_exports_follow_the_list_filters_and_search(steward_client):
    left = make_submission(side="left", own_words="left")
    right = make_submission(side="right", own_words="right")
    params = {"format": "csv", **STEWARD, "free_text": "1"}
    _, files, _ = download(steward_client, EXPORT, {**params, "side": "left"})
    assert [r["reference"] for r in csv_rows(files["submissions.csv"])] == [left.reference]
    _, files, _ = download(steward_client, EXPORT, {**params, "q": right.reference})
    rows = csv_rows(files["submissions.csv"])
    assert [(r["reference"], r["own_words"]) for r in rows] == [(right.reference, "right")]


# --- the pseudonymous profile: stewards, a reason, the audit log ------------------


@pytest.mark.django_db
def test_the_pseudonymous_profile_keeps_reference_day_and_exact_figures(steward_client):
    submission = make_submission(age=37, onset_age=29, weekly_km=63)
    _, files, _ = download(steward_client, EXPORT, {"format": "csv", **STEWARD})
    (row,) = csv_rows(files["submissions.csv"])
    assert row["reference"] == submission.reference
    assert row["created_on"] == submission.created_on.isoformat()
    assert (row["age"], row["onset_age"], row["running_years"], row["weekly_km"]) == (
        "37",
        "29",
        "12",
        "63",
    )
    assert "own_words" not in row  # free text only on request


@pytest.mark.django_db
def test_only_stewards_may_take_pseudonymous_rows_or_free_text(reviewer_client):
    make_submission(own_words="My left foot turns in.")
    assert download(reviewer_client, EXPORT, {"format": "csv", **STEWARD})[0] == 403
    free_text = {"format": "csv", **STEWARD, "free_text": "1"}
    assert download(reviewer_client, EXPORT, free_text)[0] == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.django_db
def test_a_pseudonymous_export_without_a_reason_is_refused_keeping_what_was_chosen(
    steward_client,
):
    make_submission()
    response = steward_client.get(
        reverse(EXPORT),
        {"format": "jsonl", "profile": "pseudonymous", "reason": " why ", "side": "left"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why you need pseudonymous rows" in page
    assert 'value="jsonl" id="format-jsonl" checked' in page
    assert 'value="pseudonymous" id="profile-pseudonymous" checked' in page
    assert '<input type="hidden" name="side" value="left">' in page
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.django_db
def test_free_text_is_left_out_unless_a_steward_asks_in_the_pseudonymous_profile(
    reviewer_client, steward_client
):
    alike(5, own_words="My left foot turns in.")
    _, files, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    assert "own_words" not in files["submissions.csv"]
    assert "left foot turns in" not in files["submissions.csv"]
    refused = steward_client.get(reverse(EXPORT), {"format": "csv", "free_text": "1"})
    assert refused.status_code == 400
    assert "pseudonymous profile only" in refused.content.decode()
    _, files, _ = download(steward_client, EXPORT, {"format": "csv", **STEWARD, "free_text": "1"})
    assert csv_rows(files["submissions.csv"])[0]["own_words"] == "My left foot turns in."


@pytest.mark.django_db
def test_each_export_is_audited_with_profile_reason_rows_and_outcome(steward_client):
    alike(6, side="left")
    make_submission(side="right")
    download(steward_client, EXPORT, {"format": "csv", **STEWARD, "side": "left"})
    download(steward_client, EXPORT, {"format": "jsonl"})
    pseudonymous, anonymous = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by(
        "id"
    )
    assert pseudonymous.username == "stan"
    assert (pseudonymous.rows, pseudonymous.outcome) == (6, AuditEntry.Outcome.COMPLETE)
    assert pseudonymous.reason == REASON and pseudonymous.query == "side=left"
    assert pseudonymous.detail == "csv, pseudonymous"
    # Side is not a quasi-identifier: all seven share one combination and are kept.
    assert (anonymous.rows, anonymous.outcome, anonymous.reason) == (7, "complete", "")


@pytest.mark.django_db
def test_an_export_cut_off_or_failing_is_audited_so():
    """The admin and the command stream through exports.streamed: a stream the
    client leaves is "interrupted", one that raises is "failed" (and re-raises)."""
    alike(5)
    shared = Submission.objects.filter(share_for_research=True)

    def started() -> AuditEntry:
        return audit.record_command(AuditEntry.Action.EXPORT, outcome="started")

    entry = started()
    chunks = exports.streamed(
        exports.Export(shared, "jsonl"), lambda n, outcome: audit.finish(entry, n, outcome)
    )
    next(chunks)
    chunks.close()  # what the server does when the client goes away
    entry.refresh_from_db()
    assert entry.outcome == AuditEntry.Outcome.INTERRUPTED

    def broken() -> list[tuple[str, str, str]]:
        raise RuntimeError("the statistics failed")

    entry = started()
    export = exports.Export(shared, "aggregate", aggregate_rows=broken)
    chunks = exports.streamed(export, lambda n, outcome: audit.finish(entry, n, outcome))
    with pytest.raises(RuntimeError):
        b"".join(chunks)
    entry.refresh_from_db()
    assert (entry.outcome, entry.rows) == (AuditEntry.Outcome.FAILED, 0)


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
        # Spaces and invisible characters a spreadsheet skips before a formula:
        # Zs, Cc and Cf characters, each before each formula character.
        *(
            f"{skipped}{formula}1"
            for skipped in ("\u00a0", "\u200b", "\ufeff", "\u3000", "\v", "\f", "\u2060")
            for formula in "=+-@"
        ),
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(steward_client, text):
    make_submission(own_words=text)
    params = {**STEWARD, "free_text": "1"}
    _, files, _ = download(steward_client, EXPORT, {"format": "csv", **params})
    assert csv_rows(files["submissions.csv"])[0]["own_words"] == "'" + text
    _, files, _ = download(steward_client, EXPORT, {"format": "jsonl", **params})
    assert json.loads(files["submissions.jsonl"])["own_words"] == text


@pytest.mark.django_db
def test_a_jsonl_record_stays_on_one_line_whatever_the_free_text(steward_client):
    """U+2028, U+2029 and U+0085 are legal in JSON, but line readers split records at them."""
    text = "one\u2028two\u2029three\x85four\nfive"
    make_submission(own_words=text)
    make_submission(own_words="second")
    params = {"format": "jsonl", **STEWARD, "free_text": "1"}
    _, files, _ = download(steward_client, EXPORT, params)
    records = [json.loads(line) for line in files["submissions.jsonl"].splitlines()]
    assert [r["own_words"] for r in records] == [text, "second"]


def test_age_bands_are_five_years_wide():
    assert [exports.age_band(a) for a in (29, 30, 34, 35)] == ["25-29", "30-34", "30-34", "35-39"]


# --- aggregates -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_aggregate_export_suppresses_groups_under_five(reviewer_client):
    for _ in range(5):
        make_submission(side="right")
    for _ in range(2):
        make_submission(side="left")
    _, files, _ = download(reviewer_client, AGGREGATES, {})
    table = csv.DictReader(io.StringIO(files["aggregates.csv"]))
    rows = {(r["table"], r["group"]): r["count"] for r in table}
    assert rows[("all", "submissions")] == "7"
    # The one rule (reviewer.disclosure): 2 is hidden, and 5 with it, since 7 - 5
    # would give the 2 back; a zero says nothing about anyone and stays.
    assert rows[("side", "right")] == rows[("side", "left")] == "suppressed"
    assert rows[("side", "both")] == "0"
    assert rows[("filters", "none")] == ""
    assert json.loads(files["datapackage.json"])["resources"][0]["path"] == "aggregates.csv"


@pytest.mark.django_db
def test_no_aggregates_are_exported_for_fewer_than_five_runners(reviewer_client):
    """With a small group the zeros and "<5"s would spell out each runner's answers."""
    for _ in range(4):
        make_submission(side="right")
    make_submission(side="left")
    status, files, _ = download(reviewer_client, AGGREGATES, {})
    assert status == 200 and "\nfilters,none,\n" in files["aggregates.csv"]
    one = reviewer_client.get(reverse(AGGREGATES), {"side": "left"})
    assert one.status_code == 400 and one["Content-Type"].startswith("text/html")
    assert "Fewer than 5 shared submissions match these filters" in one.content.decode()
    narrowed = reviewer_client.get(reverse(AGGREGATES), {"side": "right"})
    assert narrowed.status_code == 400  # 4 runners


@pytest.mark.django_db
def test_the_export_form_offers_the_pseudonymous_profile_only_to_stewards(
    reviewer_client, steward_client
):
    page = reviewer_client.get(reverse(EXPORT)).content.decode()
    assert 'name="free_text"' not in page and 'value="pseudonymous"' not in page
    assert 'value="anonymous" id="profile-anonymous" checked' in page
    page = steward_client.get(reverse(EXPORT)).content.decode()
    assert 'name="free_text"' in page and 'value="pseudonymous"' in page
    assert 'name="reason"' in page


# --- FHIR NDJSON ------------------------------------------------------------------


def ndjson(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.django_db
def test_the_fhir_export_is_ndjson_one_valid_resource_per_line(steward_client):
    """FHIR Bulk Data style: each line one resource; the pseudonymous profile keeps
    the public id, the reference and the day; the result read back equals the stored one."""
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    from screening import fhir

    shared = make_submission(age=37, onset_age=29, own_words="my own words")
    make_submission(shared=False)
    _, files, _ = download(steward_client, EXPORT, {"format": "fhir", **STEWARD})
    text = files["submissions.fhir.ndjson"]
    resources = ndjson(text)
    assert len(text.splitlines()) == len(resources) > 1
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    assert len(responses) + len(observations) == len(resources)
    for response in responses:
        QuestionnaireResponse.model_validate(response)
    for observation in observations:
        Observation.model_validate(observation)
    assert [r["id"] for r in responses] == [str(shared.public_id)]
    assert [r["identifier"]["value"] for r in responses] == [shared.reference]
    assert responses[0]["authored"] == shared.created_on.isoformat()
    assert "my own words" not in text
    decoded = fhir.result_from_observations(observations, responses[0]["questionnaire"])
    assert decoded == shared.result().to_dict()


@pytest.mark.django_db
def test_the_anonymous_fhir_export_has_no_reference_no_day_and_no_exact_figures(
    reviewer_client,
):
    rows = alike(5, weekly_km=63)
    _, files, _ = download(reviewer_client, EXPORT, {"format": "fhir"})
    text = files["submissions.fhir.ndjson"]
    responses = [r for r in ndjson(text) if r["resourceType"] == "QuestionnaireResponse"]
    assert len(responses) == 5
    for row in rows:
        assert row.reference not in text and str(row.public_id) not in text
    assert {r["authored"] for r in responses} == {datetime.date.today().strftime("%Y-%m")}
    assert all("identifier" not in r for r in responses)
    for link_id in ("age", "onset_age", "running_years", "weekly_km"):
        assert f'"linkId": "{link_id}"' not in text


@pytest.mark.django_db
def test_an_empty_fhir_export_is_an_empty_file(reviewer_client):
    make_submission(shared=False)
    _, files, _ = download(reviewer_client, EXPORT, {"format": "fhir"})
    assert files["submissions.fhir.ndjson"] == ""
    assert json.loads(files["datapackage.json"])["stride"]["rows"] == 0


# --- the command line --------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_command_writes_the_download_and_is_audited(tmp_path, steward_client):
    alike(5, side="left")
    alike(3, side="right")
    out = tmp_path / "export.zip"
    call_command("export", "--format", "csv", "side=left", "--out", str(out))
    from_command = unzip(out.read_bytes())
    _, downloaded, _ = download(steward_client, EXPORT, {"format": "csv", "side": "left"})
    assert from_command == downloaded
    assert len(csv_rows(from_command["submissions.csv"])) == 5
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("id").first()
    assert entry.username == "command line" and entry.user is None
    assert (entry.query, entry.rows, entry.outcome) == ("side=left", 5, "complete")
    assert "manage.py export" in entry.detail


@pytest.mark.django_db
def test_the_export_command_refuses_what_the_admin_refuses(tmp_path):
    make_submission()
    out = str(tmp_path / "x.zip")
    with pytest.raises(CommandError, match="--reason"):
        call_command("export", "--format", "csv", "--profile", "pseudonymous", "--out", out)
    with pytest.raises(CommandError, match="--free-text needs"):
        call_command("export", "--format", "csv", "--free-text", "--out", out)
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("export", "--format", "csv", "side", "--out", out)
    with pytest.raises(CommandError, match="not a filter"):
        call_command("export", "--format", "csv", "password=x", "--out", out)
    assert not AuditEntry.objects.exists()
    call_command(
        "export", "--format", "jsonl", "--profile", "pseudonymous", "--reason", REASON, "--out", out
    )
    assert AuditEntry.objects.get().reason == REASON


# --- 20,000 seeded rows -------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_export_of_20000_seeded_rows_is_k_anonymous_and_keeps_most(tmp_path):
    """No combination of age band, sex, years-running band, weekly-km band and
    period is shared by fewer than 5 rows, and at least half the rows are kept."""
    call_command("seed_submissions", "20000", "--seed", "7", stdout=io.StringIO())
    out = tmp_path / "export.zip"
    call_command("export", "--format", "csv", "--out", str(out))
    files = unzip(out.read_bytes())
    table = csv_rows(files["submissions.csv"])
    classes = Counter(tuple(row[q] for q in QUASI) for row in table)
    assert min(classes.values()) >= anonymity.K
    assert len(table) >= 10_000
    summary = json.loads(files["datapackage.json"])["stride"]["anonymity"]
    assert summary["rows_kept"] == len(table)
    assert summary["rows_kept"] + summary["rows_left_out"] == 20_000
    print(f"20,000 seeded rows: kept {len(table)}, steps {summary['rows_at_each_step']}")


# --- PostgreSQL's COPY path -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_postgresql_copy_writes_the_same_csv_as_python_filtered_or_not():
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
        "\u00a0=1",
        "\u200b+1",
        "\ufeff@x",
        "\u3000-1",
        "\v=1",
        "\f+1",
        "\u2060=1",
    ]
    for text in tricky:
        make_submission(own_words=text, what_helped="@home", side="left")
    make_submission()
    make_submission(shared=False, own_words="=never")
    shared = Submission.objects.filter(share_for_research=True)
    left = shared.filter(side="left")
    for queryset, count in ((shared, len(tricky) + 1), (left, len(tricky))):
        for free_text in (False, True):
            export = exports.Export(queryset, "csv", exports.Profile.PSEUDONYMOUS, free_text)
            server = "".join(
                c.decode() if isinstance(c, bytes) else c for c in export.data_chunks()
            )
            assert export.rows == count
            python = "".join(export._csv_chunks())
            assert server == python
            assert len(csv_rows(server)) == count


def test_every_item_kind_has_a_column_type():
    kinds = {ITEMS[item_id].kind for item_id in ITEMS}
    schema = exports.table_schema(exports.Profile.PSEUDONYMOUS, True)
    types = {f["type"] for f in schema["fields"]}
    assert kinds <= set(Kind) and {"string", "integer", "list", "date"} <= types


# --- follow-ups in every export ------------------------------------------------------


def add_followup(screening, *, shared=True, number=1, own_words=None):
    from screening import followup
    from screening.models import FollowUp

    raw = {
        "bladder_bowel_saddle": "no",
        "sudden_weakness": "no",
        "acute_limb": "no",
        "fu_course": "improving",
        "fu_walking": "none",
        "fu_running": "reduced",
        "fu_seen": ["neurologist"],
        "fu_outcome": "dystonia_confirmed",
    }
    if own_words:
        raw["fu_own_words"] = own_words
    return FollowUp.objects.create(
        submission=screening,
        number=number,
        share_for_research=shared,
        created_on=screening.created_on + datetime.timedelta(days=65),
        **FollowUp.fields_from(followup.validate(raw), screening),
    )


@pytest.mark.django_db
def test_shared_follow_ups_travel_with_their_rows_in_every_profile(reviewer_client, steward_client):
    """Five alike screenings; the third has two shared follow-ups and one not shared.
    Anonymous: linked by the row number, months instead of days, no free text.
    Pseudonymous: linked by reference, the day, free text on request."""
    rows = alike(5)
    add_followup(rows[2], own_words="Botox helped.")
    add_followup(rows[2], number=2)
    add_followup(rows[2], number=3, shared=False)
    _, files, _ = download(reviewer_client, EXPORT, {"format": "csv"})
    followups = csv_rows(files["followups.csv"])
    assert [(f["submission_row"], f["number"]) for f in followups] == [("3", "1"), ("3", "2")]
    assert followups[0]["months_after_screening"] == "2"
    assert followups[0]["outcome"] == "dystonia_confirmed"
    assert "Botox" not in files["followups.csv"] and "created_on" not in followups[0]
    package = json.loads(files["datapackage.json"])
    assert package["stride"]["followup_rows"] == 2
    schema = package["resources"][1]["schema"]
    assert [f["name"] for f in schema["fields"]] == list(followups[0])

    params = {"format": "jsonl", **STEWARD, "free_text": "1"}
    _, files, _ = download(steward_client, EXPORT, params)
    records = [json.loads(line) for line in files["followups.jsonl"].splitlines()]
    assert [(r["reference"], r["number"]) for r in records] == [
        (rows[2].reference, 1),
        (rows[2].reference, 2),
    ]
    assert records[0]["fu_own_words"] == "Botox helped."

    _, files, _ = download(steward_client, EXPORT, {"format": "fhir", **STEWARD})
    resources = [json.loads(line) for line in files["submissions.fhir.ndjson"].splitlines()]
    linked = [
        r
        for r in resources
        if r["resourceType"] == "QuestionnaireResponse" and "llc-followup" in r["questionnaire"]
    ]
    assert len(linked) == 2
    assert linked[0]["extension"][0]["valueReference"]["reference"] == (
        f"QuestionnaireResponse/{rows[2].public_id}"
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_the_anonymous_csv_copied_by_postgresql_is_what_the_records_say():
    """PostgreSQL writes the anonymous CSV itself (the plan in a temporary table, closed
    items from the closed answers column); row for row it is what the JSON-reading
    records (the JSONL's, and SQLite's CSV) give, and the follow-ups link the same rows."""
    call_command("seed_submissions", "400", "--seed", "7", stdout=io.StringIO())
    make_submission(weekly_km=0, running_years=0)
    make_submission()  # neither sex nor weekly km given: keys with NULL parts
    shared = Submission.objects.filter(share_for_research=True)
    for screening in shared.order_by("id")[10:400:40]:
        add_followup(screening)
    for queryset in (shared, shared.filter(sex="female")):
        fast = exports.Export(queryset, "csv")
        lines = "".join(c.decode() if isinstance(c, bytes) else c for c in fast._pg_csv_chunks())
        generic = exports.Export(queryset, "csv")
        columns = exports.header(exports.Profile.ANONYMOUS)
        expected = exports._Lines().row(columns) + "".join(
            exports._code_lines(generic.records(), columns)
        )
        assert fast.rows == generic.rows > 0
        assert lines == expected
        assert fast._row_of == generic._row_of
        assert fast._row_of  # some follow-ups link to kept rows
        # version 1's rows carry diagnosis_explains, the last column, from its place in
        # the closed answers; flags written from flag_mask come in the stored order
        rows = list(csv.reader(lines.splitlines()[1:]))
        assert {row[-1] for row in rows} > {""}
        assert any(";" in row[columns.index("flags")] for row in rows)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the covering index is PostgreSQL's")
def test_every_column_the_anonymous_copy_reads_is_in_the_covering_index():
    """Else the export falls back from an index-only scan to a table page per row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indexrelid = 'submission_stats_cover'::regclass"
        )
        indexed = {name for (name,) in cursor.fetchall()}
    read = {*exports.PgAnonymousCsv.READ_COLUMNS, "closed_answers"}
    assert read <= indexed


def test_flags_are_stored_in_the_order_of_the_current_rules_whatever_the_version():
    """The COPY export writes the flags from ``flag_mask``'s bits in the order of
    ``scoring.FLAG_RULES``: the stored list only while every version raises its flags
    in its rules' order and keeps its rules in that order."""
    order = [rule.code for rule in scoring.FLAG_RULES]
    for version in versions.VERSIONS:
        codes = [rule.code for rule in versions.scoring_for(version).FLAG_RULES]
        assert codes == [code for code in order if code in codes]


@examples(200)
@given(
    st.sampled_from(versions.VERSIONS).flatmap(
        lambda v: st.tuples(st.just(v), valid_answers(versions.instrument_for(v).ITEMS))
    )
)
def test_a_scored_results_flags_follow_the_rules_order(version_and_answers):
    version, answers = version_and_answers
    codes = versions.scoring_for(version).score(answers).flag_codes
    assert codes == sorted(codes, key=[rule.code for rule in scoring.FLAG_RULES].index)


def test_every_number_of_the_anonymous_export_is_a_column_copied_from_the_answers():
    """The COPY export reads only the covering index's columns: an item neither closed
    nor banded must be a column of its own, filled from the answers."""
    columns = {field.name for field in Submission._meta.concrete_fields}
    assert exports._NUMBER_COLUMNS
    assert set(exports._NUMBER_COLUMNS) <= columns
    answers = json.loads((EXAMPLES / "v2_triathlete_foot_centric_spread.json").read_text())
    fields = Submission.fields_from(answers)
    assert {c: fields[c] for c in exports._NUMBER_COLUMNS} == {
        c: answers.get(c) for c in exports._NUMBER_COLUMNS
    }


@pytest.mark.django_db
def test_the_plan_from_the_databases_grouped_keys_is_the_plan_of_the_rows():
    """The anonymity plan is made from a GROUP BY of first-step keys (integer division
    and the month in SQL); it is the plan ``make_plan`` makes from every row's exact
    facts, unknown sex and weekly km included."""
    call_command("seed_submissions", "300", "--seed", "11", stdout=io.StringIO())
    make_submission()  # neither sex nor weekly km
    make_submission(weekly_km=0, running_years=0)
    shared = Submission.objects.filter(share_for_research=True)
    for queryset in (shared, shared.filter(sex="male")):
        facts = [
            (age, sex or "", years, km, day)
            for age, sex, years, km, day in queryset.values_list(
                "age", "sex", "running_years", "weekly_km", "created_on"
            )
        ]
        expected = anonymity.make_plan(facts)
        made = exports.Export(queryset, "csv")._plan()
        assert made.step_of == expected.step_of
        assert (made.rows_at_step, made.rows_left_out) == (
            expected.rows_at_step,
            expected.rows_left_out,
        )
        assert made.rows_kept + made.rows_left_out == len(facts)
