"""seed_submissions: realistic, valid, scored, consented rows in bulk."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from reviewer.management.commands.seed_submissions import reference_for
from screening.instrument import drop_hidden, validate
from screening.models import Submission


@pytest.mark.django_db
def test_it_creates_n_valid_scored_shared_submissions():
    out = StringIO()
    call_command("seed_submissions", "60", "--seed", "7", stdout=out)
    assert "created 60 submissions" in out.getvalue()
    rows = list(Submission.objects.all())
    assert len(rows) == 60
    for row in rows:
        assert validate(drop_hidden(row.answers)) == row.answers
        stored = {name: getattr(row, name) for name in Submission.fields_from(row.answers)}
        assert stored == Submission.fields_from(row.answers)
        assert row.share_for_research and row.consent_version and row.consent_on
    assert len({row.reference for row in rows}) == 60
    assert len({row.category for row in rows}) >= 3


@pytest.mark.django_db
def test_it_adds_to_existing_rows_without_reusing_a_reference():
    call_command("seed_submissions", "20", "--seed", "1", stdout=StringIO())
    call_command("seed_submissions", "20", "--seed", "1", stdout=StringIO())
    assert Submission.objects.values("reference").distinct().count() == 40


def test_references_are_distinct_and_well_formed():
    references = [reference_for(n) for n in range(1, 200_001)]
    assert len(set(references)) == len(references)
    assert all(len(r) == 8 for r in references[:1000])


@pytest.mark.django_db
def test_it_refuses_a_count_below_one():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_submissions", "0", stdout=StringIO())
