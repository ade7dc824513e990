"""The outcome agreement page (followup.md): the category x outcome table, the 2x2
with Wilson intervals, the words that say what it is not, under the one rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewer import filters as variables
from screening import followup
from screening.models import AuditEntry, FollowUp, Submission
from tests.reviewers import make_submission

URL = "admin:screening_followup_agreement"
BASE = {
    "bladder_bowel_saddle": "no",
    "sudden_weakness": "no",
    "acute_limb": "no",
    "fu_course": "stable",
    "fu_walking": "none",
    "fu_running": "reduced",
    "fu_seen": ["neurologist"],
}


def add_followup(screening: Submission, outcome: str, *, number: int = 1, shared: bool = True):
    answers = followup.validate({**BASE, "fu_outcome": outcome})
    return FollowUp.objects.create(
        submission=screening,
        number=number,
        share_for_research=shared,
        **FollowUp.fields_from(answers, screening),
    )


def screened(category: str, count: int, outcome: str, **changes) -> None:
    """``count`` shared screenings of ``category`` (forced: the table reads the stored
    category), each with one shared follow-up of ``outcome``."""
    for _ in range(count):
        screening = make_submission(**changes)
        Submission.objects.filter(pk=screening.pk).update(category=category)
        screening.refresh_from_db()
        add_followup(screening, outcome)


@pytest.mark.django_db
def test_the_agreement_page_counts_latest_shared_follow_ups_as_hand_computed(reviewer_client):
    """Seeded: a = 6 (llc_consistent, dystonia), b = 5 (see_neurologist, musculoskeletal),
    c = 7 (not_consistent, dystonia), d = 9 (other_causes_first, vascular); plus 2 with a
    dystonia diagnosis before (llc_consistent, dystonia: in the table, not the 2x2),
    one whose latest follow-up says not_yet (its first said vascular: counted nowhere),
    and one follow-up not shared (nowhere).
    Sensitivity 6/13 = 46.2% (Wilson 23.2% to 70.9%); specificity 9/14 = 64.3%
    (38.8% to 83.7%): computed by hand in tests/screening/test_followup_rules.py."""
    screened("llc_consistent", 6, "dystonia_confirmed")
    screened("see_neurologist", 5, "musculoskeletal")
    screened("not_consistent", 7, "dystonia_confirmed")
    screened("other_causes_first", 9, "vascular")
    screened(
        "llc_consistent", 2, "dystonia_confirmed", prior_diagnosis="dystonia", exam_neuro="abnormal"
    )
    changed = make_submission()
    add_followup(changed, "vascular", number=1)
    add_followup(changed, "not_yet", number=2)
    add_followup(make_submission(), "dystonia_confirmed", shared=False)

    response = reviewer_client.get(reverse(URL))
    assert response.status_code == 200
    page = response.content.decode()
    assert followup.NOT_A_VALIDATION.capitalize() in page
    assert "a = 6" in page and "b = 5" in page and "c = 7" in page and "d = 9" in page
    assert "Sensitivity a/(a+c): 46.2% (Wilson 95% interval 23.2% to 70.9%)" in page
    assert "Specificity d/(b+d): 64.3% (Wilson 95% interval 38.8% to 83.7%)" in page
    context = response.context
    rows = {row["category"]: row for row in context["rows"]}
    # Consistent with the definition (llc_consistent) x dystonia confirmed: 6 + 2 diagnosed
    # before = 8.
    labels = variables.TRIAGE_LABELS
    assert rows[labels["llc_consistent"]]["cells"][0] == "8"
    assert rows[labels["see_neurologist"]]["cells"][2] == "5"
    assert context["total"] == "29"
    assert AuditEntry.objects.filter(action="stats", detail="outcome agreement").exists()


@pytest.mark.django_db
def test_small_cells_are_suppressed_and_the_2x2_figures_withheld(reviewer_client):
    screened("llc_consistent", 6, "dystonia_confirmed")
    screened("not_consistent", 3, "dystonia_confirmed")
    page = reviewer_client.get(reverse(URL)).content.decode()
    assert "c = suppressed" in page
    assert "Sensitivity a/(a+c)" not in page
    assert "shown only when every cell of the 2x2 table holds at least 5" in page
    assert followup.NOT_A_VALIDATION.capitalize() in page
    assert ">3<" not in page


@pytest.mark.django_db
def test_follow_ups_are_listed_and_filterable_by_outcome(reviewer_client):
    screened("llc_consistent", 2, "dystonia_confirmed")
    screened("not_consistent", 1, "vascular")
    url = reverse("admin:screening_followup_changelist")
    assert reviewer_client.get(url).status_code == 200
    filtered = reviewer_client.get(url, {"outcome": "vascular"})
    assert filtered.context["cl"].result_count == 1


@pytest.mark.django_db
def test_a_screenings_shared_follow_ups_are_shown_beside_it(reviewer_client):
    screening = make_submission()
    add_followup(screening, "musculoskeletal")
    add_followup(screening, "dystonia_confirmed", number=2, shared=False)
    page = reviewer_client.get(
        reverse("admin:screening_submission_change", args=[screening.pk])
    ).content.decode()
    assert 'id="followups"' in page
    assert "a cause in the joints, muscles or tendons" in page
    assert "diagnosed a dystonia" not in page  # not shared
