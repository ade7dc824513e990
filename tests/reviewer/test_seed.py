"""seed_submissions: realistic, valid, scored, consented rows in bulk."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from reviewer.management.commands.seed_submissions import reference_for
from screening import versions
from screening.models import Submission


@pytest.mark.django_db
def test_it_creates_n_valid_scored_shared_submissions():
    out = StringIO()
    call_command("seed_submissions", "60", "--seed", "7", stdout=out)
    assert "created 60 submissions" in out.getvalue()
    rows = list(Submission.objects.all())
    assert len(rows) == 60
    for row in rows:
        definition = versions.instrument_for(row.instrument_version)
        assert definition.validate(definition.drop_hidden(row.answers)) == row.answers
        expected = Submission.fields_from(row.answers, instrument_version=row.instrument_version)
        stored = {name: getattr(row, name) for name in expected}
        assert stored == expected
        assert row.issued_result["instrument_version"] == row.instrument_version
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


@pytest.mark.django_db
def test_it_seeds_both_versions_each_with_its_own_items():
    call_command("seed_submissions", "200", "--seed", "11", stdout=StringIO())
    rows = list(Submission.objects.all())
    by_version = {v: [r for r in rows if r.instrument_version == v] for v in versions.VERSIONS}
    # About 15% version 1: 30 expected of 200.
    assert 10 <= len(by_version["1"]) <= 60
    assert {r.scoring_version for r in by_version["1"]} == {"1.0.0"}
    assert {r.scoring_version for r in by_version["2"]} == {"2.0.0"}
    v1_keys = set().union(*(r.answers for r in by_version["1"]))
    v2_keys = set().union(*(r.answers for r in by_version["2"]))
    assert "diagnosis_explains" in v1_keys
    assert v1_keys.isdisjoint(versions.NEW_SINCE_V1)
    assert "diagnosis_explains" not in v2_keys
    assert set(versions.NEW_SINCE_V1) <= v2_keys
    assert any("knee" in r.answers["regions"] for r in by_version["2"])
    assert "known_dystonia" in {r.category for r in by_version["2"]}


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows():
    def snapshot():
        return [
            (r.reference, r.instrument_version, r.answers, r.created_on)
            for r in Submission.objects.order_by("id")
        ]

    call_command("seed_submissions", "40", "--seed", "5", stdout=StringIO())
    first = snapshot()
    Submission.objects.all().delete()
    call_command("seed_submissions", "40", "--seed", "5", stdout=StringIO())
    assert snapshot() == first
