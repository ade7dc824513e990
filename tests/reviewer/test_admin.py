"""The reviewer's workspace in the Django admin: roles, list, detail, audit, hardening."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviewer import admin as screening_admin
from screening.models import AuditEntry, Submission
from tests.reviewers import PASSWORD, make_submission, staff

LIST = "admin:screening_submission_changelist"
STATS = "admin:screening_submission_stats"
EXPORT = "admin:screening_submission_export"
AGGREGATES = "admin:screening_submission_export_aggregates"


def change_url(submission: Submission) -> str:
    return reverse("admin:screening_submission_change", args=[submission.pk])


# --- roles ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_creates_the_two_roles_with_their_permissions():
    reviewers = set(
        Group.objects.get(name="reviewers").permissions.values_list("codename", flat=True)
    )
    stewards = set(
        Group.objects.get(name="data stewards").permissions.values_list("codename", flat=True)
    )
    assert reviewers == {"view_submission"}
    assert stewards == {
        "view_submission",
        "delete_submission",
        "view_auditentry",
        "export_free_text",
        "export_pseudonymous",
        "run_retention",
    }


@pytest.mark.django_db
def test_it_lists_only_shared_submissions(reviewer_client):
    shared = make_submission(shared=True)
    private = make_submission(shared=False)
    response = reviewer_client.get(reverse(LIST))
    assert response.status_code == 200
    assert shared.reference in response.text
    assert private.reference not in response.text
    assert "1 submission" in response.text


@pytest.mark.django_db
def test_it_hides_an_unshared_submission_behind_404(reviewer_client):
    private = make_submission(shared=False)
    assert reviewer_client.get(change_url(private)).status_code == 404


@pytest.mark.django_db
def test_it_refuses_a_staff_member_without_a_role(client):
    client.force_login(staff("nobody", None))
    assert client.get(reverse(LIST)).status_code == 403
    # Every page of the workspace, the export form included.
    for name in (
        "admin:screening_submission_stats",
        "admin:screening_submission_export",
        AGGREGATES,
    ):
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.django_db
def test_it_lets_nobody_add_or_edit_a_submission_not_even_a_superuser(client):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    submission = make_submission()
    assert client.get(reverse("admin:screening_submission_add")).status_code == 403
    response = client.post(change_url(submission), {"category": "llc_consistent"})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.category == Submission.fields_from(submission.answers)["category"]


@pytest.mark.django_db
def test_it_does_not_let_a_reviewer_delete(reviewer_client):
    submission = make_submission()
    delete_url = reverse("admin:screening_submission_delete", args=[submission.pk])
    assert reviewer_client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = reviewer_client.post(
        reverse(LIST), {"action": "delete_selected", "_selected_action": [submission.pk]}
    )
    assert bulk.status_code in (200, 302)
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert 'name="_selected_action"' not in reviewer_client.get(reverse(LIST)).text


@pytest.mark.django_db
def test_a_steward_deletes_and_the_deletion_is_audited(steward_client, steward):
    submission = make_submission()
    delete_url = reverse("admin:screening_submission_delete", args=[submission.pk])
    response = steward_client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    assert not Submission.objects.filter(pk=submission.pk).exists()
    entry = AuditEntry.objects.get(action="delete")
    assert (entry.user, entry.object_ref) == (steward, submission.reference)


@pytest.mark.django_db
def test_the_detail_and_a_deletion_lead_back_to_the_filtered_list(steward_client):
    submission = make_submission(side="left")
    came_from = {"_changelist_filters": "side=left&category=" + submission.category}
    detail = steward_client.get(change_url(submission), came_from)
    back = f"{reverse(LIST)}?side=left&amp;category={submission.category}"
    assert f'href="{back}"' in detail.text
    delete_url = reverse("admin:screening_submission_delete", args=[submission.pk])
    assert f'href="{delete_url}?_changelist_filters=side%3Dleft%26category%3D' in detail.text
    done = steward_client.post(delete_url + "?" + urlencode(came_from), {"post": "yes"})
    assert done.status_code == 302
    assert done.url == f"{reverse(LIST)}?side=left&category={submission.category}"
    assert not Submission.objects.filter(pk=submission.pk).exists()


@pytest.mark.django_db
def test_a_steward_bulk_delete_audits_each_submission(steward_client):
    first, second = make_submission(), make_submission()
    response = steward_client.post(
        reverse(LIST),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Submission.objects.count() == 0
    audited = set(AuditEntry.objects.filter(action="delete").values_list("object_ref", flat=True))
    assert audited == {first.reference, second.reference}


@pytest.mark.django_db
@pytest.mark.parametrize("selected", ["abc", "99999999999999999999", "-1", "١"])
@pytest.mark.parametrize("confirmed", [False, True])
def test_a_selection_that_is_no_id_deletes_nothing_and_says_so(steward_client, selected, confirmed):
    """A hand-made request: Django would filter on it and fail with a 500."""
    kept = make_submission()
    form = {"action": "delete_selected", "_selected_action": [str(kept.pk), selected]}
    response = steward_client.post(
        reverse(LIST), {**form, **({"post": "yes"} if confirmed else {})}
    )
    assert response.status_code == 400
    assert "could not be read" in response.text
    assert Submission.objects.filter(pk=kept.pk).exists()


# --- list: filters, search, counts -------------------------------------------------------


@pytest.mark.django_db
def test_it_filters_on_several_flags_at_once(reviewer_client):
    foot_and_walking = make_submission(first_region="foot_ankle_toes", walking="significant")
    foot_only = make_submission(first_region="foot_ankle_toes")
    neither = make_submission()
    response = reviewer_client.get(reverse(LIST), {"flags": "foot_centric_onset,spread_to_walking"})
    assert foot_and_walking.reference in response.text
    assert foot_only.reference not in response.text
    assert neither.reference not in response.text
    one_flag = reviewer_client.get(reverse(LIST), {"flags": "foot_centric_onset"})
    assert foot_only.reference in one_flag.text


@pytest.mark.django_db
def test_it_filters_foot_centred_cases_with_spread_to_walking(reviewer_client):
    wanted = make_submission(first_region="foot_ankle_toes", walking="significant")
    hip = make_submission(first_region="hip_thigh", walking="significant")
    response = reviewer_client.get(
        reverse(LIST), {"pattern": "foot_ankle", "flags": "spread_to_walking"}
    )
    assert wanted.reference in response.text
    assert hip.reference not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "see_neurologist"}, {"neuro"}),
        ({"side": "left"}, {"left"}),
        ({"criteria_supported": "2"}, {"neuro"}),
        ({"criteria_supported": "0"}, set()),
        ({"onset_band": "early_adulthood"}, {"neuro", "left", "plain"}),
    ],
)
def test_it_filters_on_each_column(reviewer_client, params, expected):
    made = {
        "neuro": make_submission(walking="significant"),
        "left": make_submission(side="left"),
        "plain": make_submission(),
    }
    response = reviewer_client.get(reverse(LIST), params)
    shown = {name for name, sub in made.items() if sub.reference in response.text}
    assert shown == expected


@pytest.mark.django_db
def test_it_filters_on_a_date_range(reviewer_client):
    old = make_submission(created_on=datetime.date(2025, 1, 10))
    new = make_submission(created_on=datetime.date(2025, 3, 10))
    response = reviewer_client.get(
        reverse(LIST), {"created_from": "2025-02-01", "created_to": "2025-03-31"}
    )
    assert new.reference in response.text
    assert old.reference not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"created_from": "yesterday"}, {"flags": "no_such_flag"}])
def test_it_answers_unreadable_filters_without_an_error(reviewer_client, params):
    response = reviewer_client.get(reverse(LIST), params)
    assert response.status_code == 302
    assert response["Location"] == reverse(LIST)
    # The list shown next says that no filter is applied, and why; it must not
    # carry "e" into the date form (the next search would land on Django's
    # "Database error" page).
    after = reviewer_client.get(response["Location"])
    assert after.status_code == 200
    assert "A filter could not be read" in after.text and "no filter is applied" in after.text
    assert 'name="e"' not in after.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"age": "29"}, {"answers__own_words__icontains": "e"}, {"public_id__startswith": "f"}],
)
@pytest.mark.parametrize("view", [LIST, STATS, EXPORT])
def test_only_the_side_bar_filters_can_be_asked_for(reviewer_client, params, view):
    make_submission(age=29)
    asked = {**params, "format": "csv"} if view == EXPORT else params
    assert reviewer_client.get(reverse(view), asked).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("view", [LIST, STATS, EXPORT])
def test_a_filter_given_twice_is_refused_not_half_applied(reviewer_client, view):
    """Django applies the last value; the audit log and the pages would name both."""
    make_submission(side="left")
    asked = {"side": ["left", "right"], **({"format": "csv"} if view == EXPORT else {})}
    response = reviewer_client.get(reverse(view), asked, follow=True)
    said = {
        LIST: "side given more than once",
        STATS: "side given more than once",
        EXPORT: "A filter could not be read (side given more than once), so nothing was exported",
    }[view]
    assert said in response.text
    assert response.status_code == (400 if view == EXPORT else 200)
    assert not AuditEntry.objects.filter(query__contains="side=left&side=right").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("view", [STATS, EXPORT])
def test_a_page_with_an_unreadable_filter_is_shown_unfiltered_and_says_so(reviewer_client, view):
    """As the list does; the export form used to offer to export "category=nope"."""
    response = reviewer_client.get(reverse(view), {"category": "nope"})
    assert response.status_code == 302 and response.url == reverse(view)
    after = reviewer_client.get(response.url)
    assert "A filter could not be read" in after.text and "no filter is applied" in after.text
    assert "category=nope" not in after.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"format": ""}, {"format": "xml"}, {"free_text": "1"}, {"free_text": "1", "side": "left"}],
)
def test_the_export_form_reads_its_own_choices_apart_from_the_filters(reviewer_client, params):
    response = reviewer_client.get(reverse(EXPORT), params)
    assert response.status_code == 200
    assert 'name="format" value="csv"' in response.text
    assert ('<input type="hidden" name="side" value="left">' in response.text) == ("side" in params)
    assert 'type="hidden" name="free_text"' not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("view", [STATS, EXPORT, AGGREGATES])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_reading_pages_refuse_other_methods(reviewer_client, view, method):
    assert getattr(reviewer_client, method)(reverse(view)).status_code == 405


@pytest.mark.django_db
def test_a_head_request_is_not_audited_as_a_view_or_an_export(reviewer_client):
    for _ in range(6):
        make_submission()
    assert reviewer_client.head(reverse(STATS)).status_code == 200
    assert reviewer_client.head(reverse(EXPORT), {"format": "csv"}).status_code == 405
    aggregates = reverse(AGGREGATES)
    assert reviewer_client.head(aggregates).status_code == 405
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("view", [EXPORT, AGGREGATES])
def test_a_download_with_an_unreadable_filter_exports_nothing_and_says_so(reviewer_client, view):
    for _ in range(6):
        make_submission()
    asked = {"category": "nope", **({"format": "csv"} if view == EXPORT else {})}
    response = reviewer_client.get(reverse(view), asked)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "so nothing was exported" in response.text
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_the_statistics_do_not_say_their_filters_failed_when_they_did_not(reviewer_client):
    make_submission(side="left")
    text = reviewer_client.get(reverse(STATS), {"side": "left", "e": "1"}).text
    assert "could not be read" not in text


@pytest.mark.django_db
def test_a_page_past_the_end_keeps_the_filters(reviewer_client, monkeypatch):
    monkeypatch.setattr(screening_admin.SubmissionAdmin, "list_per_page", 1)
    make_submission(side="left"), make_submission(side="left"), make_submission(side="right")
    response = reviewer_client.get(reverse(LIST), {"side": "left", "p": "40"})
    assert response.status_code == 302 and response.url == f"{reverse(LIST)}?side=left"
    page = reviewer_client.get(response.url)
    assert "That page is past the end of this list." in page.text
    assert "2 submissions" in page.text


@pytest.mark.django_db
def test_the_list_names_flags_as_the_side_bar_does(reviewer_client):
    make_submission(walking="significant")
    title = screening_admin.FLAG_TITLES["spread_to_walking"]
    text = reviewer_client.get(reverse(LIST)).text
    assert f'<td class="field-flag_list">{title}</td>' in text


@pytest.mark.django_db
def test_the_side_bar_offers_no_criteria_count_self_report_cannot_reach(reviewer_client):
    text = reviewer_client.get(reverse(LIST)).text
    assert "criteria_supported=7" in text and "criteria_supported=8" not in text


@pytest.mark.django_db
def test_the_statistics_name_sex_for_a_reader_not_as_the_runner_was_asked(reviewer_client):
    make_submission(sex="prefer_not")
    text = reviewer_client.get(reverse(STATS)).text
    assert "Prefer not to say" in text and "I prefer not to say" not in text
    # One submission: too few to download counts, so no link that would be refused.
    assert "Download these counts" not in text and "groups of 5 or more" in text


@pytest.mark.django_db
def test_it_finds_a_submission_by_its_reference_in_any_case(reviewer_client):
    wanted, other = make_submission(), make_submission()
    response = reviewer_client.get(reverse(LIST), {"q": wanted.reference.lower()})
    assert wanted.reference in response.text
    assert other.reference not in response.text


@pytest.mark.django_db
def test_it_caps_the_count_of_a_filtered_list(steward_client, monkeypatch):
    monkeypatch.setattr(screening_admin, "COUNT_CAP", 3)
    for _ in range(5):
        make_submission(side="left")
    response = steward_client.get(reverse(LIST), {"side": "left"})
    assert "more than 3 submissions" in response.text
    assert "more than 3 results" in response.text
    # "Select all 3" would name fewer rows than an action on every match deletes.
    assert "Select every matching submission" in response.text
    assert "Select all 3" not in response.text


@pytest.mark.django_db
def test_an_unfiltered_list_too_small_to_estimate_is_counted_in_full(steward_client, monkeypatch):
    monkeypatch.setattr(screening_admin, "PAGES_AHEAD", 0)
    monkeypatch.setattr(screening_admin.SubmissionAdmin, "list_per_page", 2)
    for _ in range(4):
        make_submission(side="left")
    unfiltered = steward_client.get(reverse(LIST))
    assert "4 submissions" in unfiltered.text and "more than" not in unfiltered.text
    assert "clear the filters" not in unfiltered.text  # nothing to clear
    assert "Select all 4 submissions" in unfiltered.text
    filtered = steward_client.get(reverse(LIST), {"side": "left"})
    assert "more than 2 submissions" in filtered.text and "clear the filters" in filtered.text


# --- detail ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_detail_shows_the_result_and_the_answers_in_words(reviewer_client):
    submission = make_submission(walking="significant")
    response = reviewer_client.get(change_url(submission))
    assert response.status_code == 200
    result = submission.result()
    assert result.headline in response.text
    assert "Walking is clearly affected" in response.text  # the flag's title
    from screening import questions

    assert str(questions.label("walking")) in response.text
    assert str(questions.code_label("walking", "significant")) in response.text
    pdf = reverse("submission-pdf", kwargs={"public_id": submission.public_id})
    assert pdf in response.text
    # Pattern and axis I in the PDF's words, not as codes.
    from report import document as report

    assert f"Pattern: {report.PATTERN_WORDS[result.pattern]}." in response.text
    for key, value in result.axis1.to_dict().items():
        row = f'<th scope="row">{report.AXIS1_TITLES[key]}</th><td>{report.AXIS1_WORDS[value]}</td>'
        assert row in response.text


@pytest.mark.django_db
def test_the_list_names_category_pattern_side_and_onset_in_words(reviewer_client):
    submission = make_submission(side="left")
    text = reviewer_client.get(reverse(LIST)).text
    from report import document as report
    from reviewer import admin as submission_admin

    assert submission_admin.CATEGORY_LABELS[submission.category] in text
    assert report.PATTERN_WORDS[submission.result().pattern] in text
    assert ">Left<" in text
    assert f">{submission.onset_band.replace('_', ' ').capitalize()}<" in text


@pytest.mark.django_db
def test_a_submission_has_no_history_page(reviewer_client):
    submission = make_submission()
    history = reverse("admin:screening_submission_history", args=[submission.pk])
    assert reviewer_client.get(history).status_code == 404


@pytest.mark.django_db
def test_the_detail_escapes_free_text(reviewer_client):
    submission = make_submission(own_words='<script>alert("x")</script> & <b>bold</b>')
    response = reviewer_client.get(change_url(submission))
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in response.text


@pytest.mark.django_db
def test_the_detail_lays_out_free_text_in_its_own_direction(reviewer_client):
    """Arabic or Hebrew own words read right to left, inside the left-to-right admin."""
    submission = make_submission(own_words="ساقي اليمنى")
    response = reviewer_client.get(change_url(submission))
    assert '<p class="free-text" dir="auto">ساقي اليمنى</p>' in response.text


# --- audit ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_audits_list_detail_statistics_and_export_with_the_filter(reviewer_client, reviewer):
    submission = make_submission()
    reviewer_client.get(reverse(LIST), {"side": "right", "p": "0"})
    reviewer_client.get(change_url(submission))
    reviewer_client.get(reverse("admin:screening_submission_stats"), {"pattern": "hip_thigh"})
    export = reviewer_client.get(
        reverse("admin:screening_submission_export"),
        {"format": "csv", "category": "see_neurologist"},
    )
    b"".join(export.streaming_content)
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "object_ref", "query"))
    assert entries == [
        ("list", "", "side=right"),
        ("view", submission.reference, ""),
        ("stats", "", "pattern=hip_thigh"),
        ("export", "", "category=see_neurologist"),
    ]
    assert set(AuditEntry.objects.values_list("user", flat=True)) == {reviewer.pk}
    assert all(entry.at for entry in AuditEntry.objects.all())


@pytest.mark.django_db
def test_only_stewards_read_the_audit_log_and_nobody_edits_it(reviewer_client, client, steward):
    make_submission()
    reviewer_client.get(reverse(LIST))
    entry = AuditEntry.objects.get()
    log_url = reverse("admin:screening_auditentry_changelist")
    assert reviewer_client.get(log_url).status_code == 403
    client.force_login(steward)
    assert client.get(log_url).status_code == 200
    change = reverse("admin:screening_auditentry_change", args=[entry.pk])
    assert client.post(change, {"action": "view"}).status_code == 403
    delete = reverse("admin:screening_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action="list").exists()


# --- hardening -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_locks_out_a_username_after_repeated_failures_and_stores_no_client_detail(client):
    staff("rita", "reviewers")
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            login,
            {"username": "rita", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_USER_AGENT="Firefox/1",
        )
    locked = client.post(
        login, {"username": "rita", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert locked.status_code == 429
    attempts = list(AccessAttempt.objects.values("username", "ip_address", "user_agent"))
    assert attempts == [{"username": "rita", "ip_address": None, "user_agent": ""}]


@pytest.mark.django_db
def test_a_good_password_signs_in_and_the_session_ends_with_the_browser(client):
    staff("rita", "reviewers")
    response = client.post(reverse("admin:login"), {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert client.get(reverse(LIST)).status_code == 200


def test_the_admin_lives_at_the_configured_path():
    assert reverse("admin:index") == "/" + settings.ADMIN_URL


def test_staff_passwords_are_validated():
    with pytest.raises(ValidationError):
        validate_password("short1")
    with pytest.raises(ValidationError):
        validate_password("password1234")


# --- retention -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_steward_runs_retention_from_the_admin_and_it_is_audited(steward_client, steward):
    old_day = datetime.date.today() - datetime.timedelta(days=settings.RETENTION_DAYS + 1)
    expired = make_submission(created_on=old_day)
    kept = make_submission()
    unshared_old = make_submission(shared=False, created_on=old_day)
    response = steward_client.post(reverse("admin:screening_submission_retention"))
    assert response.status_code == 302
    remaining = set(Submission.objects.values_list("pk", flat=True))
    assert remaining == {kept.pk}
    assert expired.pk not in remaining and unshared_old.pk not in remaining
    entry = AuditEntry.objects.get(action="purge")
    assert entry.user == steward
    assert "1 shared submissions" in entry.detail
    again = steward_client.post(reverse("admin:screening_submission_retention"))
    assert again.status_code == 302
    assert set(Submission.objects.values_list("pk", flat=True)) == {kept.pk}


@pytest.mark.django_db
def test_a_reviewer_cannot_run_retention(reviewer_client):
    old_day = datetime.date.today() - datetime.timedelta(days=settings.RETENTION_DAYS + 1)
    expired = make_submission(created_on=old_day)
    response = reviewer_client.post(reverse("admin:screening_submission_retention"))
    assert response.status_code == 403
    assert Submission.objects.filter(pk=expired.pk).exists()
    assert "Run retention now" not in reviewer_client.get(reverse(LIST)).text


@pytest.mark.django_db
def test_it_filters_on_the_versions_present(reviewer_client):
    submission = make_submission()
    version = submission.scoring_version
    shown = reviewer_client.get(
        reverse(LIST), {"scoring_version": version, "instrument_version": "2"}
    )
    assert submission.reference in shown.text
    unknown = reviewer_client.get(reverse(LIST), {"scoring_version": "0.0.1"})
    assert unknown.status_code == 302 and unknown["Location"] == reverse(LIST)


@pytest.mark.django_db
def test_login_attempts_from_one_client_are_throttled_whatever_the_username(client, settings):
    """Axes locks a username; the rate limiter stops one client trying many usernames."""
    settings.RATELIMITS = {**settings.RATELIMITS, "login": "2/600"}
    login = reverse("admin:login")
    statuses = [
        client.post(
            login, {"username": f"guess{i}", "password": "x"}, REMOTE_ADDR="203.0.113.5"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]
    elsewhere = client.post(
        login, {"username": "guess9", "password": "x"}, REMOTE_ADDR="198.51.100.1"
    )
    assert elsewhere.status_code == 200
