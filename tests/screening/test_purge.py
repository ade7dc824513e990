"""purge_expired: what is deleted when, and that running it twice is harmless."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from screening.models import Draft, Submission
from tests.journey_helpers import EXPECTED_ANSWERS

TODAY = datetime.date.today()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def submission(created_on: datetime.date, *, shared: bool, code_hash: str) -> Submission:
    return Submission.objects.create(
        **Submission.fields_from(EXPECTED_ANSWERS),
        code_hash=code_hash,
        share_for_research=shared,
        created_on=created_on,
    )


def purge() -> str:
    out = StringIO()
    call_command("purge_expired", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_deletes_drafts_not_saved_for_more_than_30_days():
    Draft.objects.create(code_hash="old", updated_on=days_ago(31))
    Draft.objects.create(code_hash="edge", updated_on=days_ago(30))
    Draft.objects.create(code_hash="new", updated_on=TODAY)
    assert "deleted 1 drafts" in purge()
    assert set(Draft.objects.values_list("code_hash", flat=True)) == {"edge", "new"}


@pytest.mark.django_db
def test_it_deletes_unshared_submissions_after_30_days():
    submission(days_ago(31), shared=False, code_hash="a")
    submission(days_ago(29), shared=False, code_hash="b")
    assert "1 unshared submissions" in purge()
    assert list(Submission.objects.values_list("code_hash", flat=True)) == ["b"]


@pytest.mark.django_db
def test_it_keeps_shared_submissions_for_the_retention_period(settings):
    settings.RETENTION_DAYS = 100
    submission(days_ago(101), shared=True, code_hash="old")
    kept = submission(days_ago(31), shared=True, code_hash="kept")
    output = purge()
    assert "1 shared submissions" in output
    kept.refresh_from_db()
    assert Submission.objects.count() == 1
    # Past 30 days the runner's code no longer opens it: the kept copy is not tied to a code.
    assert kept.code_hash is None


@pytest.mark.django_db
def test_running_it_twice_deletes_nothing_more():
    Draft.objects.create(code_hash="old", updated_on=days_ago(40))
    submission(days_ago(40), shared=False, code_hash="a")
    purge()
    assert purge().startswith("deleted 0 drafts, 0 unshared submissions, 0 shared submissions")


@pytest.mark.django_db
def test_each_run_is_audited_as_run_from_the_command_line_with_its_row_count():
    """A cron run leaves a trail: who (the command line), what it deleted, how many rows."""
    from screening.models import AuditEntry

    Draft.objects.create(code_hash="old", updated_on=days_ago(31))
    submission(days_ago(31), shared=False, code_hash="a")
    submission(days_ago(31), shared=True, code_hash="b")  # kept, unlinked
    purge()
    purge()
    first, second = AuditEntry.objects.order_by("id")
    assert (first.username, first.user, first.action) == ("command line", None, "purge")
    assert (first.rows, first.outcome) == (2, "complete")
    assert first.detail.startswith("deleted 1 drafts, 1 unshared submissions")
    assert (second.rows, second.outcome) == (0, "complete")


@pytest.mark.django_db
def test_a_result_kept_for_follow_ups_outlives_the_30_days_and_its_code_opens_it():
    """A runner who asked to come back keeps result and code until keep_until; after
    that day the usual rules apply again."""
    from screening import access

    kept = submission(days_ago(200), shared=False, code_hash="kept")
    kept.keep_until = days_ago(-165)
    kept.save()
    lapsed = submission(days_ago(200), shared=True, code_hash="lapsed")
    lapsed.keep_until = days_ago(1)
    lapsed.save()
    purge()
    kept.refresh_from_db()
    assert kept.code_hash == "kept"
    assert access.live_submission("kept") == kept
    lapsed.refresh_from_db()
    assert lapsed.code_hash is None  # shared: kept for research, no longer tied to a code


@pytest.mark.django_db
def test_unshared_follow_ups_go_after_30_days_and_all_go_with_their_screening():
    from screening import followup
    from screening.models import FollowUp

    screening = submission(days_ago(100), shared=True, code_hash="s")
    answers = followup.validate(
        {
            "bladder_bowel_saddle": "no",
            "sudden_weakness": "no",
            "acute_limb": "no",
            "fu_course": "stable",
            "fu_walking": "none",
            "fu_running": "reduced",
            "fu_seen": ["gp"],
            "fu_outcome": "not_yet",
        }
    )
    fields = FollowUp.fields_from(answers, screening)
    old = FollowUp.objects.create(submission=screening, number=1, created_on=days_ago(31), **fields)
    FollowUp.objects.create(submission=screening, number=2, created_on=days_ago(3), **fields)
    shared = FollowUp.objects.create(
        submission=screening, number=3, created_on=days_ago(40), share_for_research=True, **fields
    )
    purge()
    assert set(FollowUp.objects.values_list("number", flat=True)) == {2, 3}
    assert not FollowUp.objects.filter(pk=old.pk).exists()
    screening.delete()
    assert not FollowUp.objects.filter(pk=shared.pk).exists()
